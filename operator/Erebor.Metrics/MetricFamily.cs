using System.Text;

namespace Erebor.Metrics;

/// <summary>
/// All series exported under one metric name, written under a single HELP and TYPE, each label
/// set once. Several instruments can share a name (the same meter created twice, or "x" and
/// "x_total" both becoming "x_total"); they merge when Prometheus could hold them as one family.
/// </summary>
internal sealed class MetricFamily
{
    private readonly InstrumentState _first;
    private readonly SortedDictionary<string, SeriesSnapshot> _series = new(StringComparer.Ordinal);

    private MetricFamily(InstrumentState first)
    {
        _first = first;
    }

    /// <summary>Groups states (already in a deterministic order) into families sorted by name.</summary>
    public static IEnumerable<MetricFamily> Group(IEnumerable<InstrumentState> states)
    {
        var families = new SortedDictionary<string, MetricFamily>(StringComparer.Ordinal);
        foreach (var state in states)
        {
            if (!families.TryGetValue(state.MetricName, out var family))
            {
                families.Add(state.MetricName, family = new MetricFamily(state));
            }

            family.Add(state);
        }

        return families.Values.Where(family => family._series.Count > 0);
    }

    public void WriteTo(StringBuilder text)
    {
        var name = _first.MetricName;
        if (!string.IsNullOrEmpty(_first.Instrument.Description))
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(PrometheusNaming.EscapeHelp(_first.Instrument.Description)).Append('\n');
        }

        text.Append("# TYPE ").Append(name).Append(' ').Append(_first.PrometheusType).Append('\n');
        foreach (var (labels, snapshot) in _series)
        {
            if (_first.Aggregation == Aggregation.Histogram)
            {
                WriteHistogram(text, name, labels, snapshot);
            }
            else
            {
                WriteSample(text, name, labels, snapshot.Value);
            }
        }
    }

    /// <summary>
    /// Adds an instrument's series. One whose type or buckets differ from the family's first
    /// instrument is left out: Prometheus allows one type per name, and buckets cannot be merged.
    /// </summary>
    private void Add(InstrumentState state)
    {
        if (state.PrometheusType != _first.PrometheusType
            || state.Aggregation != _first.Aggregation
            || !state.BucketBounds.AsSpan().SequenceEqual(_first.BucketBounds))
        {
            return;
        }

        foreach (var (labels, snapshot) in state.Snapshot())
        {
            _series[labels] = _series.TryGetValue(labels, out var existing) ? existing.MergeWith(snapshot, state.Aggregation) : snapshot;
        }
    }

    private void WriteHistogram(StringBuilder text, string name, string labels, SeriesSnapshot snapshot)
    {
        var separator = labels.Length == 0 ? string.Empty : ",";
        long cumulative = 0;
        for (var i = 0; i < _first.BucketBounds.Length; i++)
        {
            cumulative += snapshot.BucketCounts[i];
            var bound = PrometheusNaming.FormatValue(_first.BucketBounds[i]);
            WriteSample(text, name + "_bucket", $"{labels}{separator}le=\"{bound}\"", cumulative);
        }

        WriteSample(text, name + "_bucket", $"{labels}{separator}le=\"+Inf\"", snapshot.Count);
        WriteSample(text, name + "_sum", labels, snapshot.Sum);
        WriteSample(text, name + "_count", labels, snapshot.Count);
    }

    private static void WriteSample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0) { text.Append('{').Append(labels).Append('}'); }
        text.Append(' ').Append(PrometheusNaming.FormatValue(value)).Append('\n');
    }
}
