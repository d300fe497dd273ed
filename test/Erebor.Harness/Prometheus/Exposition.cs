using System.Globalization;

namespace Erebor.Harness.Prometheus;

/// <summary>Reads values out of Prometheus text exposition (a /metrics body), for tests and benchmarks.</summary>
public static class Exposition
{
    /// <summary>
    /// The sum of every sample of <paramref name="metric"/> whose labels include all of
    /// <paramref name="labels"/> (0 when there is none).
    /// </summary>
    public static double Sum(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        var wanted = labels.Select(l => $"{l.Name}=\"{l.Value}\"").ToList();
        double sum = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length || line[metric.Length] is not ('{' or ' ')) { continue; }
            var valueStart = line.LastIndexOf(' ');
            var labelPart = line[metric.Length..valueStart];
            if (wanted.All(w => labelPart.Contains(w, StringComparison.Ordinal)))
            {
                sum += double.Parse(line[(valueStart + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
