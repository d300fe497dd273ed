using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Processes;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class SubnetRouterTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private Task<T> WhenAsync<T>(string ns, string name, Func<T, bool> done, string what)
        where T : class, Erebor.Kube.Entities.IKubernetesObject =>
        Eventually.UntilAsync(async () => (await fixture.Api.GetAsync<T>(ns, name))!, o => o is not null && done(o), Timeout, what);

    [Fact]
    public async Task A_router_gets_each_subnet_gateway_and_a_stable_locally_administered_mac_per_interface()
    {
        var ns = await fixture.NewNamespaceAsync("rt");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "front", "10.40.1.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "back", "10.40.2.0/24", "  gateway: 10.40.2.254"));
        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "r", "front", "back"));

        var router = await WhenAsync<V1Alpha1Router>(ns, "r", r => Conditions.IsTrue(r.Status.Conditions, "Ready"), "router Ready");
        router.Status.InterfaceCount.Should().Be(2);
        router.Status.Interfaces.Select(i => (i.Subnet, i.Cidr, i.Ip)).Should().BeEquivalentTo([("front", "10.40.1.0/24", "10.40.1.1"), ("back", "10.40.2.0/24", "10.40.2.254")]);
        foreach (var iface in router.Status.Interfaces)
        {
            var mac = MacAddress.Parse(iface.Mac);
            mac.IsLocallyAdministered.Should().BeTrue();
            mac.IsUnicast.Should().BeTrue();
            mac.Should().Be(MacAddress.StableLocal($"{router.Metadata.Uid}/{iface.Subnet}"));
        }

        router.Status.Interfaces.Select(i => i.Mac).Should().OnlyHaveUniqueItems();
        var front = await WhenAsync<V1Alpha1Subnet>(ns, "front", s => s.Status.UsedBy?.Contains("r") == true, "front used by r");
        front.Status.UsedBy.Should().Equal("r");
        var back = await WhenAsync<V1Alpha1Subnet>(ns, "back", s => s.Status.SegmentId is not null, "back has a segment");
        front.Status.SegmentId.Should().BePositive().And.NotBe(back.Status.SegmentId!.Value, "segment ids are unique cluster-wide");
    }

    [Fact]
    public async Task A_router_naming_a_missing_subnet_waits_with_a_reason_and_becomes_ready_when_it_appears()
    {
        var ns = await fixture.NewNamespaceAsync("rt");
        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "r", "later"));
        var router = await WhenAsync<V1Alpha1Router>(ns, "r", r => Conditions.Find(r.Status.Conditions, "Ready")?.Reason == "SubnetNotFound", "SubnetNotFound");
        Conditions.Find(router.Status.Conditions, "Ready")!.Message.Should().Be($"Subnet(s) later do not exist in namespace {ns}");

        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "later", "10.41.0.0/24"));
        await WhenAsync<V1Alpha1Router>(ns, "r", r => Conditions.IsTrue(r.Status.Conditions, "Ready"), "router Ready once the subnet exists");
    }

    [Fact]
    public async Task Deleting_a_subnet_a_router_uses_is_held_with_a_reason_until_the_router_lets_go()
    {
        var ns = await fixture.NewNamespaceAsync("fin");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "held", "10.42.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "other", "10.43.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "r", "held", "other"));
        await WhenAsync<V1Alpha1Subnet>(ns, "held", s => s.Metadata.HasFinalizer("erebor.io/subnet-in-use") && s.Status.UsedBy is not null, "finalizer attached");

        await fixture.Cluster.KubectlCheckedAsync("delete", "subnet", "held", "-n", ns, "--wait=false");
        var held = await WhenAsync<V1Alpha1Subnet>(ns, "held", s => Conditions.Find(s.Status.Conditions, "Ready")?.Reason == "DeletionBlocked", "DeletionBlocked");
        held.Metadata.DeletionTimestamp.Should().NotBeNull();
        Conditions.Find(held.Status.Conditions, "Ready")!.Message.Should().Contain("still attached to Router(s) r");
        (await fixture.Cluster.KubectlCheckedAsync("describe", "subnet", "held", "-n", ns)).Should().MatchRegex(@"Warning\s+DeletionBlocked");

        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "r", "other"));
        await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1Subnet>(ns, "held"), s => s is null, Timeout, "the subnet to be gone");
        (await fixture.Api.GetAsync<V1Alpha1Subnet>(ns, "other")).Should().NotBeNull();
    }

    [Fact]
    public async Task An_invalid_subnet_that_bypassed_the_webhook_is_reported_in_its_conditions()
    {
        var ns = await fixture.NewNamespaceAsync("inv");
        // An object stored while the webhook was not installed (e.g. applied before the operator):
        // take the webhook configuration away, apply, then let a fresh operator re-register it.
        await fixture.Cluster.KubectlCheckedAsync("delete", "validatingwebhookconfiguration", "erebor-validating-webhook");
        try
        {
            await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "bad", "10.44.0.0/24", "  gateway: 10.99.0.1"));
        }
        finally
        {
            await fixture.Operator.StopAsync();
            await fixture.RestartOperatorAsync(); // re-registers the webhook at start
        }

        var bad = await WhenAsync<V1Alpha1Subnet>(ns, "bad", s => Conditions.Find(s.Status.Conditions, "Validated")?.Status == "False", "Validated=False");
        Conditions.Find(bad.Status.Conditions, "Validated")!.Message.Should().Be("spec.gateway: gateway 10.99.0.1 is outside cidr 10.44.0.0/24");
        Conditions.Find(bad.Status.Conditions, "Ready")!.Reason.Should().Be("InvalidSpec");
        (await fixture.Cluster.KubectlAsync("get", "validatingwebhookconfiguration", "erebor-validating-webhook")).Succeeded.Should().BeTrue();
    }

    [Fact]
    public async Task Metrics_pass_promtool_and_count_reconciles()
    {
        var ns = await fixture.NewNamespaceAsync("met");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "m", "10.45.0.0/24"));
        await WhenAsync<V1Alpha1Subnet>(ns, "m", s => Conditions.IsTrue(s.Status.Conditions, "Ready"), "Ready");

        var metrics = await fixture.Operator.MetricsAsync();
        metrics.Should().MatchRegex(@"erebor_reconciles_total\{controller=""subnet"",result=""success""\} [1-9]");
        metrics.Should().Contain("erebor_reconcile_duration_seconds_bucket").And.Contain("erebor_workqueue_depth{controller=\"subnet\"}");
        metrics.Should().MatchRegex(@"erebor_kube_requests_total\{.*\} [1-9]");
        metrics.Should().Contain("erebor_leader{lease=\"erebor-operator\"} 1");

        var promtool = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], new ProcessOptions { StandardInput = metrics });
        promtool.ExitCode.Should().Be(0, promtool.StdOut + promtool.StdErr);
        (promtool.StdOut + promtool.StdErr).Trim().Should().BeEmpty("promtool reports lint problems on its output");
    }
}
