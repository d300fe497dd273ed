using Erebor.Domain.Scheduling;

using static Erebor.Domain.Tests.Scheduling.CronExpressionTests;

namespace Erebor.Domain.Tests.Scheduling;

public class ScheduleCalculatorTests
{
    private static readonly CronExpression Daily0200 = CronExpression.Parse("0 2 * * *");

    [Fact]
    public void Creating_a_plan_does_not_fire_the_first_run_is_the_first_slot_after_creation()
    {
        var state = new PlanScheduleState(At("2024-05-01T10:00:00Z"));

        var atCreation = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-01T10:00:00Z"));
        atCreation.Action.Should().Be(ScheduleAction.Wait);
        atCreation.IsDue.Should().BeFalse();
        atCreation.ScheduledTime.Should().BeNull();
        atCreation.NextScheduleTime.Should().Be(At("2024-05-02T02:00:00Z"));
        atCreation.Reason.Should().Be("next slot 2024-05-02T02:00:00+00:00");

        ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-02T01:59:59Z")).Action.Should().Be(ScheduleAction.Wait);

        var first = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-02T02:00:00Z"));
        first.Action.Should().Be(ScheduleAction.Fire);
        first.ScheduledTime.Should().Be(At("2024-05-02T02:00:00Z"));
        first.NextScheduleTime.Should().Be(At("2024-05-03T02:00:00Z"));
        first.EarliestMissed.Should().BeNull();
        first.Reason.Should().Be("slot reached: run for 2024-05-02T02:00:00+00:00; next slot 2024-05-03T02:00:00+00:00");
    }

    [Fact]
    public void A_plan_created_exactly_on_a_slot_waits_for_the_next_one()
    {
        var state = new PlanScheduleState(At("2024-05-02T02:00:00Z"));
        var decision = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-02T02:00:00Z"));
        decision.Action.Should().Be(ScheduleAction.Wait);
        decision.NextScheduleTime.Should().Be(At("2024-05-03T02:00:00Z"));
    }

    [Fact]
    public void An_hourly_plan_created_at_ten_twenty_first_runs_at_eleven()
    {
        var clock = new FakeClock(At("2024-05-01T10:20:00Z"));
        var plan = new PlanSimulation(CronExpression.Parse("@hourly"), clock.GetUtcNow());
        plan.Run(clock, At("2024-05-01T12:30:00Z"), TimeSpan.FromMinutes(1));
        plan.Runs.Should().Equal(
            (At("2024-05-01T11:00:00Z"), At("2024-05-01T11:00:00Z")),
            (At("2024-05-01T12:00:00Z"), At("2024-05-01T12:00:00Z")));
    }

    [Fact]
    public void Fire_on_creation_runs_once_right_away_when_asked()
    {
        var options = new ScheduleOptions(FireOnCreation: true);
        var state = new PlanScheduleState(At("2024-05-01T10:00:00Z"));

        var decision = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-01T10:00:05Z"), options);
        decision.Action.Should().Be(ScheduleAction.Fire);
        decision.ScheduledTime.Should().Be(At("2024-05-01T10:00:00Z"));
        decision.NextScheduleTime.Should().Be(At("2024-05-02T02:00:00Z"));
        decision.Reason.Should().StartWith("fire on creation: run for 2024-05-01T10:00:00+00:00");

        var recorded = state with { LastScheduleTime = decision.ScheduledTime };
        ScheduleCalculator.Evaluate(Daily0200, recorded, At("2024-05-01T10:00:06Z"), options).Action.Should().Be(ScheduleAction.Wait);
        ScheduleCalculator.Evaluate(Daily0200, recorded, At("2024-05-02T02:00:00Z"), options).ScheduledTime.Should().Be(At("2024-05-02T02:00:00Z"));

        ScheduleCalculator.Evaluate(Daily0200, state with { Suspend = true }, At("2024-05-01T10:00:05Z"), options)
            .Action.Should().Be(ScheduleAction.Suspended);
    }

    [Fact]
    public void Fire_on_creation_after_downtime_past_a_slot_runs_once_for_that_slot()
    {
        var options = new ScheduleOptions(FireOnCreation: true);
        var state = new PlanScheduleState(At("2024-05-01T10:00:00Z"));
        var decision = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-03T09:00:00Z"), options);
        decision.Action.Should().Be(ScheduleAction.Fire);
        decision.ScheduledTime.Should().Be(At("2024-05-03T02:00:00Z"));
        decision.EarliestMissed.Should().Be(At("2024-05-02T02:00:00Z"));
    }

