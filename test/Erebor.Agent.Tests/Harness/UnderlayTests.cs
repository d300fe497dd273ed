using Erebor.Harness.Ovs;

namespace Erebor.Agent.Tests.Harness;

/// <summary>Two simulated nodes reach each other's workloads through a userspace geneve tunnel: the base of multi-node networking.</summary>
[Trait("Category", "Integration")]
public sealed class UnderlayTests
{
    [Fact]
    public async Task A_geneve_tunnel_over_the_underlay_carries_traffic_between_two_nodes()
    {
        await using var node1 = await OvsNode.StartAsync("ul1");
        await using var node2 = await OvsNode.StartAsync("ul2");
        await using var underlay = await Underlay.ConnectAsync(node1, node2, "192.168.77");
        await Underlay.AddTunnelPortAsync(node1, underlay.LeftEndpoint);
        await Underlay.AddTunnelPortAsync(node2, underlay.RightEndpoint);
        await using var vm1 = await node1.AddWorkloadAsync("vm1", new WorkloadOptions { Mac = "02:00:00:77:00:01", Ipv4Cidr = "10.77.0.1/24", OfPortRequest = 1 });
        await using var vm2 = await node2.AddWorkloadAsync("vm2", new WorkloadOptions { Mac = "02:00:00:77:00:02", Ipv4Cidr = "10.77.0.2/24", OfPortRequest = 1 });
        foreach (var (node, peer) in new[] { (node1, underlay.RightEndpoint), (node2, underlay.LeftEndpoint) })
        {
            await node.OfctlAsync("add-flow", node.BridgeName, $"table=0,priority=100,in_port=1,actions=set_field:0x99->tun_id,set_field:{peer}->tun_dst,output:100");
            await node.OfctlAsync("add-flow", node.BridgeName, "table=0,priority=100,in_port=100,tun_id=0x99,actions=output:1");
        }

        // The first packet waits while OVS resolves the peer endpoint's MAC on br-phy.
        await vm1.PingAsync("10.77.0.2", count: 1, timeoutSeconds: 5);
        var ping = await vm1.PingAsync("10.77.0.2", count: 5);
        ping.AllReceived.Should().BeTrue(ping.Output);
        (await node1.OfctlAsync("dump-flows", node1.BridgeName, "in_port=100")).Should().MatchRegex(@"n_packets=[1-9]", "the replies came back through the tunnel");
        (await node1.AppctlAsync("tnl/arp/show")).Should().Contain(underlay.RightEndpoint, "OVS resolved the peer endpoint itself");
    }
}
