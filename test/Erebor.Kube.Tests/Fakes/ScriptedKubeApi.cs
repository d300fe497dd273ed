using System.Net;
using System.Runtime.CompilerServices;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;

namespace Erebor.Kube.Tests.Fakes;

/// <summary>
/// An API server that plays back scripted list results and watch streams, and records what it was
/// asked: enough to test the informer's resume logic without a network.
/// </summary>
public sealed class ScriptedKubeApi : IKubeApi
{
    private readonly Queue<object> _lists = new();
    private readonly Queue<(IReadOnlyList<object> Events, Exception? End)> _watches = new();

    public List<string> WatchedFrom { get; } = [];
    public int ListCalls { get; private set; }

    /// <summary>Set when the script runs out: the informer's loop is parked here until cancelled.</summary>
    public TaskCompletionSource Exhausted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void EnqueueList<T>(string resourceVersion, params T[] items) =>
        _lists.Enqueue(new KubernetesList<T> { Items = [.. items], Metadata = new ListMeta { ResourceVersion = resourceVersion } });

    public void EnqueueWatch<T>(IEnumerable<WatchEvent<T>> events, Exception? endWith = null) =>
        _watches.Enqueue(([.. events.Cast<object>()], endWith));

    public static KubeApiException Gone() => new(HttpStatusCode.Gone, "Expired", "too old resource version");

    public Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken ct = default)
    {
        ListCalls++;
        return Task.FromResult((KubernetesList<T>)_lists.Dequeue());
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, string resourceVersion, ListOptions? options = null, TimeSpan? timeout = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        WatchedFrom.Add(resourceVersion);
        if (!_watches.TryDequeue(out var watch))
        {
            Exhausted.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            yield break;
        }

        foreach (var change in watch.Events) { yield return (WatchEvent<T>)change; }
        if (watch.End is not null) { throw watch.End; }
    }

    public Task<T?> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<T> CreateAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<T> ReplaceAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<T> ReplaceStatusAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string body, PatchOptions? options = null, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<bool> DeleteAsync(ResourceType type, string? @namespace, string name, PropagationPolicy? propagation = null, CancellationToken ct = default) =>
        throw new NotSupportedException();
}
