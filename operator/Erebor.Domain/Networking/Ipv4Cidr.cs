using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Erebor.Domain.Networking;

/// <summary>
/// An IPv4 block in CIDR notation. The network address never has host bits set: the constructor
/// rejects them, so two values that describe the same block are always equal.
/// </summary>
public readonly record struct Ipv4Cidr(Ipv4Address Network, int PrefixLength) : IComparable<Ipv4Cidr>
{
    public const int MaxPrefixLength = 32;

    /// <summary>Blocks up to this long reserve their first and last address (network and broadcast).</summary>
    private const int LongestPrefixWithBroadcast = 30;

    public Ipv4Address Network { get; } = Validate(Network, PrefixLength);

    public int PrefixLength { get; } = PrefixLength;

    /// <summary>The block of <paramref name="prefixLength"/> that holds <paramref name="address"/> (host bits cleared).</summary>
    public static Ipv4Cidr Enclosing(Ipv4Address address, int prefixLength)
    {
        ValidatePrefixLength(prefixLength);
        return new Ipv4Cidr(new Ipv4Address(address.Value & MaskOf(prefixLength)), prefixLength);
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var cidr, out var error) ? cidr : throw new FormatException(error);

    /// <summary>
    /// Parses "a.b.c.d/n" strictly (see <see cref="Ipv4Address.TryParse(string?, out Ipv4Address, out string)"/>);
    /// <paramref name="error"/> is a sentence meant for the person who wrote <paramref name="text"/>.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Cidr cidr, out string error)
    {
        cidr = default;
        error = FindProblem(text, out var parsed) ?? string.Empty;
        if (error.Length > 0) { return false; }
        cidr = parsed;
        return true;
    }

    private static string? FindProblem(string? text, out Ipv4Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrEmpty(text)) { return "the CIDR is empty; expected a block such as 10.0.0.0/24"; }
        if (text.Any(char.IsWhiteSpace)) { return $"'{text}' contains whitespace"; }

        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (Ipv4Address.FindProblem(addressText, out var address) is { } addressProblem)
        {
            return $"'{text}' is not a dotted-quad IPv4 address: {addressProblem}";
        }

        if (slash < 0) { return $"'{text}' has no prefix length; expected CIDR notation such as {text}/24"; }

        var prefixText = text[(slash + 1)..];
        if (prefixText.Length == 0) { return $"'{text}' has no prefix length after '/'"; }
        if (!prefixText.All(char.IsAsciiDigit)) { return $"prefix length '{prefixText}' is not a decimal number"; }
        if (prefixText.Length > 1 && prefixText[0] == '0') { return $"prefix length '{prefixText}' has a leading zero"; }

        // Two digits at most, so the parse cannot overflow.
        var prefixLength = prefixText.Length <= 2 ? int.Parse(prefixText, CultureInfo.InvariantCulture) : int.MaxValue;
        if (prefixLength > MaxPrefixLength) { return $"prefix length {prefixText} is out of range 0-32"; }

        var enclosing = Enclosing(address, prefixLength);
        if (enclosing.Network != address) { return $"{text} has host bits set; did you mean {enclosing}?"; }

        cidr = enclosing;
        return null;
    }

    /// <summary>The netmask, e.g. 255.255.255.0 for a /24.</summary>
    public Ipv4Address Mask => new(MaskOf(PrefixLength));

    /// <summary>The last address of the block; a real broadcast address only up to /30 (RFC 3021 gives /31 none).</summary>
    public Ipv4Address Broadcast => new(Network.Value | ~MaskOf(PrefixLength));

    /// <summary>How many addresses the block spans, 2^(32 - prefix); a /0 spans 2^32, hence long.</summary>
    public long AddressCount => 1L << (MaxPrefixLength - PrefixLength);

    /// <summary>The first host address: after the network address up to /30; on a /31 or /32 every address is usable.</summary>
    public Ipv4Address FirstUsable => PrefixLength <= LongestPrefixWithBroadcast ? Network + 1 : Network;

    /// <summary>The last host address: before the broadcast address up to /30; on a /31 or /32 every address is usable.</summary>
    public Ipv4Address LastUsable => PrefixLength <= LongestPrefixWithBroadcast ? Broadcast - 1 : Broadcast;

    /// <summary>How many addresses lie between <see cref="FirstUsable"/> and <see cref="LastUsable"/> inclusive.</summary>
    public long UsableAddressCount => FirstUsable.DistanceTo(LastUsable) + 1;

    public bool Contains(Ipv4Address address) => (address.Value & MaskOf(PrefixLength)) == Network.Value;

    /// <summary>True when <paramref name="other"/> lies entirely inside this block (a block contains itself).</summary>
    public bool Contains(Ipv4Cidr other) => other.PrefixLength >= PrefixLength && Contains(other.Network);

    public bool Contains(AddressRange range) => Contains(range.First) && Contains(range.Last);

    /// <summary>CIDR blocks either nest or are disjoint, so they overlap exactly when one contains the other.</summary>
    public bool Overlaps(Ipv4Cidr other) => Contains(other) || other.Contains(this);

    /// <summary>
    /// The blocks of <paramref name="prefixLength"/> that tile this one, lowest first, produced
    /// lazily: a /8 holds 2^24 /32s.
    /// </summary>
    public IEnumerable<Ipv4Cidr> Subdivide(int prefixLength)
    {
        if (prefixLength < PrefixLength || prefixLength > MaxPrefixLength)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"a /{PrefixLength} can only be divided into blocks of /{PrefixLength} to /32");
        }

        return Enumerate(Network, prefixLength, 1L << (prefixLength - PrefixLength));

        static IEnumerable<Ipv4Cidr> Enumerate(Ipv4Address first, int prefixLength, long count)
        {
            var blockSize = 1L << (MaxPrefixLength - prefixLength);
            for (long index = 0; index < count; index++)
            {
                yield return new Ipv4Cidr(first + (index * blockSize), prefixLength);
            }
        }
    }

    /// <summary>Orders by network address, then shorter prefixes (the enclosing block) first.</summary>
    public int CompareTo(Ipv4Cidr other)
    {
        var byNetwork = Network.CompareTo(other.Network);
        return byNetwork != 0 ? byNetwork : PrefixLength.CompareTo(other.PrefixLength);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Network}/{PrefixLength}");

    private static uint MaskOf(int prefixLength) =>
        // A shift by 32 is a shift by 0 in C#, hence the special case.
        prefixLength == 0 ? 0 : uint.MaxValue << (MaxPrefixLength - prefixLength);

    private static void ValidatePrefixLength(int prefixLength)
    {
        if (prefixLength is < 0 or > MaxPrefixLength)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, "prefix length must be between 0 and 32");
        }
    }

    private static Ipv4Address Validate(Ipv4Address network, int prefixLength)
    {
        ValidatePrefixLength(prefixLength);
        if ((network.Value & ~MaskOf(prefixLength)) != 0)
        {
            throw new ArgumentException($"{network}/{prefixLength} has host bits set; did you mean {Enclosing(network, prefixLength)}?", nameof(network));
        }

        return network;
    }
}
