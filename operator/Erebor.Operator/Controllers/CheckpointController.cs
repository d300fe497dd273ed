using System.Collections.Concurrent;
using Erebor.Api;
using Erebor.Kube.Runtime;
using Erebor.Operator.Protection;

namespace Erebor.Operator.Controllers;

/// <summary>
/// Runs Checkpoints through <see cref="CheckpointExecutor"/> inside the reconcile (the work queue
/// never runs one object twice at once). A run stops when its Checkpoint starts being deleted (the
/// finalizer then removes its data) or when this replica stops leading (<paramref name="stopping"/>;
/// the next leader restarts it).
/// </summary>
public sealed class CheckpointController : IEntityController<V1Alpha1Checkpoint>
{
    private readonly CheckpointExecutor _executor;
    private readonly CancellationToken _stopping;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    public CheckpointController(CheckpointExecutor executor, Informer<V1Alpha1Checkpoint> checkpoints, CancellationToken stopping)
    {
        _executor = executor;
        _stopping = stopping;
        checkpoints.Changed += change =>
        {
            if ((change.Type == Kube.Client.WatchEventType.Deleted || change.Object.Metadata.DeletionTimestamp is not null)
                && change.Object.Metadata.Uid is { } uid && _running.TryGetValue(uid, out var run))
            {
                run.Cancel();
            }
        };
    }

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        using var run = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping);
        var uid = checkpoint.Metadata.Uid!;
        _running[uid] = run;
        try
        {
            var pass = await _executor.AdvanceAsync(checkpoint, run.Token);
            return pass.RetryAfter is { } delay ? ReconcileResult.RequeueIn(delay) : ReconcileResult.Done;
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            return ReconcileResult.Done; // being deleted (the finalizer takes over) or no longer leading
        }
        finally
        {
            _running.TryRemove(uid, out _);
        }
    }
}