    [Fact]
    public void A_missed_run_after_long_downtime_fires_once_for_the_latest_slot()
    {
        var clock = new FakeClock(At("2024-01-01T00:00:00Z"));
        var plan = new PlanSimulation(Daily0200, clock.GetUtcNow());
        var downFrom = At("2024-01-10T05:00:00Z");
        var downUntil = At("2024-02-20T13:37:00Z");
        plan.Run(clock, At("2024-03-01T00:00:00Z"), TimeSpan.FromMinutes(10), now => now >= downFrom && now < downUntil);

        var expectedSlots = Enumerable.Range(0, 10).Select(day => At("2024-01-01T02:00:00Z").AddDays(day))
            .Concat(Enumerable.Range(0, 10).Select(day => At("2024-02-20T02:00:00Z").AddDays(day)));
        plan.Runs.Select(run => run.Slot).Should().Equal(expectedSlots);
        plan.Runs.Single(run => run.Slot == At("2024-02-20T02:00:00Z")).At.Should().Be(At("2024-02-20T13:40:00Z"));
        plan.Decisions.Single(decision => decision.ScheduledTime == At("2024-02-20T02:00:00Z")).Should().BeEquivalentTo(new
        {
            Action = ScheduleAction.Fire,
            EarliestMissed = (DateTimeOffset?)At("2024-01-11T02:00:00Z"),
            NextScheduleTime = (DateTimeOffset?)At("2024-02-21T02:00:00Z"),
            Reason = "catching up after missed slots: run for 2024-02-20T02:00:00+00:00 (missed slots from 2024-01-11T02:00:00+00:00 run once, as this one); next slot 2024-02-21T02:00:00+00:00",
        });
    }

