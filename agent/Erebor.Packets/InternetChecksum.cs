using System.Buffers.Binary;

using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit
/// big-endian words, an odd last byte padded with zero. IPv4 headers, ICMP and UDP use it; UDP and
/// TCP also cover the pseudo-header (RFC 768) of source, destination, protocol and length.
/// </summary>
public static class InternetChecksum
{
    /// <summary>The checksum of <paramref name="data"/>, whose checksum field must be zero.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Complement(Sum(data));

    /// <summary>True when <paramref name="data"/>, checksum field included, sums to 0xFFFF, i.e. is intact.</summary>
    public static bool IsValid(ReadOnlySpan<byte> data) => Fold(Sum(data)) == 0xFFFF;

    /// <summary>
    /// The checksum of a UDP datagram (or TCP segment) over the pseudo-header and
    /// <paramref name="segment"/> (its checksum field zero). Callers sending UDP must still write
    /// 0xFFFF for a result of 0, because 0 means "no checksum" there (RFC 768).
    /// </summary>
    public static ushort ComputeWithPseudoHeader(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, ReadOnlySpan<byte> segment) =>
        Complement(PseudoHeaderSum(source, destination, protocol, segment.Length) + Sum(segment));

    /// <summary>True when <paramref name="segment"/>, checksum field included, and its pseudo-header sum to 0xFFFF.</summary>
    public static bool IsValidWithPseudoHeader(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, ReadOnlySpan<byte> segment) =>
        Fold(PseudoHeaderSum(source, destination, protocol, segment.Length) + Sum(segment)) == 0xFFFF;

    private static ulong PseudoHeaderSum(Ipv4Address source, Ipv4Address destination, IpProtocol protocol, int length) =>
        (source.Value >> 16) + (source.Value & 0xFFFF) + (destination.Value >> 16) + (destination.Value & 0xFFFF) + (ulong)protocol + (ulong)length;

    /// <summary>The plain sum of 16-bit words; a 64-bit accumulator cannot overflow for any span .NET can hold.</summary>
    private static ulong Sum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        var i = 0;
        for (; i + 4 <= data.Length; i += 4) { sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]); }
        for (; i + 2 <= data.Length; i += 2) { sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]); }
        if (i < data.Length) { sum += (ulong)data[i] << 8; }
        return sum;
    }

    /// <summary>Adds the carries back in (end-around carry) until 16 bits remain.</summary>
    private static ushort Fold(ulong sum)
    {
        while (sum > 0xFFFF) { sum = (sum & 0xFFFF) + (sum >> 16); }
        return (ushort)sum;
    }

    private static ushort Complement(ulong sum) => (ushort)~Fold(sum);
}
