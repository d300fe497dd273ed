using System.Globalization;
using System.Text.RegularExpressions;

namespace Erebor.Operator.Hosting;

/// <summary>Go-style durations on the command line: 500ms, 15s, 2m, 1h.</summary>
public static partial class Durations
{
    public static TimeSpan Parse(string text)
    {
        var match = Pattern().Match(text);
        if (!match.Success) { throw new FormatException($"'{text}' is not a duration like 500ms, 15s, 2m or 1h"); }
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(value),
            "s" => TimeSpan.FromSeconds(value),
            "m" => TimeSpan.FromMinutes(value),
            _ => TimeSpan.FromHours(value),
        };
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)$")]
    private static partial Regex Pattern();
}
