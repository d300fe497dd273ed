namespace Erebor.Domain.Scheduling;

/// <summary>What a ProtectionPlan's schedule asks for at one moment.</summary>
public enum ScheduleAction
{
    /// <summary>Nothing is due; wait until <see cref="ScheduleDecision.NextScheduleTime"/>.</summary>
    Wait,

    /// <summary>Create a checkpoint now for <see cref="ScheduleDecision.ScheduledTime"/>.</summary>
    Fire,

    /// <summary>
    /// A slot was missed by more than the starting deadline: do not run it; <see
    /// cref="ScheduleDecision.ScheduledTime"/> is the skipped slot (report it once, e.g. as an event).
    /// </summary>
    SkipMissed,

    /// <summary>The plan is suspended: nothing fires; the next time is still reported.</summary>
    Suspended,
}

/// <summary>What the plan's object and status say, as input to <see cref="ScheduleCalculator"/>.</summary>
/// <param name="CreatedAt">metadata.creationTimestamp.</param>
/// <param name="LastScheduleTime">status.lastScheduleTime: the slot of the last checkpoint the schedule created.</param>
/// <param name="Suspend">spec.suspend.</param>
/// <param name="ResumedAt">
/// When suspend last went from true to false (e.g. the Suspended condition's lastTransitionTime), if
/// known: slots missed while suspended are not made up after resuming. Null: a slot missed while
/// suspended fires once on resume (subject to the starting deadline), like a Kubernetes CronJob.
/// A controller may also pass the time spec.schedule last changed, so that an edit does not run a
/// slot of the new schedule that lies before the edit.
/// </param>
public sealed record PlanScheduleState(
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastScheduleTime = null,
    bool Suspend = false,
    DateTimeOffset? ResumedAt = null);

/// <param name="StartingDeadline">
/// A missed slot older than this (now - slot &gt; deadline) is skipped with a reason instead of run.
/// Null: the latest missed slot always runs, however late.
/// </param>
/// <param name="FireOnCreation">
/// Asked for explicitly: a plan that has never been scheduled fires once right away, for the slot
/// <see cref="PlanScheduleState.CreatedAt"/>. Default false: the first run is the first slot after
/// creation.
/// </param>
public sealed record ScheduleOptions(TimeSpan? StartingDeadline = null, bool FireOnCreation = false)
{
    public static ScheduleOptions Default { get; } = new();
}

/// <param name="Action">What to do now.</param>
/// <param name="ScheduledTime">The slot a run stands for (Fire) or the slot skipped (SkipMissed); else null.</param>
/// <param name="NextScheduleTime">The first slot strictly after now (and after the last schedule time); null only past year 9999.</param>
/// <param name="EarliestMissed">With Fire/SkipMissed after downtime: the oldest slot folded into this one decision; null if only one slot was due.</param>
/// <param name="Reason">A sentence for a condition or an event.</param>
public sealed record ScheduleDecision(
    ScheduleAction Action,
    DateTimeOffset? ScheduledTime,
    DateTimeOffset? NextScheduleTime,
    DateTimeOffset? EarliestMissed,
    string Reason)
{
    public bool IsDue => Action == ScheduleAction.Fire;

    /// <summary>How long a controller may sleep before asking again (zero when a run is due now).</summary>
    public TimeSpan? RequeueAfter(DateTimeOffset now) =>
        IsDue ? TimeSpan.Zero : NextScheduleTime is { } next ? (next > now ? next - now : TimeSpan.Zero) : null;
}

