using Erebor.Harness;

namespace Erebor.Bench.Tests;

/// <summary>The percentiles every benchmark reports (nearest rank).</summary>
public sealed class LatencySummaryTests
{
    [Fact]
    public void Percentiles_are_nearest_rank_over_unsorted_samples()
    {
        // 1..100 shuffled: the p-th percentile of 100 samples is the p-th smallest.
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).OrderBy(i => (i * 37) % 101).ToList();
        var summary = LatencySummary.Of(samples);
        summary.Should().Be(new LatencySummary(100, 50, 90, 99, 100));
    }

    [Theory]
    [InlineData(0.5, 2)]  // ceil(0.5 * 3) = 2nd smallest
    [InlineData(0.99, 3)] // ceil(2.97) = 3rd
    [InlineData(0.01, 1)] // ceil(0.03) = 1st
    [InlineData(1.0, 3)]
    public void A_percentile_of_few_samples_is_one_of_them(double fraction, double expected) =>
        LatencySummary.Percentile([1, 2, 3], fraction).Should().Be(expected);

    [Fact]
    public void No_samples_or_a_fraction_outside_zero_to_one_is_an_error()
    {
        FluentActions.Invoking(() => LatencySummary.Of([])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => LatencySummary.Percentile([1.0], 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => LatencySummary.Percentile([1.0], 1.5)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
