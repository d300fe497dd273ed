namespace Erebor.Harness;

/// <summary>Percentiles of a set of latencies, in the samples' unit (nearest rank: the smallest sample with at least that fraction of all samples at or below it).</summary>
public sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Of(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToArray();
        if (sorted.Length == 0) { throw new ArgumentException("no samples to summarize", nameof(samples)); }
        return new LatencySummary(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99), sorted[^1]);
    }

    /// <summary>The nearest-rank percentile of ascending <paramref name="sorted"/>; <paramref name="fraction"/> in (0, 1].</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double fraction)
    {
        if (sorted.Count == 0) { throw new ArgumentException("no samples", nameof(sorted)); }
        if (fraction is <= 0 or > 1) { throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a fraction in (0, 1]"); }
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
