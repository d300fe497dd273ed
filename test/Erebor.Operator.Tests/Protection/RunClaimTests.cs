using Erebor.Api;
using Erebor.Operator.Protection;

namespace Erebor.Operator.Tests.Protection;

public sealed class RunClaimTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(30);
    private static readonly RunPhase[] Final = [RunPhase.Completed, RunPhase.PartiallyFailed];

    private static RunClaim Decide(RunPhase? phase, string? executor, DateTimeOffset? heartbeat, string me = "op-a") =>
        RunClaim.Decide(new V1Alpha1Restore.RestoreStatus { Phase = phase, Executor = executor, HeartbeatTime = heartbeat }, RunPhase.Restoring, Final, me, Now, Stale);

    [Theory]
    [InlineData(RunPhase.Completed)]
    [InlineData(RunPhase.PartiallyFailed)]
    public void A_final_phase_is_never_run_again_whoever_asks(RunPhase phase) =>
        Decide(phase, "op-b", Now).Decision.Should().Be(ClaimDecision.Finished);

    [Theory]
    [InlineData(null)]
    [InlineData(RunPhase.Pending)]
    [InlineData(RunPhase.Error)]
    public void A_run_not_in_progress_is_started(RunPhase? phase) =>
        Decide(phase, null, null).Decision.Should().Be(ClaimDecision.Start);

    [Fact]
    public void A_run_of_this_executor_or_released_by_its_executor_is_resumed_at_once()
    {
        Decide(RunPhase.Restoring, "op-a", Now - TimeSpan.FromSeconds(1)).Decision.Should().Be(ClaimDecision.Resume);
        Decide(RunPhase.Restoring, null, null).Decision.Should().Be(ClaimDecision.Resume);
    }

    [Fact]
    public void Another_live_executor_keeps_its_run_until_its_heartbeat_is_stale()
    {
        var live = Decide(RunPhase.Restoring, "op-b", Now - TimeSpan.FromSeconds(10));
        live.Decision.Should().Be(ClaimDecision.Wait);
        live.Wait.Should().Be(TimeSpan.FromSeconds(20), "it looks again exactly when the heartbeat would be stale");

        Decide(RunPhase.Restoring, "op-b", Now - Stale).Decision.Should().Be(ClaimDecision.TakeOver);
        Decide(RunPhase.Restoring, "op-b", null).Decision.Should().Be(ClaimDecision.TakeOver, "a claim without a heartbeat has no live executor");
    }
}
