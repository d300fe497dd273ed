using Xunit;

namespace Erebor.Harness.ControlPlane;

/// <summary>Picks the control-plane flavour: k3d when EREBOR_TEST_CLUSTER=k3d, else the local etcd + kube-apiserver.</summary>
public static class ControlPlanes
{
    public const string FlavourEnvironmentVariable = "EREBOR_TEST_CLUSTER";

    public static async Task<IControlPlane> StartAsync(ControlPlaneOptions? options = null, CancellationToken ct = default) =>
        Environment.GetEnvironmentVariable(FlavourEnvironmentVariable) switch
        {
            null or "" or "local" => await LocalControlPlane.StartAsync(options, ct),
            "k3d" => await K3dControlPlane.StartAsync(options, ct),
            var other => throw new InvalidOperationException($"{FlavourEnvironmentVariable}={other} is not a control-plane flavour; use 'local' (default) or 'k3d'."),
        };
}

/// <summary>One control plane per test class (IClassFixture) or collection (ICollectionFixture).</summary>
public sealed class ControlPlaneFixture : IAsyncLifetime
{
    private IControlPlane? _controlPlane;

    public IControlPlane ControlPlane =>
        _controlPlane ?? throw new InvalidOperationException("The control plane is not started yet; xunit starts it before the first test.");

    public async Task InitializeAsync() => _controlPlane = await ControlPlanes.StartAsync();

    public async Task DisposeAsync()
    {
        if (_controlPlane is not null) { await _controlPlane.DisposeAsync(); }
    }
}
