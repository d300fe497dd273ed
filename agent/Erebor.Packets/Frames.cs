using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// Builds whole Ethernet frames for PACKET_OUT: each <c>Write*</c> fills a caller's buffer (at least
/// the matching <c>Get*Length</c>) and returns the frame length; each <c>Build*</c> returns a new
/// array of exactly that length. IPv4 header, UDP and ICMP checksums are always computed, because
/// nothing between the agent and the receiving workload fills them in. Frames shorter than the
/// Ethernet minimum are padded with zeros to 60 bytes.
/// </summary>
public static class Frames
{
    /// <summary>RFC 1812 §4.3.2.3: an ICMP error quotes as much of the original as fits in a 576-byte datagram.</summary>
    public const int MaxIcmpErrorDatagramLength = 576;

    private const int MaxIcmpErrorQuote = MaxIcmpErrorDatagramLength - Ipv4Header.MinimumLength - Icmpv4Message.HeaderLength;

    public static int GetArpLength(VlanTag? vlan = null) => Padded(new EthernetHeader(default, default, vlan).Length + ArpPacket.Length);

    /// <summary>An ARP frame from the sender MAC, to the target MAC for a reply and to broadcast for a request.</summary>
    public static int WriteArp(Span<byte> destination, ArpPacket arp, VlanTag? vlan = null)
    {
        var ethernet = new EthernetHeader(arp.Operation == ArpOperation.Request ? EthernetHeader.Broadcast : arp.TargetMac, arp.SenderMac, vlan);
        var length = GetArpLength(vlan);
        var frame = Claim(destination, length);
        arp.WriteTo(frame[ethernet.WriteTo(frame, EtherType.Arp)..]);
        return length;
    }

    public static byte[] BuildArp(ArpPacket arp, VlanTag? vlan = null)
    {
        var frame = new byte[GetArpLength(vlan)];
        WriteArp(frame, arp, vlan);
        return frame;
    }

    public static int GetUdpLength(EthernetHeader ethernet, int payloadLength) => GetIpv4Length(ethernet, UdpDatagram.HeaderLength + payloadLength);

    public static int WriteUdp(Span<byte> destination, EthernetHeader ethernet, Ipv4Header ip, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var frame = Claim(destination, GetUdpLength(ethernet, payload.Length));
        payload.CopyTo(frame[(TransportOffset(ethernet) + UdpDatagram.HeaderLength)..]);
        return CompleteUdp(frame, ethernet, ip, sourcePort, destinationPort, payload.Length);
    }

    public static byte[] BuildUdp(EthernetHeader ethernet, Ipv4Header ip, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[GetUdpLength(ethernet, payload.Length)];
        WriteUdp(frame, ethernet, ip, sourcePort, destinationPort, payload);
        return frame;
    }

    public static int GetDhcpLength(EthernetHeader ethernet, DhcpMessage message) => GetUdpLength(ethernet, message.GetLength());

    /// <summary>A DHCP message in UDP in IPv4, encoded straight into the frame (no intermediate copy).</summary>
    public static int WriteDhcp(Span<byte> destination, EthernetHeader ethernet, Ipv4Header ip, ushort sourcePort, ushort destinationPort, DhcpMessage message)
    {
        var frame = Claim(destination, GetDhcpLength(ethernet, message));
        var payloadLength = message.WriteTo(frame[(TransportOffset(ethernet) + UdpDatagram.HeaderLength)..]);
        return CompleteUdp(frame, ethernet, ip, sourcePort, destinationPort, payloadLength);
    }

    /// <summary>
    /// A server's reply from <paramref name="serverMac"/> and <paramref name="serverAddress"/> (which
    /// should equal option 54) port 67 to <paramref name="to"/> (see <see cref="DhcpReplyDestination.For"/>).
    /// </summary>
    public static int WriteDhcpReply(Span<byte> destination, DhcpMessage reply, DhcpReplyDestination to, MacAddress serverMac, Ipv4Address serverAddress, VlanTag? vlan = null) =>
        WriteDhcp(destination, new EthernetHeader(to.EthernetDestination, serverMac, vlan), new Ipv4Header(serverAddress, to.IpDestination), DhcpMessage.ServerPort, to.UdpPort, reply);

    public static byte[] BuildDhcpReply(DhcpMessage reply, DhcpReplyDestination to, MacAddress serverMac, Ipv4Address serverAddress, VlanTag? vlan = null)
    {
        var frame = new byte[GetDhcpLength(new EthernetHeader(default, default, vlan), reply)];
        WriteDhcpReply(frame, reply, to, serverMac, serverAddress, vlan);
        return frame;
    }

    public static int GetIcmpEchoReplyLength(EthernetHeader ethernet, int dataLength) => GetIpv4Length(ethernet, Icmpv4Message.HeaderLength + dataLength);

    /// <summary>An echo reply carrying the request's identifier, sequence number and data back (RFC 792).</summary>
    public static int WriteIcmpEchoReply(Span<byte> destination, EthernetHeader ethernet, Ipv4Header ip, ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> data)
    {
        var frame = Claim(destination, GetIcmpEchoReplyLength(ethernet, data.Length));
        data.CopyTo(frame[(TransportOffset(ethernet) + Icmpv4Message.HeaderLength)..]);
        return CompleteIcmp(frame, ethernet, ip, Icmpv4Type.EchoReply, 0, ((uint)identifier << 16) | sequenceNumber, data.Length);
    }

