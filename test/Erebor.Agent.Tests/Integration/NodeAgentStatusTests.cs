using System.Diagnostics;
using System.Globalization;

using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

using Xunit.Abstractions;

namespace Erebor.Agent.Tests.Integration;

/// <summary>The NodeAgent object an agent heartbeats, read through the real API server and kubectl.</summary>
[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed class NodeAgentStatusTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan FewHeartbeats = TimeSpan.FromSeconds(15); // heartbeat 2 s in tests

    [Fact]
    public async Task NodeAgent_status_reports_the_flows_and_follows_ovs_vswitchd_going_away_and_coming_back()
    {
        var (ns, gateway) = await fixture.NetworkAsync("10.54.0.0/24");
        await using var node = await OvsNode.StartAsync("status");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:54:00:10", "10.54.0.10/24", gateway.Ip);
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:54:00:11", "10.54.0.11/24", gateway.Ip);
        var agent = await AgentProcess.StartAsync(fixture.Cluster, node);
        try
        {
            await Eventually.UntilAsync(() => node.OfctlAsync("dump-flows", node.BridgeName, "table=10"), f => f.Contains("arp_tpa=10.54.0.11", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "flows for both ports");
            var (up, total) = await ProgrammedAsync(node);
            up.Spec.NodeName.Should().Be(node.Name);
            up.Metadata.Labels.Should().Contain("erebor.io/node", node.Name);
            up.Status.OpenFlowConnected.Should().BeTrue();
            up.Status.FlowCount.Should().Be(total).And.BeGreaterThan(10);
            var perTable = await FlowCounts.PerTableAsync(node);
            up.Status.FlowsPerTable.Should().BeEquivalentTo(perTable.Where(t => t.Value > 0).ToDictionary(), "flowsPerTable is keyed by table name and counts what OVS has");
            var ovsVersion = (await node.VsctlAsync("--no-wait", "get", "Open_vSwitch", ".", "ovs_version")).Trim().Trim('"');
            ovsVersion.Should().NotBeEmpty();
            up.Status.OvsVersion.Should().Be(ovsVersion);
            up.Status.AgentVersion.Should().NotBeNullOrEmpty();
            var ready = Conditions.Find(up.Status.Conditions, ConditionTypes.Ready)!;
            ready.Status.Should().Be(ConditionStatus.True);
            ready.Reason.Should().Be("Programmed");
            ready.Message.Should().Contain($"{total} flows");

            // Heartbeats keep coming.
            var firstBeat = up.Status.LastHeartbeatTime!.Value;
            await Eventually.UntilAsync(() => GetAsync(node), na => na.Status.LastHeartbeatTime > firstBeat, FewHeartbeats, "a later heartbeat");

            var printed = await fixture.Cluster.KubectlCheckedAsync("get", "nodeagents");
            output.WriteLine(printed);
            var (header, row) = Row(printed, node.Name);
            header.Should().StartWith(["NAME", "CONNECTED", "OVS", "FLOWS", "HEARTBEAT", "AGE"]);
            row[Array.IndexOf(header, "CONNECTED")].Should().Be("true");
            row[Array.IndexOf(header, "OVS")].Should().Be(ovsVersion);
            row[Array.IndexOf(header, "FLOWS")].Should().Be(total.ToString(CultureInfo.InvariantCulture));

            // ovs-vswitchd dies: the agent loses its OpenFlow connection (OVSDB stays up).
            var clock = Stopwatch.StartNew();
            await node.KillVswitchdAsync();
            var down = await Eventually.UntilAsync(() => GetAsync(node), na => ReadyIs(na, ConditionStatus.False, "OpenFlowDisconnected"), FewHeartbeats, "Ready=False OpenFlowDisconnected");
            output.WriteLine($"reported disconnected {clock.ElapsedMilliseconds} ms after ovs-vswitchd was killed");
            down.Status.OpenFlowConnected.Should().BeFalse();
            Conditions.Find(down.Status.Conditions, ConditionTypes.Ready)!.Message.Should().Contain("not connected");
            var (_, downRow) = Row(await fixture.Cluster.KubectlCheckedAsync("get", "nodeagents"), node.Name);
            downRow[Array.IndexOf(header, "CONNECTED")].Should().Be("false");
            agent.HasExited.Should().BeFalse("the agent waits for Open vSwitch to come back");

            // ... and comes back: OVS reconnects, the agent replays, the status is Ready again.
            clock.Restart();
            await node.StartVswitchdAsync();
            var (back, totalAfter) = await ProgrammedAsync(node);
            output.WriteLine($"reported Ready again {clock.ElapsedMilliseconds} ms after ovs-vswitchd was started");
            back.Status.OpenFlowConnected.Should().BeTrue();
            totalAfter.Should().Be(total, "the replay restores the same pipeline");
            back.Status.FlowsPerTable.Should().BeEquivalentTo(up.Status.FlowsPerTable);
        }
        finally
        {
            await agent.DisposeAsync();
            await fixture.Cluster.KubectlAsync("delete", "nodeagent", node.Name, "--ignore-not-found");
        }
    }

    private async Task<V1Alpha1NodeAgent> GetAsync(OvsNode node) =>
        await fixture.Api.GetAsync<V1Alpha1NodeAgent>(null, node.Name) ?? throw new InvalidOperationException($"no NodeAgent {node.Name} yet");

    /// <summary>Waits for Ready=True/Programmed, connected, with flowCount equal to OVS's own count.</summary>
    private async Task<(V1Alpha1NodeAgent Agent, long OvsFlows)> ProgrammedAsync(OvsNode node) =>
        await Eventually.UntilAsync(
            async () => (Agent: await GetAsync(node), OvsFlows: await FlowCounts.TotalAsync(node)),
            x => ReadyIs(x.Agent, ConditionStatus.True, "Programmed") && x.Agent.Status.OpenFlowConnected && x.Agent.Status.FlowCount == x.OvsFlows,
            TimeSpan.FromSeconds(30), "NodeAgent Ready=True Programmed with flowCount = dump-aggregate flow_count", TimeSpan.FromMilliseconds(250));

    private static bool ReadyIs(V1Alpha1NodeAgent agent, string status, string reason) =>
        Conditions.Find(agent.Status.Conditions, ConditionTypes.Ready) is { } ready && ready.Status == status && ready.Reason == reason;

    private static (string[] Header, string[] Row) Row(string table, string name)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var row = lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).SingleOrDefault(cells => cells[0] == name)
            ?? throw new InvalidOperationException($"no row for {name} in:\n{table}");
        row.Should().HaveCount(header.Length, $"every column of {name} is filled in:\n{table}");
        return (header, row);
    }
}
