using System.Globalization;
using System.Text.RegularExpressions;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Harness.Prometheus;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;
using Xunit.Abstractions;

namespace Erebor.Agent.Tests.Integration;

/// <summary>
/// The reactive L3 app on one node: two Subnets joined by a Router, workloads in namespaces with
/// static addresses, a real agent. The first packet of each direction reaches the agent, the
/// rest are forwarded by the /32 flows it installs, which age out when idle.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed partial class L3RoutingTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    private const int IdleSeconds = 3;

    [Fact]
    public async Task Cross_subnet_ping_is_routed_by_flows_the_first_packet_installs_and_they_age_out_when_idle()
    {
        var (ns, a, b) = await fixture.TwoSubnetsAsync("10.60.0.0/24", "10.61.0.0/24");
        await using var node = await OvsNode.StartAsync("l3r");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:60:00:10", "10.60.0.10/24", a.Ip, "a");
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:61:00:10", "10.61.0.10/24", b.Ip, "b");
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, extraArgs: ["--l3-idle-seconds", IdleSeconds.ToString(CultureInfo.InvariantCulture)]);
        await WaitRoutedAsync(node, "10.60.0.10", "10.61.0.10");

        var before = L3PacketIns(await agent.MetricsAsync());
        var first = await vm1.PingAsync("10.61.0.10", count: 3);
        output.WriteLine($"first ping: {first.Received}/{first.Transmitted}, ttl {first.Ttl}, rtt min/avg/max {first.RttMin?.TotalMilliseconds:F3}/{first.RttAvg?.TotalMilliseconds:F3}/{first.RttMax?.TotalMilliseconds:F3} ms");
        first.AllReceived.Should().BeTrue(first.Output);
        first.Ttl.Should().Be(63, "the router decrements the TTL once");
        var afterFirst = L3PacketIns(await agent.MetricsAsync());
        output.WriteLine($"l3 PACKET_INs: {before} before, {afterFirst} after the first pings");
        (afterFirst - before).Should().Be(2, "one first packet per direction reaches the agent");

        var table40 = await node.OfctlAsync("dump-flows", node.BridgeName, "table=40");
        output.WriteLine(table40);
        ReactiveFlows(table40).Should().HaveCount(2).And.OnlyContain(f => f.Contains($"idle_timeout={IdleSeconds}", StringComparison.Ordinal));
        table40.Should().Contain("nw_dst=10.61.0.10").And.Contain("nw_dst=10.60.0.10");

        var steady = await vm1.PingAsync("10.61.0.10", count: 1000, intervalSeconds: 0.002, timeoutSeconds: 60);
        output.WriteLine($"1000 pings: {steady.Received} received, rtt min/avg/max {steady.RttMin?.TotalMilliseconds:F3}/{steady.RttAvg?.TotalMilliseconds:F3}/{steady.RttMax?.TotalMilliseconds:F3} ms");
        steady.Received.Should().BeGreaterThanOrEqualTo(1000, "ping -w sends until 1000 are answered (a reply arriving late can make it 1001)");
        L3PacketIns(await agent.MetricsAsync()).Should().Be(afterFirst, "later packets never reach the agent");

        var idle = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.UntilAsync(async () => ReactiveFlows(await node.OfctlAsync("dump-flows", node.BridgeName, "table=40")).Count, n => n == 0, TimeSpan.FromSeconds(IdleSeconds + 15), "the idle /32 flows to expire", TimeSpan.FromMilliseconds(200));
        output.WriteLine($"flows gone {idle.Elapsed.TotalSeconds:F1} s after the last packet (idle timeout {IdleSeconds} s)");

        var again = await vm1.PingAsync("10.61.0.10", count: 2);
        again.AllReceived.Should().BeTrue(again.Output);
        L3PacketIns(await agent.MetricsAsync()).Should().Be(afterFirst + 2, "a new first packet per direction reinstalls the flows");
        ReactiveFlows(await node.OfctlAsync("dump-flows", node.BridgeName, "table=40")).Should().HaveCount(2);
    }

    [Fact]
    public async Task Unknown_destinations_get_icmp_unreachable_ttl_one_gets_time_exceeded_and_static_routes_reach_an_appliance()
    {
        var (ns, a, b) = await fixture.TwoSubnetsAsync("10.62.0.0/24", "10.63.0.0/24", "staticRoutes: [{destination: 10.99.0.0/24, nextHop: 10.63.0.20}]");
        await using var node = await OvsNode.StartAsync("l3u");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:62:00:10", "10.62.0.10/24", a.Ip, "a");
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:63:00:10", "10.63.0.10/24", b.Ip, "b");
        // A "gateway appliance" on subnet b: 10.99.0.1 lives behind it (on its loopback), it forwards.
        await using var appliance = await AgentClusterFixture.WorkloadAsync(node, "gw", ns, "02:00:00:63:00:20", "10.63.0.20/24", b.Ip, "b");
        (await appliance.ExecAsync("ip", "addr", "add", "10.99.0.1/32", "dev", "lo")).Succeeded.Should().BeTrue();
        (await appliance.ExecAsync("sysctl", "-w", "net.ipv4.ip_forward=1")).Succeeded.Should().BeTrue();
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, extraArgs: ["--l3-idle-seconds", "30"]);
        await WaitRoutedAsync(node, "10.62.0.10", "10.63.0.10");

        var host = await vm1.PingAsync("10.63.0.99", count: 2, timeoutSeconds: 3);
        output.WriteLine(host.Output);
        host.Received.Should().Be(0);
        host.Output.Should().Contain($"From {a.Ip}").And.Contain("Destination Host Unreachable");

        var net = await vm1.PingAsync("10.200.0.1", count: 1, timeoutSeconds: 3);
        output.WriteLine(net.Output);
        net.Output.Should().Contain("Destination Net Unreachable");

        var ttl1 = await vm1.ExecAsync("ping", "-n", "-c", "1", "-t", "1", "-W", "2", "10.63.0.10");
        output.WriteLine(ttl1.StdOut);
        ttl1.StdOut.Should().Contain($"From {a.Ip}").And.Contain("Time to live exceeded");

        var routed = await vm1.PingAsync("10.99.0.1", count: 3);
        output.WriteLine(routed.Output);
        routed.AllReceived.Should().BeTrue("the Router's static route sends 10.99.0.0/24 to the appliance");
        routed.Ttl.Should().Be(63);
        var flows = await node.OfctlAsync("dump-flows", node.BridgeName, "table=40");
        output.WriteLine(flows);
        flows.Should().MatchRegex(@"nw_dst=10\.99\.0\.1 .*set_field:02:00:00:63:00:20->eth_dst", "the destination's flow rewrites to the next hop's MAC");
    }

    [Fact]
    public async Task Once_a_destination_has_its_flow_ttl_one_still_gets_time_exceeded_and_traceroute_shows_the_gateway_hop()
    {
        var (ns, a, b) = await fixture.TwoSubnetsAsync("10.64.0.0/24", "10.65.0.0/24");
        await using var node = await OvsNode.StartAsync("l3t");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:64:00:10", "10.64.0.10/24", a.Ip, "a");
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:65:00:10", "10.65.0.10/24", b.Ip, "b");
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, extraArgs: ["--l3-idle-seconds", "60"]);
        await WaitRoutedAsync(node, "10.64.0.10", "10.65.0.10");

        (await vm1.PingAsync("10.65.0.10", count: 2)).AllReceived.Should().BeTrue();
        ReactiveFlows(await node.OfctlAsync("dump-flows", node.BridgeName, "table=40")).Should().Contain(f => f.Contains("nw_dst=10.65.0.10", StringComparison.Ordinal), "the /32 exists before the TTL-1 probes");

        var ttl1 = await vm1.ExecAsync("ping", "-n", "-c", "3", "-i", "0.2", "-t", "1", "-W", "2", "10.65.0.10");
        output.WriteLine(ttl1.StdOut);
        TimeExceeded().Matches(ttl1.StdOut).Should().HaveCount(3, "every TTL-1 packet gets an answer from the gateway, not just a table-40 miss");
        ttl1.StdOut.Should().Contain($"From {a.Ip}");
        output.WriteLine(await node.OfctlAsync("dump-flows", node.BridgeName, "table=40"));
        await Eventually.UntilAsync(() => FlowCounts.PacketsAsync(node, "table=40,ip,nw_ttl=1"), n => n == 3, TimeSpan.FromSeconds(5), "the TTL-1 flow above the /32 to count the 3 packets it sent to the agent");

        // A traceroute (UDP probes, one per hop): hop 1 is the router's gateway address, hop 2 the destination.
        var trace = await vm1.ExecAsync("busybox", "traceroute", "-n", "-q", "1", "-w", "2", "-m", "4", "10.65.0.10");
        output.WriteLine(trace.StdOut + trace.StdErr);
        trace.Succeeded.Should().BeTrue(trace.StdErr);
        var hops = Hop().Matches(trace.StdOut).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => m.Groups[2].Value);
        hops.Should().Equal(new Dictionary<int, string> { [1] = a.Ip, [2] = "10.65.0.10" });
    }

    /// <summary>Until both ports are wired (their ARP responder flows) and table 40 sends misses to the agent.</summary>
    private static Task WaitRoutedAsync(OvsNode node, params string[] ips) =>
        Eventually.UntilAsync(
            async () => await node.OfctlAsync("dump-flows", node.BridgeName) ?? string.Empty,
            f => ips.All(ip => f.Contains($"arp_tpa={ip}", StringComparison.Ordinal)) && f.Contains("table=40", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "the ports and the L3 tables to be programmed");

    private static List<string> ReactiveFlows(string table40) =>
        [.. table40.Split('\n').Where(l => l.Contains("nw_dst=", StringComparison.Ordinal))];

    [GeneratedRegex(@"Time to live exceeded")]
    private static partial Regex TimeExceeded();

    /// <summary>A traceroute hop line: " 1  10.64.0.1  0.512 ms".</summary>
    [GeneratedRegex(@"^\s*(\d+)\s+(\d+\.\d+\.\d+\.\d+)\s", RegexOptions.Multiline)]
    private static partial Regex Hop();

    private static long L3PacketIns(string metrics) => (long)Exposition.Sum(metrics, "erebor_agent_packet_ins_total", ("app", "l3"));
}