    public static byte[] BuildIcmpEchoReply(EthernetHeader ethernet, Ipv4Header ip, ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> data)
    {
        var frame = new byte[GetIcmpEchoReplyLength(ethernet, data.Length)];
        WriteIcmpEchoReply(frame, ethernet, ip, identifier, sequenceNumber, data);
        return frame;
    }

    public static int GetIcmpErrorLength(EthernetHeader ethernet, int originalDatagramLength) =>
        GetIpv4Length(ethernet, Icmpv4Message.HeaderLength + QuoteLength(originalDatagramLength));

    /// <summary>
    /// A destination unreachable or time exceeded message quoting <paramref name="originalDatagram"/>
    /// (the offending IPv4 datagram, header first) up to <see cref="MaxIcmpErrorDatagramLength"/>;
    /// the receiver matches the quoted header and first 8 payload bytes to its socket.
    /// <paramref name="nextHopMtu"/> is only sent with "fragmentation needed" (RFC 1191).
    /// Whether an error may be sent at all (never about an ICMP error, a broadcast or a non-first
    /// fragment, RFC 1122 §3.2.2) is the caller's decision.
    /// </summary>
    public static int WriteIcmpError(Span<byte> destination, EthernetHeader ethernet, Ipv4Header ip, Icmpv4Type type, byte code, ReadOnlySpan<byte> originalDatagram, ushort nextHopMtu = 0)
    {
        if (type is not (Icmpv4Type.DestinationUnreachable or Icmpv4Type.TimeExceeded)) { throw new ArgumentOutOfRangeException(nameof(type), type, "an ICMP error is destination unreachable or time exceeded"); }

        var quote = originalDatagram[..QuoteLength(originalDatagram.Length)];
        var frame = Claim(destination, GetIcmpErrorLength(ethernet, originalDatagram.Length));
        quote.CopyTo(frame[(TransportOffset(ethernet) + Icmpv4Message.HeaderLength)..]);
        return CompleteIcmp(frame, ethernet, ip, type, code, nextHopMtu, quote.Length);
    }

    public static byte[] BuildIcmpError(EthernetHeader ethernet, Ipv4Header ip, Icmpv4Type type, byte code, ReadOnlySpan<byte> originalDatagram, ushort nextHopMtu = 0)
    {
        var frame = new byte[GetIcmpErrorLength(ethernet, originalDatagram.Length)];
        WriteIcmpError(frame, ethernet, ip, type, code, originalDatagram, nextHopMtu);
        return frame;
    }

    private static int QuoteLength(int originalDatagramLength) => Math.Min(originalDatagramLength, MaxIcmpErrorQuote);

    private static int TransportOffset(EthernetHeader ethernet) => ethernet.Length + Ipv4Header.MinimumLength;

    private static int GetIpv4Length(EthernetHeader ethernet, int transportLength) => Padded(TransportOffset(ethernet) + transportLength);

    private static int Padded(int frameLength) => Math.Max(frameLength, EthernetHeader.MinimumFrameLength);

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="destination"/>, zeroed so that padding and reserved fields are zero.</summary>
    private static Span<byte> Claim(Span<byte> destination, int length)
    {
        if (destination.Length < length) { throw new ArgumentException($"the frame needs {length} bytes, the buffer has {destination.Length}", nameof(destination)); }
        var frame = destination[..length];
        frame.Clear();
        return frame;
    }

    /// <summary>Adds UDP, IPv4 and Ethernet headers around a payload already at its place in <paramref name="frame"/>.</summary>
    private static int CompleteUdp(Span<byte> frame, EthernetHeader ethernet, Ipv4Header ip, ushort sourcePort, ushort destinationPort, int payloadLength)
    {
        var udpLength = UdpDatagram.HeaderLength + payloadLength;
        UdpDatagram.WriteHeader(frame.Slice(TransportOffset(ethernet), udpLength), ip.Source, ip.Destination, sourcePort, destinationPort);
        return CompleteIpv4(frame, ethernet, ip, IpProtocol.Udp, udpLength);
    }

    /// <summary>Adds ICMP, IPv4 and Ethernet headers around a body already at its place in <paramref name="frame"/>.</summary>
    private static int CompleteIcmp(Span<byte> frame, EthernetHeader ethernet, Ipv4Header ip, Icmpv4Type type, byte code, uint restOfHeader, int bodyLength)
    {
        var icmpLength = Icmpv4Message.HeaderLength + bodyLength;
        Icmpv4Message.WriteHeader(frame.Slice(TransportOffset(ethernet), icmpLength), type, code, restOfHeader);
        return CompleteIpv4(frame, ethernet, ip, IpProtocol.Icmp, icmpLength);
    }

    private static int CompleteIpv4(Span<byte> frame, EthernetHeader ethernet, Ipv4Header ip, IpProtocol protocol, int transportLength)
    {
        ip.WriteTo(frame[ethernet.WriteTo(frame, EtherType.Ipv4)..], protocol, transportLength);
        return frame.Length;
    }
}
