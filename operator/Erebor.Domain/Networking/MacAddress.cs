using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Erebor.Domain.Networking;

/// <summary>A 48-bit Ethernet address, held in the low 48 bits of <see cref="Value"/> (first octet most significant).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public const int ByteLength = 6;

    /// <summary>The largest <see cref="Value"/>, all 48 bits set (ff:ff:ff:ff:ff:ff).</summary>
    public const ulong MaxValue = (1UL << 48) - 1;

    private const byte MulticastBit = 0x01;
    private const byte LocallyAdministeredBit = 0x02;

    public ulong Value { get; } = Value <= MaxValue ? Value : throw new ArgumentOutOfRangeException(nameof(Value), Value, "a MAC address has 48 bits");

    /// <summary>ff:ff:ff:ff:ff:ff, the Ethernet broadcast address.</summary>
    public static MacAddress Broadcast => new(MaxValue);

    public bool IsBroadcast => Value == MaxValue;

    /// <summary>The first octet, whose two low bits say multicast (0x01) and locally administered (0x02).</summary>
    private byte FirstOctet => (byte)(Value >> 40);

    public bool IsMulticast => (FirstOctet & MulticastBit) != 0;

    public bool IsUnicast => !IsMulticast;

    public bool IsLocallyAdministered => (FirstOctet & LocallyAdministeredBit) != 0;

    /// <summary>
    /// A locally administered unicast address derived from SHA-256 of <paramref name="seed"/>:
    /// the same seed (e.g. router uid + subnet name) gives the same MAC on every node and after
    /// every restart, and locally administered addresses cannot collide with a vendor's.
    /// </summary>
    public static MacAddress StableLocal(string seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(seed), hash);
        hash[0] = (byte)((hash[0] | LocallyAdministeredBit) & ~MulticastBit);
        return FromBytes(hash[..ByteLength]);
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress address) => TryParse(text, out address, out _);

    /// <summary>Parses six colon-separated pairs of hex digits, either case, e.g. "02:00:00:00:00:01".</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress address, out string error)
    {
        address = default;
        error = FindProblem(text, out var parsed) is { } problem
            ? $"'{text}' is not a MAC address: {problem}; expected six colon-separated hex pairs such as 02:00:00:00:00:01"
            : string.Empty;
        if (error.Length > 0) { return false; }
        address = parsed;
        return true;
    }

    private static string? FindProblem(string? text, out MacAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text)) { return "it is empty"; }

        var octets = text.Split(':');
        if (octets.Length != ByteLength) { return $"it has {octets.Length} parts"; }

        ulong value = 0;
        for (var i = 0; i < octets.Length; i++)
        {
            var octet = octets[i];
            if (octet.Length != 2 || !octet.All(char.IsAsciiHexDigit)) { return $"octet {i + 1} ('{octet}') is not two hex digits"; }
            value = (value << 8) | byte.Parse(octet, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        address = new MacAddress(value);
        return null;
    }

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength) { throw new ArgumentException($"a MAC address is 6 bytes, got {bytes.Length}", nameof(bytes)); }
        Span<byte> padded = stackalloc byte[sizeof(ulong)];
        bytes.CopyTo(padded[2..]);
        return new MacAddress(BinaryPrimitives.ReadUInt64BigEndian(padded));
    }

    /// <summary>Writes the 6 bytes in transmission order.</summary>
    public void WriteBytes(Span<byte> destination)
    {
        Span<byte> padded = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(padded, Value);
        padded[2..].CopyTo(destination);
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[ByteLength];
        WriteBytes(bytes);
        return bytes;
    }

    /// <summary>Lower-case, colon-separated: the form OVS prints and Kubernetes users paste.</summary>
    public override string ToString() =>
        string.Create(17, Value, static (chars, value) =>
        {
            for (var i = 0; i < ByteLength; i++)
            {
                var octet = (byte)(value >> (8 * (ByteLength - 1 - i)));
                chars[i * 3] = HexDigit(octet >> 4);
                chars[(i * 3) + 1] = HexDigit(octet & 0xf);
                if (i < ByteLength - 1) { chars[(i * 3) + 2] = ':'; }
            }
        });

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
