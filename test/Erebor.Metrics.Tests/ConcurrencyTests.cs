using System.Globalization;
using System.Text.RegularExpressions;

namespace Erebor.Metrics.Tests;

public partial class ConcurrencyTests
{
    [Fact]
    public async Task Concurrent_recording_loses_nothing_and_every_scrape_is_consistent()
    {
        using var test = new MeteredExporter();
        var counter = test.Meter.CreateCounter<long>("erebor_hits");
        var histogram = test.Meter.CreateHistogram<double>("erebor_latency", unit: "s");
        const int Writers = 8;
        const int PerWriter = 20_000;
        using var writersDone = new CancellationTokenSource();

        var scraper = Task.Run(() =>
        {
            var scrapes = 0;
            while (!writersDone.IsCancellationRequested || scrapes == 0)
            {
                AssertHistogramConsistent(test.Scrape());
                scrapes++;
            }

            return scrapes;
        });
        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(() =>
        {
            var tags = new KeyValuePair<string, object?>("writer", writer % 2 == 0 ? "even" : "odd");
            for (var i = 0; i < PerWriter; i++)
            {
                counter.Add(1, tags);
                histogram.Record(i % 3 == 0 ? 0.01 : 3, tags);
            }
        })).ToArray();

        await Task.WhenAll(writers);
        await writersDone.CancelAsync();
        var scrapes = await scraper;

        var samples = test.Samples();
        var half = Writers / 2 * PerWriter;
        samples.Should().Contain($"erebor_hits_total{{writer=\"even\"}} {half}").And.Contain($"erebor_hits_total{{writer=\"odd\"}} {half}");
        samples.Should().Contain($"erebor_latency_seconds_count{{writer=\"even\"}} {half}");
        AssertHistogramConsistent(test.Scrape());
        scrapes.Should().BePositive();
    }

    /// <summary>Within each histogram series, buckets never decrease and +Inf equals _count.</summary>
    private static void AssertHistogramConsistent(string scrape)
    {
        var bySeries = new Dictionary<string, List<double>>();
        var counts = new Dictionary<string, double>();
        foreach (Match match in HistogramLine().Matches(scrape))
        {
            var series = match.Groups["labels"].Value;
            var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            if (match.Groups["suffix"].Value == "count")
            {
                counts[series] = value;
                continue;
            }

            if (!bySeries.TryGetValue(series, out var buckets)) { bySeries[series] = buckets = []; }
            buckets.Add(value);
        }

        foreach (var (series, buckets) in bySeries)
        {
            buckets.Should().BeInAscendingOrder($"buckets of {series} are cumulative");
            buckets[^1].Should().Be(counts[series], $"+Inf of {series} is its count");
        }
    }

    [GeneratedRegex("""^erebor_latency_seconds_(?<suffix>bucket|count)\{(?<labels>writer="\w+")(,le="[^"]+")?\} (?<value>\S+)$""", RegexOptions.Multiline)]
    private static partial Regex HistogramLine();
}
