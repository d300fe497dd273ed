using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Microsoft.Extensions.Logging;

namespace Erebor.Kube.Runtime;

public sealed record ControllerOptions
{
    public int Workers { get; init; } = 2;

    /// <summary>Every object is reconciled again this often, even without a change.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Metrics shared by every controller (label <c>controller</c> tells them apart).</summary>
internal static class ControllerMetrics
{
    public static readonly Meter Meter = new("Erebor.Kube.Runtime");
    public static readonly Counter<long> Reconciles = Meter.CreateCounter<long>("erebor_reconciles", description: "Reconciles by controller and result (success, requeue, error).");
    public static readonly Histogram<double> ReconcileSeconds = Meter.CreateHistogram<double>("erebor_reconcile_duration", unit: "s", description: "Time spent in one reconcile.");
    public static readonly ConcurrentDictionary<string, Func<int>> QueueDepths = new();

    static ControllerMetrics()
    {
        Meter.CreateObservableGauge("erebor_workqueue_depth", () => QueueDepths.Select(q => new Measurement<int>(q.Value(), new KeyValuePair<string, object?>("controller", q.Key))), description: "Objects waiting in a controller's work queue.");
    }
}

/// <summary>
/// Runs one <see cref="IEntityController{T}"/>: informer events become queue keys, workers take
/// keys, finalizers are attached to live objects and run for deleted ones, failures are retried
/// with backoff. Related kinds can feed the same queue through <see cref="Watch{TOther}"/>.
/// </summary>
public sealed class ControllerRunner<T> : IDisposable
    where T : class, IKubernetesObject
{
    private readonly IKubeApi _api;
    private readonly Informer<T> _informer;
    private readonly IEntityController<T> _controller;
    private readonly IReadOnlyList<IEntityFinalizer<T>> _finalizers;
    private readonly ControllerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, T> _tombstones = new();
    private readonly List<Func<CancellationToken, Task>> _syncs = [];

    public ControllerRunner(IKubeApi api, Informer<T> informer, IEntityController<T> controller, IEnumerable<IEntityFinalizer<T>> finalizers, ILogger logger, ControllerOptions? options = null)
    {
        _api = api;
        _informer = informer;
        _controller = controller;
        _finalizers = [.. finalizers];
        _options = options ?? new ControllerOptions();
        _logger = logger;
        Name = ResourceType.For<T>().Kind.ToLowerInvariant();
        Queue = new WorkQueue<string>();
        _informer.Changed += OnChanged;
        _syncs.Add(_informer.WaitForSyncAsync);
    }

    public string Name { get; }

    public WorkQueue<string> Queue { get; }

    public Informer<T> Informer => _informer;

    /// <summary>
    /// Reconciles the objects <paramref name="keysOf"/> names whenever a related object changes;
    /// workers start only once the related informer has synced too.
    /// </summary>
    public void Watch<TOther>(Informer<TOther> related, Func<TOther, IEnumerable<string>> keysOf)
        where TOther : class, IKubernetesObject =>
        WatchChanges(related, change => keysOf(change.Object));

    /// <summary>Like <see cref="Watch{TOther}"/>, for mappings that need the kind of change (e.g. a deletion).</summary>
    public void WatchChanges<TOther>(Informer<TOther> related, Func<InformerEvent<TOther>, IEnumerable<string>> keysOf)
        where TOther : class, IKubernetesObject
    {
        related.Changed += change =>
        {
            foreach (var key in keysOf(change)) { Queue.Add(key); }
        };
        _syncs.Add(related.WaitForSyncAsync);
    }

    /// <summary>
    /// Runs until cancelled; then stops taking work, lets running reconciles finish, and returns.
    /// The informers are run by the caller (several controllers share them).
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        ControllerMetrics.QueueDepths[Name] = () => Queue.Depth;
        try
        {
            await Task.WhenAll(_syncs.Select(sync => sync(ct)));
            _logger.LogInformation("Controller {Controller} synced {Count} objects; starting {Workers} workers", Name, _informer.List().Count, _options.Workers);
            var workers = Enumerable.Range(0, _options.Workers).Select(_ => WorkAsync(ct)).ToList();
            workers.Add(ResyncAsync(ct));
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            Queue.ShutDown();
            ControllerMetrics.QueueDepths.TryRemove(Name, out _);
        }
    }

