using System.Globalization;

namespace Erebor.OpenFlow;

/// <summary>A 48-bit Ethernet address held in the low bits of a ulong, as OXM carries it.</summary>
public readonly record struct MacAddress
{
    public const ulong MaxValue = 0xffff_ffff_ffff;

    public MacAddress(ulong value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        Value = value;
    }

    public ulong Value { get; }

    public static MacAddress Broadcast => new(MaxValue);

    /// <summary>Parses "02:00:00:00:aa:01" (colons or dashes).</summary>
    public static MacAddress Parse(string text)
    {
        var parts = text.Split(':', '-');
        if (parts.Length != 6) { throw new FormatException($"'{text}' is not a MAC address"); }
        ulong value = 0;
        foreach (var part in parts)
        {
            value = (value << 8) | byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }

        return new MacAddress(value);
    }

    public override string ToString() =>
        string.Create(17, Value, static (chars, value) =>
        {
            for (var i = 0; i < 6; i++)
            {
                var b = (byte)(value >> (8 * (5 - i)));
                chars[i * 3] = HexDigit(b >> 4);
                chars[(i * 3) + 1] = HexDigit(b & 0xf);
                if (i < 5) { chars[(i * 3) + 2] = ':'; }
            }
        });

    private static char HexDigit(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}