using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Kube.Client;

namespace Erebor.Operator.Tests.Integration;

/// <summary>
/// A real control plane with Erebor's CRDs installed, the erebor-system namespace, and one real
/// operator process (webhook registered, leader elected) running against it.
/// </summary>
public sealed class OperatorFixture : IAsyncLifetime
{
    private IControlPlane? _cluster;
    private OperatorProcess? _operator;
    private KubeApi? _api;

    public IControlPlane Cluster => _cluster ?? throw new InvalidOperationException("not started");
    public OperatorProcess Operator => _operator ?? throw new InvalidOperationException("not started");
    public KubeApi Api => _api ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _cluster = await ControlPlanes.StartAsync();
        await EreborInstallation.InstallCrdsAsync(_cluster);
        _api = new KubeApi(KubeConfig.FromFile(_cluster.KubeconfigPath));
        _operator = await OperatorProcess.StartAsync(_cluster);
    }

    public async Task DisposeAsync()
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
        _api?.Dispose();
        if (_cluster is not null) { await _cluster.DisposeAsync(); }
    }

    /// <summary>Starts a new operator process (after the test stopped or killed the previous one).</summary>
    public async Task RestartOperatorAsync()
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
        _operator = await OperatorProcess.StartAsync(Cluster);
    }

    /// <summary>A fresh namespace for one test, so tests in a class never see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await Cluster.KubectlCheckedAsync("create", "namespace", name);
        return name;
    }
}
