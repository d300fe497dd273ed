using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace Erebor.Metrics;

/// <summary>
/// Collects the instruments of the named meters and renders them in the Prometheus text
/// exposition format 0.0.4, the format every Prometheus server scrapes. Recording is lock-free
/// up to the series (one small lock per series); scrapes are serialized with each other.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly HashSet<string> _meterNames;
    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _scrapeLock = new();
    private long _publications;
    private bool _disposed;

    /// <param name="meterNames">Exact names of the meters to export, e.g. "Erebor.Operator".</param>
    public PrometheusExporter(params string[] meterNames)
    {
        _meterNames = new HashSet<string>(meterNames, StringComparer.Ordinal);
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out var _),
        };
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((InstrumentState)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Renders every exported series now, observable instruments included (their callbacks run here).</summary>
    public string Scrape()
    {
        lock (_scrapeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var states = _instruments.Values
                .OrderBy(state => state.Instrument.Meter.Name, StringComparer.Ordinal)
                .ThenBy(state => state.Instrument.Name, StringComparer.Ordinal)
                .ThenBy(state => state.PublicationOrder)
                .ToList();

            foreach (var state in states.Where(state => state.IsObservable)) { state.Clear(); }
            _listener.RecordObservableInstruments();

            var text = new StringBuilder();
            foreach (var family in MetricFamily.Group(states)) { family.WriteTo(text); }
            return text.ToString();
        }
    }

    /// <summary>Writes <see cref="Scrape"/>'s text as UTF-8 (no byte order mark).</summary>
    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        var bytes = Encoding.UTF8.GetBytes(Scrape());
        await destination.WriteAsync(bytes, cancellationToken);
    }

    public void Dispose()
    {
        lock (_scrapeLock)
        {
            if (_disposed) { return; }
            _disposed = true;
        }

        _listener.Dispose();
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_meterNames.Contains(instrument.Meter.Name)) { return; }
        if (InstrumentState.TryCreate(instrument, Interlocked.Increment(ref _publications)) is not { } state) { return; }

        _instruments[instrument] = state;
        listener.EnableMeasurementEvents(instrument, state);
    }
}
