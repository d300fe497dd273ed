using System.Buffers.Binary;

namespace Erebor.Packets;

/// <summary>The ICMPv4 types the agent answers with or recognises (RFC 792); others pass through as numbers.</summary>
public enum Icmpv4Type : byte
{
    EchoReply = 0,
    DestinationUnreachable = 3,
    EchoRequest = 8,
    TimeExceeded = 11,
}

/// <summary>Codes of <see cref="Icmpv4Type.DestinationUnreachable"/> (RFC 792, RFC 1812 §5.2.7.1).</summary>
public enum DestinationUnreachableCode : byte
{
    NetUnreachable = 0,
    HostUnreachable = 1,
    ProtocolUnreachable = 2,
    PortUnreachable = 3,
    FragmentationNeeded = 4,
    CommunicationAdministrativelyProhibited = 13,
}

/// <summary>Codes of <see cref="Icmpv4Type.TimeExceeded"/> (RFC 792).</summary>
public enum TimeExceededCode : byte
{
    TimeToLiveExceededInTransit = 0,
    FragmentReassemblyTimeExceeded = 1,
}

/// <summary>
/// A received ICMPv4 message, read in place from an IPv4 payload. Every type has the same 8-byte
/// header; the last 4 bytes mean identifier and sequence for echo, the next-hop MTU for
/// "fragmentation needed", and are unused for the other errors. <see cref="Body"/> is the echo data
/// or the quoted original datagram.
/// </summary>
public readonly ref struct Icmpv4Message
{
    public const int HeaderLength = 8;

    private Icmpv4Message(ReadOnlySpan<byte> message) => Message = message;

    /// <summary>Header and body: what the checksum covers.</summary>
    public ReadOnlySpan<byte> Message { get; }

    public Icmpv4Type Type => (Icmpv4Type)Message[0];

    public byte Code => Message[1];

    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(Message[2..]);

    /// <summary>The type-specific header word (bytes 4-7).</summary>
    public uint RestOfHeader => BinaryPrimitives.ReadUInt32BigEndian(Message[4..]);

    /// <summary>The echo identifier; meaningful for echo request and reply only.</summary>
    public ushort Identifier => (ushort)(RestOfHeader >> 16);

    /// <summary>The echo sequence number; meaningful for echo request and reply only.</summary>
    public ushort SequenceNumber => (ushort)RestOfHeader;

    /// <summary>The MTU of the next hop; meaningful for "fragmentation needed" only (RFC 1191).</summary>
    public ushort NextHopMtu => (ushort)RestOfHeader;

    public ReadOnlySpan<byte> Body => Message[HeaderLength..];

    public bool IsChecksumValid => InternetChecksum.IsValid(Message);

    public static Icmpv4Message Parse(ReadOnlySpan<byte> message) =>
        Decode(message, out var parsed) is { } problem ? throw new PacketDecodeException(problem) : parsed;

    public static bool TryParse(ReadOnlySpan<byte> message, out Icmpv4Message parsed) => Decode(message, out parsed) is null;

    /// <summary>Writes the 8-byte header before a body already in place, with the checksum over both.</summary>
    internal static void WriteHeader(Span<byte> message, Icmpv4Type type, byte code, uint restOfHeader)
    {
        message[0] = (byte)type;
        message[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], restOfHeader);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], InternetChecksum.Compute(message));
    }

    private static string? Decode(ReadOnlySpan<byte> message, out Icmpv4Message parsed)
    {
        parsed = default;
        if (message.Length < HeaderLength) { return $"an ICMP header needs {HeaderLength} bytes, got {message.Length}"; }
        parsed = new Icmpv4Message(message);
        return null;
    }
}
