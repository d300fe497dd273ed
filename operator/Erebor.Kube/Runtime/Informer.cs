using System.Collections.Concurrent;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Erebor.Kube.Runtime;

/// <summary>A change the informer applied to its cache.</summary>
public sealed record InformerEvent<T>(WatchEventType Type, T Object);

/// <summary>
/// Keeps a local cache of one kind in sync with the API server: list, then watch from the list's
/// resourceVersion; on a closed watch resume from the last version seen (bookmarks included); on
/// 410 Gone relist and diff against the cache so that no change is missed; on connection errors
/// retry with capped exponential backoff. Handlers see every change exactly as the cache applies it.
/// </summary>
public sealed class Informer<T>
    where T : class, IKubernetesObject
{
    private readonly IKubeApi _api;
    private readonly ResourceType _type;
    private readonly string? _namespace;
    private readonly ListOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, T> _cache = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Informer(IKubeApi api, string? @namespace = null, ListOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        _api = api;
        _type = ResourceType.For<T>();
        _namespace = @namespace;
        _options = options ?? new ListOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Called for every change applied to the cache, on the informer's loop.</summary>
    public event Action<InformerEvent<T>>? Changed;

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the informer will resume from (null before the first list).</summary>
    public string? LastResourceVersion { get; private set; }

    /// <summary>How many times the informer had to relist after its first list (410 Gone).</summary>
    public int Relists { get; private set; }

    /// <summary>How long the watch may stay open before it is renewed; the server also ends it.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    /// <summary>The cached object (shared: do not mutate; clone first).</summary>
    public T? Get(string key) => _cache.GetValueOrDefault(key);

    public IReadOnlyList<T> List() => [.. _cache.Values];

    /// <summary>Runs until <paramref name="ct"/> is cancelled, then returns (without throwing).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (LastResourceVersion is null) { await RelistAsync(ct); }
                await foreach (var change in _api.WatchAsync<T>(_type, _namespace, LastResourceVersion!, _options, WatchTimeout, ct))
                {
                    failures = 0;
                    Apply(change);
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                _logger.LogInformation("Watch of {Kind} from resourceVersion {ResourceVersion} expired; relisting", _type.Kind, LastResourceVersion);
                LastResourceVersion = null;
                Relists++;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var delay = Backoff(failures++);
                _logger.LogWarning("Watch of {Kind} failed ({Error}); retrying in {Delay} ms from resourceVersion {ResourceVersion}", _type.Kind, e.Message, (int)delay.TotalMilliseconds, LastResourceVersion ?? "(relist)");
                await Task.Delay(delay, _time, ct).ContinueWith(_ => { }, CancellationToken.None);
            }
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 20))));

    /// <summary>Lists everything and turns the difference from the cache into events, as if watched.</summary>
    private async Task RelistAsync(CancellationToken ct)
    {
        var list = await _api.ListAsync<T>(_type, _namespace, _options, ct);
        var seen = new HashSet<string>();
        foreach (var item in list.Items)
        {
            var key = ObjectKey.Of(item).ToString();
            seen.Add(key);
            if (_cache.TryGetValue(key, out var cached) && cached.Metadata.ResourceVersion == item.Metadata.ResourceVersion) { continue; }
            _cache[key] = item;
            Changed?.Invoke(new InformerEvent<T>(cached is null ? WatchEventType.Added : WatchEventType.Modified, item));
        }

        foreach (var (key, gone) in _cache.Where(entry => !seen.Contains(entry.Key)).ToList())
        {
            _cache.TryRemove(key, out _);
            Changed?.Invoke(new InformerEvent<T>(WatchEventType.Deleted, gone));
        }

        LastResourceVersion = list.Metadata.ResourceVersion ?? throw new InvalidOperationException($"list of {_type.Plural} returned no resourceVersion");
        _synced.TrySetResult();
    }

    private void Apply(WatchEvent<T> change)
    {
        LastResourceVersion = change.Object.Metadata.ResourceVersion ?? LastResourceVersion;
        if (change.Type == WatchEventType.Bookmark) { return; }
        var key = ObjectKey.Of(change.Object).ToString();
        if (change.Type == WatchEventType.Deleted) { _cache.TryRemove(key, out _); }
        else { _cache[key] = change.Object; }
        Changed?.Invoke(new InformerEvent<T>(change.Type, change.Object));
    }
}
