using System.Diagnostics.Metrics;
using Erebor.Harness.Prometheus;

namespace Erebor.Metrics.Tests;

/// <summary>The harness reads our own scrapes back: the two must agree on names, labels and values.</summary>
public sealed class ExpositionTests
{
    [Fact]
    public void Sum_adds_the_samples_whose_labels_match_and_ignores_longer_metric_names()
    {
        using var meter = new Meter("Erebor.Test.Exposition");
        using var exporter = new PrometheusExporter("Erebor.Test.Exposition");
        var counter = meter.CreateCounter<long>("erebor_test_packets", description: "packets");
        var other = meter.CreateCounter<long>("erebor_test_packets_extra", description: "not the same metric");
        counter.Add(3, new KeyValuePair<string, object?>("app", "dhcp"), new KeyValuePair<string, object?>("scope", "port"));
        counter.Add(4, new KeyValuePair<string, object?>("app", "dhcp"), new KeyValuePair<string, object?>("scope", "app"));
        counter.Add(5, new KeyValuePair<string, object?>("app", "l3"), new KeyValuePair<string, object?>("scope", "app"));
        other.Add(100);

        var scrape = exporter.Scrape();

        Exposition.Sum(scrape, "erebor_test_packets_total").Should().Be(12);
        Exposition.Sum(scrape, "erebor_test_packets_total", ("app", "dhcp")).Should().Be(7);
        Exposition.Sum(scrape, "erebor_test_packets_total", ("app", "dhcp"), ("scope", "port")).Should().Be(3);
        Exposition.Sum(scrape, "erebor_test_packets_total", ("app", "nope")).Should().Be(0);
        Exposition.Sum(scrape, "erebor_test_packets_extra_total").Should().Be(100);
    }
}
