using System.Text;

using Erebor.Harness.Processes;
using Erebor.Kube.Tls;

namespace Erebor.Harness.ControlPlane;

/// <summary>
/// A throwaway k3d (k3s in Docker) cluster, for machines with a Docker engine: real nodes and
/// controllers, unlike <see cref="LocalControlPlane"/>. The admin token belongs to a service account
/// bound to cluster-admin; "restarting the API server" restarts the single server container.
/// </summary>
public sealed class K3dControlPlane : IControlPlane
{
    private readonly string _clusterName;
    private readonly TimeSpan _startupTimeout;
    private readonly ClusterConnection _connection;
    private bool _disposed;

    private K3dControlPlane(string clusterName, string workDirectory, int apiPort, string caCertificatePem, string adminToken, TimeSpan startupTimeout)
    {
        _clusterName = clusterName;
        _startupTimeout = startupTimeout;
        WorkDirectory = workDirectory;
        ApiServerUrl = new Uri($"https://127.0.0.1:{apiPort}");
        CaCertificatePem = caCertificatePem;
        AdminToken = adminToken;
        // k3s is current Kubernetes; the 1.20 kubectl from the cache would be outside kubectl's skew policy.
        _connection = new ClusterConnection(ApiServerUrl, caCertificatePem, adminToken, workDirectory, RequireOnPath("kubectl"));
    }

    public Uri ApiServerUrl { get; }
    public string KubeconfigPath => _connection.KubeconfigPath;
    public string AdminToken { get; }
    public string CaCertificatePem { get; }
    public string WorkDirectory { get; }
    private string ServerContainer => $"k3d-{_clusterName}-server-0";

    public static async Task<K3dControlPlane> StartAsync(ControlPlaneOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ControlPlaneOptions();
        if (options.TokenUsers.Count > 0 || options.ExtraApiServerArguments.Count > 0)
        {
            throw new NotSupportedException("k3d clusters support neither static token users nor extra API server arguments; use service-account tokens.");
        }

        var k3d = RequireOnPath("k3d");
        var kubectl = RequireOnPath("kubectl");
        RequireOnPath("docker");
        var clusterName = $"erebor-{Guid.NewGuid():N}"[..20];
        var workDirectory = Directory.CreateTempSubdirectory("erebor-k3d-").FullName;
        var apiPort = LoopbackPorts.Reserve(1)[0];
        try
        {
            await ProcessRunner.RunCheckedAsync(k3d,
                ["cluster", "create", clusterName, "--kubeconfig-update-default=false", "--no-lb", "--api-port", $"127.0.0.1:{apiPort}", "--wait", "--timeout", $"{(int)options.StartupTimeout.TotalSeconds}s"],
                new ProcessOptions { Timeout = options.StartupTimeout + TimeSpan.FromSeconds(30) }, ct);
            var certificateKubeconfig = Path.Combine(workDirectory, "k3d-kubeconfig");
            await File.WriteAllTextAsync(certificateKubeconfig, await ProcessRunner.RunCheckedAsync(k3d, ["kubeconfig", "get", clusterName], null, ct), ct);

            Task<string> Kubectl(params string[] args) => ProcessRunner.RunCheckedAsync(kubectl, ["--kubeconfig", certificateKubeconfig, .. args], null, ct);
            var caData = await Kubectl("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.certificate-authority-data}");
            await Kubectl("-n", "kube-system", "create", "serviceaccount", "erebor-admin");
            await Kubectl("create", "clusterrolebinding", "erebor-admin", "--clusterrole=cluster-admin", "--serviceaccount=kube-system:erebor-admin");
            var adminToken = (await Kubectl("-n", "kube-system", "create", "token", "erebor-admin", "--duration=24h")).Trim();
            return new K3dControlPlane(clusterName, workDirectory, apiPort, Encoding.ASCII.GetString(Convert.FromBase64String(caData.Trim())), adminToken, options.StartupTimeout);
        }
        catch
        {
            await ProcessRunner.RunAsync(k3d, "cluster", "delete", clusterName);
            Directory.Delete(workDirectory, recursive: true);
            throw;
        }
    }

    public Task<ProcessResult> KubectlAsync(params string[] args) => _connection.KubectlAsync(args);

    public Task<string> KubectlCheckedAsync(params string[] args) => _connection.KubectlCheckedAsync(args);

    public Task<string> ApplyAsync(string manifest) => _connection.KubectlCheckedAsync(["apply", "-f", "-"], manifest);

    public HttpMessageHandler CreateHttpHandler() => PinnedCertificateAuthority.CreateHttpHandler(CaCertificatePem);

    public Task<string> CreateServiceAccountTokenAsync(string namespaceName, string name, CancellationToken ct = default) =>
        _connection.CreateServiceAccountTokenAsync(namespaceName, name, ct);

    public string WriteKubeconfig(string token, string fileName) => _connection.WriteKubeconfig(token, fileName);

    public Task StopApiServerAsync() => ProcessRunner.RunCheckedAsync("docker", "stop", ServerContainer);

    public async Task StartApiServerAsync()
    {
        await ProcessRunner.RunCheckedAsync("docker", "start", ServerContainer);
        await _connection.WaitUntilReadyAsync(_startupTimeout, () => null, CancellationToken.None);
    }

    public async Task RestartApiServerAsync()
    {
        await ProcessRunner.RunCheckedAsync("docker", "restart", ServerContainer);
        await _connection.WaitUntilReadyAsync(_startupTimeout, () => null, CancellationToken.None);
    }

    /// <summary>Deletes the k3d cluster and the work directory (unless EREBOR_KEEP_CLUSTER=1, which keeps both). Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) { return; }
        _disposed = true;
        _connection.Dispose();
        if (Environment.GetEnvironmentVariable(LocalControlPlane.KeepEnvironmentVariable) == "1") { return; }
        try
        {
            await ProcessRunner.RunAsync(KubeBinaries.FindOnPath("k3d") ?? "k3d", "cluster", "delete", _clusterName);
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Disposal must not throw; a leftover cluster shows in `k3d cluster list`.
        }
    }

    private static string RequireOnPath(string tool) =>
        KubeBinaries.FindOnPath(tool) ?? throw new InvalidOperationException(
            $"EREBOR_TEST_CLUSTER=k3d needs `{tool}` on PATH (and a running Docker engine); unset EREBOR_TEST_CLUSTER to use the local etcd + kube-apiserver control plane.");
}
