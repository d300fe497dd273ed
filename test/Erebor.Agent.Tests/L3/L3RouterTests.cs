using Erebor.Agent.Apps;
using Erebor.Agent.Apps.L3;
using Erebor.Agent.Tests.Unit;
using Erebor.Domain.Networking;
using Erebor.OpenFlow;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Matching;
using Erebor.Packets;

namespace Erebor.Agent.Tests.L3;

public sealed class L3RouterTests
{
    private const ushort Idle = 7;
    private static readonly Segment Web = new(7, "team/web", Ipv4Cidr.Parse("10.0.1.0/24"), Ipv4Address.Parse("10.0.1.1"), DhcpEnabled: true);
    private static readonly Segment Db = new(9, "team/db", Ipv4Cidr.Parse("10.0.2.0/24"), Ipv4Address.Parse("10.0.2.1"), DhcpEnabled: true);
    private static readonly Segment Other = new(11, "team/other", Ipv4Cidr.Parse("10.0.3.0/24"), Ipv4Address.Parse("10.0.3.1"), DhcpEnabled: true);
    private static readonly MacAddress RouterWebMac = MacAddress.Parse("0a:00:00:00:00:07");
    private static readonly MacAddress RouterDbMac = MacAddress.Parse("0a:00:00:00:00:09");
    private static readonly MacAddress Vm1Mac = MacAddress.Parse("02:00:00:00:01:01");
    private static readonly MacAddress Db1Mac = MacAddress.Parse("02:00:00:00:02:01");
    private static readonly MacAddress ApplianceMac = MacAddress.Parse("02:00:00:00:02:20");
    private static readonly Ipv4Address Vm1 = Ipv4Address.Parse("10.0.1.10");
    private static readonly Ipv4Address Db1 = Ipv4Address.Parse("10.0.2.10");

    private static readonly NodeNetwork Network = new NodeNetwork(
        [Web, Db, Other],
        [
            new RouterInterface("team/r", Web.Id, Web.Gateway, RouterWebMac),
            new RouterInterface("team/r", Db.Id, Db.Gateway, RouterDbMac),
            // Another router's segment: never reachable through team/r.
            new RouterInterface("team/r2", Other.Id, Other.Gateway, MacAddress.Parse("0a:00:00:00:00:0b")),
        ],
        [
            new LocalPort("vm1", 1, Vm1Mac, Web.Id, Vm1),
            new LocalPort("db1", 3, Db1Mac, Db.Id, Db1),
            new LocalPort("appliance", 4, ApplianceMac, Db.Id, Ipv4Address.Parse("10.0.2.20")),
            new LocalPort("o1", 5, MacAddress.Parse("02:00:00:00:03:01"), Other.Id, Ipv4Address.Parse("10.0.3.10")),
        ])
    {
        Routes =
        [
            new RouterRoute("team/r", Ipv4Cidr.Parse("10.99.0.0/16"), Ipv4Address.Parse("10.0.2.20")),
            new RouterRoute("team/r", Ipv4Cidr.Parse("10.0.2.128/25"), Ipv4Address.Parse("10.0.2.20")),
            new RouterRoute("team/r", Ipv4Cidr.Parse("10.98.0.0/16"), Ipv4Address.Parse("192.168.7.1")), // next hop in no attached subnet
            new RouterRoute("team/r2", Ipv4Cidr.Parse("10.97.0.0/16"), Ipv4Address.Parse("10.0.3.10")), // another router's route
        ],
    };

    private static byte[] Udp(string destination, byte ttl = 64, MacAddress? to = null) =>
        Frames.BuildUdp(new EthernetHeader(to ?? RouterWebMac, Vm1Mac), new Ipv4Header(Vm1, Ipv4Address.Parse(destination)) { TimeToLive = ttl }, 40000, 53, [1, 2, 3, 4]);

    private static byte[] Icmp(string destination, Icmpv4Type type, byte ttl = 64)
    {
        var frame = Frames.BuildIcmpEchoReply(new EthernetHeader(RouterWebMac, Vm1Mac), new Ipv4Header(Vm1, Ipv4Address.Parse(destination)) { TimeToLive = ttl }, 0x1234, 1, [9, 9, 9, 9]);
        var icmp = frame.AsSpan(EthernetHeader.UntaggedLength + Ipv4Header.MinimumLength, Icmpv4Message.HeaderLength + 4);
        icmp[0] = (byte)type;
        icmp[2] = icmp[3] = 0;
        var sum = InternetChecksum.Compute(icmp);
        icmp[2] = (byte)(sum >> 8);
        icmp[3] = (byte)sum;
        return frame;
    }

