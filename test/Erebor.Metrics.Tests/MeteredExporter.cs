using System.Diagnostics.Metrics;

namespace Erebor.Metrics.Tests;

/// <summary>
/// A meter with a name of its own and an exporter listening to it: meter listeners are
/// process-wide, and tests run in parallel, so each test must only see its own instruments.
/// </summary>
internal sealed class MeteredExporter : IDisposable
{
    public MeteredExporter()
    {
        MeterName = $"Erebor.Metrics.Tests.{Guid.NewGuid():N}";
        Meter = new Meter(MeterName);
        Exporter = new PrometheusExporter(MeterName);
    }

    public string MeterName { get; }

    public Meter Meter { get; }

    public PrometheusExporter Exporter { get; }

    public string Scrape() => Exporter.Scrape();

    /// <summary>The scrape's sample lines (no comments), for asserting on values.</summary>
    public IReadOnlyList<string> Samples() =>
        Scrape().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith('#')).ToList();

    public void Dispose()
    {
        Exporter.Dispose();
        Meter.Dispose();
    }
}
