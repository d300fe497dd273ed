using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

public class InternetChecksumTests
{
    [Fact]
    public void Rfc1071_worked_example()
    {
        // RFC 1071 §3: 0001 + f203 + f4f5 + f6f7 = 2ddf0, end-around carry gives ddf2, complement 220d.
        var data = Hex.Bytes("0001 f203 f4f5 f6f7");

        InternetChecksum.Compute(data).Should().Be(0x220D);
    }

    [Fact]
    public void Odd_length_pads_the_last_byte_with_zero()
    {
        // 0001 + f200 (the lone f2 padded) = f201, complement 0dfe.
        InternetChecksum.Compute(Hex.Bytes("0001 f2")).Should().Be(0x0DFE);
    }

    [Fact]
    public void Ipv4_header_known_value()
    {
        // The header of a 115-byte UDP datagram 192.168.0.1 -> 192.168.0.199, TTL 64, DF, checksum zeroed:
        // 4500 + 0073 + 0000 + 4000 + 4011 + c0a8 + 0001 + c0a8 + 00c7 = 2479c, fold 479e, complement b861.
        var header = Hex.Bytes("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");

        InternetChecksum.Compute(header).Should().Be(0xB861);
        header[10] = 0xB8;
        header[11] = 0x61;
        InternetChecksum.IsValid(header).Should().BeTrue();
        header[8] = 0x3F; // TTL decremented without fixing the checksum
        InternetChecksum.IsValid(header).Should().BeFalse();
    }

    [Fact]
    public void Udp_pseudo_header_known_value()
    {
        // 10.0.0.1 -> 10.0.0.2, ports 0x1234 -> 53, length 12, payload 0102 0304.
        // Pseudo-header: 0a00 + 0001 + 0a00 + 0002 + 0011 (protocol) + 000c (UDP length) = 1420.
        // Datagram:      1234 + 0035 + 000c + 0000 (checksum) + 0102 + 0304        = 167b.
        // 1420 + 167b = 2a9b, complement d564.
        var datagram = Hex.Bytes("1234 0035 000c 0000 0102 0304");

        InternetChecksum.ComputeWithPseudoHeader(Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), IpProtocol.Udp, datagram)
            .Should().Be(0xD564);
    }
}
