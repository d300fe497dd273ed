namespace Erebor.Bench.Protection;

/// <summary>
/// A timed process: wall time from start to exit, rate, and the process's own peak resident memory;
/// for repeated runs the median of each (time and memory separately), with every run's values kept.
/// </summary>
public sealed record Measured(double Seconds, double ObjectsPerSecond, long PeakRssBytes, IReadOnlyList<double>? SecondsEach = null, IReadOnlyList<long>? PeakRssBytesEach = null)
{
    public static Measured Of(int objects, TimeSpan elapsed, long peakRssBytes) =>
        new(elapsed.TotalSeconds, Rate(objects, elapsed.TotalSeconds), peakRssBytes);

    /// <summary>The median run: one run on a busy 2-core machine varied by a third in time and by 10 MiB in peak memory.</summary>
    public static Measured MedianOf(int objects, IReadOnlyList<(TimeSpan Elapsed, long PeakRssBytes)> runs)
    {
        if (runs.Count == 0) { throw new ArgumentException("no runs", nameof(runs)); }
        var seconds = runs.Select(r => r.Elapsed.TotalSeconds).ToList();
        var rss = runs.Select(r => r.PeakRssBytes).ToList();
        var median = Median(seconds);
        return new(median, Rate(objects, median), (long)Median(rss.Select(b => (double)b).ToList()), seconds, rss);
    }

    private static double Rate(int objects, double seconds) => seconds > 0 ? objects / seconds : 0;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

/// <summary>
/// One object count: the floor (<c>kubectl get -o json</c> of the same objects into a file), the
/// protect run into the bank and the restore run into a new namespace, each a separate process.
/// </summary>
public sealed record ProtectionRun(
    int Objects,
    double CreateSeconds,
    Measured KubectlGet,
    long KubectlGetBytes,
    Measured Protect,
    long BankBytes,
    int BankFiles,
    Measured Restore,
    int Restored,
    double ProtectToKubectlGet,
    double RestoreToKubectlGet,
    Measured? ProtectUnderHeapLimit = null,
    Measured? RestoreUnderHeapLimit = null);

/// <summary>The verdict over all object counts, against the targets.</summary>
public sealed record ProtectionVerdict(
    double ProtectToKubectlGetTarget,
    double WorstProtectToKubectlGet,
    bool ProtectWithinTarget,
    double MemoryGrowthTarget,
    double ProtectPeakRssGrowth,
    double RestorePeakRssGrowth,
    double KubectlGetPeakRssGrowth,
    bool MemoryFlat,
    double? ProtectPeakRssGrowthUnderHeapLimit = null,
    double? RestorePeakRssGrowthUnderHeapLimit = null,
    bool? MemoryFlatUnderHeapLimit = null);

public sealed record ProtectionBenchmarkResult(string Mix, string Bank, IReadOnlyList<ProtectionRun> Runs, ProtectionVerdict Verdict, Machine Machine);

public static class ProtectionResults
{
    /// <summary>The target: protect within 2x of <c>kubectl get -o json</c>.</summary>
    public const double ProtectToKubectlGetTarget = 2.0;

    /// <summary>
    /// "Memory flat as the object count grows": the largest run's peak RSS at most this much above
    /// the smallest run's (a runtime's baseline dominates; 10x the objects must not show).
    /// </summary>
    public const double MemoryGrowthTarget = 1.25;

    public static ProtectionRun Run(int objects, double createSeconds, Measured kubectlGet, long kubectlGetBytes, Measured protect, long bankBytes, int bankFiles, Measured restore, int restored,
        Measured? protectUnderHeapLimit = null, Measured? restoreUnderHeapLimit = null) =>
        new(objects, createSeconds, kubectlGet, kubectlGetBytes, protect, bankBytes, bankFiles, restore, restored,
            Ratio(protect.Seconds, kubectlGet.Seconds), Ratio(restore.Seconds, kubectlGet.Seconds), protectUnderHeapLimit, restoreUnderHeapLimit);

    /// <summary>Ratios and growth from the smallest to the largest object count.</summary>
    public static ProtectionVerdict Verdict(IReadOnlyList<ProtectionRun> runs)
    {
        if (runs.Count == 0) { throw new ArgumentException("no runs to judge", nameof(runs)); }
        var smallest = runs.MinBy(r => r.Objects)!;
        var largest = runs.MaxBy(r => r.Objects)!;
        var worst = runs.Max(r => r.ProtectToKubectlGet);
        var protectGrowth = Ratio(largest.Protect.PeakRssBytes, smallest.Protect.PeakRssBytes);
        var restoreGrowth = Ratio(largest.Restore.PeakRssBytes, smallest.Restore.PeakRssBytes);
        double? limitedProtectGrowth = largest.ProtectUnderHeapLimit is { } lp && smallest.ProtectUnderHeapLimit is { } sp ? Ratio(lp.PeakRssBytes, sp.PeakRssBytes) : null;
        double? limitedRestoreGrowth = largest.RestoreUnderHeapLimit is { } lr && smallest.RestoreUnderHeapLimit is { } sr ? Ratio(lr.PeakRssBytes, sr.PeakRssBytes) : null;
        return new ProtectionVerdict(
            ProtectToKubectlGetTarget, worst, worst <= ProtectToKubectlGetTarget,
            MemoryGrowthTarget, protectGrowth, restoreGrowth, Ratio(largest.KubectlGet.PeakRssBytes, smallest.KubectlGet.PeakRssBytes),
            protectGrowth <= MemoryGrowthTarget && restoreGrowth <= MemoryGrowthTarget,
            limitedProtectGrowth, limitedRestoreGrowth,
            limitedProtectGrowth is { } p && limitedRestoreGrowth is { } r ? p <= MemoryGrowthTarget && r <= MemoryGrowthTarget : null);
    }

    private static double Ratio(double numerator, double denominator) =>
        denominator > 0 ? Math.Round(numerator / denominator, 3) : throw new ArgumentException($"a ratio over {denominator}: a measurement is missing");
}
