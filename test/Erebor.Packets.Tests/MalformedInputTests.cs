using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

/// <summary>
/// Whatever bytes arrive, the parsers answer with a value, <see cref="PacketDecodeException"/> or
/// false: never IndexOutOfRange, ArgumentException or anything else. Seeds are fixed so a failure
/// reproduces.
/// </summary>
public class MalformedInputTests
{
    private static readonly MacAddress Client = MacAddress.Parse("02:00:00:00:01:10");
    private static readonly MacAddress Router = MacAddress.Parse("02:00:00:00:aa:01");
    private static readonly Ipv4Address ClientIp = Ipv4Address.Parse("10.0.1.10");
    private static readonly Ipv4Address RouterIp = Ipv4Address.Parse("10.0.1.1");

    private static readonly DhcpMessage Discover = new()
    {
        Operation = DhcpOperation.BootRequest,
        ClientHardwareAddress = [.. Client.ToBytes()],
        TransactionId = 0x1234,
        Options = new DhcpOptions
        {
            MessageType = DhcpMessageType.Discover,
            HostName = "pod",
            ClientIdentifier = [0x01, .. Client.ToBytes()],
            ParameterRequestList = [DhcpOptionCode.SubnetMask, DhcpOptionCode.Routers, DhcpOptionCode.ClasslessStaticRoutes],
            ClasslessStaticRoutes = [new(Ipv4Cidr.Parse("10.229.0.128/25"), RouterIp)],
            DomainNameServers = [RouterIp],
            Other = [new DhcpOption((DhcpOptionCode)60, [0x61])],
        },
    };

    public static TheoryData<string> ValidFrames => new()
    {
        Hex.Of(Frames.BuildArp(ArpPacket.Request(Client, ClientIp, RouterIp), new VlanTag(5))),
        Hex.Of(Frames.BuildUdp(new EthernetHeader(EthernetHeader.Broadcast, Client), new Ipv4Header(default, DhcpReplyDestination.LimitedBroadcast), 68, 67, Discover.ToBytes())),
        Hex.Of(Frames.BuildDhcpReply(Discover.CreateReply(DhcpMessageType.Offer, RouterIp) with { YourAddress = ClientIp }, new DhcpReplyDestination(Client, ClientIp, 68), Router, RouterIp)),
        Hex.Of(Frames.BuildIcmpEchoReply(new EthernetHeader(Client, Router), new Ipv4Header(RouterIp, ClientIp), 7, 9, new byte[56])),
        Hex.Of(Frames.BuildIcmpError(new EthernetHeader(Client, Router), new Ipv4Header(RouterIp, ClientIp), Icmpv4Type.TimeExceeded, 0, Hex.Bytes("4600 001c 0000 0000 0111 0000 0a00010a c0000201 94040000 deadbeef"))),
    };

    [Theory]
    [MemberData(nameof(ValidFrames))]
    public void Every_truncation_of_a_valid_frame_is_handled(string frameHex)
    {
        var frame = Convert.FromHexString(frameHex);
        ParseEveryLayer(frame).Should().BeTrue("the whole frame is valid");

        for (var length = 0; length < frame.Length; length++)
        {
            ParseEveryLayer(frame.AsSpan(0, length));
        }
    }

    [Theory]
    [MemberData(nameof(ValidFrames))]
    public void Random_byte_changes_to_a_valid_frame_are_handled(string frameHex)
    {
        var random = new Random(20240601);
        var original = Convert.FromHexString(frameHex);
        for (var round = 0; round < 5000; round++)
        {
            var frame = (byte[])original.Clone();
            Mutate(random, frame);
            ParseEveryLayer(frame);
        }
    }

    [Fact]
    public void Random_changes_to_a_dhcp_message_are_handled()
    {
        // Frame-level mutation mostly breaks the UDP checksum first; this reaches the option decoder.
        var random = new Random(3442);
        var original = Discover.ToBytes();
        var accepted = 0;
        for (var round = 0; round < 50_000; round++)
        {
            var message = (byte[])original.Clone();
            // Mostly the options area, where the length fields are; sometimes anywhere (sname, file, hlen, the cookie).
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                var start = random.Next(4) == 0 ? 0 : DhcpMessage.MinimumLength;
                message[start + random.Next(message.Length - start)] = (byte)random.Next(256);
            }

            accepted += ParseDhcp(message.AsSpan(0, random.Next(DhcpMessage.FixedFieldsLength, message.Length + 1))) ? 1 : 0;
        }

