using Erebor.Domain.Protection;
using Erebor.Domain.Scheduling;
using Erebor.Domain.Tests.Scheduling;

namespace Erebor.Domain.Tests.Protection;

public sealed class CheckpointLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);
    private const string Self = "operator-b";

    [Theory]
    [InlineData(null)]
    [InlineData(CheckpointPhase.Pending)]
    public void A_checkpoint_that_has_not_started_runs(CheckpointPhase? phase) =>
        CheckpointLifecycle.Decide(phase, 0, null, Self, Now).Step.Should().Be(CheckpointStep.Run);

    [Theory]
    [InlineData(CheckpointPhase.Available, CheckpointStep.Verify)]
    [InlineData(CheckpointPhase.PartiallyFailed, CheckpointStep.Verify)]
    [InlineData(CheckpointPhase.Error, CheckpointStep.Nothing)]
    [InlineData(CheckpointPhase.Deleting, CheckpointStep.Nothing)]
    [InlineData(CheckpointPhase.Deleted, CheckpointStep.Nothing)]
    public void Finished_checkpoints_are_verified_or_left_alone(CheckpointPhase phase, CheckpointStep step) =>
        CheckpointLifecycle.Decide(phase, 1, new CheckpointLeaseHolder("operator-a", Now.AddMinutes(1)), Self, Now).Step.Should().Be(step);

    [Fact]
    public void An_interrupted_run_whose_lease_another_holder_still_holds_waits_until_it_expires()
    {
        var decision = CheckpointLifecycle.Decide(CheckpointPhase.Protecting, 1, new CheckpointLeaseHolder("operator-a", Now.AddSeconds(40)), Self, Now);
        decision.Step.Should().Be(CheckpointStep.Wait);
        decision.RetryAt.Should().Be(Now.AddSeconds(40));
        decision.Reason.Should().Contain("operator-a");
    }

    [Theory]
    [InlineData(null, -1)] // released, or never written
    [InlineData("operator-a", -1)] // the killed operator's lease expired
    [InlineData("operator-a", 0)] // expires exactly now
    [InlineData(Self, 60)] // ours, from before our own restart (same identity)
    public void An_interrupted_run_with_no_live_foreign_lease_restarts_from_scratch(string? holder, int expiresInSeconds)
    {
        var lease = holder is null ? null : new CheckpointLeaseHolder(holder, Now.AddSeconds(expiresInSeconds));
        var decision = CheckpointLifecycle.Decide(CheckpointPhase.Protecting, 1, lease, Self, Now);
        decision.Step.Should().Be(CheckpointStep.Run);
        decision.Reason.Should().Be("attempt 1 was interrupted" + (holder is null ? string.Empty : $" (its lease, held by {holder}, {(expiresInSeconds > 0 ? "is ours" : "expired")})") + "; restarting from scratch");
    }

    [Theory]
    [InlineData(1, CheckpointStep.Run)]
    [InlineData(2, CheckpointStep.Run)]
    [InlineData(3, CheckpointStep.GiveUp)]
    [InlineData(7, CheckpointStep.GiveUp)]
    public void A_run_interrupted_again_and_again_becomes_an_error_after_three_attempts(int attempts, CheckpointStep step)
    {
        var decision = CheckpointLifecycle.Decide(CheckpointPhase.Protecting, attempts, null, Self, Now);
        decision.Step.Should().Be(step);
        if (step == CheckpointStep.GiveUp) { decision.Reason.Should().Be($"the run was interrupted {attempts} times (operator restarts or lost leadership); giving up after 3 attempts"); }
    }

    [Fact]
    public void An_unreachable_bank_is_retried_every_30s_for_10_minutes_after_creation_then_given_up()
    {
        var created = Now;
        var early = CheckpointLifecycle.OnTransientFailure(created, created.AddMinutes(9).AddSeconds(59));
        early.Step.Should().Be(CheckpointStep.Wait);
        early.RetryAt.Should().Be(created.AddMinutes(10).AddSeconds(29));
        early.Reason.Should().Be("retrying every 30s for up to 10m");

        var late = CheckpointLifecycle.OnTransientFailure(created, created.AddMinutes(10));
        late.Step.Should().Be(CheckpointStep.GiveUp);
        late.Reason.Should().Be("gave up after 10m of retries");
    }

    [Fact]
    public void Progress_is_written_at_most_once_per_interval_on_an_injected_clock()
    {
        var clock = new ScheduleCalculatorTests.FakeClock(Now);
        var throttle = new ProgressThrottle(TimeSpan.FromSeconds(2), clock);
        var due = new List<bool>();
        var at = 0;
        foreach (var step in new[] { 0, 500, 1000, 1990, 2000, 2100, 5000, 5500, 7000 })
        {
            clock.Advance(TimeSpan.FromMilliseconds(step - at));
            at = step;
            due.Add(throttle.IsDue());
        }

        due.Should().Equal(true, false, false, false, true, false, true, false, true);
    }
}
