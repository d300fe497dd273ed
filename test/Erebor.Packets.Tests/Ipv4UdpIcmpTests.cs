using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

public class Ipv4UdpIcmpTests
{
    private static readonly Ipv4Address WorkloadIp = Ipv4Address.Parse("10.0.1.10");
    private static readonly Ipv4Address RouterIp = Ipv4Address.Parse("10.0.1.1");
    private static readonly EthernetHeader ToWorkload = new(MacAddress.Parse("02:00:00:00:01:10"), MacAddress.Parse("02:00:00:00:aa:01"));

    [Fact]
    public void Ipv4_skips_options_by_header_length_and_drops_ethernet_padding()
    {
        // IHL 6: one 4-byte option (Router Alert, 94 04 0000). Total length 0x001c = 24 + 4 payload bytes;
        // two bytes of trailing Ethernet padding must not reach the payload.
        var packet = Hex.Bytes("4600 001c 1234 0000 4011 0000 0a00010a 0a000101", "94040000", "deadbeef", "0000");

        var ip = Ipv4Packet.Parse(packet);

        ip.HeaderLength.Should().Be(24);
        Hex.Of(ip.Options).Should().Be("94040000");
        Hex.Of(ip.Payload).Should().Be("DEADBEEF");
        ip.Identification.Should().Be(0x1234);
        ip.Protocol.Should().Be(IpProtocol.Udp);
        ip.Source.Should().Be(WorkloadIp);
        ip.Destination.Should().Be(RouterIp);
        ip.IsFragment.Should().BeFalse();
        ip.IsHeaderChecksumValid.Should().BeFalse("the checksum field was left zero");
    }

    [Theory]
    // flags/offset 2000: MF set, offset 0 (first fragment); 00b9: offset 185 * 8 = 1480 (last fragment); 4000: DF only.
    [InlineData("2000", true, true, 0)]
    [InlineData("00b9", true, false, 1480)]
    [InlineData("4000", false, false, 0)]
    public void Ipv4_recognises_fragments(string flagsAndOffset, bool isFragment, bool moreFragments, int offset)
    {
        var ip = Ipv4Packet.Parse(Hex.Bytes("4500 0014 0001", flagsAndOffset, "4011 0000 0a00010a 0a000101"));

        ip.IsFragment.Should().Be(isFragment);
        ip.MoreFragments.Should().Be(moreFragments);
        ip.FragmentOffset.Should().Be(offset);
    }

