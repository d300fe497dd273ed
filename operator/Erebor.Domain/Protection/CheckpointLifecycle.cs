using System.Globalization;
using Erebor.Domain.Scheduling;

namespace Erebor.Domain.Protection;

/// <summary>What to do with a checkpoint the controller (or the CLI) finds.</summary>
public enum CheckpointStep
{
    /// <summary>Start a run (Pending, or an interrupted run restarted from scratch).</summary>
    Run,

    /// <summary>Another holder's lease in the bank is live: wait until it expires (<see cref="CheckpointDecision.RetryAt"/>).</summary>
    Wait,

    /// <summary>An interrupted run was restarted too often: mark it Error.</summary>
    GiveUp,

    /// <summary>Finished with data (Available, PartiallyFailed): check now and then that its index still reads.</summary>
    Verify,

    /// <summary>Nothing more to do (Error, Deleted, or being deleted).</summary>
    Nothing,
}

/// <summary>The holder of a checkpoint's lease in the bank, as the bank reports it.</summary>
public sealed record CheckpointLeaseHolder(string Holder, DateTimeOffset ExpiresAt);

/// <summary>A decision and, for <see cref="CheckpointStep.Wait"/>/<see cref="CheckpointStep.GiveUp"/>, why.</summary>
public sealed record CheckpointDecision(CheckpointStep Step, string? Reason = null, DateTimeOffset? RetryAt = null);

/// <summary>
/// The checkpoint state machine's decisions, free of I/O (the executor reads the bank's lease and
/// passes it in):
/// <list type="bullet">
/// <item>Pending (or no phase) runs.</item>
/// <item>Protecting while no run of this process has it means the run was interrupted (the
/// operator was killed or lost leadership). A live lease of another holder means someone is still
/// writing (a CLI run, an operator that has not noticed it lost its leadership): wait until the
/// lease expires. No live lease, or our own: restart the run from scratch (the new attempt's
/// commit removes what the old one wrote); after <see cref="MaxAttempts"/> attempts it is an Error
/// instead, so a checkpoint that kills its operator (say, out of memory) cannot loop forever.</item>
/// <item>A bank that is unreachable when a run starts keeps the checkpoint Pending and retried
/// every <see cref="TransientRetry"/>, until <see cref="TransientGiveUp"/> after its creation;
/// every other failure is an Error at once.</item>
/// </list>
/// A checkpoint is Available only after its index is written and read back: a crash at any point
/// before that leaves it Pending or Protecting, never Available.
/// </summary>
public static class CheckpointLifecycle
{
    public const int MaxAttempts = 3;
    public static readonly TimeSpan TransientRetry = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan TransientGiveUp = TimeSpan.FromMinutes(10);

    /// <param name="phase">Null: not started.</param>
    /// <param name="attempts">Runs started so far.</param>
    /// <param name="lease">The checkpoint's lease in the bank, or null when none is held (released, or never taken).</param>
    /// <param name="self">This process's lease holder name.</param>
    public static CheckpointDecision Decide(CheckpointPhase? phase, int attempts, CheckpointLeaseHolder? lease, string self, DateTimeOffset now)
    {
        switch (phase)
        {
            case null or CheckpointPhase.Pending:
                return new CheckpointDecision(CheckpointStep.Run);
            case CheckpointPhase.Protecting:
                if (lease is not null && lease.ExpiresAt > now && lease.Holder != self)
                {
                    return new CheckpointDecision(CheckpointStep.Wait, $"the bank's lease on this checkpoint is held by {lease.Holder} until {lease.ExpiresAt:O}", lease.ExpiresAt);
                }

                return attempts >= MaxAttempts
                    ? new CheckpointDecision(CheckpointStep.GiveUp, string.Create(CultureInfo.InvariantCulture, $"the run was interrupted {attempts} times (operator restarts or lost leadership); giving up after {MaxAttempts} attempts"))
                    : new CheckpointDecision(CheckpointStep.Run, Interrupted(attempts, lease, now));
            case CheckpointPhase.Available or CheckpointPhase.PartiallyFailed:
                return new CheckpointDecision(CheckpointStep.Verify);
            default:
                return new CheckpointDecision(CheckpointStep.Nothing);
        }
    }

    private static string Interrupted(int attempts, CheckpointLeaseHolder? lease, DateTimeOffset now)
    {
        var held = lease is null ? string.Empty : $" (its lease, held by {lease.Holder}, {(lease.ExpiresAt > now ? "is ours" : "expired")})";
        return string.Create(CultureInfo.InvariantCulture, $"attempt {attempts} was interrupted{held}; restarting from scratch");
    }

    /// <summary>
    /// A transient bank failure (unreachable) as a run starts: retry while the checkpoint is young,
    /// an Error once it has waited <see cref="TransientGiveUp"/>.
    /// </summary>
    public static CheckpointDecision OnTransientFailure(DateTimeOffset createdAt, DateTimeOffset now) =>
        now - createdAt >= TransientGiveUp
            ? new CheckpointDecision(CheckpointStep.GiveUp, $"gave up after {MaxAge.Format(TransientGiveUp)} of retries")
            : new CheckpointDecision(CheckpointStep.Wait, $"retrying every {MaxAge.Format(TransientRetry)} for up to {MaxAge.Format(TransientGiveUp)}", now + TransientRetry);
}

/// <summary>
/// Limits progress writes to one per <paramref name="interval"/>; the first call is always due, and
/// the caller writes the final state regardless.
/// </summary>
public sealed class ProgressThrottle(TimeSpan interval, TimeProvider time)
{
    private DateTimeOffset? _last;

    public bool IsDue()
    {
        var now = time.GetUtcNow();
        if (_last is { } last && now - last < interval) { return false; }
        _last = now;
        return true;
    }
}