/// <summary>
/// Decides, from a plan's schedule, state and an injected "now", whether a checkpoint is due. Pure
/// and idempotent: the same input gives the same decision, so a controller can call it on every
/// reconcile; after a Fire it records <see cref="ScheduleDecision.ScheduledTime"/> as
/// status.lastScheduleTime (and the checkpoint's name should derive from it, so that a crash
/// between creating the checkpoint and writing the status cannot run the slot twice).
/// </summary>
/// <remarks>
/// Rules, in order:
/// <list type="number">
/// <item>The anchor is the latest of lastScheduleTime, creation time and resume time. Only slots
/// strictly after the anchor and at or before now are due. So creating a plan does not fire (the
/// first run is the first slot after creation), unless <see cref="ScheduleOptions.FireOnCreation"/>
/// asks for it.</item>
/// <item>Downtime: however many slots were missed, only the LATEST one is due, once; the decision
/// names the earliest one it stands in for.</item>
/// <item>Deadline: if that latest missed slot is older than the starting deadline, it is skipped
/// (SkipMissed, with the reason); the next slot runs normally.</item>
/// <item>Suspended: never Fire, still report the next slot.</item>
/// <item>A lastScheduleTime in the future (clock skew, a restored status) fires nothing until the
/// first slot after it.</item>
/// </list>
/// </remarks>
public static class ScheduleCalculator
{
    /// <summary>Evaluates at the clock's current time (inject a fake <see cref="TimeProvider"/> in tests).</summary>
    public static ScheduleDecision Evaluate(CronExpression schedule, PlanScheduleState state, TimeProvider clock, ScheduleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return Evaluate(schedule, state, clock.GetUtcNow(), options);
    }

    public static ScheduleDecision Evaluate(CronExpression schedule, PlanScheduleState state, DateTimeOffset now, ScheduleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(state);
        options ??= ScheduleOptions.Default;

        var anchor = Max(Max(state.LastScheduleTime ?? state.CreatedAt, state.CreatedAt), state.ResumedAt ?? state.CreatedAt);
        var next = schedule.NextAfter(Max(now, anchor));

        if (state.LastScheduleTime is { } last && last > now)
        {
            return state.Suspend
                ? new(ScheduleAction.Suspended, null, next, null, $"suspended; the next slot would be {Format(next)}")
                : new(ScheduleAction.Wait, null, next, null, $"the last schedule time {Format(last)} is after now ({Format(now)}); waiting for the next slot {Format(next)}");
        }

        DateTimeOffset? due = schedule.LatestAtOrBefore(now) is { } latest && latest > anchor ? latest : null;
        DateTimeOffset? earliest = null;
        if (due is { } slot && schedule.NextAfter(anchor) is { } first && first < slot)
        {
            earliest = first;
        }

        // Asked to fire on creation: the creation time is a slot of its own, unless a real slot
        // since then already stands for it.
        if (due is null && options.FireOnCreation && state.LastScheduleTime is null && state.CreatedAt <= now)
        {
            due = state.CreatedAt;
        }

        if (state.Suspend)
        {
            var missed = due is { } skipped ? $"; slot {Format(skipped)} is not run" : string.Empty;
            return new(ScheduleAction.Suspended, null, next, null, $"suspended{missed}; the next slot would be {Format(next)}");
        }

        if (due is not { } dueSlot)
        {
            return new(ScheduleAction.Wait, null, next, null, $"next slot {Format(next)}");
        }

        var folded = earliest is { } from ? $" (missed slots from {Format(from)} run once, as this one)" : string.Empty;
        var lateness = now - dueSlot;
        if (options.StartingDeadline is { } deadline && lateness > deadline)
        {
            return new(
                ScheduleAction.SkipMissed,
                dueSlot,
                next,
                earliest,
                $"slot {Format(dueSlot)}{folded} was missed by {FormatSpan(lateness)}, more than the starting deadline {FormatSpan(deadline)}; skipped; next slot {Format(next)}");
        }

        var why = dueSlot == state.CreatedAt && state.LastScheduleTime is null && options.FireOnCreation
            ? "fire on creation"
            : lateness > TimeSpan.Zero && earliest is not null ? "catching up after missed slots" : "slot reached";
        return new(ScheduleAction.Fire, dueSlot, next, earliest, $"{why}: run for {Format(dueSlot)}{folded}; next slot {Format(next)}");
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static string Format(DateTimeOffset? instant) =>
        instant is { } value ? value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture) : "(none)";

    private static string FormatSpan(TimeSpan span) => MaxAge.Format(span);
}
