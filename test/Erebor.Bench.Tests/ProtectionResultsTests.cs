using Erebor.Bench.Protection;

namespace Erebor.Bench.Tests;

public sealed class ProtectionResultsTests
{
    private const long MiB = 1024 * 1024;

    private static ProtectionRun Run(int objects, double kubectlSeconds, long kubectlRss, double protectSeconds, long protectRss, double restoreSeconds, long restoreRss) =>
        ProtectionResults.Run(objects, 1, Measured.Of(objects, TimeSpan.FromSeconds(kubectlSeconds), kubectlRss), 1000,
            Measured.Of(objects, TimeSpan.FromSeconds(protectSeconds), protectRss), 900, objects + 2,
            Measured.Of(objects, TimeSpan.FromSeconds(restoreSeconds), restoreRss), objects);

    [Fact]
    public void A_run_carries_its_rates_and_its_ratios_to_the_kubectl_floor()
    {
        var run = Run(1000, kubectlSeconds: 0.5, 90 * MiB, protectSeconds: 0.8, 100 * MiB, restoreSeconds: 2, 110 * MiB);
        run.Protect.ObjectsPerSecond.Should().Be(1250);
        run.KubectlGet.ObjectsPerSecond.Should().Be(2000);
        run.ProtectToKubectlGet.Should().Be(1.6);
        run.RestoreToKubectlGet.Should().Be(4);
    }

    [Fact]
    public void Repeated_runs_report_the_median_time_and_the_median_memory_each_on_its_own_and_keep_every_run()
    {
        var runs = new List<(TimeSpan, long)> { (TimeSpan.FromSeconds(9), 100 * MiB), (TimeSpan.FromSeconds(4), 130 * MiB), (TimeSpan.FromSeconds(5), 110 * MiB) };
        var median = Measured.MedianOf(10_000, runs);
        median.Seconds.Should().Be(5);
        median.ObjectsPerSecond.Should().Be(2000);
        median.PeakRssBytes.Should().Be(110 * MiB, "the memory median is not the fastest run's memory");
        median.SecondsEach.Should().Equal(9, 4, 5);
        median.PeakRssBytesEach.Should().Equal(100 * MiB, 130 * MiB, 110 * MiB);
        Measured.MedianOf(1, [(TimeSpan.FromSeconds(2), 10), (TimeSpan.FromSeconds(4), 30)]).Should().Match<Measured>(m => m.Seconds == 3 && m.PeakRssBytes == 20, "an even count averages the middle two");
    }

    [Fact]
    public void The_verdict_takes_the_worst_ratio_and_the_memory_growth_from_the_smallest_to_the_largest_count()
    {
        var verdict = ProtectionResults.Verdict([
            Run(10_000, 5, 500 * MiB, protectSeconds: 9, 110 * MiB, 20, 120 * MiB),
            Run(1000, 0.5, 90 * MiB, protectSeconds: 1.1, 100 * MiB, 2, 100 * MiB),
        ]);
        verdict.WorstProtectToKubectlGet.Should().Be(2.2, "1.1 s against 0.5 s at 1k is worse than 9 s against 5 s at 10k");
        verdict.ProtectWithinTarget.Should().BeFalse();
        verdict.ProtectPeakRssGrowth.Should().Be(1.1);
        verdict.RestorePeakRssGrowth.Should().Be(1.2);
        verdict.KubectlGetPeakRssGrowth.Should().Be(5.556);
        verdict.MemoryFlat.Should().BeTrue("10% and 20% more memory for 10x the objects");
    }

    [Fact]
    public void Memory_that_grows_with_the_objects_is_not_flat_and_a_run_within_twice_the_floor_meets_the_target()
    {
        var verdict = ProtectionResults.Verdict([
            Run(1000, 0.5, 90 * MiB, protectSeconds: 0.9, 100 * MiB, 2, 100 * MiB),
            Run(10_000, 5, 500 * MiB, protectSeconds: 10, 300 * MiB, 20, 100 * MiB),
        ]);
        verdict.ProtectWithinTarget.Should().BeTrue("exactly 2x at 10k is within 2x");
        verdict.ProtectPeakRssGrowth.Should().Be(3);
        verdict.MemoryFlat.Should().BeFalse();
    }

    [Fact]
    public void Runs_under_a_heap_limit_have_their_own_growth_and_verdict()
    {
        static ProtectionRun Limited(int objects, long protectRss, long restoreRss) =>
            Run(objects, 1, 90 * MiB, 1, 100 * MiB, 2, 100 * MiB) with
            {
                ProtectUnderHeapLimit = Measured.Of(objects, TimeSpan.FromSeconds(1), protectRss),
                RestoreUnderHeapLimit = Measured.Of(objects, TimeSpan.FromSeconds(2), restoreRss),
            };

        var flat = ProtectionResults.Verdict([Limited(1000, 80 * MiB, 80 * MiB), Limited(10_000, 88 * MiB, 96 * MiB)]);
        (flat.ProtectPeakRssGrowthUnderHeapLimit, flat.RestorePeakRssGrowthUnderHeapLimit, flat.MemoryFlatUnderHeapLimit).Should().Be((1.1, 1.2, true));
        ProtectionResults.Verdict([Limited(1000, 80 * MiB, 80 * MiB), Limited(10_000, 88 * MiB, 120 * MiB)]).MemoryFlatUnderHeapLimit.Should().BeFalse("restore grew 1.5x");
        ProtectionResults.Verdict([Run(1000, 1, 90 * MiB, 1, 100 * MiB, 2, 100 * MiB)]).MemoryFlatUnderHeapLimit.Should().BeNull("no limited runs, no verdict");
    }

    [Fact]
    public void A_missing_measurement_is_an_error_not_a_ratio() =>
        FluentActions.Invoking(() => Run(1000, 0.5, 90 * MiB, 1, 0, 2, 100 * MiB)).Should().NotThrow()
            .And.Subject.Invoking(_ => ProtectionResults.Verdict([Run(1000, 0.5, 90 * MiB, 1, 0, 2, 100 * MiB)]))
            .Should().Throw<ArgumentException>().WithMessage("*measurement is missing*");
}
