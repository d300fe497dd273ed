using Erebor.Api;
using Erebor.Harness;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Tests.Integration;

/// <summary>Plans are validated with precise reasons and fire Checkpoints on their schedule, named after the slot.</summary>
[Trait("Category", "Integration")]
public sealed class ProtectionPlanTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static string Plan(string ns, string name, string provider, string? schedule = null, string? extra = null) =>
        $"apiVersion: erebor.io/v1alpha1\nkind: ProtectionPlan\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  provider: {provider}\n" +
        (schedule is null ? string.Empty : $"  schedule: '{schedule}'\n") + (extra ?? string.Empty);

    private async Task<Condition> ReadyAsync(string ns, string name, Func<Condition, bool> done, string what)
    {
        var plan = await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1ProtectionPlan>(ns, name),
            p => p is not null && Conditions.Find(p.Status.Conditions, "Ready") is { } c && done(c), TimeSpan.FromSeconds(30), what);
        return Conditions.Find(plan!.Status.Conditions, "Ready")!;
    }

    [Fact]
    public async Task A_wrong_cron_an_unknown_provider_and_a_bad_retention_each_give_a_precise_reason()
    {
        var ns = await fixture.NewNamespaceAsync("plans");
        await fixture.Cluster.ApplyAsync(Plan(ns, "orphan", "no-such-provider", "@daily"));
        (await ReadyAsync(ns, "orphan", c => c.Reason == "ProviderNotFound", "ProviderNotFound")).Message.Should().Be("ProtectionProvider 'no-such-provider' does not exist");

        await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {name: plans-disk}\nspec:\n  bank: {type: Filesystem, path: /tmp}\n");
        await fixture.Cluster.ApplyAsync(Plan(ns, "typo", "plans-disk", "61 * * * *"));
        var typo = await ReadyAsync(ns, "typo", c => c.Reason == "InvalidSchedule", "InvalidSchedule");
        typo.Status.Should().Be("False");
        typo.Message.Should().Contain("spec.schedule '61 * * * *'").And.Contain("61").And.Contain("0-59");

        await fixture.Cluster.ApplyAsync(Plan(ns, "keep", "plans-disk", "@daily", "  retention: {maxAge: 7d, keepLast: 3}\n"));
        (await ReadyAsync(ns, "keep", c => c.Reason == "Scheduled", "Scheduled")).Status.Should().Be("True");

        // The orphan plan recovers on its own once its provider exists.
        await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {name: no-such-provider}\nspec:\n  bank: {type: Filesystem, path: /tmp}\n");
        await ReadyAsync(ns, "orphan", c => c.Reason == "Scheduled", "the orphan plan to be Scheduled once its provider exists");
    }

    [Fact]
    public async Task A_due_slot_creates_one_checkpoint_named_after_it_and_creating_a_plan_fires_nothing()
    {
        var ns = await fixture.NewNamespaceAsync("plans");
        await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {name: minutely-disk}\nspec:\n  bank: {type: Filesystem, path: /tmp}\n");
        await fixture.Cluster.ApplyAsync(Plan(ns, "minutely", "minutely-disk", "* * * * *"));
        await ReadyAsync(ns, "minutely", c => c.Reason == "Scheduled", "Scheduled");
        (await fixture.Api.ListAsync<V1Alpha1Checkpoint>(ns)).Items.Should().BeEmpty("creating a plan does not fire a checkpoint");

        // The next minute boundary is the first slot.
        var checkpoints = await Eventually.UntilAsync(async () => (await fixture.Api.ListAsync<V1Alpha1Checkpoint>(ns)).Items, items => items.Count >= 1, TimeSpan.FromSeconds(75), "the first scheduled Checkpoint", TimeSpan.FromSeconds(1));
        var checkpoint = checkpoints.Should().ContainSingle().Subject;
        checkpoint.Spec.Plan.Should().Be("minutely");
        checkpoint.Metadata.Labels!["erebor.io/plan"].Should().Be("minutely");
        checkpoint.Metadata.OwnerReferences.Should().ContainSingle(o => o.Kind == "ProtectionPlan" && o.Name == "minutely");
        var plan = (await fixture.Api.GetAsync<V1Alpha1ProtectionPlan>(ns, "minutely"))!;
        plan.Status.LastCheckpoint.Should().Be(checkpoint.Metadata.Name);
        checkpoint.Metadata.Name.Should().Be($"minutely-{plan.Status.LastScheduleTime!.Value.UtcDateTime:yyyyMMddHHmm}");
        plan.Status.NextScheduleTime.Should().Be(plan.Status.LastScheduleTime.Value.AddMinutes(1));
    }
}
