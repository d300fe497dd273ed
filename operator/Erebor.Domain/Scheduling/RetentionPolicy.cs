using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Erebor.Domain.Scheduling;

/// <summary>A checkpoint's phase as far as retention cares (mirrors the Checkpoint resource's phases).</summary>
public enum CheckpointPhase
{
    Pending,
    Protecting,
    Available,
    PartiallyFailed,
    Error,
    Deleting,
    Deleted,
}

/// <summary>One checkpoint of a plan, as input to <see cref="RetentionPolicy.Evaluate"/>.</summary>
public sealed record CheckpointSummary(string Id, CheckpointPhase Phase, DateTimeOffset CreatedAt);

/// <summary>A checkpoint retention deletes, and why (a sentence for an event).</summary>
public sealed record RetentionDeletion(string Id, string Reason);

/// <summary>
/// Keep the last N and/or a maximum age. Both are limits: an Available checkpoint survives only if
/// it is among the newest <see cref="KeepLast"/> Available ones AND not older than <see
/// cref="MaxAge"/> (whichever are set); with neither set, nothing is deleted.
/// </summary>
/// <remarks>
/// Rules (<see cref="Evaluate"/>):
/// <list type="number">
/// <item>Never delete a checkpoint that is not finished (Pending, Protecting); Deleting and
/// Deleted ones are already on their way and are left alone.</item>
/// <item>Never delete the newest Available checkpoint, even if it is older than the max age (a plan
/// that stopped running keeps its last good restore point). "Newest" is by creation time, then by
/// id (ordinal) so that the choice is deterministic.</item>
/// <item>Keep last N counts Available checkpoints only.</item>
/// <item>Failed checkpoints (Error, PartiallyFailed) do not count toward N. Once an Available
/// checkpoint newer than a failed one exists, the failed one is superseded and deleted. The
/// failures since the newest Available checkpoint (the current streak, which explains what is
/// wrong) are kept, at most N of them (newest first), and each only up to the max age. If the plan
/// has no Available checkpoint at all, its newest PartiallyFailed one is never deleted: it holds
/// the only data there is.</item>
/// </list>
/// </remarks>
public sealed record RetentionPolicy
{
    public RetentionPolicy(int? keepLast = null, TimeSpan? maxAge = null)
    {
        if (keepLast is < 1) { throw new ArgumentOutOfRangeException(nameof(keepLast), keepLast, "keep last must be at least 1"); }
        if (maxAge is { } age && age <= TimeSpan.Zero) { throw new ArgumentOutOfRangeException(nameof(maxAge), maxAge, "max age must be greater than zero"); }
        KeepLast = keepLast;
        MaxAge = maxAge;
    }

    public int? KeepLast { get; }

    public TimeSpan? MaxAge { get; }

    public bool IsEmpty => KeepLast is null && MaxAge is null;

    /// <summary>
    /// Builds a policy from a plan's spec.retention (keepLast, maxAge as text such as "7d"); the
    /// error names the field and the problem.
    /// </summary>
    public static bool TryCreate(int? keepLast, string? maxAge, [NotNullWhen(true)] out RetentionPolicy? policy, out string error)
    {
        policy = null;
        error = string.Empty;
        if (keepLast is < 1)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"keepLast must be at least 1, got {keepLast}");
            return false;
        }

        TimeSpan? age = null;
        if (maxAge is not null)
        {
            if (!Scheduling.MaxAge.TryParse(maxAge, out var parsed, out var ageError))
            {
                error = ageError;
                return false;
            }

            age = parsed;
        }

        policy = new RetentionPolicy(keepLast, age);
        return true;
    }

    /// <summary>Which of a plan's checkpoints to delete at <paramref name="now"/>, oldest first.</summary>
    public IReadOnlyList<RetentionDeletion> Evaluate(IEnumerable<CheckpointSummary> checkpoints, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (IsEmpty) { return []; }

        var newestFirst = checkpoints
            .OrderByDescending(checkpoint => checkpoint.CreatedAt)
            .ThenByDescending(checkpoint => checkpoint.Id, StringComparer.Ordinal)
            .ToList();
        var newestAvailable = newestFirst.FirstOrDefault(checkpoint => checkpoint.Phase == CheckpointPhase.Available);
        var protectedPartial = newestAvailable is null
            ? newestFirst.FirstOrDefault(checkpoint => checkpoint.Phase == CheckpointPhase.PartiallyFailed)
            : null;

        var deletions = new List<(CheckpointSummary Checkpoint, string Reason)>();
        var availableRank = 0;
        var failedRank = 0;
        foreach (var checkpoint in newestFirst)
        {
            var reason = checkpoint.Phase switch
            {
                CheckpointPhase.Available => ReasonForAvailable(checkpoint, ++availableRank, ReferenceEquals(checkpoint, newestAvailable), now),
                CheckpointPhase.Error or CheckpointPhase.PartiallyFailed =>
                    ReasonForFailed(checkpoint, newestAvailable, ReferenceEquals(checkpoint, protectedPartial), now, ref failedRank),
                _ => null,
            };
            if (reason is not null) { deletions.Add((checkpoint, reason)); }
        }

        return deletions
            .OrderBy(deletion => deletion.Checkpoint.CreatedAt)
            .ThenBy(deletion => deletion.Checkpoint.Id, StringComparer.Ordinal)
            .Select(deletion => new RetentionDeletion(deletion.Checkpoint.Id, deletion.Reason))
            .ToList();
    }

    private string? ReasonForAvailable(CheckpointSummary checkpoint, int rank, bool isNewestAvailable, DateTimeOffset now)
    {
        if (isNewestAvailable) { return null; }

        if (KeepLast is { } keep && rank > keep)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Available checkpoint {checkpoint.Id} is number {rank} of the plan's Available checkpoints, newest first; keepLast is {keep}");
        }

        return IsTooOld(checkpoint, now) is { } age
            ? $"Available checkpoint {checkpoint.Id} is {Scheduling.MaxAge.Format(age)} old, more than maxAge {Scheduling.MaxAge.Format(MaxAge!.Value)}"
            : null;
    }

    private string? ReasonForFailed(CheckpointSummary checkpoint, CheckpointSummary? newestAvailable, bool isOnlyData, DateTimeOffset now, ref int failedRank)
    {
        if (isOnlyData) { return null; }

        if (newestAvailable is not null && IsOlder(checkpoint, newestAvailable))
        {
            return $"{checkpoint.Phase} checkpoint {checkpoint.Id} is superseded by the newer Available checkpoint {newestAvailable.Id}";
        }

        failedRank++;
        if (KeepLast is { } keep && failedRank > keep)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{checkpoint.Phase} checkpoint {checkpoint.Id} is failure number {failedRank} since the last Available checkpoint, newest first; at most keepLast ({keep}) are kept");
        }

        return IsTooOld(checkpoint, now) is { } age
            ? $"{checkpoint.Phase} checkpoint {checkpoint.Id} is {Scheduling.MaxAge.Format(age)} old, more than maxAge {Scheduling.MaxAge.Format(MaxAge!.Value)}"
            : null;
    }

    private TimeSpan? IsTooOld(CheckpointSummary checkpoint, DateTimeOffset now)
    {
        var age = now - checkpoint.CreatedAt;
        return MaxAge is { } max && age > max ? age : null;
    }

    private static bool IsOlder(CheckpointSummary a, CheckpointSummary b) =>
        a.CreatedAt < b.CreatedAt || (a.CreatedAt == b.CreatedAt && string.CompareOrdinal(a.Id, b.Id) < 0);
}
