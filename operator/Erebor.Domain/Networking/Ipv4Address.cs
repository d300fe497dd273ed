using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Erebor.Domain.Networking;

/// <summary>An IPv4 address as its 32-bit big-endian value (10.0.0.1 is 0x0A000001).</summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>, IComparable
{
    public const int ByteLength = 4;

    public static Ipv4Address Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Address address) =>
        TryParse(text, out address, out _);

    /// <summary>
    /// Parses a strict dotted quad: four decimal octets 0-255, no whitespace, no signs and no
    /// leading zeros, because "010.0.0.1" means 8.0.0.1 to inet_aton and 10.0.0.1 to most people.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Address address, out string error)
    {
        var problem = FindProblem(text, out address);
        error = problem is null ? string.Empty : $"'{text}' is not a dotted-quad IPv4 address: {problem}";
        return problem is null;
    }

    /// <summary>Why <paramref name="text"/> is not a dotted quad, or null when it is one; callers phrase the subject.</summary>
    internal static string? FindProblem(string? text, out Ipv4Address address)
    {
        address = default;
        if (string.IsNullOrEmpty(text)) { return "it is empty"; }
        if (text.Any(char.IsWhiteSpace)) { return "it contains whitespace"; }

        var octets = text.Split('.');
        if (octets.Length != ByteLength) { return $"it has {octets.Length} parts, expected 4"; }

        uint value = 0;
        for (var i = 0; i < octets.Length; i++)
        {
            var octet = octets[i];
            var position = i + 1;
            if (octet.Length == 0) { return $"octet {position} is empty"; }
            if (!octet.All(char.IsAsciiDigit)) { return $"octet {position} ('{octet}') is not a decimal number"; }
            if (octet.Length > 1 && octet[0] == '0') { return $"octet {position} ('{octet}') has a leading zero, which is ambiguous (octal or decimal)"; }
            // Three digits at most, so the parse cannot overflow.
            var number = octet.Length <= 3 ? uint.Parse(octet, CultureInfo.InvariantCulture) : uint.MaxValue;
            if (number > byte.MaxValue) { return $"octet {position} ('{octet}') is greater than 255"; }
            value = (value << 8) | number;
        }

        address = new Ipv4Address(value);
        return null;
    }

    /// <summary>Reads 4 bytes in network order.</summary>
    public static Ipv4Address FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength) { throw new ArgumentException($"an IPv4 address is 4 bytes, got {bytes.Length}", nameof(bytes)); }
        return new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(bytes));
    }

    /// <summary>Writes the 4 bytes in network order.</summary>
    public void WriteBytes(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    /// <summary>The address <paramref name="offset"/> further on; throws <see cref="OverflowException"/> past 0.0.0.0 or 255.255.255.255.</summary>
    public Ipv4Address Add(long offset) => new(checked((uint)(Value + offset)));

    /// <summary>How many addresses <paramref name="other"/> lies after this one (negative when before).</summary>
    public long DistanceTo(Ipv4Address other) => (long)other.Value - Value;

    public static Ipv4Address operator +(Ipv4Address address, long offset) => address.Add(offset);

    public static Ipv4Address operator -(Ipv4Address address, long offset) => address.Add(-offset);

    public static bool operator <(Ipv4Address left, Ipv4Address right) => left.Value < right.Value;

    public static bool operator >(Ipv4Address left, Ipv4Address right) => left.Value > right.Value;

    public static bool operator <=(Ipv4Address left, Ipv4Address right) => left.Value <= right.Value;

    public static bool operator >=(Ipv4Address left, Ipv4Address right) => left.Value >= right.Value;

    public static Ipv4Address Min(Ipv4Address left, Ipv4Address right) => left <= right ? left : right;

    public static Ipv4Address Max(Ipv4Address left, Ipv4Address right) => left >= right ? left : right;

    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public int CompareTo(object? obj) => obj switch
    {
        null => 1,
        Ipv4Address other => CompareTo(other),
        _ => throw new ArgumentException($"cannot compare an {nameof(Ipv4Address)} with {obj.GetType().Name}", nameof(obj)),
    };

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}");
}
