using Erebor.Api;
using Erebor.Kube.Runtime;
using Erebor.Operator.Protection;

namespace Erebor.Operator.Controllers;

/// <summary>
/// Runs Restores in the operator through <see cref="RestoreRun"/> (the same run the
/// <c>restore run</c> command does). A run occupies one worker until it ends; it is cancelled when
/// this replica stops leading (<paramref name="leading"/>), and then released for the next leader.
/// </summary>
public sealed class RestoreController(RestoreRun run, CancellationToken leading) : IEntityController<V1Alpha1Restore>
{
    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1Restore restore, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, leading);
        var result = await run.RunAsync(restore, linked.Token);
        return result.Again is { } delay ? ReconcileResult.RequeueIn(delay) : ReconcileResult.Done;
    }
}
