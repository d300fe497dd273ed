using System.Diagnostics.CodeAnalysis;

using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// A DHCP message as it arrived in an Ethernet frame (a PACKET_IN), with the addressing a server
/// needs to answer. Parsing checks every layer: IPv4 header checksum, no fragment, UDP, UDP
/// checksum, then the DHCP message itself.
/// </summary>
public sealed record DhcpFrame(EthernetHeader Ethernet, Ipv4Address SourceAddress, Ipv4Address DestinationAddress, ushort SourcePort, ushort DestinationPort, DhcpMessage Message)
{
    public static DhcpFrame Parse(ReadOnlySpan<byte> frame)
    {
        var ethernet = EthernetFrame.Parse(frame);
        if (ethernet.EtherType != EtherType.Ipv4) { throw new PacketDecodeException($"EtherType is 0x{(ushort)ethernet.EtherType:X4}, not IPv4"); }

        var ip = Ipv4Packet.Parse(ethernet.Payload);
        if (!ip.IsHeaderChecksumValid) { throw new PacketDecodeException("the IPv4 header checksum does not match"); }
        // DHCP messages fit one datagram; a fragment is a reassembly job this agent does not take on.
        if (ip.IsFragment) { throw new PacketDecodeException("the IPv4 datagram is a fragment"); }
        if (ip.Protocol != IpProtocol.Udp) { throw new PacketDecodeException($"IP protocol is {(byte)ip.Protocol}, not UDP"); }

        var udp = UdpDatagram.Parse(ip.Payload);
        if (!udp.IsChecksumValid(ip.Source, ip.Destination)) { throw new PacketDecodeException("the UDP checksum does not match"); }

        return new DhcpFrame(ethernet.Header, ip.Source, ip.Destination, udp.SourcePort, udp.DestinationPort, DhcpMessage.Parse(udp.Payload));
    }

    public static bool TryParse(ReadOnlySpan<byte> frame, [NotNullWhen(true)] out DhcpFrame? parsed)
    {
        try
        {
            parsed = Parse(frame);
            return true;
        }
        catch (PacketDecodeException)
        {
            parsed = null;
            return false;
        }
    }
}
