using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

public class EthernetFrameTests
{
    private static readonly MacAddress Workload = MacAddress.Parse("02:00:00:00:01:10");
    private static readonly MacAddress Router = MacAddress.Parse("02:00:00:00:aa:01");

    [Fact]
    public void Parses_an_untagged_frame_and_keeps_padding_in_the_payload()
    {
        var frame = Hex.Bytes("020000000110", "02000000aa01", "0806", "0102", new string('0', 88));

        var parsed = EthernetFrame.Parse(frame);

        parsed.Destination.Should().Be(Workload);
        parsed.Source.Should().Be(Router);
        parsed.Vlan.Should().BeNull();
        parsed.EtherType.Should().Be(EtherType.Arp);
        parsed.Payload.Length.Should().Be(46);
    }

    [Fact]
    public void Parses_one_802_1Q_tag()
    {
        // TCI a064: priority 5 (101), DEI 0, VLAN id 0x064 = 100.
        var frame = Hex.Bytes("ffffffffffff", "020000000110", "8100 a064", "0800", "45");

        var parsed = EthernetFrame.Parse(frame);

        parsed.Vlan.Should().Be(new VlanTag(100, priority: 5));
        parsed.EtherType.Should().Be(EtherType.Ipv4);
        parsed.Payload.ToArray().Should().Equal(0x45);
    }

    [Fact]
    public void Writes_the_tag_it_parses()
    {
        var header = new EthernetHeader(EthernetHeader.Broadcast, Workload, new VlanTag(4094, priority: 7, dropEligible: true));
        var bytes = new byte[header.Length];

        header.WriteTo(bytes, EtherType.Ipv4).Should().Be(18);

        Hex.Of(bytes).Should().Be("FFFFFFFFFFFF" + "020000000110" + "8100" + "FFFE" + "0800");
        EthernetFrame.Parse(bytes).Header.Should().Be(header);
    }

    [Theory]
    [InlineData("ffffffffffff 020000000110 08", "needs 14 header bytes")]
    [InlineData("ffffffffffff 020000000110 8100 0064", "needs 18 header bytes")]
    [InlineData("ffffffffffff 020000000110 8100 0064 8100 0065 0800", "Q-in-Q")]
    [InlineData("ffffffffffff 020000000110 0026 aaaa03", "802.3 length")]
    public void Rejects_what_it_cannot_read(string hex, string reason)
    {
        var frame = Hex.Bytes(hex);

        Action parse = () => EthernetFrame.Parse(frame);

        parse.Should().Throw<PacketDecodeException>().WithMessage($"*{reason}*");
        EthernetFrame.TryParse(frame, out _).Should().BeFalse();
    }
}
