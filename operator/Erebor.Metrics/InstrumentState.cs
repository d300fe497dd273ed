using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Erebor.Metrics;

/// <summary>One instrument's Prometheus identity (name, type, help, buckets) and its series by label set.</summary>
internal sealed class InstrumentState
{
    /// <summary>Prometheus client libraries' default buckets, in seconds: suited to request latencies.</summary>
    internal static readonly double[] DefaultBucketBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Dictionary<Type, (Aggregation Aggregation, string PrometheusType, bool IsObservable)> Kinds = new()
    {
        [typeof(Counter<>)] = (Aggregation.Sum, "counter", false),
        [typeof(UpDownCounter<>)] = (Aggregation.Sum, "gauge", false),
        [typeof(Histogram<>)] = (Aggregation.Histogram, "histogram", false),
        [typeof(Gauge<>)] = (Aggregation.LastValue, "gauge", false),
        [typeof(ObservableCounter<>)] = (Aggregation.LastValue, "counter", true),
        [typeof(ObservableUpDownCounter<>)] = (Aggregation.LastValue, "gauge", true),
        [typeof(ObservableGauge<>)] = (Aggregation.LastValue, "gauge", true),
    };

    /// <summary>Keyed by the rendered label text, which is canonical: labels sorted by name.</summary>
    private readonly ConcurrentDictionary<string, MetricSeries> _series = new(StringComparer.Ordinal);

    private InstrumentState(Instrument instrument, long publicationOrder, Aggregation aggregation, string prometheusType, bool isObservable, double[] bucketBounds)
    {
        Instrument = instrument;
        PublicationOrder = publicationOrder;
        Aggregation = aggregation;
        PrometheusType = prometheusType;
        IsObservable = isObservable;
        BucketBounds = bucketBounds;
        MetricName = PrometheusNaming.MetricName(instrument.Name, instrument.Unit, isCounter: prometheusType == "counter");
    }

    public Instrument Instrument { get; }

    /// <summary>Breaks ties between instruments of the same meter and name (e.g. a meter created twice).</summary>
    public long PublicationOrder { get; }

    public Aggregation Aggregation { get; }

    public string PrometheusType { get; }

    public bool IsObservable { get; }

    /// <summary>Upper bounds of the finite histogram buckets, ascending; +Inf is implicit.</summary>
    public double[] BucketBounds { get; }

    public string MetricName { get; }

    /// <summary>The state for a supported instrument kind, or null for kinds this exporter does not know.</summary>
    public static InstrumentState? TryCreate(Instrument instrument, long publicationOrder)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType || !Kinds.TryGetValue(type.GetGenericTypeDefinition(), out var kind)) { return null; }

        var bounds = kind.Aggregation == Aggregation.Histogram ? AdvisedBucketBounds(instrument) ?? DefaultBucketBounds : [];
        return new InstrumentState(instrument, publicationOrder, kind.Aggregation, kind.PrometheusType, kind.IsObservable, bounds);
    }

    public void Record(double measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = LabelText(tags, Aggregation == Aggregation.Histogram);
        var series = _series.GetOrAdd(labels, static (_, state) => new MetricSeries(state.Aggregation, state.BucketBounds), this);
        series.Record(measurement);
    }

    /// <summary>Forgets observable values before a collection, so that a label set its callback stopped reporting disappears.</summary>
    public void Clear() => _series.Clear();

    public IEnumerable<(string Labels, SeriesSnapshot Snapshot)> Snapshot() =>
        _series.Select(entry => (entry.Key, entry.Value.Snapshot()));

    /// <summary>
    /// Renders tags as Prometheus label text without braces, e.g. <c>node="a",result="ok"</c>, sorted by label name.
    /// Two tags that sanitize to the same label name keep the first in ordinal key order: Prometheus rejects duplicates.
    /// A histogram's own "le" tag becomes "_le", because "le" names the bucket bound there.
    /// </summary>
    private static string LabelText(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool isHistogram)
    {
        if (tags.IsEmpty) { return string.Empty; }

        var labels = new (string Name, string Key, object? Value)[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            var name = PrometheusNaming.LabelName(tags[i].Key);
            labels[i] = (isHistogram && name == "le" ? "_le" : name, tags[i].Key, tags[i].Value);
        }

        Array.Sort(labels, static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Key, b.Key);
        });

        var text = new StringBuilder();
        for (var i = 0; i < labels.Length; i++)
        {
            if (i > 0 && labels[i].Name == labels[i - 1].Name) { continue; }
            if (text.Length > 0) { text.Append(','); }
            text.Append(labels[i].Name).Append("=\"").Append(PrometheusNaming.EscapeLabelValue(PrometheusNaming.LabelValueText(labels[i].Value))).Append('"');
        }

        return text.ToString();
    }

    private static double[]? AdvisedBucketBounds(Instrument instrument)
    {
        var advised = instrument switch
        {
            Instrument<byte> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            Instrument<short> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            Instrument<int> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            Instrument<long> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            Instrument<float> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            Instrument<double> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            Instrument<decimal> typed => ToDoubles(typed.Advice?.HistogramBucketBoundaries),
            _ => null,
        };

        // The +Inf bucket is always there; an advised +Inf (or NaN) would only repeat it.
        return advised?.Where(double.IsFinite).Distinct().Order().ToArray();
    }

    private static IEnumerable<double>? ToDoubles<T>(IReadOnlyList<T>? bounds) where T : struct, IConvertible =>
        bounds?.Select(bound => bound.ToDouble(CultureInfo.InvariantCulture));
}
