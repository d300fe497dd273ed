using System.Buffers.Binary;

using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// A received UDP datagram (RFC 768), read in place from an IPv4 payload. <see cref="Payload"/>
/// ends where the UDP length says.
/// </summary>
public readonly ref struct UdpDatagram
{
    public const int HeaderLength = 8;

    private UdpDatagram(ReadOnlySpan<byte> datagram) => Datagram = datagram;

    /// <summary>Header and payload, exactly <see cref="Length"/> bytes: what the checksum covers.</summary>
    public ReadOnlySpan<byte> Datagram { get; }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(Datagram);

    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(Datagram[2..]);

    public int Length => Datagram.Length;

    /// <summary>The checksum field; 0 means the sender computed none.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Datagram[6..]);

    public ReadOnlySpan<byte> Payload => Datagram[HeaderLength..];

    /// <summary>
    /// True when the checksum over the pseudo-header and datagram holds, or when the sender
    /// computed none (<see cref="Checksum"/> 0), which IPv4 allows.
    /// </summary>
    public bool IsChecksumValid(Ipv4Address source, Ipv4Address destination) =>
        Checksum == 0 || InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Udp, Datagram);

    public static UdpDatagram Parse(ReadOnlySpan<byte> segment) =>
        Decode(segment, out var parsed) is { } problem ? throw new PacketDecodeException(problem) : parsed;

    public static bool TryParse(ReadOnlySpan<byte> segment, out UdpDatagram parsed) => Decode(segment, out parsed) is null;

    /// <summary>Writes the 8-byte header before a payload already in place, with the checksum over both.</summary>
    internal static void WriteHeader(Span<byte> datagram, Ipv4Address source, Ipv4Address destination, ushort sourcePort, ushort destinationPort)
    {
        BinaryPrimitives.WriteUInt16BigEndian(datagram, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[4..], (ushort)datagram.Length);
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], 0);
        var checksum = InternetChecksum.ComputeWithPseudoHeader(source, destination, IpProtocol.Udp, datagram);
        // A computed 0 goes out as its one's complement twin 0xFFFF: 0 on the wire means "none" (RFC 768).
        BinaryPrimitives.WriteUInt16BigEndian(datagram[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }

    private static string? Decode(ReadOnlySpan<byte> segment, out UdpDatagram parsed)
    {
        parsed = default;
        if (segment.Length < HeaderLength) { return $"a UDP header needs {HeaderLength} bytes, got {segment.Length}"; }

        var length = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
        if (length < HeaderLength) { return $"UDP length {length} is shorter than the {HeaderLength}-byte header"; }
        if (length > segment.Length) { return $"UDP length is {length} but only {segment.Length} bytes are present"; }

        parsed = new UdpDatagram(segment[..length]);
        return null;
    }
}
