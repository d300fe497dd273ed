namespace Erebor.Metrics;

/// <summary>How an instrument's measurements combine into the one value a series exposes.</summary>
internal enum Aggregation
{
    /// <summary>Measurements are increments (Counter, UpDownCounter).</summary>
    Sum,

    /// <summary>Each measurement replaces the value (Gauge, and observables, which report running totals themselves).</summary>
    LastValue,

    /// <summary>Measurements are observations counted into buckets (Histogram).</summary>
    Histogram,
}

/// <summary>A consistent copy of one series, taken under its lock.</summary>
internal readonly record struct SeriesSnapshot(double Value, long[] BucketCounts, double Sum, long Count)
{
    /// <summary>Two instruments exported under one name and label set add up (Sum, Histogram) or the first one wins (LastValue).</summary>
    public SeriesSnapshot MergeWith(SeriesSnapshot other, Aggregation aggregation) => aggregation switch
    {
        Aggregation.Sum => this with { Value = Value + other.Value },
        Aggregation.Histogram => new SeriesSnapshot(
            0, [.. BucketCounts.Zip(other.BucketCounts, static (a, b) => a + b)], Sum + other.Sum, Count + other.Count),
        _ => this,
    };
}

/// <summary>
/// The running state of one instrument for one label set. A plain lock, because a histogram's
/// buckets, sum and count must change together or a scrape could see a count that disagrees
/// with its +Inf bucket; contention is per series, and recording holds it for a few instructions.
/// </summary>
internal sealed class MetricSeries(Aggregation aggregation, double[] bucketBounds)
{
    private readonly Lock _lock = new();
    private readonly long[] _bucketCounts = aggregation == Aggregation.Histogram ? new long[bucketBounds.Length + 1] : [];
    private double _value;
    private double _sum;
    private long _count;

    public void Record(double measurement)
    {
        lock (_lock)
        {
            switch (aggregation)
            {
                case Aggregation.Sum:
                    _value += measurement;
                    break;
                case Aggregation.LastValue:
                    _value = measurement;
                    break;
                case Aggregation.Histogram:
                    _bucketCounts[BucketIndex(measurement)]++;
                    _sum += measurement;
                    _count++;
                    break;
            }
        }
    }

    public SeriesSnapshot Snapshot()
    {
        lock (_lock)
        {
            return new SeriesSnapshot(_value, [.. _bucketCounts], _sum, _count);
        }
    }

    /// <summary>The first bucket whose upper bound is at least the measurement (Prometheus' "le"); the last slot is +Inf, which also takes NaN.</summary>
    private int BucketIndex(double measurement)
    {
        var index = Array.BinarySearch(bucketBounds, measurement);
        return index >= 0 ? index : ~index;
    }
}
