using System.Diagnostics.CodeAnalysis;

namespace Erebor.Domain.Networking;

/// <summary>An inclusive run of IPv4 addresses, e.g. a Subnet's reserved range "10.0.0.2-10.0.0.9".</summary>
public readonly record struct AddressRange(Ipv4Address First, Ipv4Address Last)
{
    public Ipv4Address First { get; } = First <= Last ? First : throw new ArgumentException($"range {First}-{Last} ends before it starts", nameof(First));

    public Ipv4Address Last { get; } = Last;

    public static AddressRange Single(Ipv4Address address) => new(address, address);

    public static AddressRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range : throw new FormatException(error);

    /// <summary>Parses "a.b.c.d" (one address) or "a.b.c.d-a.b.c.e" (both ends included, no spaces).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out AddressRange range, out string error)
    {
        range = default;
        error = FindProblem(text, out var parsed) ?? string.Empty;
        if (error.Length > 0) { return false; }
        range = parsed;
        return true;
    }

    private static string? FindProblem(string? text, out AddressRange range)
    {
        range = default;
        if (string.IsNullOrEmpty(text)) { return "the address range is empty; expected a.b.c.d or a.b.c.d-a.b.c.e"; }

        var parts = text.Split('-');
        if (parts.Length > 2) { return $"'{text}' has more than one '-'; expected a.b.c.d or a.b.c.d-a.b.c.e"; }

        if (Ipv4Address.FindProblem(parts[0], out var first) is { } firstProblem)
        {
            return parts.Length == 1
                ? $"'{text}' is not a dotted-quad IPv4 address: {firstProblem}"
                : $"range start '{parts[0]}' is not a dotted-quad IPv4 address: {firstProblem}";
        }

        if (parts.Length == 1)
        {
            range = Single(first);
            return null;
        }

        if (Ipv4Address.FindProblem(parts[1], out var last) is { } lastProblem)
        {
            return $"range end '{parts[1]}' is not a dotted-quad IPv4 address: {lastProblem}";
        }

        if (last < first) { return $"'{text}' ends before it starts; did you mean {last}-{first}?"; }

        range = new AddressRange(first, last);
        return null;
    }

    /// <summary>How many addresses the range holds, both ends included.</summary>
    public long Count => First.DistanceTo(Last) + 1;

    public bool Contains(Ipv4Address address) => First <= address && address <= Last;

    public bool Overlaps(AddressRange other) => First <= other.Last && other.First <= Last;

    /// <summary>The addresses both ranges hold, or null when they are disjoint.</summary>
    public AddressRange? Intersect(AddressRange other) =>
        Overlaps(other) ? new AddressRange(Ipv4Address.Max(First, other.First), Ipv4Address.Min(Last, other.Last)) : null;

    public override string ToString() => First == Last ? First.ToString() : $"{First}-{Last}";
}
