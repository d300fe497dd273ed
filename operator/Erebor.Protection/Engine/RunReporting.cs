using Erebor.Protection.Checkpoints;

namespace Erebor.Protection.Engine;

public enum ResourceOutcome
{
    Done,
    Skipped,
    Failed,
}

/// <summary>
/// What happened to one resource in a run. <see cref="Aspect"/> is null for the object itself and
/// names a second result about the same object otherwise (e.g. "volume-data" of a claim), which is
/// not counted in progress.
/// </summary>
public sealed record ResourceResult(ResourceKey Key, ResourceOutcome Outcome, string? Message = null, string? Aspect = null)
{
    public override string ToString() =>
        $"{Key}{(Aspect is null ? string.Empty : $" [{Aspect}]")}: {Outcome}{(Message is null ? string.Empty : $" ({Message})")}";
}

/// <summary>
/// Objects handled so far out of the objects known. Protect counts each selected type before it
/// pages through it, so <see cref="Total"/> is known early and only corrected when objects appear
/// or vanish while the run lists them; restore's total is the checkpoint index's size.
/// </summary>
public sealed record RunProgress(int Done, int Total, int Skipped, int Failed);

/// <summary>Where a run reports to; the controllers turn this into Checkpoint/Restore status.</summary>
public interface IRunReporter
{
    /// <summary>One resource's result (object results and aspects), with the progress after it.</summary>
    ValueTask OnResultAsync(ResourceResult result, RunProgress progress, CancellationToken ct);

    /// <summary>The total changed without a result (e.g. after counting a type).</summary>
    ValueTask OnProgressAsync(RunProgress progress, CancellationToken ct);
}

/// <summary>Reports nowhere.</summary>
public sealed class NullRunReporter : IRunReporter
{
    public static NullRunReporter Instance { get; } = new();

    public ValueTask OnResultAsync(ResourceResult result, RunProgress progress, CancellationToken ct) => ValueTask.CompletedTask;

    public ValueTask OnProgressAsync(RunProgress progress, CancellationToken ct) => ValueTask.CompletedTask;
}

/// <summary>A finished run: counts, and every result that was not a plain Done (bounded by what went wrong).</summary>
public sealed record RunSummary(RunProgress Progress, IReadOnlyList<ResourceResult> NotDone)
{
    /// <summary>An object or an aspect of one failed: a protect run is PartiallyFailed, not Available.</summary>
    public bool HasFailures => NotDone.Any(r => r.Outcome == ResourceOutcome.Failed);
}

/// <summary>Counts results and keeps the ones worth showing; shared by both executors.</summary>
internal sealed class RunTally(IRunReporter reporter)
{
    private readonly List<ResourceResult> _notDone = [];
    private int _done;
    private int _skipped;
    private int _failed;

    public int Total { get; set; }

    public RunProgress Progress => new(_done + _skipped + _failed, Math.Max(Total, _done + _skipped + _failed), _skipped, _failed);

    public async ValueTask AddAsync(ResourceResult result, CancellationToken ct)
    {
        if (result.Aspect is null)
        {
            switch (result.Outcome)
            {
                case ResourceOutcome.Done: _done++; break;
                case ResourceOutcome.Skipped: _skipped++; break;
                default: _failed++; break;
            }
        }

        if (result.Outcome != ResourceOutcome.Done) { _notDone.Add(result); }
        await reporter.OnResultAsync(result, Progress, ct);
    }

    public ValueTask ReportTotalAsync(CancellationToken ct) => reporter.OnProgressAsync(Progress, ct);

    public RunSummary Summary() => new(Progress, _notDone.ToList());
}
