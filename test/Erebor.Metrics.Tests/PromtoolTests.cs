using System.Diagnostics.Metrics;

using Erebor.Harness.Processes;

namespace Erebor.Metrics.Tests;

/// <summary>Checks a scrape with the real parser and linter Prometheus ships: promtool (Debian package prometheus).</summary>
public class PromtoolTests
{
    private const string Promtool = "/usr/bin/promtool";

    [Fact]
    public async Task A_scrape_of_every_instrument_kind_passes_promtool_check_metrics_without_lint_warnings()
    {
        File.Exists(Promtool).Should().BeTrue($"{Promtool} is needed for this test (apt-get install prometheus)");
        using var test = new MeteredExporter();
        var meter = test.Meter;
        KeyValuePair<string, object?>[] awkward =
        [
            new("path", "C:\\dir \"quoted\"\nnext line"),
            new("http.method", "GET"),
            new("k8s-namespace", "ünïcødé ✓ {},="),
            new("empty", string.Empty),
            new("missing", null),
        ];

        meter.CreateCounter<long>("erebor_test_reconciles", description: "Reconciles \"finished\",\nby result \\ controller.").Add(3, awkward);
        meter.CreateCounter<double>("erebor_test_bank_written", unit: "By", description: "Bytes written to the bank.").Add(1.5e9);
        meter.CreateCounter<int>("erebor_test_packet_ins", unit: "{packets}", description: "PACKET_IN messages.").Add(5, new KeyValuePair<string, object?>("app", "dhcp"));
        meter.CreateUpDownCounter<int>("erebor_test_in_flight_requests", description: "Requests in flight.").Add(-2);
        meter.CreateGauge<double>("erebor_test_temperature", unit: "Cel", description: "A gauge.").Record(double.NaN);
        meter.CreateGauge<float>("erebor_test_limit", description: "An infinite gauge.").Record(float.PositiveInfinity, awkward);
        var duration = meter.CreateHistogram<double>("erebor_test_reconcile_duration", unit: "s", description: "Reconcile duration.");
        duration.Record(0.004, awkward);
        duration.Record(42, awkward);
        duration.Record(0.2);
        duration.Record(0.5, new KeyValuePair<string, object?>("le", "a tag, not a bound"));
        meter.CreateHistogram<long>(
                "erebor_test_flow_batch", unit: "{flows}", description: "Flows per bundle.", tags: null,
                advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 10, 100, 1000] })
            .Record(250, new KeyValuePair<string, object?>("table", 40));
        meter.CreateHistogram<decimal>("erebor_test_payload", unit: "By", description: "Payload sizes.").Record(1.25m);
        meter.CreateObservableCounter("erebor_test_cpu", () => new Measurement<double>(12.5), unit: "s", description: "CPU time.");
        meter.CreateObservableUpDownCounter("erebor_test_leases", () => new Measurement<int>(9, awkward), description: "Active leases.");
        meter.CreateObservableGauge("erebor_test_flows", () => new Measurement<long>(1234), description: "Flows installed.");
        meter.CreateObservableGauge("erebor_test_link_speed", () => new Measurement<short>(100), unit: "By/s", description: "A rate.");
        var scrape = test.Scrape();

        var result = await ProcessRunner.RunAsync(Promtool, ["check", "metrics"], new ProcessOptions { StandardInput = scrape });

        result.ExitCode.Should().Be(0, $"promtool said:\n{result.StdOut}{result.StdErr}\nabout:\n{scrape}");
        (result.StdOut + result.StdErr).Should().BeEmpty($"promtool should not print lint warnings about:\n{scrape}");
        foreach (var family in new[]
        {
            "erebor_test_reconciles_total counter", "erebor_test_bank_written_bytes_total counter", "erebor_test_packet_ins_total counter",
            "erebor_test_in_flight_requests gauge", "erebor_test_temperature_celsius gauge", "erebor_test_limit gauge",
            "erebor_test_reconcile_duration_seconds histogram", "erebor_test_flow_batch histogram", "erebor_test_payload_bytes histogram",
            "erebor_test_cpu_seconds_total counter", "erebor_test_leases gauge", "erebor_test_flows gauge", "erebor_test_link_speed_bytes_per_second gauge",
        })
        {
            scrape.Should().Contain($"# TYPE {family}\n");
        }
    }

    [Fact]
    public async Task Promtool_does_catch_a_broken_exposition()
    {
        // Guards the test above against a promtool that accepts anything.
        var result = await ProcessRunner.RunAsync(Promtool, ["check", "metrics"], new ProcessOptions { StandardInput = "# TYPE x counter\nx{a=\"unterminated} 1\n" });

        result.ExitCode.Should().NotBe(0);
    }
}
