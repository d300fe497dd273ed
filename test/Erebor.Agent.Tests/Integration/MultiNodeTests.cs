using System.Globalization;
using System.Text.RegularExpressions;
using Erebor.Agent.Network;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Harness.Prometheus;
using Xunit.Abstractions;
using static Erebor.Agent.Tests.Integration.DhcpHelpers;

namespace Erebor.Agent.Tests.Integration;

/// <summary>
/// Two simulated nodes joined by a userspace geneve underlay, an agent on each with a tunnel
/// endpoint: the agents create their tunnel ports, learn each other's ports from the NodeAgent
/// objects (l2population), and carry L2 and routed traffic between the nodes.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed partial class MultiNodeTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Same_subnet_ping_crosses_the_tunnel_arp_for_a_remote_port_stays_local_and_broadcast_reaches_only_nodes_with_ports_of_its_subnet()
    {
        var (ns, a, b) = await fixture.TwoSubnetsAsync("10.74.0.0/24", "10.75.0.0/24");
        await using var nodes = await TwoNodes.StartAsync(fixture.Cluster, "mnl2", "192.168.74", heartbeatSeconds: 1);
        // Subnet a has a port on each node; subnet b only on node 1.
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(nodes.Node1, "vm1", ns, "02:00:00:74:00:10", "10.74.0.10/24", a.Ip, "a");
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(nodes.Node2, "vm2", ns, "02:00:00:74:00:20", "10.74.0.20/24", a.Ip, "a");
        await using var vm3 = await AgentClusterFixture.WorkloadAsync(nodes.Node1, "vm3", ns, "02:00:00:75:00:10", "10.75.0.10/24", b.Ip, "b");
        await nodes.WaitForRemotePortsAsync(("10.74.0.20", "10.74.0.10"));

        var tunnelTx = await SettledTunnelTxAsync(nodes.Node1);
        var arping = await vm1.ExecAsync("arping", "-c", "3", "-w", "3", "-I", "eth0", "10.74.0.20");
        output.WriteLine(arping.StdOut);
        arping.StdOut.Should().Contain("[02:00:00:74:00:20]", "node 1 answers for vm2's address with vm2's MAC");
        (await SettledTunnelTxAsync(nodes.Node1)).Should().Be(tunnelTx, "ARP for a remote port never crosses the tunnel");

        var ping = await vm1.PingAsync("10.74.0.20", count: 5);
        output.WriteLine(ping.Output);
        ping.AllReceived.Should().BeTrue(ping.Output);
        await Eventually.UntilAsync(() => TunnelTxAsync(nodes.Node1), tx => tx >= tunnelTx + 5, TimeSpan.FromSeconds(10), "the pings to go through the tunnel");

        // Broadcast: ARP for an address nobody answers floods the subnet. On a, node 2 gets a copy; on b, nobody.
        tunnelTx = await SettledTunnelTxAsync(nodes.Node1);
        await vm1.ExecAsync("arping", "-c", "2", "-w", "2", "-I", "eth0", "10.74.0.99");
        await Eventually.UntilAsync(() => TunnelTxAsync(nodes.Node1), tx => tx >= tunnelTx + 2, TimeSpan.FromSeconds(10), "a copy of each broadcast on subnet a to node 2, which has a port on it");
        var afterA = await SettledTunnelTxAsync(nodes.Node1);
        output.WriteLine($"tunnel tx on node 1: {tunnelTx} before, {afterA} after a broadcast on subnet a");
        await vm3.ExecAsync("arping", "-c", "2", "-w", "2", "-I", "eth0", "10.75.0.99");
        (await SettledTunnelTxAsync(nodes.Node1)).Should().Be(afterA, "node 2 has no port on subnet b");

        // The agent's own view of the same: l2population and the tunnel port's counters on /metrics.
        var metrics = await nodes.Agent1.MetricsAsync();
        Exposition.Sum(metrics, "erebor_agent_remote_ports", ("node", nodes.Agent2.NodeName)).Should().Be(1, "vm2 is node 2's only port");
        await Eventually.UntilAsync(async () => Exposition.Sum(await nodes.Agent1.MetricsAsync(), "erebor_agent_tunnel_packets_total", ("direction", "tx")), tx => tx >= afterA, TimeSpan.FromSeconds(10), "the tunnel tx counter on /metrics");

        // Heartbeats of node 2 (every second) change no flow on node 1.
        var flowMods = FlowModsSent(await nodes.Agent1.MetricsAsync());
        var flows = await nodes.Node1.OfctlAsync("dump-flows", nodes.Node1.BridgeName, "--no-stats");
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        FlowModsSent(await nodes.Agent1.MetricsAsync()).Should().Be(flowMods, "three heartbeats of node 2 must not reprogram node 1");
        (await nodes.Node1.OfctlAsync("dump-flows", nodes.Node1.BridgeName, "--no-stats")).Should().Be(flows);
    }

    [Fact]
    public async Task Cross_subnet_ping_through_a_router_across_two_nodes_takes_one_packet_in_per_direction_and_one_ttl_and_follows_a_moved_address()
    {
        var (ns, a, b) = await fixture.TwoSubnetsAsync("10.76.0.0/24", "10.77.0.0/24");
        await using var nodes = await TwoNodes.StartAsync(fixture.Cluster, "mnl3", "192.168.76", heartbeatSeconds: 1);
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(nodes.Node1, "vm1", ns, "02:00:00:76:00:10", "10.76.0.10/24", a.Ip, "a");
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(nodes.Node2, "vm2", ns, "02:00:00:77:00:10", "10.77.0.10/24", b.Ip, "b");
        await nodes.WaitForRemotePortsAsync(("10.77.0.10", "10.76.0.10"));

        var before = (L3PacketIns(await nodes.Agent1.MetricsAsync()), L3PacketIns(await nodes.Agent2.MetricsAsync()));
        // One echo, waited for (a fresh agent's first PACKET_IN takes a while): a second one sent early would also miss the flows.
        var first = await vm1.PingAsync("10.77.0.10", count: 1, intervalSeconds: 2);
        output.WriteLine(first.Output);
        first.AllReceived.Should().BeTrue(first.Output);
        first.Ttl.Should().Be(63, "each direction is routed once, by the sender's node");
        var afterFirst = (L3PacketIns(await nodes.Agent1.MetricsAsync()), L3PacketIns(await nodes.Agent2.MetricsAsync()));
        output.WriteLine($"l3 PACKET_INs (node 1, node 2): {before} before, {afterFirst} after the first ping");
        afterFirst.Should().Be((before.Item1 + 1, before.Item2 + 1), "the request's first packet reaches node 1's agent, the reply's node 2's");

        var table40 = await nodes.Node1.OfctlAsync("dump-flows", nodes.Node1.BridgeName, "table=40");
        output.WriteLine(table40);
        table40.Should().MatchRegex(@"nw_dst=10\.77\.0\.10 .*set_field:192\.168\.76\.2->tun_dst", "node 1 routes straight into the tunnel to vm2's node");

        var steady = await vm1.PingAsync("10.77.0.10", count: 1000, intervalSeconds: 0.01, timeoutSeconds: 60);
        output.WriteLine($"1000 pings: {steady.Received} received, ttl {steady.Ttl}, rtt min/avg/max {steady.RttMin?.TotalMilliseconds:F3}/{steady.RttAvg?.TotalMilliseconds:F3}/{steady.RttMax?.TotalMilliseconds:F3} ms");
        steady.Received.Should().BeGreaterThanOrEqualTo(1000, "ping -w sends until 1000 are answered (a reply arriving late can make it 1001)");
        steady.Ttl.Should().Be(63);
        (L3PacketIns(await nodes.Agent1.MetricsAsync()), L3PacketIns(await nodes.Agent2.MetricsAsync())).Should().Be(afterFirst, "later packets never reach either agent");

        // vm2's address moves to a new port on node 1: node 1 forgets its route into the tunnel, and the next first packet finds the new place.
        await vm2.DisposeAsync();
        await using var moved = await AgentClusterFixture.WorkloadAsync(nodes.Node1, "vm2b", ns, "02:00:00:77:00:11", "10.77.0.10/24", b.Ip, "b");
        await Eventually.UntilAsync(() => nodes.Node1.OfctlAsync("dump-flows", nodes.Node1.BridgeName, "table=40"), f => !f.Contains("nw_dst=10.77.0.10", StringComparison.Ordinal), TimeSpan.FromSeconds(15), "node 1 to forget the route to the old place");
        var again = await vm1.PingAsync("10.77.0.10", count: 3, intervalSeconds: 0.5);
        output.WriteLine(again.Output);
        again.AllReceived.Should().BeTrue(again.Output);
        (await nodes.Node1.OfctlAsync("dump-flows", nodes.Node1.BridgeName, "table=40")).Should().MatchRegex(@"nw_dst=10\.77\.0\.10 .*set_field:02:00:00:77:00:11->eth_dst", "the new route leads to the new port");
    }

    [Fact]
    public async Task A_dhcp_client_on_node_2_gets_an_address_from_node_2s_block_and_pings_a_port_on_node_1()
    {
        var net = await NetworkAsync(fixture, "10.78.0.0/24");
        await using var nodes = await TwoNodes.StartAsync(fixture.Cluster, "mndh", "192.168.78", node2Name: net.Node, heartbeatSeconds: 1);
        // Node 1 holds no block of its own (no Node object): its port has a static address outside node 2's block.
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(nodes.Node1, "vm1", net.Namespace, "02:00:00:78:00:10", "10.78.0.200/24", net.Gateway);
        await using var vm2 = await DhcpWorkloadAsync(nodes.Node2, "vm2", net, "02:00:00:78:00:20");

        await using var client = await Udhcpc.StartAsync(vm2, exitAfterLease: true);
        var ip = (await client.WaitForEventAsync("bound"))["ip"];
        output.WriteLine($"vm2 on node 2 bound {ip} (node 2's block {net.Block})");
        InCidr(ip, net.Block).Should().BeTrue($"{ip} must be in node 2's block {net.Block}");
        await nodes.WaitForRemotePortsAsync((ip, "10.78.0.200"));

        var ping = await vm2.PingAsync("10.78.0.200", count: 3);
        output.WriteLine(ping.Output);
        ping.AllReceived.Should().BeTrue(ping.Output);
    }

    private static long L3PacketIns(string metrics) => (long)Exposition.Sum(metrics, "erebor_agent_packet_ins_total", ("app", "l3"));

    private static double FlowModsSent(string metrics) => Exposition.Sum(metrics, "erebor_openflow_flow_mods_sent_total");

    /// <summary>Packets node's tunnel port has sent, as OVS counts them live (<c>ovs-ofctl dump-ports</c>).</summary>
    private static async Task<long> TunnelTxAsync(OvsNode node)
    {
        var ports = await node.OfctlAsync("dump-ports", node.BridgeName, RemoteNetwork.TunnelOfPortRequest.ToString(CultureInfo.InvariantCulture));
        return long.Parse(TxPackets().Match(ports).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The tunnel's tx count once it stops moving: OVS credits packets that hit a datapath flow to
    /// the tunnel port when its revalidators collect flow statistics (every few hundred ms), so a
    /// read right after traffic may miss some, and "unchanged" needs a settled value on both sides.
    /// </summary>
    private static async Task<long> SettledTunnelTxAsync(OvsNode node)
    {
        var previous = await TunnelTxAsync(node);
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await TunnelTxAsync(node);
            if (now == previous) { return now; }
            previous = now;
        }

        throw new TimeoutException($"the tunnel tx count of {node.Name} kept moving");
    }

    [GeneratedRegex(@"tx pkts=(\d+)")]
    private static partial Regex TxPackets();
}
