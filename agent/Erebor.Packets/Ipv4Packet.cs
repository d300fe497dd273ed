using System.Buffers.Binary;

using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// What a builder needs to write an option-less IPv4 header; the builder fills in version, header
/// length, total length, protocol and checksum from what it writes after the header.
/// </summary>
public readonly record struct Ipv4Header(Ipv4Address Source, Ipv4Address Destination)
{
    public const int MinimumLength = 20;
    public const byte DefaultTimeToLive = 64;

    public byte TimeToLive { get; init; } = DefaultTimeToLive;

    public ushort Identification { get; init; }

    public bool DontFragment { get; init; }

    /// <summary>The DSCP and ECN byte (formerly type of service).</summary>
    public byte TypeOfService { get; init; }

    /// <summary>Writes the 20-byte header for a payload of <paramref name="payloadLength"/> bytes, checksum included.</summary>
    internal void WriteTo(Span<byte> destination, IpProtocol protocol, int payloadLength)
    {
        var totalLength = MinimumLength + payloadLength;
        if (totalLength > ushort.MaxValue) { throw new ArgumentOutOfRangeException(nameof(payloadLength), payloadLength, "an IPv4 datagram holds at most 65515 payload bytes"); }

        var header = destination[..MinimumLength];
        header[0] = 0x45; // version 4, header length 5 words
        header[1] = TypeOfService;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], Identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], DontFragment ? Ipv4Packet.DontFragmentFlag : (ushort)0);
        header[8] = TimeToLive;
        header[9] = (byte)protocol;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        Source.WriteBytes(header[12..]);
        Destination.WriteBytes(header[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
    }
}

/// <summary>
/// A received IPv4 datagram, read in place (RFC 791). Options are skipped by the header length and
/// exposed raw; <see cref="Payload"/> ends where the total length says, which drops Ethernet padding.
/// The header checksum is not verified on parse, because OVS and the kernel already did; call
/// <see cref="IsHeaderChecksumValid"/> where it matters. Fragments parse; see <see cref="IsFragment"/>.
/// </summary>
public readonly ref struct Ipv4Packet
{
    internal const ushort DontFragmentFlag = 0x4000;
    private const ushort MoreFragmentsFlag = 0x2000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private Ipv4Packet(ReadOnlySpan<byte> datagram, int headerLength)
    {
        Datagram = datagram;
        HeaderLength = headerLength;
    }

    /// <summary>Header and payload, exactly <see cref="TotalLength"/> bytes: what an ICMP error quotes.</summary>
    public ReadOnlySpan<byte> Datagram { get; }

    public int HeaderLength { get; }

    public ReadOnlySpan<byte> Header => Datagram[..HeaderLength];

    public ReadOnlySpan<byte> Options => Datagram[Ipv4Header.MinimumLength..HeaderLength];

    public ReadOnlySpan<byte> Payload => Datagram[HeaderLength..];

    public byte TypeOfService => Datagram[1];

    public int TotalLength => Datagram.Length;

    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(Datagram[4..]);

    public bool DontFragment => (FlagsAndOffset & DontFragmentFlag) != 0;

    public bool MoreFragments => (FlagsAndOffset & MoreFragmentsFlag) != 0;

    /// <summary>Where this fragment's payload belongs in the original datagram, in bytes (the wire field counts 8-byte units).</summary>
    public int FragmentOffset => (FlagsAndOffset & FragmentOffsetMask) * 8;

    /// <summary>True for any fragment, the first included: its payload is not a whole transport segment.</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    public byte TimeToLive => Datagram[8];

    public IpProtocol Protocol => (IpProtocol)Datagram[9];

    public ushort HeaderChecksum => BinaryPrimitives.ReadUInt16BigEndian(Datagram[10..]);

    public Ipv4Address Source => Ipv4Address.FromBytes(Datagram[12..16]);

    public Ipv4Address Destination => Ipv4Address.FromBytes(Datagram[16..20]);

    public bool IsHeaderChecksumValid => InternetChecksum.IsValid(Header);

    private ushort FlagsAndOffset => BinaryPrimitives.ReadUInt16BigEndian(Datagram[6..]);

    public static Ipv4Packet Parse(ReadOnlySpan<byte> packet) =>
        Decode(packet, out var parsed) is { } problem ? throw new PacketDecodeException(problem) : parsed;

    public static bool TryParse(ReadOnlySpan<byte> packet, out Ipv4Packet parsed) => Decode(packet, out parsed) is null;

    private static string? Decode(ReadOnlySpan<byte> packet, out Ipv4Packet parsed)
    {
        parsed = default;
        if (packet.Length < Ipv4Header.MinimumLength) { return $"an IPv4 header needs at least {Ipv4Header.MinimumLength} bytes, got {packet.Length}"; }

        var version = packet[0] >> 4;
        if (version != 4) { return $"IP version is {version}, expected 4"; }

        var headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < Ipv4Header.MinimumLength) { return $"IPv4 header length is {headerLength} bytes, below the minimum of {Ipv4Header.MinimumLength}"; }

        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (totalLength < headerLength) { return $"IPv4 total length {totalLength} is shorter than its header length {headerLength}"; }
        if (totalLength > packet.Length) { return $"IPv4 total length is {totalLength} but only {packet.Length} bytes are present"; }

        parsed = new Ipv4Packet(packet[..totalLength], headerLength);
        return null;
    }
}
