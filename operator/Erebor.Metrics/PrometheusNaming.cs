using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Erebor.Metrics;

/// <summary>Turns System.Diagnostics.Metrics names, units and tags into Prometheus names and label text.</summary>
internal static partial class PrometheusNaming
{
    /// <summary>UCUM units (what OpenTelemetry asks instruments to use) to Prometheus' plural words.</summary>
    private static readonly Dictionary<string, string> UnitWords = new(StringComparer.Ordinal)
    {
        ["d"] = "days",
        ["h"] = "hours",
        ["min"] = "minutes",
        ["s"] = "seconds",
        ["ms"] = "milliseconds",
        ["us"] = "microseconds",
        ["ns"] = "nanoseconds",
        ["By"] = "bytes",
        ["KiBy"] = "kibibytes",
        ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes",
        ["TiBy"] = "tebibytes",
        ["KBy"] = "kilobytes",
        ["MBy"] = "megabytes",
        ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes",
        ["bit"] = "bits",
        ["m"] = "meters",
        ["V"] = "volts",
        ["A"] = "amperes",
        ["J"] = "joules",
        ["W"] = "watts",
        ["g"] = "grams",
        ["Cel"] = "celsius",
        ["Hz"] = "hertz",
        ["%"] = "percent",
    };

    /// <summary>Denominators of rate units ("By/s") read in the singular: bytes_per_second.</summary>
    private static readonly Dictionary<string, string> PerUnitWords = new(StringComparer.Ordinal)
    {
        ["s"] = "second",
        ["min"] = "minute",
        ["h"] = "hour",
        ["d"] = "day",
        ["w"] = "week",
        ["mo"] = "month",
        ["y"] = "year",
    };

    /// <summary>Tag keys recur on every measurement; sanitizing each once keeps the recording path cheap.</summary>
    private static readonly ConcurrentDictionary<string, string> LabelNames = new(StringComparer.Ordinal);

    /// <summary>
    /// The metric family name: the instrument name with characters Prometheus does not allow
    /// turned into underscores, the unit's word appended unless the name already ends with it,
    /// and, for counters, "_total" last (moved there if the name carried it before the unit).
    /// </summary>
    public static string MetricName(string instrumentName, string? unit, bool isCounter)
    {
        const string TotalSuffix = "_total";
        var name = Sanitize(instrumentName, allowColon: true);
        if (isCounter && name.EndsWith(TotalSuffix, StringComparison.Ordinal) && name.Length > TotalSuffix.Length)
        {
            name = name[..^TotalSuffix.Length];
        }

        if (UnitSuffix(unit) is { } suffix && !name.EndsWith("_" + suffix, StringComparison.Ordinal) && name != suffix)
        {
            name = $"{name}_{suffix}";
        }

        return isCounter ? name + TotalSuffix : name;
    }

    /// <summary>
    /// The words a unit adds to a metric name, or null for none: "s" is seconds, "By/s"
    /// bytes_per_second, "1" (dimensionless) nothing, and UCUM annotations such as "{packets}"
    /// describe what is counted rather than a unit, so they add nothing either.
    /// </summary>
    public static string? UnitSuffix(string? unit)
    {
        if (string.IsNullOrWhiteSpace(unit)) { return null; }

        var parts = Annotation().Replace(unit, string.Empty).Split('/', 2);
        var numerator = parts[0] is "" or "1" ? null : UnitWords.GetValueOrDefault(parts[0], parts[0]);
        var denominator = parts.Length == 2 && parts[1].Length > 0
            ? "per_" + PerUnitWords.GetValueOrDefault(parts[1], parts[1])
            : null;
        var words = Sanitize(string.Join('_', new[] { numerator, denominator }.OfType<string>()), allowColon: false).Trim('_');
        return words.Length == 0 ? null : words;
    }

    public static string LabelName(string tagKey) => LabelNames.GetOrAdd(tagKey, static key => Sanitize(key, allowColon: false));

    /// <summary>Label values may hold anything but a backslash, a double quote or a newline, which are escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0 ? value : value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    /// <summary>HELP text escapes only backslashes and newlines (quotes are literal there).</summary>
    public static string EscapeHelp(string help) => help.Replace("\\", @"\\").Replace("\n", @"\n");

    /// <summary>Tag values as text: invariant culture for numbers and dates, lower-case booleans like Prometheus' own.</summary>
    public static string LabelValueText(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Go's float syntax as Prometheus parses it: shortest round-trip digits, "+Inf", "-Inf", "NaN".</summary>
    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names the same without colons.</summary>
    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0) { return "_"; }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0])) { builder.Append('_'); }
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Annotation();
}
