using Erebor.Harness.Processes;

namespace Erebor.Harness.ControlPlane;

/// <summary>
/// A Kubernetes API server the tests own: <see cref="LocalControlPlane"/> (etcd + kube-apiserver
/// processes, the default) or <see cref="K3dControlPlane"/> (EREBOR_TEST_CLUSTER=k3d on a machine
/// with Docker). Identities that work on both come from <see cref="CreateServiceAccountTokenAsync"/>.
/// </summary>
public interface IControlPlane : IAsyncDisposable
{
    /// <summary>https://127.0.0.1:&lt;port&gt;</summary>
    Uri ApiServerUrl { get; }

    /// <summary>Kubeconfig with the cluster CA data and the admin bearer token; context "erebor-test".</summary>
    string KubeconfigPath { get; }

    /// <summary>Bearer token of a cluster admin (group system:masters locally, cluster-admin binding on k3d).</summary>
    string AdminToken { get; }

    /// <summary>The CA that signed the API server's serving certificate.</summary>
    string CaCertificatePem { get; }

    /// <summary>Temporary directory owned by this control plane (kubeconfigs, logs; certificates and etcd data locally).</summary>
    string WorkDirectory { get; }

    /// <summary>
    /// Runs kubectl against this cluster; returns the result whatever the exit code. A
    /// <c>--kubeconfig</c> among <paramref name="args"/> overrides the admin one (the last one wins),
    /// e.g. to act as a user from <see cref="WriteKubeconfig"/>.
    /// </summary>
    Task<ProcessResult> KubectlAsync(params string[] args);

    /// <summary>Runs kubectl against this cluster; returns stdout or throws <see cref="ProcessFailedException"/> carrying stderr.</summary>
    Task<string> KubectlCheckedAsync(params string[] args);

    /// <summary><c>kubectl apply -f -</c> of <paramref name="manifest"/> (YAML or JSON); returns stdout, throws on failure.</summary>
    Task<string> ApplyAsync(string manifest);

    /// <summary>An HTTP handler that trusts only this cluster's CA, for a Kubernetes client under test.</summary>
    HttpMessageHandler CreateHttpHandler();

    /// <summary>
    /// Creates (if missing) the service account <paramref name="namespaceName"/>/<paramref name="name"/>
    /// and returns a bound token for it from the TokenRequest API: a runtime identity
    /// (system:serviceaccount:ns:name) for RBAC tests, since static token users cannot be added later.
    /// The namespace must exist.
    /// </summary>
    Task<string> CreateServiceAccountTokenAsync(string namespaceName, string name, CancellationToken ct = default);

    /// <summary>Writes a kubeconfig that authenticates with <paramref name="token"/> into the work directory; returns its path.</summary>
    string WriteKubeconfig(string token, string fileName);

    Task StopApiServerAsync();

    /// <summary>Starts the API server again on the same port with the same data; returns once it is ready.</summary>
    Task StartApiServerAsync();

    /// <summary>Stops and starts the API server (same port, data kept), e.g. to prove a watch survives it.</summary>
    Task RestartApiServerAsync();
}