    private static L3Decision Decide(byte[] frame, uint inPort = 1, ulong? metadata = 7) => L3Router.Decide(Network, frame, inPort, metadata, Idle);

    [Fact]
    public void A_local_port_of_another_attached_subnet_gets_a_32_flow_with_router_mac_dec_ttl_and_idle_timeout()
    {
        var forward = Decide(Udp("10.0.2.10")).Should().BeOfType<L3Forward>().Subject;

        forward.Flow.TableId.Should().Be(Pipeline.L3Forwarding.Id);
        forward.Flow.Priority.Should().Be(L3Router.FlowPriority);
        forward.Flow.IdleTimeout.Should().Be(Idle);
        forward.Flow.HardTimeout.Should().Be(0);
        var cookie = FlowCookie.Parse(forward.Flow.Cookie);
        cookie.App.Should().Be(AppId.L3);
        cookie.Round.Should().Be(L3Router.ReactiveRound, "round 0: the synchronizer's updates never touch it, a replay drops it");
        forward.Flow.Match.Should().Be(Apps.Flows.InSegment(Web.Id).EthDst(RouterWebMac).EthType(EtherTypes.IPv4).Ipv4Dst(Db1));
        forward.Flow.ApplyActions().Should().Equal(
            new SetFieldAction(OxmField.EthSrc, RouterDbMac.Value),
            new SetFieldAction(OxmField.EthDst, Db1Mac.Value),
            new DecNwTtlAction(),
            new OutputAction(3));

        forward.Packet.InPort.Should().Be(1);
        forward.Packet.Actions.AsSpan().ToArray().Should().Equal(forward.Flow.ApplyActions(), "the first packet takes exactly the flow's path");
        forward.Packet.Data.AsSpan().ToArray().Should().Equal(Udp("10.0.2.10"));
    }

    [Fact]
    public void Without_metadata_the_segment_comes_from_the_ingress_port()
    {
        Decide(Udp("10.0.2.10"), metadata: null).Should().BeOfType<L3Forward>();
        Decide(Udp("10.0.2.10"), inPort: 99, metadata: null).Should().BeOfType<L3Drop>();
    }

    [Fact]
    public void Ttl_of_one_is_answered_with_time_exceeded_from_the_ingress_gateway()
    {
        var reply = Decide(Udp("10.0.2.10", ttl: 1)).Should().BeOfType<L3Reply>().Subject;
        reply.Type.Should().Be(Icmpv4Type.TimeExceeded);
        reply.Packet.Actions.AsSpan().ToArray().Should().Equal(new OutputAction(1));

        var frame = EthernetFrame.Parse(reply.Packet.Data.AsSpan());
        frame.Destination.Should().Be(Vm1Mac);
        frame.Source.Should().Be(RouterWebMac);
        var ip = Ipv4Packet.Parse(frame.Payload);
        ip.IsHeaderChecksumValid.Should().BeTrue();
        ip.Source.Should().Be(Web.Gateway);
        ip.Destination.Should().Be(Vm1);
        var icmp = Icmpv4Message.Parse(ip.Payload);
        icmp.Type.Should().Be(Icmpv4Type.TimeExceeded);
        icmp.Code.Should().Be((byte)TimeExceededCode.TimeToLiveExceededInTransit);
        icmp.IsChecksumValid.Should().BeTrue();
        Ipv4Packet.Parse(icmp.Body).Destination.Should().Be(Db1, "the error quotes the original datagram");
    }

    [Fact]
    public void An_unknown_address_of_an_attached_subnet_is_host_unreachable_and_outside_every_route_net_unreachable()
    {
        var host = Decide(Udp("10.0.2.77")).Should().BeOfType<L3Reply>().Subject;
        host.Type.Should().Be(Icmpv4Type.DestinationUnreachable);
        host.Code.Should().Be((byte)DestinationUnreachableCode.HostUnreachable);
        Icmpv4Message.Parse(Ipv4Packet.Parse(EthernetFrame.Parse(host.Packet.Data.AsSpan()).Payload).Payload).IsChecksumValid.Should().BeTrue();

        var net = Decide(Udp("172.16.0.1")).Should().BeOfType<L3Reply>().Subject;
        net.Code.Should().Be((byte)DestinationUnreachableCode.NetUnreachable);

        Decide(Udp("10.0.3.10")).Should().BeOfType<L3Reply>().Which.Code.Should().Be((byte)DestinationUnreachableCode.NetUnreachable, "10.0.3.0/24 belongs to another router");
        Decide(Udp("10.97.0.1")).Should().BeOfType<L3Reply>().Which.Code.Should().Be((byte)DestinationUnreachableCode.NetUnreachable, "another router's static route");
        Decide(Udp("10.98.0.1")).Should().BeOfType<L3Reply>().Which.Code.Should().Be((byte)DestinationUnreachableCode.NetUnreachable, "a next hop in no attached subnet makes the route unusable");
    }

