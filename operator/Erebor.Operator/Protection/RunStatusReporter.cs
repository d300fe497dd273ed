using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Protection.Engine;

namespace Erebor.Operator.Protection;

/// <summary>The run stopped because it is no longer this executor's: taken over by another, or its object was deleted.</summary>
public sealed class RunAbortedException(string message) : Exception(message);

/// <summary>
/// Writes a running Checkpoint's or Restore's status: progress (resourcesDone/Total) at most once
/// per <c>progressInterval</c>, every skipped or failed resource (up to
/// <see cref="RunResults.MaxListed"/>), and the executor's heartbeat. Every write carries the
/// resourceVersion last read, so a write never overwrites another executor's claim: on a conflict
/// the object is read again and the write is retried only while it still names this executor,
/// otherwise <see cref="RunAbortedException"/> stops the run.
/// <para>A null <paramref name="executor"/> is a run guarded by something else than
/// status.executor (a Checkpoint's lease in its bank): no heartbeat is written, and a conflict only
/// means someone else wrote the object, so the write is retried on the fresh resourceVersion.</para>
/// </summary>
public sealed class RunStatusReporter<T, TStatus>(IKubeApi api, T entity, string? executor, TimeProvider time, TimeSpan progressInterval, Action<RunProgress>? written = null) : IRunReporter, IDisposable
    where T : class, IStatusObject<TStatus>
    where TStatus : RunStatus, new()
{
    private readonly SemaphoreSlim _writing = new(1, 1);
    private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;
    private RunProgress _progress = new(0, 0, 0, 0);

    /// <summary>The object as last written (its status is what the run reports).</summary>
    public T Entity => entity;

    /// <summary>Skipped or failed resources beyond <see cref="RunResults.MaxListed"/>.</summary>
    public int Unlisted { get; private set; }

    /// <summary>Sets fields the run derives from its own state just before each write (a checkpoint's size so far).</summary>
    public Action<TStatus>? BeforeWrite { get; init; }

    /// <summary>Also told every result and progress as they come, written or not (the checkpoint command prints them).</summary>
    public IRunReporter? Observer { get; init; }

    public async ValueTask OnResultAsync(ResourceResult result, RunProgress progress, CancellationToken ct)
    {
        if (Observer is { } observer) { await observer.OnResultAsync(result, progress, ct); }
        await _writing.WaitAsync(ct);
        try
        {
            if (result.Outcome != ResourceOutcome.Done)
            {
                var list = entity.Status.Resources ??= [];
                if (list.Count < RunResults.MaxListed) { list.Add(RunResults.ToStatus(result)); }
                else { Unlisted++; }
            }

            await ProgressLockedAsync(progress, ct);
        }
        finally
        {
            _writing.Release();
        }
    }

    public async ValueTask OnProgressAsync(RunProgress progress, CancellationToken ct)
    {
        if (Observer is { } observer) { await observer.OnProgressAsync(progress, ct); }
        await _writing.WaitAsync(ct);
        try { await ProgressLockedAsync(progress, ct); }
        finally { _writing.Release(); }
    }

    /// <summary>Changes the status (under the same lock as progress) and writes it at once, e.g. a phase change.</summary>
    public async Task WriteAsync(Action<TStatus> change, CancellationToken ct)
    {
        await _writing.WaitAsync(ct);
        try
        {
            change(entity.Status);
            await WriteLockedAsync(ct);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Renews the heartbeat whenever <paramref name="interval"/> passed without a write, until cancelled.</summary>
    public async Task HeartbeatAsync(TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval / 2, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (time.GetUtcNow() - _lastWrite < interval) { continue; }
                await WriteAsync(_ => { }, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public void Dispose() => _writing.Dispose();

    private async Task ProgressLockedAsync(RunProgress progress, CancellationToken ct)
    {
        _progress = progress;
        entity.Status.ResourcesDone = progress.Done;
        entity.Status.ResourcesTotal = progress.Total;
        if (time.GetUtcNow() - _lastWrite >= progressInterval) { await WriteLockedAsync(ct); }
    }

    private async Task WriteLockedAsync(CancellationToken ct)
    {
        if (executor is not null) { entity.Status.HeartbeatTime = time.GetUtcNow(); }
        BeforeWrite?.Invoke(entity.Status);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var updated = await api.ReplaceStatusAsync(entity, ct);
                entity.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
                _lastWrite = time.GetUtcNow();
                written?.Invoke(_progress);
                return;
            }
            catch (KubeApiException e) when (e.IsNotFound)
            {
                throw new RunAbortedException($"{entity.Kind} {entity.Metadata.Namespace}/{entity.Metadata.Name} was deleted while it ran");
            }
            catch (KubeApiException e) when (e.IsConflict && attempt < 5)
            {
                // Someone else wrote the object (a label, or another executor's claim): go on only while the run is still ours.
                var fresh = await api.GetAsync<T>(entity.Metadata.Namespace, entity.Metadata.Name!, ct)
                    ?? throw new RunAbortedException($"{entity.Kind} {entity.Metadata.Namespace}/{entity.Metadata.Name} was deleted while it ran");
                if (executor is not null && fresh.Status.Executor != executor)
                {
                    throw new RunAbortedException($"{entity.Kind} {entity.Metadata.Namespace}/{entity.Metadata.Name} is now run by {fresh.Status.Executor ?? "nobody"} (phase {fresh.Status.Phase}); {executor} stops");
                }

                entity.Metadata.ResourceVersion = fresh.Metadata.ResourceVersion;
            }
        }
    }
}
