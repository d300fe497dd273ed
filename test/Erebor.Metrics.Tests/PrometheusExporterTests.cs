using System.Diagnostics.Metrics;
using System.Text;

namespace Erebor.Metrics.Tests;

public class PrometheusExporterTests
{
    [Fact]
    public void Renders_a_counter_with_help_type_and_labels()
    {
        using var test = new MeteredExporter();
        var reconciles = test.Meter.CreateCounter<long>("erebor_operator_reconciles", description: "Reconciles finished, by controller and result.");

        reconciles.Add(2, new("controller", "subnet"), new("result", "ok"));
        reconciles.Add(3, new("result", "ok"), new("controller", "subnet"));
        reconciles.Add(1, new("controller", "router"), new("result", "error"));

        test.Scrape().Should().Be(
            """
            # HELP erebor_operator_reconciles_total Reconciles finished, by controller and result.
            # TYPE erebor_operator_reconciles_total counter
            erebor_operator_reconciles_total{controller="router",result="error"} 1
            erebor_operator_reconciles_total{controller="subnet",result="ok"} 5

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Every_numeric_type_is_collected()
    {
        using var test = new MeteredExporter();

        test.Meter.CreateCounter<byte>("c_byte").Add(1);
        test.Meter.CreateCounter<short>("c_short").Add(2);
        test.Meter.CreateCounter<int>("c_int").Add(3);
        test.Meter.CreateCounter<long>("c_long").Add(4);
        test.Meter.CreateCounter<float>("c_float").Add(0.5f);
        test.Meter.CreateCounter<double>("c_double").Add(0.25);
        test.Meter.CreateCounter<decimal>("c_decimal").Add(1.125m);

        test.Samples().Should().Equal(
            "c_byte_total 1", "c_decimal_total 1.125", "c_double_total 0.25", "c_float_total 0.5", "c_int_total 3", "c_long_total 4", "c_short_total 2");
    }

    [Fact]
    public void A_series_without_tags_has_no_braces_and_tagless_and_tagged_series_coexist()
    {
        using var test = new MeteredExporter();
        var counter = test.Meter.CreateCounter<int>("erebor_events");

        counter.Add(1);
        counter.Add(1, new KeyValuePair<string, object?>("kind", "x"));

        test.Samples().Should().Equal("erebor_events_total 1", "erebor_events_total{kind=\"x\"} 1");
    }

    [Fact]
    public void Awkward_tags_are_sanitized_and_escaped()
    {
        using var test = new MeteredExporter();
        var counter = test.Meter.CreateCounter<int>("erebor_awkward");

        counter.Add(1, new("http.method", "GET"), new("path", "C:\\dir \"quoted\"\nnext"), new("9lives", null), new("ok", true), new("ratio", 0.5));

        test.Samples().Should().Equal(
            "erebor_awkward_total{_9lives=\"\",http_method=\"GET\",ok=\"true\",path=\"C:\\\\dir \\\"quoted\\\"\\nnext\",ratio=\"0.5\"} 1");
    }

    [Fact]
    public void Tags_that_sanitize_to_the_same_label_keep_one()
    {
        using var test = new MeteredExporter();

        test.Meter.CreateCounter<int>("erebor_clash").Add(1, new("a_b", "underscore"), new("a.b", "dot"));

        test.Samples().Should().Equal("erebor_clash_total{a_b=\"dot\"} 1");
    }

    [Fact]
    public void Up_down_counters_and_gauges_are_gauges()
    {
        using var test = new MeteredExporter();
        var inFlight = test.Meter.CreateUpDownCounter<int>("erebor_in_flight", description: "Requests in flight.");
        var temperature = test.Meter.CreateGauge<double>("erebor_temperature", unit: "Cel");

        inFlight.Add(3);
        inFlight.Add(-5);
        temperature.Record(21.5);
        temperature.Record(19);

        test.Scrape().Should().Be(
            """
            # HELP erebor_in_flight Requests in flight.
            # TYPE erebor_in_flight gauge
            erebor_in_flight -2
            # TYPE erebor_temperature_celsius gauge
            erebor_temperature_celsius 19

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Histograms_have_cumulative_buckets_with_the_default_bounds()
    {
        using var test = new MeteredExporter();
        var duration = test.Meter.CreateHistogram<double>("erebor_reconcile_duration", unit: "s", description: "Reconcile duration.");

        var observations = new[] { 0.003, 0.005, 0.3, 0.3, 7, 100 };
        var sum = 0.0;
        foreach (var seconds in observations)
        {
            duration.Record(seconds, new KeyValuePair<string, object?>("controller", "subnet"));
            sum += seconds;
        }

        // 0.005 lands in le="0.005": bounds are inclusive.
        test.Scrape().Should().Be(
            $$"""
            # HELP erebor_reconcile_duration_seconds Reconcile duration.
            # TYPE erebor_reconcile_duration_seconds histogram
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.005"} 2
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.01"} 2
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.025"} 2
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.05"} 2
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.1"} 2
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.25"} 2
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="0.5"} 4
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="1"} 4
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="2.5"} 4
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="5"} 4
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="10"} 5
            erebor_reconcile_duration_seconds_bucket{controller="subnet",le="+Inf"} 6
            erebor_reconcile_duration_seconds_sum{controller="subnet"} {{PrometheusNaming.FormatValue(sum)}}
            erebor_reconcile_duration_seconds_count{controller="subnet"} 6

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Histograms_use_advised_bucket_bounds()
    {
        using var test = new MeteredExporter();
        var batch = test.Meter.CreateHistogram<int>(
            "erebor_flow_batch", unit: "{flows}", description: null, tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 100] });

        batch.Record(1);
        batch.Record(50);
        batch.Record(5000);

        test.Samples().Should().Equal(
            "erebor_flow_batch_bucket{le=\"1\"} 1",
            "erebor_flow_batch_bucket{le=\"10\"} 1",
            "erebor_flow_batch_bucket{le=\"100\"} 2",
            "erebor_flow_batch_bucket{le=\"+Inf\"} 3",
            "erebor_flow_batch_sum 5051",
            "erebor_flow_batch_count 3");
    }

    [Fact]
    public void A_histogram_tag_named_le_does_not_clash_with_the_bucket_bound()
    {
        using var test = new MeteredExporter();
        var histogram = test.Meter.CreateHistogram<int>(
            "erebor_clashing", unit: null, description: null, tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1] });

        histogram.Record(1, new KeyValuePair<string, object?>("le", "mine"));

        test.Samples().Should().Equal(
            "erebor_clashing_bucket{_le=\"mine\",le=\"1\"} 1",
            "erebor_clashing_bucket{_le=\"mine\",le=\"+Inf\"} 1",
            "erebor_clashing_sum{_le=\"mine\"} 1",
            "erebor_clashing_count{_le=\"mine\"} 1");
    }

    [Fact]
    public void A_histogram_without_observations_is_not_rendered()
    {
        using var test = new MeteredExporter();
        test.Meter.CreateHistogram<double>("erebor_idle");

        test.Scrape().Should().BeEmpty();
    }

    [Fact]
    public void Observable_instruments_are_collected_on_scrape_and_forget_label_sets_they_stop_reporting()
    {
        using var test = new MeteredExporter();
        var nodes = new List<string> { "a", "b" };
        var calls = 0;
        test.Meter.CreateObservableCounter("erebor_agent_packet_ins", () => { calls++; return new Measurement<long>(10L * calls); }, unit: "{packets}");
        test.Meter.CreateObservableUpDownCounter("erebor_agent_leases", () => nodes.Select(n => new Measurement<int>(n.Length, new KeyValuePair<string, object?>("node", n))));
        test.Meter.CreateObservableGauge("erebor_agent_flows", () => new Measurement<double>(1.5), description: "Flows installed.");

        test.Samples().Should().Equal(
            "erebor_agent_flows 1.5",
            "erebor_agent_leases{node=\"a\"} 1",
            "erebor_agent_leases{node=\"b\"} 1",
            "erebor_agent_packet_ins_total 10");

        nodes.Remove("a");

        test.Samples().Should().Equal(
            "erebor_agent_flows 1.5",
            "erebor_agent_leases{node=\"b\"} 1",
            "erebor_agent_packet_ins_total 20");
        test.Scrape().Should().Contain("# TYPE erebor_agent_packet_ins_total counter\n").And.Contain("# TYPE erebor_agent_leases gauge\n");
    }

    [Fact]
    public void Help_text_is_escaped_and_left_out_when_there_is_no_description()
    {
        using var test = new MeteredExporter();
        test.Meter.CreateCounter<int>("erebor_described", description: "Path like C:\\x,\n\"quoted\".").Add(1);
        test.Meter.CreateCounter<int>("erebor_undescribed").Add(1);

        test.Scrape().Should().Be(
            """
            # HELP erebor_described_total Path like C:\\x,\n"quoted".
            # TYPE erebor_described_total counter
            erebor_described_total 1
            # TYPE erebor_undescribed_total counter
            erebor_undescribed_total 1

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Special_values_are_written_as_prometheus_spells_them()
    {
        using var test = new MeteredExporter();
        var gauge = test.Meter.CreateGauge<double>("erebor_special");

        gauge.Record(double.PositiveInfinity, new KeyValuePair<string, object?>("v", "pos"));
        gauge.Record(double.NegativeInfinity, new KeyValuePair<string, object?>("v", "neg"));
        gauge.Record(double.NaN, new KeyValuePair<string, object?>("v", "nan"));
        gauge.Record(1e-9, new KeyValuePair<string, object?>("v", "tiny"));

        test.Samples().Should().Equal(
            "erebor_special{v=\"nan\"} NaN", "erebor_special{v=\"neg\"} -Inf", "erebor_special{v=\"pos\"} +Inf", "erebor_special{v=\"tiny\"} 1E-09");
    }

    [Fact]
    public void Only_the_named_meters_are_exported()
    {
        using var test = new MeteredExporter();
        using var other = new Meter(test.MeterName + ".other");
        other.CreateCounter<int>("erebor_other").Add(1);
        test.Meter.CreateCounter<int>("erebor_mine").Add(1);

        test.Samples().Should().Equal("erebor_mine_total 1");
    }

    [Fact]
    public void Several_meters_can_be_exported_and_instruments_made_before_the_exporter_count()
    {
        var name = $"Erebor.Metrics.Tests.{Guid.NewGuid():N}";
        using var operatorMeter = new Meter(name + ".Operator");
        using var kubeMeter = new Meter(name + ".Kube");
        var early = operatorMeter.CreateCounter<int>("erebor_early");

        using var exporter = new PrometheusExporter(operatorMeter.Name, kubeMeter.Name);
        early.Add(1);
        kubeMeter.CreateCounter<int>("erebor_late").Add(2);

        exporter.Scrape().Should().Contain("erebor_early_total 1\n").And.Contain("erebor_late_total 2\n");
    }

    [Fact]
    public void Instruments_of_a_disposed_meter_disappear()
    {
        using var test = new MeteredExporter();
        using var second = new Meter(test.MeterName);
        test.Meter.CreateCounter<int>("erebor_kept").Add(1);
        second.CreateCounter<int>("erebor_gone").Add(1);

        second.Dispose();

        test.Samples().Should().Equal("erebor_kept_total 1");
    }

    [Fact]
    public void Instruments_sharing_a_name_merge_into_one_family_with_each_series_once()
    {
        using var test = new MeteredExporter();
        using var twin = new Meter(test.MeterName);
        test.Meter.CreateCounter<int>("erebor_requests", description: "Requests.").Add(1, new KeyValuePair<string, object?>("verb", "get"));
        twin.CreateCounter<long>("erebor_requests_total").Add(2, new KeyValuePair<string, object?>("verb", "get"));
        twin.CreateCounter<long>("erebor_requests_total").Add(4, new KeyValuePair<string, object?>("verb", "list"));
        twin.CreateGauge<int>("erebor_requests_total").Record(100);

        test.Scrape().Should().Be(
            """
            # HELP erebor_requests_total Requests.
            # TYPE erebor_requests_total counter
            erebor_requests_total{verb="get"} 3
            erebor_requests_total{verb="list"} 4

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Same_named_histograms_merge_when_their_buckets_agree()
    {
        using var test = new MeteredExporter();
        using var twin = new Meter(test.MeterName);
        test.Meter.CreateHistogram<double>("erebor_wait", unit: "s").Record(0.2);
        twin.CreateHistogram<double>("erebor_wait", unit: "s").Record(3);
        twin.CreateHistogram<double>("erebor_wait_seconds", unit: "s", description: null, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1] }).Record(9);

        test.Samples().Should().Contain(["erebor_wait_seconds_bucket{le=\"0.25\"} 1", "erebor_wait_seconds_bucket{le=\"+Inf\"} 2", "erebor_wait_seconds_sum 3.2", "erebor_wait_seconds_count 2"]);
    }

    [Fact]
    public async Task WriteAsync_writes_the_scrape_as_utf8_without_a_byte_order_mark()
    {
        using var test = new MeteredExporter();
        test.Meter.CreateCounter<int>("erebor_utf8").Add(1, new KeyValuePair<string, object?>("name", "ünï ✓"));
        using var stream = new MemoryStream();

        await test.Exporter.WriteAsync(stream, CancellationToken.None);

        stream.ToArray().Should().Equal(Encoding.UTF8.GetBytes(test.Scrape()));
        stream.ToArray()[0].Should().Be((byte)'#');
    }

    [Fact]
    public void Scraping_a_disposed_exporter_throws()
    {
        var test = new MeteredExporter();
        test.Dispose();

        FluentActions.Invoking(test.Scrape).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(test.Exporter.Dispose).Should().NotThrow();
    }
}
