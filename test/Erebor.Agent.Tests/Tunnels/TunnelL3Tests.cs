using Erebor.Agent.Apps;
using Erebor.Agent.Apps.L3;
using Erebor.Agent.Tests.Unit;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Matching;
using Erebor.Packets;

namespace Erebor.Agent.Tests.Tunnels;

/// <summary>Routing across nodes: the L3 app resolves remote ports and other nodes' blocks to the tunnel, and delivers what another node routed to this one.</summary>
public sealed class TunnelL3Tests
{
    private const ushort Idle = 7;
    private const uint TunnelOfPort = 65000;
    private static readonly Segment Web = new(7, "team/web", Ipv4Cidr.Parse("10.0.1.0/24"), Ipv4Address.Parse("10.0.1.1"), DhcpEnabled: true);
    private static readonly Segment Db = new(9, "team/db", Ipv4Cidr.Parse("10.0.2.0/24"), Ipv4Address.Parse("10.0.2.1"), DhcpEnabled: true);
    private static readonly MacAddress RouterWebMac = MacAddress.Parse("0a:00:00:00:00:07");
    private static readonly MacAddress RouterDbMac = MacAddress.Parse("0a:00:00:00:00:09");
    private static readonly MacAddress Vm1Mac = MacAddress.Parse("02:00:00:00:01:01");
    private static readonly MacAddress RemoteDbMac = MacAddress.Parse("02:00:00:00:02:42");
    private static readonly Ipv4Address Vm1 = Ipv4Address.Parse("10.0.1.10");
    private static readonly Ipv4Address Node2 = Ipv4Address.Parse("192.168.7.2");
    private static readonly Ipv4Address Node3 = Ipv4Address.Parse("192.168.7.3");

    private static readonly NodeNetwork Network = new NodeNetwork(
        [Web, Db],
        [new RouterInterface("team/r", Web.Id, Web.Gateway, RouterWebMac), new RouterInterface("team/r", Db.Id, Db.Gateway, RouterDbMac)],
        [new LocalPort("vm1", 1, Vm1Mac, Web.Id, Vm1)])
    {
        Tunnel = new TunnelPort(TunnelOfPort, Ipv4Address.Parse("192.168.7.1")),
        RemotePorts = [new RemotePort("db1", "node2", Node2, RemoteDbMac, Db.Id, Ipv4Address.Parse("10.0.2.42"))],
        RemoteBlocks = [new RemoteBlock(Db.Id, Ipv4Cidr.Parse("10.0.2.64/26"), "node3", Node3)],
    };

    private static byte[] Udp(string destination, MacAddress to, MacAddress from, string source = "10.0.1.10", byte ttl = 64) =>
        Frames.BuildUdp(new EthernetHeader(to, from), new Ipv4Header(Ipv4Address.Parse(source), Ipv4Address.Parse(destination)) { TimeToLive = ttl }, 40000, 53, [1, 2, 3, 4]);

    [Fact]
    public void A_remote_port_is_reached_with_its_own_mac_through_the_tunnel_to_its_node()
    {
        var forward = L3Router.Decide(Network, Udp("10.0.2.42", RouterWebMac, Vm1Mac), 1, Web.Id, Idle).Should().BeOfType<L3Forward>().Subject;

        forward.Flow.ApplyActions().Should().Equal(
            new SetFieldAction(OxmField.EthSrc, RouterDbMac.Value),
            new SetFieldAction(OxmField.EthDst, RemoteDbMac.Value),
            new DecNwTtlAction(),
            new SetFieldAction(OxmField.TunnelId, Db.Id),
            new SetFieldAction(OxmField.TunIpv4Dst, Node2.Value),
            new OutputAction(TunnelOfPort));
        forward.Reason.Should().Contain("db1 on node node2");
    }

