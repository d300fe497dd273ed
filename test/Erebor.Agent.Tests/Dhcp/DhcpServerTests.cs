using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Agent.Apps.Features;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Instructions;
using Erebor.Packets;

namespace Erebor.Agent.Tests.Dhcp;

public sealed class DhcpServerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Ipv4Address Gateway = Ipv4Address.Parse("10.0.0.1");
    private static readonly Ipv4Address OtherServer = Ipv4Address.Parse("10.0.0.254");

    private static readonly SegmentDhcp Options = new()
    {
        NodeBlock = Ipv4Cidr.Parse("10.0.0.0/28"),
        DnsServers = [Ipv4Address.Parse("10.0.0.53"), Ipv4Address.Parse("9.9.9.9")],
        Domain = "tenant.example",
        LeaseSeconds = 3600,
        Mtu = 1400,
        StaticRoutes = [new DhcpRoute(Ipv4Cidr.Parse("192.168.0.0/16"), Ipv4Address.Parse("10.0.0.2"))],
    };

    private static readonly Segment Web = new(7, "ns/web", Ipv4Cidr.Parse("10.0.0.0/24"), Gateway, true) { Dhcp = Options };

    private static LocalPort Port(int i, string? ip = null) => new($"tap{i}", (uint)i, new MacAddress(0x020000000000UL + (ulong)i), Web.Id, ip is null ? null : Ipv4Address.Parse(ip)) { IfaceId = $"vm{i}", StaticIp = ip is not null };

    private static NodeNetwork Network { get; } = new([Web], [new RouterInterface("ns/r", Web.Id, Gateway, MacAddress.Parse("0a:00:00:00:00:01"))], [Port(1), Port(2), Port(3, "10.0.0.2")]);

    private static DhcpRequestContext Context(LocalPort port, DateTimeOffset? now = null) =>
        new(Web, Options, AddressScope.Of(Web, Network)!, port, Gateway, now ?? T0);

    private static DhcpMessage Message(LocalPort port, DhcpMessageType type, uint xid = 1, Ipv4Address ciaddr = default, Ipv4Address? requested = null, Ipv4Address? server = null) => new()
    {
        Operation = DhcpOperation.BootRequest,
        TransactionId = xid,
        ClientHardwareAddress = [.. port.Mac.ToBytes()],
        ClientAddress = ciaddr,
        Options = new DhcpOptions { MessageType = type, RequestedAddress = requested, ServerIdentifier = server },
    };

    private static Ipv4Address Bind(LeaseTable leases, LocalPort port)
    {
        var offer = DhcpServer.Handle(Message(port, DhcpMessageType.Discover), Context(port), leases).Reply!;
        var ack = DhcpServer.Handle(Message(port, DhcpMessageType.Request, requested: offer.YourAddress, server: Gateway), Context(port), leases).Reply!;
        ack.MessageType.Should().Be(DhcpMessageType.Ack);
        return ack.YourAddress;
    }

    [Fact]
    public void Discover_gets_an_offer_with_every_option_of_the_subnet()
    {
        var leases = new LeaseTable();
        var decision = DhcpServer.Handle(Message(Port(1), DhcpMessageType.Discover), Context(Port(1)), leases);

        var offer = decision.Reply!;
        offer.MessageType.Should().Be(DhcpMessageType.Offer);
        offer.YourAddress.Should().Be(Ipv4Address.Parse("10.0.0.3"), ".0 is the network, .1 the gateway, .2 a static port");
        offer.Options.ServerIdentifier.Should().Be(Gateway);
        offer.Options.SubnetMask.Should().Be(Ipv4Address.Parse("255.255.255.0"));
        offer.Options.Routers.AsSpan().ToArray().Should().Equal(Gateway);
        offer.Options.DomainNameServers.AsSpan().ToArray().Should().Equal(Options.DnsServers);
        offer.Options.DomainName.Should().Be("tenant.example");
        offer.Options.LeaseTimeSeconds.Should().Be(3600u);
        offer.Options.RenewalTimeSeconds.Should().Be(1800u);
        offer.Options.RebindingTimeSeconds.Should().Be(3150u);
        offer.Options.InterfaceMtu.Should().Be((ushort)1400);
        offer.Options.HostName.Should().Be("vm1");
        offer.Options.ClasslessStaticRoutes.AsSpan().ToArray().Should().Equal(
            new ClasslessStaticRoute(Ipv4Cidr.Parse("192.168.0.0/16"), Ipv4Address.Parse("10.0.0.2")),
            new ClasslessStaticRoute(Ipv4Cidr.Parse("0.0.0.0/0"), Gateway));
        decision.LeasesChanged.Should().BeFalse("an offer is not persisted");
    }

    [Fact]
    public void Selecting_renewing_rebinding_and_init_reboot_keep_the_address()
    {
        var leases = new LeaseTable();
        var ip = Bind(leases, Port(1));
        leases.Find("ns/web", "vm1", Port(1).Mac)!.State.Should().Be(LeaseState.Bound);

        var renew = DhcpServer.Handle(Message(Port(1), DhcpMessageType.Request, ciaddr: ip), Context(Port(1), T0.AddMinutes(30)), leases);
        renew.Reply!.MessageType.Should().Be(DhcpMessageType.Ack);
        renew.Reply.YourAddress.Should().Be(ip);
        renew.Outcome.Should().Be("ack-renewing");
        leases.Find("ns/web", "vm1", Port(1).Mac)!.Expires.Should().Be(T0.AddMinutes(90));

        var reboot = DhcpServer.Handle(Message(Port(1), DhcpMessageType.Request, requested: ip), Context(Port(1)), leases);
        reboot.Reply!.MessageType.Should().Be(DhcpMessageType.Ack);

        // After losing its state (a restart without the file), the server still honours a free address.
        var fresh = new LeaseTable();
        DhcpServer.Handle(Message(Port(1), DhcpMessageType.Request, ciaddr: ip), Context(Port(1)), fresh).Reply!.MessageType.Should().Be(DhcpMessageType.Ack);
    }

    [Fact]
    public void Wrong_addresses_get_a_nak_and_another_servers_selection_withdraws_the_offer()
    {
        var leases = new LeaseTable();
        var ip = Bind(leases, Port(1));

        var wrongNet = DhcpServer.Handle(Message(Port(2), DhcpMessageType.Request, requested: Ipv4Address.Parse("10.9.0.5")), Context(Port(2)), leases);
        wrongNet.Reply!.MessageType.Should().Be(DhcpMessageType.Nak);
        var taken = DhcpServer.Handle(Message(Port(2), DhcpMessageType.Request, requested: ip), Context(Port(2)), leases);
        taken.Reply!.MessageType.Should().Be(DhcpMessageType.Nak, "the address is port 1's");
        var notMine = DhcpServer.Handle(Message(Port(1), DhcpMessageType.Request, requested: ip + 5), Context(Port(1)), leases);
        notMine.Reply!.MessageType.Should().Be(DhcpMessageType.Nak, "init-reboot for an address that is not the client's lease");
        var outsideBlock = DhcpServer.Handle(Message(Port(2), DhcpMessageType.Request, requested: Ipv4Address.Parse("10.0.0.200")), Context(Port(2)), leases);
        outsideBlock.Reply!.MessageType.Should().Be(DhcpMessageType.Nak, "only this node's block is leased here");

        DhcpServer.Handle(Message(Port(2), DhcpMessageType.Discover), Context(Port(2)), leases).Reply!.YourAddress.Should().Be(ip + 1);
        var elsewhere = DhcpServer.Handle(Message(Port(2), DhcpMessageType.Request, requested: Ipv4Address.Parse("10.0.0.99"), server: OtherServer), Context(Port(2)), leases);
        elsewhere.Reply.Should().BeNull();
        leases.Find("ns/web", "vm2", Port(2).Mac).Should().BeNull("the client took another server's offer");
    }

    [Fact]
    public void Release_frees_decline_quarantines_and_inform_gets_options_without_a_lease()
    {
        var leases = new LeaseTable();
        var ip = Bind(leases, Port(1));
        DhcpServer.Handle(Message(Port(1), DhcpMessageType.Release, ciaddr: ip, server: Gateway), Context(Port(1)), leases).LeasesChanged.Should().BeTrue();
        leases.Leases.Should().BeEmpty();
        DhcpServer.Handle(Message(Port(2), DhcpMessageType.Discover), Context(Port(2)), leases).Reply!.YourAddress.Should().Be(ip, "a released address is offered again");

        var second = Bind(leases, Port(2));
        DhcpServer.Handle(Message(Port(2), DhcpMessageType.Decline, requested: second, server: Gateway), Context(Port(2)), leases).Outcome.Should().Be("declined");
        DhcpServer.Handle(Message(Port(2), DhcpMessageType.Discover), Context(Port(2)), leases).Reply!.YourAddress.Should().NotBe(second);

        var inform = DhcpServer.Handle(Message(Port(3), DhcpMessageType.Inform, ciaddr: Ipv4Address.Parse("10.0.0.2")), Context(Port(3)), leases).Reply!;
        inform.MessageType.Should().Be(DhcpMessageType.Ack);
        inform.YourAddress.Should().Be(default(Ipv4Address));
        inform.Options.LeaseTimeSeconds.Should().BeNull();
        inform.Options.DomainName.Should().Be("tenant.example");
    }

    [Fact]
    public void The_feature_meters_each_port_and_leaves_dhcp_disabled_segments_alone()
    {
        var disabled = new Segment(8, "ns/own", Ipv4Cidr.Parse("10.8.0.0/24"), Ipv4Address.Parse("10.8.0.1"), false) { Dhcp = Options with { NodeBlock = Ipv4Cidr.Parse("10.8.0.0/28") } };
        var noBlock = new Segment(9, "ns/far", Ipv4Cidr.Parse("10.9.0.0/24"), Ipv4Address.Parse("10.9.0.1"), true);
        var network = new NodeNetwork([Web, disabled, noBlock], [], [Port(1), Port(2), new LocalPort("tap5", 5, new MacAddress(0x020000000005), 8, null), new LocalPort("tap6", 6, new MacAddress(0x020000000006), 9, null)]);

        var flows = new DhcpFeature().Flows(network).ToList();
        var perPort = flows.Where(f => f.TableId == Pipeline.Dhcp.Id).ToList();
        perPort.Should().HaveCount(2, "only the ports of the enabled segment with a block here");
        perPort.Select(f => f.Instructions.AsSpan().ToArray().OfType<MeterInstruction>().Single().MeterId).Should().Equal(DhcpPortMeters.MeterIdOf(1), DhcpPortMeters.MeterIdOf(2));
        flows.Should().ContainSingle(f => f.TableId == DhcpFeature.ToAgentTable).Which.Instructions.AsSpan().ToArray()
            .Should().Contain(new MeterInstruction(PacketInMeters.MeterIdOf(AppId.Dhcp)));
        new DhcpFeature().Flows(new NodeNetwork([disabled], [], [new LocalPort("tap5", 5, new MacAddress(0x020000000005), 8, null)])).Should().BeEmpty();
    }
}
