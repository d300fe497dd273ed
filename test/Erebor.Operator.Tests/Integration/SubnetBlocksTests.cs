using Erebor.Api;
using Erebor.Harness;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Tests.Integration;

/// <summary>Nodes are cluster-wide, so this class has a control plane of its own.</summary>
[Trait("Category", "Integration")]
public sealed class SubnetBlocksTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private Task<V1Alpha1Subnet> SubnetWhenAsync(string ns, string name, Func<V1Alpha1Subnet, bool> done, string what) =>
        Eventually.UntilAsync(async () => (await fixture.Api.GetAsync<V1Alpha1Subnet>(ns, name))!, s => s is not null && done(s), Timeout, what);

    private static Dictionary<string, string> Blocks(V1Alpha1Subnet subnet) => subnet.Status.NodeBlocks.ToDictionary(b => b.Node, b => b.Cidr);

    [Fact]
    public async Task Blocks_follow_nodes_never_move_and_a_full_subnet_says_so_in_its_condition_and_events()
    {
        var ns = await fixture.NewNamespaceAsync("blocks");
        await fixture.Cluster.ApplyAsync(Manifests.Node("node-a") + "\n---\n" + Manifests.Node("node-b"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "net", "10.20.0.0/24", "  nodeBlockPrefixLength: 26"));

        var subnet = await SubnetWhenAsync(ns, "net", s => s.Status.NodeCount == 2 && Conditions.IsTrue(s.Status.Conditions, "Ready"), "two blocks");
        Blocks(subnet).Should().Equal(new Dictionary<string, string> { ["node-a"] = "10.20.0.0/26", ["node-b"] = "10.20.0.64/26" });
        subnet.Status.ObservedGeneration.Should().Be(subnet.Metadata.Generation);
        subnet.Status.Gateway.Should().Be("10.20.0.1");
        subnet.Status.Addresses.Total.Should().Be(254);
        subnet.Status.Addresses.Available.Should().Be(253, "the gateway is reserved");

        await fixture.Cluster.ApplyAsync(Manifests.Node("node-c"));
        subnet = await SubnetWhenAsync(ns, "net", s => s.Status.NodeCount == 3, "a block for node-c");
        Blocks(subnet).Should().Contain(new Dictionary<string, string> { ["node-a"] = "10.20.0.0/26", ["node-b"] = "10.20.0.64/26", ["node-c"] = "10.20.0.128/26" });

        await fixture.Cluster.KubectlCheckedAsync("delete", "node", "node-a");
        subnet = await SubnetWhenAsync(ns, "net", s => s.Status.NodeCount == 2, "node-a's block released");
        Blocks(subnet).Should().Equal(new Dictionary<string, string> { ["node-b"] = "10.20.0.64/26", ["node-c"] = "10.20.0.128/26" });

        // Three new nodes for two free blocks: the lowest free block first, in name order; one node is left without.
        await fixture.Cluster.ApplyAsync(string.Join("\n---\n", Manifests.Node("node-d"), Manifests.Node("node-e"), Manifests.Node("node-f")));
        subnet = await SubnetWhenAsync(ns, "net", s => Conditions.Find(s.Status.Conditions, "Ready")?.Reason == "SubnetFull", "SubnetFull");
        Blocks(subnet).Should().Equal(new Dictionary<string, string>
        {
            ["node-b"] = "10.20.0.64/26",
            ["node-c"] = "10.20.0.128/26",
            ["node-d"] = "10.20.0.0/26",
            ["node-e"] = "10.20.0.192/26",
        });
        var ready = Conditions.Find(subnet.Status.Conditions, "Ready")!;
        ready.Status.Should().Be(ConditionStatus.False);
        ready.Message.Should().Contain("no free /26 block for node(s) node-f").And.Contain("all 4 blocks of 10.20.0.0/24 are in use");

        var describe = await fixture.Cluster.KubectlCheckedAsync("describe", "subnet", "net", "-n", ns);
        describe.Should().Contain("Observed Generation:").And.Contain("Reason:").And.Contain("SubnetFull").And.Contain("BlocksAssigned");
        describe.Should().MatchRegex(@"Warning\s+SubnetFull", "kubectl describe lists the warning event");
        describe.Should().MatchRegex(@"Normal\s+BlockReleased\s+.*node\(s\) gone, block\(s\) free again: node-a=10.20.0.0/26");

        // A node leaving frees a block, and the waiting node gets it.
        await fixture.Cluster.KubectlCheckedAsync("delete", "node", "node-b");
        subnet = await SubnetWhenAsync(ns, "net", s => Conditions.IsTrue(s.Status.Conditions, "Ready") && s.Status.NodeCount == 4, "node-f gets node-b's block");
        Blocks(subnet)["node-f"].Should().Be("10.20.0.64/26");
        Blocks(subnet)["node-d"].Should().Be("10.20.0.0/26");
    }

    [Fact]
    public async Task Get_erebor_lists_every_kind_with_printer_columns()
    {
        var ns = await fixture.NewNamespaceAsync("columns");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "web", "10.30.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "edge", "web"));
        await Eventually.UntilAsync(
            () => fixture.Cluster.KubectlCheckedAsync("get", "erebor", "-n", ns),
            text => text.Contains("router.erebor.io/edge") && text.Contains("subnet.erebor.io/web") && !text.Contains("False") && text.Split('\n').Count(l => l.Contains("True")) == 2,
            Timeout,
            "kubectl get erebor to show both Ready");

        var subnets = await fixture.Cluster.KubectlCheckedAsync("get", "subnets", "-n", ns);
        subnets.Split('\n')[0].Should().MatchRegex(@"^NAME\s+CIDR\s+GATEWAY\s+NODES\s+AVAILABLE\s+PROGRAMMED\s+READY\s+AGE");
        subnets.Should().MatchRegex(@"web\s+10\.30\.0\.0/24\s+10\.30\.0\.1\s+\d+\s+\d+\s+\d+/\d+\s+True");
    }
}