    [Theory]
    [InlineData("6500 0014 0000 0000 4011 0000 0a00010a 0a000101", "version is 6")]
    [InlineData("4400 0014 0000 0000 4011 0000 0a00010a 0a000101", "header length is 16")]
    [InlineData("4500 0010 0000 0000 4011 0000 0a00010a 0a000101", "shorter than its header")]
    [InlineData("4500 0040 0000 0000 4011 0000 0a00010a 0a000101", "only 20 bytes")]
    [InlineData("4f00 0014 0000 0000 4011 0000 0a00010a 0a000101", "shorter than its header")] // IHL 15 = 60 bytes
    public void Ipv4_never_trusts_its_length_fields(string hex, string reason)
    {
        var packet = Hex.Bytes(hex);

        Action parse = () => Ipv4Packet.Parse(packet);

        parse.Should().Throw<PacketDecodeException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void Udp_checksum_is_verified_over_the_pseudo_header()
    {
        // The datagram of InternetChecksumTests.Udp_pseudo_header_known_value with its checksum d564 in place.
        var datagram = Hex.Bytes("1234 0035 000c d564 0102 0304");
        var source = Ipv4Address.Parse("10.0.0.1");
        var destination = Ipv4Address.Parse("10.0.0.2");

        var udp = UdpDatagram.Parse(datagram);

        udp.SourcePort.Should().Be(0x1234);
        udp.DestinationPort.Should().Be(53);
        Hex.Of(udp.Payload).Should().Be("01020304");
        udp.IsChecksumValid(source, destination).Should().BeTrue();
        udp.IsChecksumValid(source, Ipv4Address.Parse("10.0.0.3")).Should().BeFalse("the pseudo-header covers the addresses");
        UdpDatagram.Parse(Hex.Bytes("1234 0035 000c 0000 0102 0304")).IsChecksumValid(source, destination).Should().BeTrue("0 means no checksum");
    }

    [Fact]
    public void Udp_checksum_that_computes_to_zero_is_sent_as_ffff()
    {
        // With a 2-byte payload the UDP length is 000a. Without the payload the sum is 141e (pseudo-header:
        // 0a00 + 0001 + 0a00 + 0002 + 0011 + 000a) + 1234 + 0035 + 000a = 2691; payload d96e brings it to ffff,
        // whose complement is 0. RFC 768 sends that as ffff, since 0 would mean "no checksum".
        var frame = Frames.BuildUdp(ToWorkload, new Ipv4Header(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2")), 0x1234, 53, Hex.Bytes("d96e"));

        var udp = UdpDatagram.Parse(Ipv4Packet.Parse(EthernetFrame.Parse(frame).Payload).Payload);

        udp.Checksum.Should().Be(0xFFFF);
        udp.IsChecksumValid(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2")).Should().BeTrue();
    }

    [Theory]
    [InlineData("1234 0035 0007 0000", "shorter than the 8-byte header")]
    [InlineData("1234 0035 0010 0000 00", "only 9 bytes")]
    [InlineData("1234 0035 00", "needs 8 bytes")]
    public void Udp_never_trusts_its_length_field(string hex, string reason)
    {
        var datagram = Hex.Bytes(hex);

        Action parse = () => UdpDatagram.Parse(datagram);

        parse.Should().Throw<PacketDecodeException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void Echo_reply_frame_matches_a_hand_built_one()
    {
        var frame = Frames.BuildIcmpEchoReply(ToWorkload, new Ipv4Header(RouterIp, WorkloadIp), identifier: 0x1234, sequenceNumber: 1, Hex.Bytes("61626364"));

        frame.Should().Equal(Hex.Bytes(
            "020000000110 02000000aa01 0800",
            // IPv4: total length 20 + 12 = 0x20, TTL 64, protocol 1. Checksum: 4500 + 0020 + 4001 + 0a00 + 0101
            // + 0a00 + 010a = 9b2c, complement 64d3.
            "4500 0020 0000 0000 4001 64d3 0a000101 0a00010a",
            // ICMP: type 0, code 0; checksum 0000 + 1234 + 0001 + 6162 + 6364 = d6fb, complement 2904.
            "00 00 2904 1234 0001 61626364",
            "0000000000000000000000000000")); // 46 bytes padded to 60
    }

    [Fact]
    public void Echo_request_parses()
    {
        var icmp = Icmpv4Message.Parse(Hex.Bytes("08 00 2104 1234 0001 61626364")); // the reply's 2904 less 0800: type 8 instead of 0

        icmp.Type.Should().Be(Icmpv4Type.EchoRequest);
        icmp.Identifier.Should().Be(0x1234);
        icmp.SequenceNumber.Should().Be(1);
        Hex.Of(icmp.Body).Should().Be("61626364");
        icmp.IsChecksumValid.Should().BeTrue();
    }

    [Fact]
    public void Errors_quote_the_original_datagram_up_to_576_bytes()
    {
        var original = new byte[1000];
        Frames.BuildUdp(ToWorkload, new Ipv4Header(WorkloadIp, Ipv4Address.Parse("192.0.2.1")), 40000, 33434, new byte[972])
            .AsSpan(ToWorkload.Length).CopyTo(original);

        var frame = Frames.BuildIcmpError(ToWorkload, new Ipv4Header(RouterIp, WorkloadIp), Icmpv4Type.TimeExceeded, (byte)TimeExceededCode.TimeToLiveExceededInTransit, original);

        var ip = Ipv4Packet.Parse(EthernetFrame.Parse(frame).Payload);
        ip.TotalLength.Should().Be(Frames.MaxIcmpErrorDatagramLength);
        ip.IsHeaderChecksumValid.Should().BeTrue();
        var icmp = Icmpv4Message.Parse(ip.Payload);
        icmp.Type.Should().Be(Icmpv4Type.TimeExceeded);
        icmp.IsChecksumValid.Should().BeTrue();
        icmp.Body.ToArray().Should().Equal(original[..548]);
    }

    [Fact]
    public void Fragmentation_needed_carries_the_next_hop_mtu()
    {
        var original = Hex.Bytes("4500 0014 0000 4000 4011 0000 0a00010a c0000201");

        var frame = Frames.BuildIcmpError(ToWorkload, new Ipv4Header(RouterIp, WorkloadIp), Icmpv4Type.DestinationUnreachable,
            (byte)DestinationUnreachableCode.FragmentationNeeded, original, nextHopMtu: 1450);

        var icmp = Icmpv4Message.Parse(Ipv4Packet.Parse(EthernetFrame.Parse(frame).Payload).Payload);
        icmp.Code.Should().Be((byte)DestinationUnreachableCode.FragmentationNeeded);
        icmp.NextHopMtu.Should().Be(1450);
        icmp.Body.ToArray().Should().Equal(original);
    }
}
