using Erebor.Kube.Client;
using Xunit;

namespace Erebor.Harness.ControlPlane;

/// <summary>
/// A real control plane with Erebor's CRDs installed and an admin client: the base of every
/// integration test class that talks to the API server. Derived fixtures add the processes they
/// need (an operator, agents) in <see cref="StartedAsync"/>.
/// </summary>
public class EreborClusterFixture : IAsyncLifetime
{
    private IControlPlane? _cluster;
    private KubeApi? _api;

    public IControlPlane Cluster => _cluster ?? throw new InvalidOperationException("The control plane is not started yet; xunit starts it before the first test.");

    public KubeApi Api => _api ?? throw new InvalidOperationException("The control plane is not started yet; xunit starts it before the first test.");

    public async Task InitializeAsync()
    {
        _cluster = await ControlPlanes.StartAsync();
        await EreborInstallation.InstallCrdsAsync(_cluster);
        _api = new KubeApi(KubeConfig.FromFile(_cluster.KubeconfigPath));
        await StartedAsync();
    }

    public async Task DisposeAsync()
    {
        await StoppingAsync();
        _api?.Dispose();
        if (_cluster is not null) { await _cluster.DisposeAsync(); }
    }

    /// <summary>A fresh namespace, so tests sharing the fixture never see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync(string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await Cluster.KubectlCheckedAsync("create", "namespace", name);
        return name;
    }

    /// <summary>Called once the cluster and the CRDs are up.</summary>
    protected virtual Task StartedAsync() => Task.CompletedTask;

    /// <summary>Called before the cluster stops.</summary>
    protected virtual Task StoppingAsync() => Task.CompletedTask;
}
