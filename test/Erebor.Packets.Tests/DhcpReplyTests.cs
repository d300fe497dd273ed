using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

public class DhcpReplyTests
{
    private static readonly MacAddress Client = MacAddress.Parse("02:00:00:00:01:10");
    private static readonly MacAddress Relay = MacAddress.Parse("02:00:00:00:99:01");
    private static readonly MacAddress Server = MacAddress.Parse("02:00:00:00:aa:01");
    private static readonly Ipv4Address ServerIp = Ipv4Address.Parse("10.0.1.1");
    private static readonly Ipv4Address Offered = Ipv4Address.Parse("10.0.1.10");

    private static readonly DhcpMessage Request = new()
    {
        Operation = DhcpOperation.BootRequest,
        ClientHardwareAddress = [.. Client.ToBytes()],
        TransactionId = 0xCAFE,
        Options = new DhcpOptions { MessageType = DhcpMessageType.Request, RequestedAddress = Offered },
    };

    private static DhcpMessage Reply(DhcpMessage request, DhcpMessageType type) =>
        request.CreateReply(type, ServerIp) with { YourAddress = type == DhcpMessageType.Nak ? default : Offered };

    public static TheoryData<string, DhcpMessage, DhcpMessageType, DhcpReplyDestination> Rfc2131Section41 => new()
    {
        {
            "relayed: to the relay's server port through the MAC the request came from",
            Request with { RelayAgentAddress = Ipv4Address.Parse("10.0.9.1"), ClientAddress = Offered, Flags = DhcpFlags.Broadcast },
            DhcpMessageType.Ack,
            new(Relay, Ipv4Address.Parse("10.0.9.1"), 67)
        },
        {
            "relayed NAK: still to the relay",
            Request with { RelayAgentAddress = Ipv4Address.Parse("10.0.9.1") },
            DhcpMessageType.Nak,
            new(Relay, Ipv4Address.Parse("10.0.9.1"), 67)
        },
        {
            "NAK without relay: broadcast even when the client has an address",
            Request with { ClientAddress = Offered },
            DhcpMessageType.Nak,
            new(EthernetHeader.Broadcast, DhcpReplyDestination.LimitedBroadcast, 68)
        },
        {
            "renewing client (ciaddr set): unicast to ciaddr even with the broadcast bit",
            Request with { ClientAddress = Ipv4Address.Parse("10.0.1.77"), Flags = DhcpFlags.Broadcast },
            DhcpMessageType.Ack,
            new(Client, Ipv4Address.Parse("10.0.1.77"), 68)
        },
        {
            "broadcast bit: broadcast",
            Request with { Flags = DhcpFlags.Broadcast },
            DhcpMessageType.Offer,
            new(EthernetHeader.Broadcast, DhcpReplyDestination.LimitedBroadcast, 68)
        },
        {
            "no broadcast bit: unicast to chaddr and yiaddr",
            Request,
            DhcpMessageType.Offer,
            new(Client, Offered, 68)
        },
        {
            "chaddr not an Ethernet address (InfiniBand, htype 32): broadcast",
            Request with { HardwareType = 32, ClientHardwareAddress = [] },
            DhcpMessageType.Ack,
            new(EthernetHeader.Broadcast, DhcpReplyDestination.LimitedBroadcast, 68)
        },
    };

    [Theory]
    [MemberData(nameof(Rfc2131Section41))]
    public void Reply_destination_follows_RFC_2131_section_4_1(string because, DhcpMessage request, DhcpMessageType type, DhcpReplyDestination expected)
    {
        DhcpReplyDestination.For(request, request.RelayAgentAddress == default ? Client : Relay, Reply(request, type)).Should().Be(expected, because);
    }

    [Fact]
    public void Reply_frame_has_correct_headers_and_checksums_and_parses_back()
    {
        var reply = Reply(Request, DhcpMessageType.Offer) with
        {
            Options = Reply(Request, DhcpMessageType.Offer).Options with { LeaseTimeSeconds = 3600, SubnetMask = Ipv4Address.Parse("255.255.255.0") },
        };
        var to = DhcpReplyDestination.For(Request, Client, reply);

        var frame = Frames.BuildDhcpReply(reply, to, Server, ServerIp, new VlanTag(10));

        frame.Length.Should().Be(Frames.GetDhcpLength(new EthernetHeader(Client, Server, new VlanTag(10)), reply));
        frame.Length.Should().Be(18 + 20 + 8 + DhcpMessage.BootpMinimumLength);
        var ethernet = EthernetFrame.Parse(frame);
        var ip = Ipv4Packet.Parse(ethernet.Payload);
        ip.IsHeaderChecksumValid.Should().BeTrue();
        ip.TimeToLive.Should().Be(Ipv4Header.DefaultTimeToLive);
        ip.TotalLength.Should().Be(ethernet.Payload.Length);
        var udp = UdpDatagram.Parse(ip.Payload);
        udp.IsChecksumValid(ServerIp, Offered).Should().BeTrue();
        udp.Checksum.Should().NotBe(0);

        var parsed = DhcpFrame.Parse(frame);
        parsed.Should().Be(new DhcpFrame(new EthernetHeader(Client, Server, new VlanTag(10)), ServerIp, Offered, 67, 68, reply));
    }

    [Fact]
    public void Frame_parse_rejects_a_corrupted_udp_checksum()
    {
        var frame = Frames.BuildDhcpReply(Reply(Request, DhcpMessageType.Offer), new DhcpReplyDestination(Client, Offered, 68), Server, ServerIp);
        frame[^1] ^= 0x01; // a padding byte after End: still a valid DHCP message, but the checksum no longer matches

        Action parse = () => DhcpFrame.Parse(frame);

        parse.Should().Throw<PacketDecodeException>().WithMessage("*UDP checksum*");
    }

    [Fact]
    public void Write_fills_a_caller_buffer_and_refuses_one_too_small()
    {
        var reply = Reply(Request, DhcpMessageType.Offer);
        var to = DhcpReplyDestination.For(Request, Client, reply);
        var buffer = new byte[1500];
        buffer.AsSpan().Fill(0xEE);

        var length = Frames.WriteDhcpReply(buffer, reply, to, Server, ServerIp);

        buffer.AsSpan(0, length).ToArray().Should().Equal(Frames.BuildDhcpReply(reply, to, Server, ServerIp));
        buffer[length].Should().Be(0xEE, "nothing past the frame is touched");
        ((Action)(() => Frames.WriteDhcpReply(new byte[length - 1], reply, to, Server, ServerIp))).Should().Throw<ArgumentException>();
    }
}
