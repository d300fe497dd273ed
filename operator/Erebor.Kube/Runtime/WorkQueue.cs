namespace Erebor.Kube.Runtime;

/// <summary>
/// A work queue in the shape of client-go's: an item queued several times before a worker takes
/// it is processed once; an item is never processed by two workers at once (re-adds while it is
/// processed are held until <see cref="Done"/>); failures are retried with per-item exponential
/// backoff until <see cref="Forget"/>.
/// </summary>
public sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly object _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly Dictionary<T, (DateTimeOffset Due, ITimer Timer)> _delayed = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private bool _shutDown;

    public WorkQueue(TimeProvider? time = null, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _time = time ?? TimeProvider.System;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(50);
        _maxDelay = maxDelay ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>Items waiting to be taken (not those being processed or waiting for a delay).</summary>
    public int Depth
    {
        get { lock (_lock) { return _queue.Count; } }
    }

    public void Add(T item)
    {
        lock (_lock)
        {
            if (_shutDown || !_dirty.Add(item)) { return; }
            if (_delayed.Remove(item, out var pending)) { pending.Timer.Dispose(); }
            if (_processing.Contains(item)) { return; }
            _queue.Enqueue(item);
        }

        _available.Release();
    }

    /// <summary>Adds the item after <paramref name="delay"/>; an earlier pending add wins over a later one.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero) { Add(item); return; }
        lock (_lock)
        {
            if (_shutDown) { return; }
            var due = _time.GetUtcNow() + delay;
            if (_delayed.TryGetValue(item, out var existing))
            {
                if (existing.Due <= due) { return; }
                existing.Timer.Dispose();
            }

            var timer = _time.CreateTimer(_ => FireDelayed(item, due), null, delay, Timeout.InfiniteTimeSpan);
            _delayed[item] = (due, timer);
        }
    }

    /// <summary>Re-adds a failed item after its next backoff: base * 2^failures, capped.</summary>
    public TimeSpan AddRateLimited(T item)
    {
        TimeSpan delay;
        lock (_lock)
        {
            var failures = _failures.GetValueOrDefault(item);
            _failures[item] = failures + 1;
            delay = BackoffFor(failures);
        }

        AddAfter(item, delay);
        return delay;
    }

    /// <summary>How many times the item has failed since it was last forgotten.</summary>
    public int Failures(T item)
    {
        lock (_lock) { return _failures.GetValueOrDefault(item); }
    }

    /// <summary>Clears the item's failure history after a success.</summary>
    public void Forget(T item)
    {
        lock (_lock) { _failures.Remove(item); }
    }

    /// <summary>Waits for the next item; null once the queue is shut down.</summary>
    public async Task<T?> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            await _available.WaitAsync(ct);
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    if (_shutDown) { _available.Release(); return default; }
                    continue;
                }

                var item = _queue.Dequeue();
                _dirty.Remove(item);
                _processing.Add(item);
                return item;
            }
        }
    }

    /// <summary>Marks the item processed; if it was added meanwhile, it is queued again now.</summary>
    public void Done(T item)
    {
        var requeued = false;
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item) && !_shutDown)
            {
                _queue.Enqueue(item);
                requeued = true;
            }
        }

        if (requeued) { _available.Release(); }
    }

    public void ShutDown()
    {
        lock (_lock)
        {
            _shutDown = true;
            foreach (var (_, pending) in _delayed) { pending.Timer.Dispose(); }
            _delayed.Clear();
        }

        _available.Release();
    }

    public void Dispose()
    {
        ShutDown();
        _available.Dispose();
    }

    internal TimeSpan BackoffFor(int failures)
    {
        var ticks = _baseDelay.Ticks * Math.Pow(2, Math.Min(failures, 30));
        return ticks >= _maxDelay.Ticks ? _maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    private void FireDelayed(T item, DateTimeOffset due)
    {
        lock (_lock)
        {
            if (!_delayed.TryGetValue(item, out var pending) || pending.Due != due) { return; }
            _delayed.Remove(item);
            pending.Timer.Dispose();
        }

        Add(item);
    }
}