    [Fact]
    public void A_static_route_sends_the_destination_to_the_next_hops_port_mac()
    {
        var forward = Decide(Udp("10.99.3.4")).Should().BeOfType<L3Forward>().Subject;
        forward.Flow.Match.Find(OxmField.Ipv4Dst)!.Value.Value.Should().Be(Ipv4Address.Parse("10.99.3.4").Value, "one /32 per destination");
        forward.Flow.ApplyActions().Should().Equal(
            new SetFieldAction(OxmField.EthSrc, RouterDbMac.Value),
            new SetFieldAction(OxmField.EthDst, ApplianceMac.Value),
            new DecNwTtlAction(),
            new OutputAction(4));
    }

    [Fact]
    public void The_longest_prefix_wins_between_connected_subnets_and_static_routes()
    {
        Decide(Udp("10.0.2.200")).Should().BeOfType<L3Forward>().Subject.Flow.ApplyActions().Should().Contain(new OutputAction(4), "10.0.2.128/25 is longer than the connected /24");
        Decide(Udp("10.0.2.10")).Should().BeOfType<L3Forward>().Subject.Flow.ApplyActions().Should().Contain(new OutputAction(3));
    }

    [Fact]
    public void A_remote_seam_resolves_addresses_that_are_not_local_ports()
    {
        var remote = new FakeRemote();
        var forward = L3Router.Decide(Network, Udp("10.0.2.77"), 1, 7, Idle, remote).Should().BeOfType<L3Forward>().Subject;
        forward.Flow.ApplyActions().Should().Contain(new OutputAction(42));
        remote.Asked.Should().Equal((Db.Id, Ipv4Address.Parse("10.0.2.77")));
    }

    [Fact]
    public void No_icmp_error_about_an_icmp_error_nor_to_a_packet_for_another_mac()
    {
        Decide(Icmp("10.0.2.77", Icmpv4Type.DestinationUnreachable)).Should().BeOfType<L3Drop>();
        Decide(Icmp("10.0.2.77", Icmpv4Type.EchoRequest)).Should().BeOfType<L3Reply>("an echo request to an unknown host is answered unreachable");
        Decide(Udp("10.0.2.10", to: RouterDbMac)).Should().BeOfType<L3Drop>("the Db MAC is not a router interface on the Web segment");
        Decide(Udp("10.0.2.10", to: Db1Mac)).Should().BeOfType<L3Drop>();
    }

    [Fact]
    public void An_echo_request_to_any_of_the_routers_addresses_is_answered()
    {
        var reply = Decide(Icmp("10.0.2.1", Icmpv4Type.EchoRequest)).Should().BeOfType<L3Reply>().Subject;
        reply.Type.Should().Be(Icmpv4Type.EchoReply);
        var ip = Ipv4Packet.Parse(EthernetFrame.Parse(reply.Packet.Data.AsSpan()).Payload);
        ip.Source.Should().Be(Db.Gateway);
        ip.Destination.Should().Be(Vm1);
        var icmp = Icmpv4Message.Parse(ip.Payload);
        icmp.Type.Should().Be(Icmpv4Type.EchoReply);
        icmp.Identifier.Should().Be(0x1234);
        icmp.IsChecksumValid.Should().BeTrue();

        Decide(Udp("10.0.2.1")).Should().BeOfType<L3Drop>("nothing but echo is served on a router address");
    }

    private sealed class FakeRemote : IRemoteNextHops
    {
        public List<(uint, Ipv4Address)> Asked { get; } = [];

        public L3NextHop? Resolve(NodeNetwork network, RouterInterface egress, Ipv4Address address)
        {
            Asked.Add((egress.SegmentId, address));
            return new L3NextHop(MacAddress.Parse("02:00:00:00:09:09"), [new OutputAction(42)], "tunnel to node2");
        }
    }
}
