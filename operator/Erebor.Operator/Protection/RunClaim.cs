using Erebor.Api;

namespace Erebor.Operator.Protection;

public enum ClaimDecision
{
    /// <summary>The run reached a final phase: nothing to do.</summary>
    Finished,

    /// <summary>Not running: start it (or re-evaluate a Pending/Error run).</summary>
    Start,

    /// <summary>Running under this executor (a retry in the same process) or released by its executor: carry on from the start.</summary>
    Resume,

    /// <summary>Running under another executor whose heartbeat is stale (it crashed or was killed): take the run over.</summary>
    TakeOver,

    /// <summary>Another executor runs it and is alive: look again after <see cref="RunClaim.Wait"/>.</summary>
    Wait,
}

/// <summary>
/// Who may run a Checkpoint or Restore now. A run in progress names its executor and renews a
/// heartbeat in status; every executor (an operator replica, a <c>run</c> command) decides with
/// this before it writes anything, so two never work on one run while both are alive, and a run
/// whose executor died is taken over once its heartbeat is <paramref name="staleAfter"/> old. The
/// status write that claims the run carries the resourceVersion that was read, so of two
/// executors deciding at once only one claim succeeds.
/// </summary>
public readonly record struct RunClaim(ClaimDecision Decision, TimeSpan Wait)
{
    public static RunClaim Decide(RunStatus status, RunPhase runningPhase, IReadOnlyCollection<RunPhase> finalPhases, string executor, DateTimeOffset now, TimeSpan staleAfter)
    {
        if (status.Phase is { } phase && finalPhases.Contains(phase)) { return new(ClaimDecision.Finished, TimeSpan.Zero); }
        if (status.Phase != runningPhase) { return new(ClaimDecision.Start, TimeSpan.Zero); }
        if (status.Executor is null || status.Executor == executor) { return new(ClaimDecision.Resume, TimeSpan.Zero); }
        var age = status.HeartbeatTime is { } beat ? now - beat : TimeSpan.MaxValue;
        return age >= staleAfter ? new(ClaimDecision.TakeOver, TimeSpan.Zero) : new(ClaimDecision.Wait, staleAfter - age);
    }
}