    public void Dispose() => Queue.Dispose();

    private void OnChanged(InformerEvent<T> change)
    {
        var key = ObjectKey.Of(change.Object).ToString();
        if (change.Type == WatchEventType.Deleted) { _tombstones[key] = change.Object; }
        else { _tombstones.TryRemove(key, out _); }
        Queue.Add(key);
    }

    private async Task ResyncAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_options.ResyncPeriod);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                foreach (var item in _informer.List()) { Queue.Add(ObjectKey.Of(item).ToString()); }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string? key;
            try { key = await Queue.TakeAsync(ct); }
            catch (OperationCanceledException) { return; }
            if (key is null) { return; }

            var started = Stopwatch.GetTimestamp();
            var result = "success";
            try
            {
                var requeue = await ProcessAsync(key, CancellationToken.None); // a started reconcile finishes: graceful shutdown
                Queue.Forget(key);
                if (requeue is { } delay)
                {
                    result = "requeue";
                    Queue.AddAfter(key, delay);
                }
            }
            catch (Exception e)
            {
                result = "error";
                var delay = Queue.AddRateLimited(key);
                var conflict = e is KubeApiException { IsConflict: true };
                _logger.Log(conflict ? LogLevel.Debug : LogLevel.Warning, e, "Reconcile of {Controller} {Key} failed (attempt {Attempt}); retrying in {Delay} ms: {Error}", Name, key, Queue.Failures(key), (int)delay.TotalMilliseconds, e.Message);
            }
            finally
            {
                Queue.Done(key);
                var tags = new TagList { { "controller", Name }, { "result", result } };
                ControllerMetrics.Reconciles.Add(1, tags);
                ControllerMetrics.ReconcileSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("controller", Name));
            }
        }
    }

    /// <summary>One pass over one key; returns a requeue delay if one is wanted.</summary>
    private async Task<TimeSpan?> ProcessAsync(string key, CancellationToken ct)
    {
        var cached = _informer.Get(key);
        if (cached is null)
        {
            if (_tombstones.TryRemove(key, out var gone)) { await _controller.DeletedAsync(KubeJson.Clone(gone), ct); }
            return null;
        }

        var entity = KubeJson.Clone(cached);
        if (entity.Metadata.DeletionTimestamp is not null) { return await FinalizeAsync(entity, ct); }

        var missing = _finalizers.Select(f => f.Identifier).Where(id => !entity.Metadata.HasFinalizer(id)).ToList();
        if (missing.Count > 0)
        {
            // Finalizers first, so that nothing the reconcile creates can outlive the object unnoticed.
            entity = await SetFinalizersAsync(entity, [.. entity.Metadata.Finalizers ?? [], .. missing], ct);
        }

        return (await _controller.ReconcileAsync(entity, ct)).RequeueAfter;
    }

    private async Task<TimeSpan?> FinalizeAsync(T entity, CancellationToken ct)
    {
        foreach (var finalizer in _finalizers.Where(f => entity.Metadata.HasFinalizer(f.Identifier)))
        {
            var result = await finalizer.FinalizeAsync(entity, ct);
            if (!result.Released) { return result.RetryAfter; }
            entity = await SetFinalizersAsync(entity, [.. entity.Metadata.Finalizers!.Where(f => f != finalizer.Identifier)], ct);
            _logger.LogInformation("Finalizer {Finalizer} released {Controller} {Key}", finalizer.Identifier, Name, ObjectKey.Of(entity));
        }

        return null;
    }

    /// <summary>Writes the finalizer list, guarded by resourceVersion so a concurrent change is never lost.</summary>
    private Task<T> SetFinalizersAsync(T entity, List<string> finalizers, CancellationToken ct)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = entity.Metadata.ResourceVersion,
                ["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]),
            },
        };
        return _api.PatchAsync<T>(ResourceType.For<T>(), entity.Metadata.Namespace, entity.Metadata.Name!, PatchType.Merge, patch.ToJsonString(), null, ct);
    }
}
