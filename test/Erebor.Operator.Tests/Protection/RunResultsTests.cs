using Erebor.Api;
using Erebor.Operator.Protection;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Operator.Tests.Protection;

public sealed class RunResultsTests
{
    private static readonly ResourceKey Cm = new("v1", "ConfigMap", "shop", "cm");
    private static readonly ResourceKey Deploy = new("apps/v1", "Deployment", "shop", "web");

    private static RunSummary Summary(int total, params ResourceResult[] notDone) =>
        new(new RunProgress(total, total, notDone.Count(r => r.Aspect is null && r.Outcome == ResourceOutcome.Skipped), notDone.Count(r => r.Aspect is null && r.Outcome == ResourceOutcome.Failed)), notDone);

    [Fact]
    public void Every_object_restored_is_Completed()
    {
        var verdict = RunResults.Restore(Summary(218), "namespace shop");
        verdict.Should().Be(new RunVerdict(RunPhase.Completed, RestoreReasons.Completed, "218 resources restored into namespace shop"));
    }

    [Fact]
    public void Objects_left_alone_by_the_Skip_policy_exist_so_the_restore_is_Completed_and_says_how_many()
    {
        var verdict = RunResults.Restore(Summary(10, new ResourceResult(Cm, ResourceOutcome.Skipped, $"{ResourcePlugin.ConflictSkipped}: $.data.a: expected \"1\", got \"2\"")), "namespace shop");
        verdict.Phase.Should().Be(RunPhase.Completed);
        verdict.Message.Should().Be("10 resources restored into namespace shop, 1 existing ones left as they were (conflict policy Skip)");
    }

    [Fact]
    public void A_claim_without_volume_data_is_still_Completed()
    {
        var claim = new ResourceKey("v1", "PersistentVolumeClaim", "shop", "data");
        RunResults.Restore(Summary(3, new ResourceResult(claim, ResourceOutcome.Skipped, "no VolumeSnapshot API", PersistentVolumeClaimPlugin.VolumeDataAspect)), "namespace shop")
            .Phase.Should().Be(RunPhase.Completed);
    }

    [Fact]
    public void A_failure_or_an_object_skipped_for_another_reason_is_missing_so_the_restore_PartiallyFailed()
    {
        var failed = RunResults.Restore(Summary(5, new ResourceResult(Deploy, ResourceOutcome.Failed, "forbidden")), "namespace shop");
        failed.Phase.Should().Be(RunPhase.PartiallyFailed);
        failed.Reason.Should().Be(RestoreReasons.ResourcesNotRestored);
        failed.Message.Should().Be("4 of 5 resources restored into namespace shop; 1 failed, 0 not restored; first: Deployment/shop/web: Failed (forbidden)");

        var noPlugin = RunResults.Restore(Summary(5, new ResourceResult(Cm, ResourceOutcome.Skipped, "no enabled plugin restores v1/ConfigMap")), "namespace shop");
        noPlugin.Phase.Should().Be(RunPhase.PartiallyFailed);
        noPlugin.Message.Should().Contain("4 of 5").And.Contain("1 not restored");
    }

    [Fact]
    public void A_status_entry_names_the_resource_and_puts_an_aspect_into_its_message()
    {
        var entry = RunResults.ToStatus(new ResourceResult(new ResourceKey("v1", "PersistentVolumeClaim", "shop", "data"), ResourceOutcome.Skipped, "no VolumeSnapshot API", "volume-data"));
        entry.Should().BeEquivalentTo(new ResourceRunStatus { ApiVersion = "v1", Kind = "PersistentVolumeClaim", Namespace = "shop", Name = "data", Result = "Skipped", Message = "volume-data: no VolumeSnapshot API" });
    }
}