    [Fact]
    public void Five_years_of_missed_minutes_fire_once_and_quickly()
    {
        var everyMinute = CronExpression.Parse("* * * * *");
        var state = new PlanScheduleState(At("2018-06-01T00:00:00Z"), LastScheduleTime: At("2019-01-01T00:00:00Z"));
        var now = At("2024-01-01T00:00:30Z");
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var decision = ScheduleCalculator.Evaluate(everyMinute, state, now);
        decision.Action.Should().Be(ScheduleAction.Fire);
        decision.ScheduledTime.Should().Be(At("2024-01-01T00:00:00Z"));
        decision.EarliestMissed.Should().Be(At("2019-01-01T00:01:00Z"));
        decision.NextScheduleTime.Should().Be(At("2024-01-01T00:01:00Z"));

        var after = ScheduleCalculator.Evaluate(everyMinute, state with { LastScheduleTime = decision.ScheduledTime }, now);
        after.Action.Should().Be(ScheduleAction.Wait);
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Suspended_plans_never_fire_but_report_the_next_time()
    {
        var clock = new FakeClock(At("2024-01-01T00:00:00Z"));
        var plan = new PlanSimulation(Daily0200, clock.GetUtcNow()) { Suspend = true };
        plan.Run(clock, At("2024-01-08T00:00:00Z"), TimeSpan.FromMinutes(30));
        plan.Runs.Should().BeEmpty();
        plan.Decisions.Should().OnlyContain(decision => decision.Action == ScheduleAction.Suspended && decision.NextScheduleTime != null && !decision.IsDue);

        var decision = ScheduleCalculator.Evaluate(Daily0200, new PlanScheduleState(At("2024-01-01T00:00:00Z"), At("2024-01-01T02:00:00Z"), Suspend: true), At("2024-01-05T12:00:00Z"));
        decision.Should().BeEquivalentTo(new
        {
            Action = ScheduleAction.Suspended,
            ScheduledTime = (DateTimeOffset?)null,
            NextScheduleTime = (DateTimeOffset?)At("2024-01-06T02:00:00Z"),
            Reason = "suspended; slot 2024-01-05T02:00:00+00:00 is not run; the next slot would be 2024-01-06T02:00:00+00:00",
        });
    }

    [Fact]
    public void After_resume_slots_missed_while_suspended_are_not_made_up_when_the_resume_time_is_known()
    {
        var state = new PlanScheduleState(At("2024-01-01T00:00:00Z"), At("2024-01-01T02:00:00Z"));
        var now = At("2024-01-05T12:00:00Z");

        var known = ScheduleCalculator.Evaluate(Daily0200, state with { ResumedAt = now }, now);
        known.Action.Should().Be(ScheduleAction.Wait);
        known.NextScheduleTime.Should().Be(At("2024-01-06T02:00:00Z"));

        var unknown = ScheduleCalculator.Evaluate(Daily0200, state, now);
        unknown.Action.Should().Be(ScheduleAction.Fire);
        unknown.ScheduledTime.Should().Be(At("2024-01-05T02:00:00Z"));
    }

    [Fact]
    public void Passing_the_time_the_schedule_changed_keeps_an_edit_from_running_a_slot_before_the_edit()
    {
        var edited = CronExpression.Parse("0 8 * * *");
        var state = new PlanScheduleState(At("2024-01-01T00:00:00Z"), At("2024-01-05T02:00:00Z"));
        var now = At("2024-01-05T10:00:00Z");
        ScheduleCalculator.Evaluate(edited, state, now).ScheduledTime.Should().Be(At("2024-01-05T08:00:00Z"));
        var decision = ScheduleCalculator.Evaluate(edited, state with { ResumedAt = now }, now);
        decision.Action.Should().Be(ScheduleAction.Wait);
        decision.NextScheduleTime.Should().Be(At("2024-01-06T08:00:00Z"));
    }

    [Theory]
    [InlineData("2024-01-03T02:30:00Z", ScheduleAction.Fire)]
    [InlineData("2024-01-03T03:00:00Z", ScheduleAction.Fire)] // exactly the deadline late: still runs
    [InlineData("2024-01-03T03:00:01Z", ScheduleAction.SkipMissed)]
    [InlineData("2024-01-03T05:00:00Z", ScheduleAction.SkipMissed)]
    public void A_missed_slot_older_than_the_starting_deadline_is_skipped(string now, ScheduleAction expected)
    {
        var state = new PlanScheduleState(At("2024-01-01T00:00:00Z"), At("2024-01-01T02:00:00Z"));
        var decision = ScheduleCalculator.Evaluate(Daily0200, state, At(now), new ScheduleOptions(StartingDeadline: TimeSpan.FromHours(1)));
        decision.Action.Should().Be(expected);
        decision.ScheduledTime.Should().Be(At("2024-01-03T02:00:00Z"));
        decision.NextScheduleTime.Should().Be(At("2024-01-04T02:00:00Z"));
        decision.EarliestMissed.Should().Be(At("2024-01-02T02:00:00Z"));
    }

    [Fact]
    public void The_skip_reason_names_the_slot_the_lateness_and_the_deadline()
    {
        var state = new PlanScheduleState(At("2024-01-01T00:00:00Z"), At("2024-01-02T02:00:00Z"));
        var decision = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-01-03T05:00:00Z"), new ScheduleOptions(TimeSpan.FromMinutes(90)));
        decision.Reason.Should().Be("slot 2024-01-03T02:00:00+00:00 was missed by 3h, more than the starting deadline 1h30m; skipped; next slot 2024-01-04T02:00:00+00:00");
    }

    [Fact]
    public void With_a_deadline_downtime_skips_once_and_the_next_slot_runs_normally()
    {
        var clock = new FakeClock(At("2024-01-01T00:00:00Z"));
        var plan = new PlanSimulation(Daily0200, clock.GetUtcNow(), new ScheduleOptions(TimeSpan.FromHours(2)));
        plan.Run(clock, At("2024-01-10T00:00:00Z"), TimeSpan.FromMinutes(15), now => now >= At("2024-01-03T00:00:00Z") && now < At("2024-01-06T09:00:00Z"));
        plan.Runs.Select(run => run.Slot).Should().Equal(
            At("2024-01-01T02:00:00Z"), At("2024-01-02T02:00:00Z"),
            At("2024-01-07T02:00:00Z"), At("2024-01-08T02:00:00Z"), At("2024-01-09T02:00:00Z"));
        plan.Decisions.Where(decision => decision.Action == ScheduleAction.SkipMissed).Select(decision => decision.ScheduledTime).Distinct()
            .Should().Equal(At("2024-01-06T02:00:00Z"));
    }

    [Fact]
    public void A_last_schedule_time_in_the_future_fires_nothing_until_the_slot_after_it()
    {
        var state = new PlanScheduleState(At("2024-05-01T00:00:00Z"), At("2024-05-10T02:00:00Z"));
        var decision = ScheduleCalculator.Evaluate(Daily0200, state, At("2024-05-05T00:00:00Z"));
        decision.Action.Should().Be(ScheduleAction.Wait);
        decision.NextScheduleTime.Should().Be(At("2024-05-11T02:00:00Z"));
        decision.Reason.Should().Contain("is after now");
    }

    [Fact]
    public void Requeue_after_is_the_time_to_the_next_slot_or_zero_when_due()
    {
        var state = new PlanScheduleState(At("2024-05-01T00:00:00Z"));
        var now = At("2024-05-01T01:00:00Z");
        ScheduleCalculator.Evaluate(Daily0200, state, now).RequeueAfter(now).Should().Be(TimeSpan.FromHours(1));
        var due = At("2024-05-01T02:00:10Z");
        ScheduleCalculator.Evaluate(Daily0200, state, due).RequeueAfter(due).Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void The_injected_time_provider_is_the_clock()
    {
        var clock = new FakeClock(At("2024-05-01T01:00:00Z"));
        var state = new PlanScheduleState(At("2024-05-01T00:00:00Z"));
        ScheduleCalculator.Evaluate(Daily0200, state, clock).Action.Should().Be(ScheduleAction.Wait);
        clock.Advance(TimeSpan.FromHours(1));
        ScheduleCalculator.Evaluate(Daily0200, state, clock).Action.Should().Be(ScheduleAction.Fire);
    }

    [Theory]
    [InlineData("2024-03-29T00:00:00Z", "2024-03-29T02:30:00+01:00", "2024-03-30T02:30:00+01:00", "2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00")]
    [InlineData("2024-10-25T00:00:00Z", "2024-10-25T02:30:00+02:00", "2024-10-26T02:30:00+02:00", "2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00")]
    public void A_daily_0230_berlin_plan_runs_once_a_day_across_dst(string from, params string[] slots)
    {
        var cron = CronExpression.Parse("CRON_TZ=Europe/Berlin 30 2 * * *");
        var clock = new FakeClock(At(from));
        var plan = new PlanSimulation(cron, clock.GetUtcNow());
        plan.Run(clock, At(from).AddDays(4), TimeSpan.FromMinutes(5));
        plan.Runs.Select(run => run.Slot).Should().Equal(slots.Select(At));
        plan.Runs.Should().OnlyContain(run => run.At == run.Slot, "every slot lies on a 5-minute tick and runs on time");
    }

    [Fact]
    public void An_every_15_minutes_new_york_plan_fires_each_wall_time_once_through_the_repeated_hour()
    {
        var cron = CronExpression.Parse("CRON_TZ=America/New_York */15 * * * *");
        var clock = new FakeClock(At("2024-11-03T04:00:00Z")); // 00:00 EDT
        var plan = new PlanSimulation(cron, clock.GetUtcNow());
        plan.Run(clock, At("2024-11-03T08:00:00Z"), TimeSpan.FromMinutes(1)); // until 03:00 EST

        plan.Runs.Select(run => run.Slot.ToString("HH:mm zzz", System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(
            "00:15 -04:00", "00:30 -04:00", "00:45 -04:00", "01:00 -04:00", "01:15 -04:00", "01:30 -04:00", "01:45 -04:00",
            "02:00 -05:00", "02:15 -05:00", "02:30 -05:00", "02:45 -05:00");
    }

    internal sealed class FakeClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

        public void Advance(TimeSpan by) => now += by;
    }

    /// <summary>A controller loop in miniature: evaluate on every tick the operator is up; record fired slots.</summary>
    private sealed class PlanSimulation(CronExpression schedule, DateTimeOffset createdAt, ScheduleOptions? options = null)
    {
        public bool Suspend { get; init; }

        public DateTimeOffset? LastScheduleTime { get; private set; }

        public List<(DateTimeOffset At, DateTimeOffset Slot)> Runs { get; } = [];

        public List<ScheduleDecision> Decisions { get; } = [];

        public void Run(FakeClock clock, DateTimeOffset until, TimeSpan tick, Func<DateTimeOffset, bool>? isDown = null)
        {
            for (; clock.GetUtcNow() < until; clock.Advance(tick))
            {
                var now = clock.GetUtcNow();
                if (isDown?.Invoke(now) == true) { continue; }
                var decision = ScheduleCalculator.Evaluate(schedule, new PlanScheduleState(createdAt, LastScheduleTime, Suspend), clock, options);
                Decisions.Add(decision);
                decision.NextScheduleTime.Should().BeAfter(now);
                if (decision.Action == ScheduleAction.Fire)
                {
                    Runs.Add((now, decision.ScheduledTime!.Value));
                    LastScheduleTime = decision.ScheduledTime;
                }
            }
        }
    }
}
