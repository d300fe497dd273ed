namespace Erebor.Bench.Protection;

/// <summary>One timed process: wall time from start to exit, rate, and the process's own peak resident memory.</summary>
public sealed record Measured(double Seconds, double ObjectsPerSecond, long PeakRssBytes)
{
    public static Measured Of(int objects, TimeSpan elapsed, long peakRssBytes) =>
        new(elapsed.TotalSeconds, elapsed > TimeSpan.Zero ? objects / elapsed.TotalSeconds : 0, peakRssBytes);
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
    double RestoreToKubectlGet);

/// <summary>The verdict over all object counts, against the targets.</summary>
public sealed record ProtectionVerdict(
    double ProtectToKubectlGetTarget,
    double WorstProtectToKubectlGet,
    bool ProtectWithinTarget,
    double MemoryGrowthTarget,
    double ProtectPeakRssGrowth,
    double RestorePeakRssGrowth,
    double KubectlGetPeakRssGrowth,
    bool MemoryFlat);

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

    public static ProtectionRun Run(int objects, double createSeconds, Measured kubectlGet, long kubectlGetBytes, Measured protect, long bankBytes, int bankFiles, Measured restore, int restored) =>
        new(objects, createSeconds, kubectlGet, kubectlGetBytes, protect, bankBytes, bankFiles, restore, restored,
            Ratio(protect.Seconds, kubectlGet.Seconds), Ratio(restore.Seconds, kubectlGet.Seconds));

    /// <summary>Ratios and growth from the smallest to the largest object count.</summary>
    public static ProtectionVerdict Verdict(IReadOnlyList<ProtectionRun> runs)
    {
        if (runs.Count == 0) { throw new ArgumentException("no runs to judge", nameof(runs)); }
        var smallest = runs.MinBy(r => r.Objects)!;
        var largest = runs.MaxBy(r => r.Objects)!;
        var worst = runs.Max(r => r.ProtectToKubectlGet);
        var protectGrowth = Ratio(largest.Protect.PeakRssBytes, smallest.Protect.PeakRssBytes);
        var restoreGrowth = Ratio(largest.Restore.PeakRssBytes, smallest.Restore.PeakRssBytes);
        return new ProtectionVerdict(
            ProtectToKubectlGetTarget, worst, worst <= ProtectToKubectlGetTarget,
            MemoryGrowthTarget, protectGrowth, restoreGrowth, Ratio(largest.KubectlGet.PeakRssBytes, smallest.KubectlGet.PeakRssBytes),
            protectGrowth <= MemoryGrowthTarget && restoreGrowth <= MemoryGrowthTarget);
    }

    private static double Ratio(double numerator, double denominator) =>
        denominator > 0 ? Math.Round(numerator / denominator, 3) : throw new ArgumentException($"a ratio over {denominator}: a measurement is missing");
}
