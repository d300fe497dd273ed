using System.Diagnostics;
using System.Text.RegularExpressions;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Harness.Prometheus;
using Xunit.Abstractions;

namespace Erebor.Agent.Tests.Integration;

[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed partial class ArpAndRestartTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    private static double PacketIns(string metrics) => Exposition.Sum(metrics, "erebor_agent_packet_ins_total");

    private static async Task<long> ResponderHitsAsync(OvsNode node)
    {
        var flows = await node.OfctlAsync("dump-flows", node.BridgeName, "table=10");
        return ResponderPackets().Matches(flows).Where(m => m.Value.Contains("arp_op=1", StringComparison.Ordinal) && !m.Value.Contains("in_port", StringComparison.Ordinal))
            .Sum(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"n_packets=(\d+).*", RegexOptions.Multiline)]
    private static partial Regex ResponderPackets();

    private static async Task<string> ArpingMacAsync(Workload from, string ip)
    {
        var result = await from.ExecAsync("arping", "-c", "2", "-w", "3", "-I", "eth0", ip);
        result.ExitCode.Should().Be(0, $"arping {ip} must get replies: {result.StdOut}{result.StdErr}");
        return MacInReply().Match(result.StdOut).Groups[1].Value.ToLowerInvariant();
    }

    [GeneratedRegex(@"reply from [0-9.]+ \[([0-9A-Fa-f:]{17})\]")]
    private static partial Regex MacInReply();

    [Fact]
    public async Task Arp_for_the_gateway_and_for_a_local_port_is_answered_by_flows_without_reaching_the_agent()
    {
        var (ns, gateway) = await fixture.NetworkAsync("10.50.0.0/24");
        await using var node = await OvsNode.StartAsync("arp");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:50:00:10", "10.50.0.10/24", gateway.Ip);
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:50:00:11", "10.50.0.11/24", gateway.Ip);
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node);
        await Eventually.UntilAsync(() => node.OfctlAsync("dump-flows", node.BridgeName, "table=10"), f => f.Contains("arp_tpa=10.50.0.11", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "ARP responder flows for the ports");
        var packetInsBefore = PacketIns(await agent.MetricsAsync());
        var hitsBefore = await ResponderHitsAsync(node);

        (await ArpingMacAsync(vm1, gateway.Ip)).Should().Be(gateway.Mac, "the gateway answers with the router interface's MAC");
        (await ArpingMacAsync(vm1, "10.50.0.11")).Should().Be("02:00:00:50:00:11", "a known port's IP answers with that port's MAC");

        await Eventually.UntilAsync(() => ResponderHitsAsync(node), hits => hits >= hitsBefore + 4, TimeSpan.FromSeconds(5), "the responder flows to count the requests");
        PacketIns(await agent.MetricsAsync()).Should().Be(packetInsBefore, "ARP must not reach the agent");
    }

    [Fact]
    public async Task Ping_loses_nothing_while_the_agent_is_killed_and_restarted_three_times()
    {
        var (ns, gateway) = await fixture.NetworkAsync("10.51.0.0/24");
        await using var node = await OvsNode.StartAsync("rst");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:51:00:10", "10.51.0.10/24", gateway.Ip);
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:51:00:11", "10.51.0.11/24", gateway.Ip);
        var agent = await AgentProcess.StartAsync(fixture.Cluster, node);
        try
        {
            (await vm1.PingAsync("10.51.0.11", count: 3)).AllReceived.Should().BeTrue();
            var flowsBefore = await node.OfctlAsync("dump-aggregate", node.BridgeName);

            // 10 ms interval for the whole churn; ping's own summary counts every loss.
            var ping = vm1.PingAsync("10.51.0.11", count: 1500, intervalSeconds: 0.01, timeoutSeconds: 60);
            for (var restart = 1; restart <= 3; restart++)
            {
                await Task.Delay(1500);
                agent.Kill();
                await Task.Delay(500);
                agent = await AgentProcess.StartAsync(fixture.Cluster, node, stateDirectory: agent.StateDirectory);
                output.WriteLine($"restart {restart}: agent programmed again");
            }

            var result = await ping;
            output.WriteLine($"ping during restarts: {result.Transmitted} sent, {result.Received} received, loss {result.LossPercent}%");
            result.Transmitted.Should().Be(1500);
            result.Received.Should().Be(1500, "flows stay in OVS while the agent is away and are replaced atomically when it returns");
            FlowCount(await node.OfctlAsync("dump-aggregate", node.BridgeName)).Should().Be(FlowCount(flowsBefore), "a replay replaces flows, it does not add duplicates");
        }
        finally
        {
            await agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task After_an_ovs_restart_the_pipeline_is_replayed()
    {
        var (ns, gateway) = await fixture.NetworkAsync("10.52.0.0/24");
        await using var node = await OvsNode.StartAsync("ovsrst");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:52:00:10", "10.52.0.10/24", gateway.Ip);
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:52:00:11", "10.52.0.11/24", gateway.Ip);
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node);
        var expected = FlowCount(await node.OfctlAsync("dump-aggregate", node.BridgeName));
        expected.Should().BeGreaterThan(10);

        var clock = Stopwatch.StartNew();
        await node.RestartVswitchdAsync();
        var restarted = clock.Elapsed;
        await Eventually.UntilAsync(async () => FlowCount(await node.OfctlAsync("dump-aggregate", node.BridgeName)), n => n == expected, TimeSpan.FromSeconds(30), "the pipeline to be replayed", TimeSpan.FromMilliseconds(20));
        var replayed = clock.Elapsed;
        output.WriteLine($"ovs-vswitchd restart took {restarted.TotalMilliseconds:F0} ms; all {expected} flows back {replayed.TotalMilliseconds - restarted.TotalMilliseconds:F0} ms after it was up ({replayed.TotalMilliseconds:F0} ms in all)");

        (await vm1.PingAsync("10.52.0.11", count: 3)).AllReceived.Should().BeTrue();
        (await ArpingMacAsync(vm1, gateway.Ip)).Should().Be(gateway.Mac);
        (replayed - restarted).Should().BeLessThan(TimeSpan.FromSeconds(5), "OVS reconnects within its 1 s max_backoff and the replay is one bundle");
    }

    private static long FlowCount(string aggregate) =>
        long.Parse(FlowCountPattern().Match(aggregate).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"flow_count=(\d+)")]
    private static partial Regex FlowCountPattern();
}
