using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;

namespace Erebor.Operator.Tests.Integration;

/// <summary>
/// A real control plane with Erebor's CRDs installed, the erebor-system namespace, and one real
/// operator process (webhook registered, leader elected) running against it.
/// </summary>
public sealed class OperatorFixture : EreborClusterFixture
{
    private OperatorProcess? _operator;

    public OperatorProcess Operator => _operator ?? throw new InvalidOperationException("not started");

    /// <summary>Starts a new operator process (after the test stopped or killed the previous one).</summary>
    public async Task RestartOperatorAsync(OperatorProcessOptions? options = null)
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
        _operator = await OperatorProcess.StartAsync(Cluster, options);
    }

    protected override async Task StartedAsync() => _operator = await OperatorProcess.StartAsync(Cluster);

    protected override async Task StoppingAsync()
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
    }
}
