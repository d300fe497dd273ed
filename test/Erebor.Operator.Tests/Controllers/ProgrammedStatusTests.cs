using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Controllers;

namespace Erebor.Operator.Tests.Controllers;

public sealed class ProgrammedStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(40);

    /// <summary>A Ready agent that beat <paramref name="secondsAgo"/> seconds ago and reports <paramref name="generation"/>.</summary>
    private static AgentReport Agent(long? generation, int secondsAgo = 5, bool ready = true, int ports = 0, int leased = 0) =>
        new(ready, ready ? "Programmed" : "OpenFlowDisconnected", Now.AddSeconds(-secondsAgo), generation, ports, leased);

    public static TheoryData<string, Dictionary<string, AgentReport?>, string, string, string, string> Cases => new()
    {
        // name, node -> report (generation 3 is current), count, status, reason, message
        { "all current", new() { ["a"] = Agent(3), ["b"] = Agent(3) }, "2/2", ConditionStatus.True, ProgrammedReasons.AllNodesProgrammed, "generation 3 is installed on all 2 node(s)" },
        { "one behind", new() { ["a"] = Agent(3), ["b"] = Agent(2) }, "1/2", ConditionStatus.False, ProgrammedReasons.NodesBehind, "1/2 node(s) run generation 3; behind b (generation 2)" },
        { "never programmed", new() { ["a"] = Agent(null) }, "0/1", ConditionStatus.False, ProgrammedReasons.NodesBehind, "0/1 node(s) run generation 3; behind a (not programmed)" },
        {
            "stale heartbeat counts as not ready even at the current generation", new() { ["a"] = Agent(3), ["b"] = Agent(3, secondsAgo: 41) }, "1/2", ConditionStatus.False, ProgrammedReasons.AgentNotReady,
            "1/2 node(s) run generation 3; agent not ready on b (no heartbeat since 2026-11-22T02:59:19Z)"
        },
        {
            "not Ready, missing agent and behind are all named", new() { ["a"] = Agent(3, ready: false), ["b"] = null, ["c"] = Agent(1), ["d"] = Agent(3) }, "1/4", ConditionStatus.False, ProgrammedReasons.AgentNotReady,
            "1/4 node(s) run generation 3; agent not ready on a (not Ready: OpenFlowDisconnected), b (no NodeAgent); behind c (generation 1)"
        },
        { "no agents at all", new() { ["a"] = null, ["b"] = null }, "0/2", ConditionStatus.Unknown, ProgrammedReasons.NoAgents, "none of the 2 node(s) runs an agent (no NodeAgent objects)" },
        { "no nodes", new(), "0/0", ConditionStatus.Unknown, ProgrammedReasons.NoAgents, "no node holds a block, so no agent programs it" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Summarizes_the_agents_reports(string name, Dictionary<string, AgentReport?> reports, string count, string status, string reason, string message)
    {
        var summary = ProgrammedStatus.Summarize(3, reports, Now, StaleAfter);

        summary.Count.Should().Be(count, name);
        summary.Status.Should().Be(status, name);
        summary.Reason.Should().Be(reason, name);
        summary.Message.Should().Be(message, name);
        summary.PerNode.Select(n => n.Node).Should().Equal(reports.Keys.Order(StringComparer.Ordinal), "one line per node, by name");
    }

    [Fact]
    public void Per_node_lines_carry_generation_ports_and_leases_and_leases_sum_over_all_agents()
    {
        var summary = ProgrammedStatus.Summarize(3, new Dictionary<string, AgentReport?>
        {
            ["a"] = Agent(3, ports: 2, leased: 2),
            ["b"] = Agent(2, ports: 1, leased: 1),
            ["c"] = Agent(3, secondsAgo: 100, ports: 4, leased: 3), // stale, but its leases are still held on its node
            ["d"] = null,
        }, Now, StaleAfter);

        summary.PerNode.Select(n => (n.Node, n.State, n.Generation, n.Ports, n.Leased)).Should().Equal(
            ("a", NodeProgrammingStates.Programmed, 3L, 2, 2),
            ("b", NodeProgrammingStates.Behind, 2L, 1, 1),
            ("c", NodeProgrammingStates.AgentNotReady, 3L, 4, 3),
            ("d", NodeProgrammingStates.NoAgent, (long?)null, (int?)null, (int?)null));
        summary.Leased.Should().Be(6);
    }

    [Fact]
    public void Asks_to_look_again_when_the_oldest_fresh_heartbeat_turns_stale()
    {
        var summary = ProgrammedStatus.Summarize(3, new Dictionary<string, AgentReport?> { ["a"] = Agent(3, secondsAgo: 5), ["b"] = Agent(3, secondsAgo: 30), ["c"] = Agent(3, secondsAgo: 60) }, Now, StaleAfter);

        summary.RecheckAt.Should().BeCloseTo(Now.AddSeconds(10), TimeSpan.FromSeconds(1), "b's heartbeat turns stale in 10 s; c is stale already");
        ProgrammedStatus.Summarize(3, new Dictionary<string, AgentReport?> { ["c"] = Agent(3, secondsAgo: 60) }, Now, StaleAfter).RecheckAt.Should().BeNull("nothing can turn stale");
    }

    [Fact]
    public void An_unchanged_situation_yields_the_same_message_later()
    {
        var reports = new Dictionary<string, AgentReport?> { ["a"] = Agent(3, secondsAgo: 100), ["b"] = Agent(2) };

        ProgrammedStatus.Summarize(3, reports, Now.AddSeconds(30), StaleAfter).Message
            .Should().Be(ProgrammedStatus.Summarize(3, reports, Now, StaleAfter).Message, "the status is only written when it changes");
    }

    [Fact]
    public void Reads_an_agents_report_of_a_subnet_and_a_router()
    {
        var agent = new V1Alpha1NodeAgent { Metadata = new ObjectMeta { Name = "a" } };
        agent.Status.LastHeartbeatTime = Now;
        agent.Status.Subnets = [new() { Subnet = "ns/web", ObservedGeneration = 4, Ports = 2, LeasesUsed = 1, LeasesAvailable = 60 }];
        agent.Status.Routers = [new() { Router = "ns/r", ObservedGeneration = 2 }];
        Conditions.Set(agent.Status.Conditions, ConditionTypes.Ready, true, "Programmed", "12 flows", null, Now);

        AgentReport.ForSubnet(agent, "ns/web").Should().Be(new AgentReport(true, "Programmed", Now, 4, 2, 1));
        AgentReport.ForSubnet(agent, "ns/other").Should().Be(new AgentReport(true, "Programmed", Now, null));
        AgentReport.ForRouter(agent, "ns/r").Should().Be(new AgentReport(true, "Programmed", Now, 2));
    }
}

public sealed class NodeAgentReportChangesTests
{
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(40);

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static InformerEvent<V1Alpha1NodeAgent> Event(DateTimeOffset heartbeat, bool ready = true, WatchEventType type = WatchEventType.Modified, params (string Subnet, long Generation, int Leases)[] subnets)
    {
        var agent = new V1Alpha1NodeAgent { Metadata = new ObjectMeta { Name = "node-a" } };
        agent.Status.LastHeartbeatTime = heartbeat;
        agent.Status.Subnets = [.. subnets.Select(s => new V1Alpha1NodeAgent.NodeSubnetStatus { Subnet = s.Subnet, ObservedGeneration = s.Generation, LeasesUsed = s.Leases })];
        Conditions.Set(agent.Status.Conditions, ConditionTypes.Ready, ready, ready ? "Programmed" : "OpenFlowDisconnected", string.Empty, null, heartbeat);
        return new InformerEvent<V1Alpha1NodeAgent>(type, agent);
    }

    [Fact]
    public void A_heartbeat_alone_concerns_nothing_a_changed_entry_concerns_its_object_a_readiness_change_everything()
    {
        var t0 = new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero);
        var clock = new Clock(t0);
        var changes = NodeAgentReportChanges.ForSubnets(StaleAfter, clock);

        changes.Changed(Event(t0, type: WatchEventType.Added, subnets: [("ns/a", 1, 0), ("ns/b", 1, 0)])).Should().BeNull("a new agent concerns every object");
        clock.Now = t0.AddSeconds(10);
        changes.Changed(Event(t0.AddSeconds(10), subnets: [("ns/a", 1, 0), ("ns/b", 1, 0)])).Should().BeEmpty("only the heartbeat moved");
        changes.Changed(Event(t0.AddSeconds(20), subnets: [("ns/a", 2, 0), ("ns/b", 1, 0)])).Should().Equal("ns/a");
        changes.Changed(Event(t0.AddSeconds(20), subnets: [("ns/a", 2, 1)])).Should().Equal("ns/a", "ns/b");
        changes.Changed(Event(t0.AddSeconds(30), ready: false, subnets: [("ns/a", 2, 1)])).Should().BeNull("Ready flipped");

        clock.Now = t0.AddSeconds(90);
        changes.Changed(Event(t0.AddSeconds(90), ready: false, subnets: [("ns/a", 2, 1)])).Should().BeNull("the heartbeat resumed after the last one had gone stale");
        changes.Changed(Event(t0.AddSeconds(90), ready: false, type: WatchEventType.Deleted, subnets: [("ns/a", 2, 1)])).Should().BeNull();
    }
}
