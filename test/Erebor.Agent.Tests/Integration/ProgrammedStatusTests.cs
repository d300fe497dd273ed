using System.Diagnostics;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Operator;
using Erebor.Harness.Ovs;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Xunit.Abstractions;
using static Erebor.Agent.Tests.Integration.DhcpHelpers;

namespace Erebor.Agent.Tests.Integration;

/// <summary>
/// A cluster of its own (so that its one Node is the only one holding blocks) whose operator counts
/// an agent as not ready 15 s after its last heartbeat, so that a stopped agent shows quickly.
/// </summary>
public sealed class ProgrammedStatusFixture : AgentClusterFixture
{
    public const string StaleAfter = "15s";

    protected override OperatorProcessOptions OperatorOptions => new() { ExtraArgs = ["--agent-stale-after", StaleAfter] };
}

[CollectionDefinition(Name)]
public sealed class ProgrammedStatusCollection : ICollectionFixture<ProgrammedStatusFixture>
{
    public const string Name = "programmed status";
}

/// <summary>
/// "What is programmed where", end to end: a real agent on a real OVS reports per Subnet and
/// Router the generation it installed, its ports and its leases; the operator aggregates that
/// into the Subnet's and Router's Programmed count, condition and per-node lines.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ProgrammedStatusCollection.Name)]
public sealed class ProgrammedStatusTests(ProgrammedStatusFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subnet_and_router_show_which_nodes_programmed_which_generation_their_leases_and_a_stopped_agent()
    {
        var net = await NetworkAsync(fixture, "10.66.0.0/24");
        var key = $"{net.Namespace}/net";
        await using var node = await OvsNode.StartAsync("prog");
        await using var vm1 = await DhcpWorkloadAsync(node, "vm1", net, "02:00:00:66:00:10");
        await using var vm2 = await DhcpWorkloadAsync(node, "vm2", net, "02:00:00:66:00:11");
        // The production heartbeat (10 s): what shows up sooner was written because it changed.
        var agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node, heartbeatSeconds: 10);
        try
        {
            // The agent programs the subnet: NodeAgent lists its generation, the Subnet is 1/1 Programmed.
            var subnet = await SubnetWhenAsync(net, s => s.Status.Programmed == "1/1" && ProgrammedIs(s.Status.Conditions, ConditionStatus.True, "AllNodesProgrammed"), "Subnet 1/1 Programmed");
            var generation = subnet.Metadata.Generation!.Value;
            var reported = await AgentWhenAsync(net, a => Entry(a, key)?.ObservedGeneration == generation, "NodeAgent reports the subnet's generation");
            Entry(reported, key)!.Ports.Should().Be(2);
            Entry(reported, key)!.LeasesUsed.Should().Be(0);
            var blockSize = 1 << (32 - int.Parse(net.Block.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));
            Entry(reported, key)!.LeasesAvailable.Should().Be(blockSize - 5, $"this node's block {net.Block} is the subnet's first: its network address, the gateway and the reserved .2-.4 are not leased");
            reported.Status.Routers.Should().ContainSingle(r => r.Router == $"{net.Namespace}/r").Which.ObservedGeneration.Should().NotBeNull();
            var block = subnet.Status.NodeBlocks.Single();
            (block.Node, block.State, block.ProgrammedGeneration, block.Ports, block.Leased).Should().Be((net.Node, "Programmed", generation, 2, 0));
            Condition(subnet.Status.Conditions).Message.Should().Be($"generation {generation} is installed on all 1 node(s)");
            var router = await RouterWhenAsync(net, r => r.Status.Programmed == "1/1" && ProgrammedIs(r.Status.Conditions, ConditionStatus.True, "AllNodesProgrammed"), "Router 1/1 Programmed");
            var availableBefore = subnet.Status.Addresses.Available;

            // DHCP clients get leases: leasesUsed and addresses.leased go up, each well before the next
            // heartbeat (a heartbeat-only reporter would pass each 2 s bound with a chance of 1 in 5).
            var leases = 0;
            foreach (var vm in new[] { vm1, vm2 })
            {
                await using var client = await Udhcpc.StartAsync(vm, exitAfterLease: true);
                await client.WaitForEventAsync("bound");
                var clock = Stopwatch.StartNew();
                leases++;
                await AgentWhenAsync(net, a => Entry(a, key)?.LeasesUsed == leases, $"NodeAgent leasesUsed {leases}", TimeSpan.FromSeconds(15));
                output.WriteLine($"NodeAgent showed lease {leases} {clock.ElapsedMilliseconds} ms after udhcpc was bound (heartbeat every 10 s)");
                clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "the reporter writes changes promptly, not at the next 10 s heartbeat");
            }

            subnet = await SubnetWhenAsync(net, s => s.Status.Addresses.Leased == 2, "Subnet addresses.leased 2");
            subnet.Status.Addresses.Available.Should().Be(availableBefore - 2);
            subnet.Status.NodeBlocks.Single().Leased.Should().Be(2);

            // A spec change is a new generation: Programmed again once the agent installed it.
            var patched = Stopwatch.StartNew();
            await fixture.Cluster.KubectlCheckedAsync("patch", "subnet", "net", "-n", net.Namespace, "--type", "merge", "-p", """{"spec":{"dhcp":{"leaseSeconds":900}}}""");
            await AgentWhenAsync(net, a => Entry(a, key)?.ObservedGeneration > generation, "NodeAgent reports the new generation", TimeSpan.FromSeconds(15));
            output.WriteLine($"NodeAgent reported the new generation {patched.ElapsedMilliseconds} ms after kubectl patch");
            patched.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3), "operator resolves, agent installs and reports at once, not at the next heartbeat");
            subnet = await SubnetWhenAsync(net, s => s.Metadata.Generation > generation && s.Status.NodeBlocks.Single().ProgrammedGeneration == s.Metadata.Generation
                && ProgrammedIs(s.Status.Conditions, ConditionStatus.True, "AllNodesProgrammed"), "Subnet Programmed at the new generation");
            var newGeneration = subnet.Metadata.Generation!.Value;
            Entry(await AgentAsync(net), key)!.ObservedGeneration.Should().Be(newGeneration);
            Condition(subnet.Status.Conditions).Message.Should().Contain($"generation {newGeneration}");

            var table = await fixture.Cluster.KubectlCheckedAsync("get", "subnet", "net", "-n", net.Namespace);
            output.WriteLine(table);
            table.Should().MatchRegex(@"NAME\s+CIDR\s+GATEWAY\s+NODES\s+AVAILABLE\s+PROGRAMMED\s+READY").And.MatchRegex(@"net\s+10\.66\.0\.0/24\s+\S+\s+1\s+\d+\s+1/1\s+True");
            var describe = await fixture.Cluster.KubectlCheckedAsync("describe", "subnet", "net", "-n", net.Namespace);
            output.WriteLine(describe);
            describe.Should().MatchRegex(@"Programmed:\s+1/1")
                .And.MatchRegex($@"Node:\s+{net.Node}")
                .And.MatchRegex($@"Programmed Generation:\s+{newGeneration}")
                .And.MatchRegex(@"State:\s+Programmed")
                .And.MatchRegex(@"Leased:\s+2")
                .And.Contain("AllNodesProgrammed");

            // The agent stops: its heartbeat goes stale and the Subnet and Router name the node.
            var stopped = Stopwatch.StartNew();
            agent.Kill();
            subnet = await SubnetWhenAsync(net, s => ProgrammedIs(s.Status.Conditions, ConditionStatus.False, "AgentNotReady"), "Subnet Programmed=False AgentNotReady", TimeSpan.FromSeconds(45));
            output.WriteLine($"Subnet said AgentNotReady {stopped.ElapsedMilliseconds} ms after the agent was killed (stale after {ProgrammedStatusFixture.StaleAfter})");
            stopped.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(4), "the last heartbeat was at most 10 s before the kill, and it is stale only 15 s after it");
            subnet.Status.Programmed.Should().Be("0/1");
            subnet.Status.NodeBlocks.Single().State.Should().Be("AgentNotReady");
            subnet.Status.Addresses.Leased.Should().Be(2, "the stopped node's leases are still held there");
            Condition(subnet.Status.Conditions).Message.Should().Contain($"agent not ready on {net.Node} (no heartbeat since");
            router = await RouterWhenAsync(net, r => ProgrammedIs(r.Status.Conditions, ConditionStatus.False, "AgentNotReady"), "Router Programmed=False AgentNotReady");
            router.Status.Programmed.Should().Be("0/1");
            Condition(router.Status.Conditions).Message.Should().Contain(net.Node);

            describe = await fixture.Cluster.KubectlCheckedAsync("describe", "subnet", "net", "-n", net.Namespace);
            output.WriteLine(describe);
            describe.Should().MatchRegex(@"Programmed:\s+0/1").And.MatchRegex(@"State:\s+AgentNotReady").And.Contain("AgentNotReady").And.Contain($"agent not ready on {net.Node}");
        }
        finally
        {
            output.WriteLine(agent.OutputTail());
            await agent.DisposeAsync();
        }
    }

    private static V1Alpha1NodeAgent.NodeSubnetStatus? Entry(V1Alpha1NodeAgent agent, string subnet) => agent.Status.Subnets?.FirstOrDefault(s => s.Subnet == subnet);

    private static Condition Condition(IEnumerable<Condition> conditions) => Conditions.Find(conditions, ConditionTypes.Programmed) ?? throw new InvalidOperationException("no Programmed condition");

    private static bool ProgrammedIs(IEnumerable<Condition> conditions, string status, string reason) =>
        Conditions.Find(conditions, ConditionTypes.Programmed) is { } c && c.Status == status && c.Reason == reason;

    private async Task<V1Alpha1NodeAgent> AgentAsync(DhcpNetwork net) =>
        await fixture.Api.GetAsync<V1Alpha1NodeAgent>(null, net.Node) ?? throw new InvalidOperationException($"no NodeAgent {net.Node}");

    private Task<V1Alpha1NodeAgent> AgentWhenAsync(DhcpNetwork net, Func<V1Alpha1NodeAgent, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => AgentAsync(net), done, timeout ?? Timeout, what, TimeSpan.FromMilliseconds(50));

    private async Task<V1Alpha1Subnet> SubnetWhenAsync(DhcpNetwork net, Func<V1Alpha1Subnet, bool> done, string what, TimeSpan? timeout = null) =>
        (await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1Subnet>(net.Namespace, "net"), s => s is not null && done(s), timeout ?? Timeout, what, TimeSpan.FromMilliseconds(100)))!;

    private async Task<V1Alpha1Router> RouterWhenAsync(DhcpNetwork net, Func<V1Alpha1Router, bool> done, string what) =>
        (await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1Router>(net.Namespace, "r"), r => r is not null && done(r), Timeout, what, TimeSpan.FromMilliseconds(100)))!;
}