    [Fact]
    public void An_address_in_another_nodes_block_that_is_no_known_port_goes_to_that_node_addressed_to_the_router()
    {
        var forward = L3Router.Decide(Network, Udp("10.0.2.70", RouterWebMac, Vm1Mac), 1, Web.Id, Idle).Should().BeOfType<L3Forward>().Subject;

        forward.Flow.ApplyActions().Should().Equal(
            new SetFieldAction(OxmField.EthSrc, RouterDbMac.Value),
            new SetFieldAction(OxmField.EthDst, RouterDbMac.Value),
            new DecNwTtlAction(),
            new SetFieldAction(OxmField.TunnelId, Db.Id),
            new SetFieldAction(OxmField.TunIpv4Dst, Node3.Value),
            new OutputAction(TunnelOfPort));
        L3Router.Decide(Network, Udp("10.0.2.200", RouterWebMac, Vm1Mac), 1, Web.Id, Idle).Should().BeOfType<L3Reply>("10.0.2.200 is in nobody's block and no port: host unreachable");
        L3Router.Decide(Network with { Tunnel = null }, Udp("10.0.2.42", RouterWebMac, Vm1Mac), 1, Web.Id, Idle).Should().BeOfType<L3Reply>("without a tunnel nothing is remote");
    }

    [Fact]
    public void Addresses_whose_port_left_or_moved_are_forgotten_and_new_ones_need_nothing()
    {
        var moved = Network with
        {
            Ports = [.. Network.Ports, new LocalPort("db1-here", 5, RemoteDbMac, Db.Id, Ipv4Address.Parse("10.0.2.42"))],
            RemotePorts = [new RemotePort("db9", "node2", Node2, MacAddress.Parse("02:00:00:00:02:99"), Db.Id, Ipv4Address.Parse("10.0.2.99"))],
        };

        L3Router.MovedDestinations(Network, moved).Should().Equal([Ipv4Address.Parse("10.0.2.42")], "db1 moved from node 2 to a local port; db9 is new");
        L3Router.MovedDestinations(moved, Network).Should().Equal([Ipv4Address.Parse("10.0.2.42"), Ipv4Address.Parse("10.0.2.99")], "db1 moved back, db9 left");
        L3Router.MovedDestinations(Network, Network with { RemotePorts = [.. Network.RemotePorts] }).Should().BeEmpty();

        var forget = L3Router.Forget(Ipv4Address.Parse("10.0.2.42"));
        forget.Command.Should().Be(OpenFlow.Messages.FlowModCommand.Delete);
        forget.TableId.Should().Be(Pipeline.L3Forwarding.Id);
        forget.CookieMask.Should().Be(ulong.MaxValue);
        FlowCookie.Parse(forget.Cookie).Should().Be(new FlowCookie(L3Router.ReactiveRound, AppId.L3, Ipv4Address.Parse("10.0.2.42").Value), "the reactive flows' own cookie");
    }

    [Fact]
    public void A_packet_another_node_routed_here_is_delivered_to_the_local_port_without_a_second_ttl_decrement()
    {
        // Node 2 routed 10.0.2.x -> 10.0.1.10 to this node's block: it arrives on the Web segment, to the router's Web MAC.
        var frame = Udp("10.0.1.10", RouterWebMac, RouterWebMac, source: "10.0.2.42", ttl: 1);
        var forward = L3Router.Decide(Network, frame, TunnelOfPort, Web.Id, Idle).Should().BeOfType<L3Forward>().Subject;

        forward.Flow.ApplyActions().Should().Equal(new SetFieldAction(OxmField.EthDst, Vm1Mac.Value), new OutputAction(1));
        forward.Flow.Match.Should().Be(Apps.Flows.InSegment(Web.Id).InPort(TunnelOfPort).EthDst(RouterWebMac).EthType(EtherTypes.IPv4).Ipv4Dst(Vm1), "local senders to the same address keep their own flow");
        forward.Packet.InPort.Should().Be(TunnelOfPort);

        L3Router.Decide(Network, Udp("10.0.1.99", RouterWebMac, RouterWebMac, source: "10.0.2.42"), TunnelOfPort, Web.Id, Idle)
            .Should().BeOfType<L3Drop>("an unknown address is never sent back into the tunnel, nor answered into it");
    }
}
