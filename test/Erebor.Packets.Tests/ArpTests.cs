using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

public class ArpTests
{
    private static readonly MacAddress Workload = MacAddress.Parse("02:00:00:00:01:10");
    private static readonly MacAddress Router = MacAddress.Parse("02:00:00:00:aa:01");
    private static readonly Ipv4Address WorkloadIp = Ipv4Address.Parse("10.0.1.10");
    private static readonly Ipv4Address RouterIp = Ipv4Address.Parse("10.0.1.1");

    // RFC 826 layout: hrd 0001 (Ethernet), pro 0800 (IPv4), hln 06, pln 04, op, sha, spa, tha, tpa.
    private static readonly byte[] WhoHasRouter = Hex.Bytes(
        "0001 0800 06 04 0001",
        "020000000110 0a00010a", // sender: the workload
        "000000000000 0a000101"); // target: the router's address, MAC unknown

    [Fact]
    public void Parses_a_request()
    {
        var arp = ArpPacket.Parse(WhoHasRouter);

        arp.Should().Be(ArpPacket.Request(Workload, WorkloadIp, RouterIp));
        arp.IsGratuitous.Should().BeFalse();
    }

    [Fact]
    public void Reply_frame_matches_the_RFC_826_layout_byte_for_byte()
    {
        var reply = ArpPacket.ReplyTo(ArpPacket.Parse(WhoHasRouter), Router);

        var frame = Frames.BuildArp(reply);

        frame.Should().Equal(Hex.Bytes(
            "020000000110 02000000aa01 0806", // Ethernet: to the asker, from the router, ARP
            "0001 0800 06 04 0002", // reply
            "02000000aa01 0a000101", // sender: the router
            "020000000110 0a00010a", // target: the asker
            "000000000000000000000000000000000000")); // padding from 42 to the 60-byte Ethernet minimum
    }

    [Fact]
    public void Request_frame_is_broadcast_and_tagged_when_asked()
    {
        var frame = Frames.BuildArp(ArpPacket.Request(Router, RouterIp, WorkloadIp), new VlanTag(7));

        var ethernet = EthernetFrame.Parse(frame);
        ethernet.Destination.Should().Be(EthernetHeader.Broadcast);
        ethernet.Vlan.Should().Be(new VlanTag(7));
        ArpPacket.Parse(ethernet.Payload).Should().Be(ArpPacket.Request(Router, RouterIp, WorkloadIp));
    }

    [Theory]
    [InlineData("0006 0800 06 04 0001", "hardware type 6")] // IEEE 802 networks
    [InlineData("0001 86dd 06 10 0001", "protocol 0x86DD")]
    public void Rejects_other_than_Ethernet_and_IPv4(string header, string reason)
    {
        var packet = Hex.Bytes(header, new string('0', 40));

        Action parse = () => ArpPacket.Parse(packet);

        parse.Should().Throw<PacketDecodeException>().WithMessage($"*{reason}*");
    }
}