        accepted.Should().BeInRange(1, 49_999, "mutation should produce both acceptable and malformed messages");
    }

    [Fact]
    public void Random_bytes_are_handled()
    {
        var random = new Random(826);
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            if (round % 2 == 0 && bytes.Length > 14)
            {
                // Give half of them a plausible Ethernet/IPv4 start so the inner parsers get exercised.
                bytes[12] = 0x08;
                bytes[13] = 0x00;
                bytes[14] = (byte)(0x40 | (bytes[14] & 0x0F));
            }

            ParseEveryLayer(bytes);
            ParseDhcp(bytes);
        }
    }

    private static void Mutate(Random random, byte[] frame)
    {
        for (var flips = random.Next(1, 5); flips > 0; flips--)
        {
            frame[random.Next(frame.Length)] = (byte)random.Next(256);
        }
    }

    /// <summary>Runs every parser the bytes could reach, reading every property; true when the innermost layer parsed.</summary>
    private static bool ParseEveryLayer(ReadOnlySpan<byte> frame)
    {
        DhcpFrame.TryParse(frame, out _);
        if (!EthernetFrame.TryParse(frame, out var ethernet)) { return Rejects(frame, EthernetFrameParse); }
        _ = (ethernet.Source, ethernet.Destination, ethernet.Vlan);

        if (ethernet.EtherType == EtherType.Arp) { return ArpPacket.TryParse(ethernet.Payload, out _) || Rejects(ethernet.Payload, ArpParse); }
        if (!Ipv4Packet.TryParse(ethernet.Payload, out var ip)) { return Rejects(ethernet.Payload, Ipv4Parse); }
        _ = (ip.Source, ip.Destination, ip.Options.Length, ip.IsHeaderChecksumValid, ip.IsFragment, ip.FragmentOffset, ip.TimeToLive);

        if (ip.Protocol == IpProtocol.Icmp)
        {
            if (!Icmpv4Message.TryParse(ip.Payload, out var icmp)) { return Rejects(ip.Payload, IcmpParse); }
            _ = (icmp.Type, icmp.Code, icmp.Identifier, icmp.SequenceNumber, icmp.NextHopMtu, icmp.IsChecksumValid);
            return Ipv4Packet.TryParse(icmp.Body, out _) || icmp.Type is Icmpv4Type.EchoReply or Icmpv4Type.EchoRequest;
        }

        if (!UdpDatagram.TryParse(ip.Payload, out var udp)) { return Rejects(ip.Payload, UdpParse); }
        _ = (udp.SourcePort, udp.DestinationPort, udp.IsChecksumValid(ip.Source, ip.Destination));
        return ParseDhcp(udp.Payload);
    }

    private static bool ParseDhcp(ReadOnlySpan<byte> payload)
    {
        if (DhcpMessage.TryParse(payload, out var message))
        {
            // Whatever parsed must write again, and write the same message.
            DhcpMessage.Parse(message.ToBytes()).Should().Be(message);
            return true;
        }

        return Rejects(payload, DhcpParse);
    }

    private delegate void Parser(ReadOnlySpan<byte> bytes);

    private static void EthernetFrameParse(ReadOnlySpan<byte> bytes) => EthernetFrame.Parse(bytes);

    private static void ArpParse(ReadOnlySpan<byte> bytes) => ArpPacket.Parse(bytes);

    private static void Ipv4Parse(ReadOnlySpan<byte> bytes) => Ipv4Packet.Parse(bytes);

    private static void UdpParse(ReadOnlySpan<byte> bytes) => UdpDatagram.Parse(bytes);

    private static void IcmpParse(ReadOnlySpan<byte> bytes) => Icmpv4Message.Parse(bytes);

    private static void DhcpParse(ReadOnlySpan<byte> bytes) => DhcpMessage.Parse(bytes);

    /// <summary>The throwing twin of a failed TryParse must throw <see cref="PacketDecodeException"/>, with a message.</summary>
    private static bool Rejects(ReadOnlySpan<byte> bytes, Parser parse)
    {
        try
        {
            parse(bytes);
        }
        catch (PacketDecodeException e)
        {
            e.Message.Should().NotBeNullOrWhiteSpace();
            return false;
        }

        throw new InvalidOperationException($"{parse.Method.Name} accepted {Convert.ToHexString(bytes)}, which its TryParse refused");
    }
}
