using System.Globalization;
using System.Text.RegularExpressions;

namespace Erebor.Harness.Ovs;

/// <summary>The summary of one iputils <c>ping</c> run.</summary>
/// <param name="Ttl">TTL of the first reply (64 when delivered on the same L2 segment, less per routed hop); null without replies.</param>
/// <param name="RttMin">Null without replies; likewise <paramref name="RttAvg"/> and <paramref name="RttMax"/>.</param>
public sealed partial record PingResult(
    int Transmitted,
    int Received,
    double LossPercent,
    TimeSpan? RttMin,
    TimeSpan? RttAvg,
    TimeSpan? RttMax,
    int? Ttl,
    string Output)
{
    public bool AllReceived => Transmitted > 0 && Received == Transmitted;

    /// <summary>Parses iputils ping output; throws when the statistics line is missing (ping did not run).</summary>
    public static PingResult Parse(string output)
    {
        var stats = StatisticsLine().Match(output);
        if (!stats.Success) { throw new FormatException($"no ping statistics in: {output}"); }

        var rtt = RttLine().Match(output);
        var ttl = TtlField().Match(output);
        return new PingResult(
            Transmitted: int.Parse(stats.Groups["tx"].Value, CultureInfo.InvariantCulture),
            Received: int.Parse(stats.Groups["rx"].Value, CultureInfo.InvariantCulture),
            LossPercent: double.Parse(stats.Groups["loss"].Value, CultureInfo.InvariantCulture),
            RttMin: rtt.Success ? Milliseconds(rtt.Groups["min"].Value) : null,
            RttAvg: rtt.Success ? Milliseconds(rtt.Groups["avg"].Value) : null,
            RttMax: rtt.Success ? Milliseconds(rtt.Groups["max"].Value) : null,
            Ttl: ttl.Success ? int.Parse(ttl.Groups["ttl"].Value, CultureInfo.InvariantCulture) : null,
            Output: output);
    }

    private static TimeSpan Milliseconds(string value) =>
        TimeSpan.FromMilliseconds(double.Parse(value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"(?<tx>\d+) packets transmitted, (?<rx>\d+) (packets )?received,.*?(?<loss>[\d.]+)% packet loss")]
    private static partial Regex StatisticsLine();

    // iputils prints "rtt min/avg/max/mdev = a/b/c/d ms".
    [GeneratedRegex(@"min/avg/max(/mdev)? = (?<min>[\d.]+)/(?<avg>[\d.]+)/(?<max>[\d.]+)")]
    private static partial Regex RttLine();

    [GeneratedRegex(@"bytes from .*?ttl=(?<ttl>\d+)")]
    private static partial Regex TtlField();
}
