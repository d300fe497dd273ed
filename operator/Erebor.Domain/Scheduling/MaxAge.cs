using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Erebor.Domain.Scheduling;

/// <summary>
/// Durations as retention writes them: a number and a unit, d (24 h), h, m or s, lower case, e.g.
/// "7d", "12h", "30m", "45s"; parts may be combined largest unit first ("1d12h", "1h30m").
/// </summary>
public static class MaxAge
{
    private const string Expected = "expected a duration such as 7d, 12h, 30m or 45s";

    /// <summary>Larger than any sensible retention and far from TimeSpan's limit.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromDays(100 * 366);

    private static readonly (char Unit, TimeSpan Size)[] Units =
    [
        ('d', TimeSpan.FromDays(1)),
        ('h', TimeSpan.FromHours(1)),
        ('m', TimeSpan.FromMinutes(1)),
        ('s', TimeSpan.FromSeconds(1)),
    ];

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error);

    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = FindProblem(text, out var parsed) ?? string.Empty;
        if (error.Length > 0) { return false; }
        value = parsed;
        return true;
    }

    private static string? FindProblem(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) { return $"max age is empty; {Expected}"; }
        if (text.Any(char.IsWhiteSpace)) { return $"max age '{text}' contains whitespace; {Expected}"; }
        if (text[0] is '-' or '+') { return $"max age '{text}' must be a positive duration without a sign; {Expected}"; }

        var position = 0;
        var previousUnit = -1;
        var total = TimeSpan.Zero;
        while (position < text.Length)
        {
            var digitsStart = position;
            while (position < text.Length && char.IsAsciiDigit(text[position])) { position++; }
            var digits = text[digitsStart..position];
            if (digits.Length == 0)
            {
                return $"max age '{text}': expected a number at '{text[digitsStart..]}'; {Expected}";
            }

            if (position == text.Length)
            {
                return $"max age '{text}' has no unit after {digits}; use d, h, m or s, e.g. {digits}d";
            }

            var unitChar = text[position++];
            if (unitChar is '.' or ',')
            {
                return $"max age '{text}': fractions are not supported; use a smaller unit, e.g. 36h instead of 1.5d";
            }

            if (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                return $"max age '{text}': write each unit as one lower-case letter (d, h, m, s), e.g. 7d";
            }

            var unit = Array.FindIndex(Units, candidate => candidate.Unit == unitChar);
            if (unit < 0)
            {
                return $"max age '{text}' has unknown unit '{unitChar}'; use d (days), h (hours), m (minutes) or s (seconds), lower case";
            }

            if (unit <= previousUnit)
            {
                return $"max age '{text}': units must go from largest to smallest, each once (d, h, m, s)";
            }

            previousUnit = unit;
            var number = digits.Length <= 9 ? long.Parse(digits, CultureInfo.InvariantCulture) : long.MaxValue;
            if (number > Limit.Ticks / Units[unit].Size.Ticks || (total += TimeSpan.FromTicks(number * Units[unit].Size.Ticks)) > Limit)
            {
                return $"max age '{text}' is too long; at most {Limit.Days}d";
            }
        }

        if (total <= TimeSpan.Zero) { return $"max age '{text}' must be greater than zero"; }
        value = total;
        return null;
    }

    /// <summary>Writes a duration in the same notation, e.g. 36 hours as "1d12h"; zero as "0s".</summary>
    public static string Format(TimeSpan span)
    {
        if (span < TimeSpan.Zero) { return "-" + Format(span.Negate()); }
        var builder = new StringBuilder();
        var rest = TimeSpan.FromSeconds(Math.Floor(span.TotalSeconds));
        foreach (var (unit, size) in Units)
        {
            var count = rest.Ticks / size.Ticks;
            if (count == 0) { continue; }
            builder.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
            rest -= TimeSpan.FromTicks(count * size.Ticks);
        }

        return builder.Length == 0 ? "0s" : builder.ToString();
    }
}
