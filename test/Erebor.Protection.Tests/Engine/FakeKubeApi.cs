using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Tests.Engine;

/// <summary>
/// An API server in memory for executor tests (JsonObject only): create/get/replace/delete with
/// uids and resourceVersions, equality label selectors, pages, discovery of served types, and a
/// journal of writes so tests can check ordering. Safe for the parallel requests of a restore.
/// </summary>
public sealed class FakeKubeApi : IKubeApi, IKubeReader
{
    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Plurals (group/plural) the server serves; everything when null.</summary>
    public HashSet<string>? Served { get; set; }

    public List<string> Journal { get; } = [];

    public int PagesListed { get; private set; }

    public int MaxPageSize { get; private set; }

    private static string Path(ResourceType type, string? ns, string name) => $"{type.Group}/{type.Plural}/{(type.Namespaced ? ns : string.Empty)}/{name}";

    private bool IsServed(ResourceType type) => Served is null || Served.Contains($"{type.Group}/{type.Plural}");

    private void EnsureServed(ResourceType type)
    {
        if (!IsServed(type)) { throw new KubeApiException(HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({type.Plural})"); }
    }

    public Task<T?> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken ct = default)
        where T : class
    {
        lock (_objects)
        {
            EnsureServed(type);
            return Task.FromResult(_objects.TryGetValue(Path(type, @namespace, name), out var obj) ? (T?)(object)obj.DeepClone().AsObject() : null);
        }
    }

    public Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken ct = default) =>
        throw new NotSupportedException("the engine pages through IKubeReader");

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, string resourceVersion, ListOptions? options = null, TimeSpan? timeout = null, CancellationToken ct = default) =>
        throw new NotSupportedException();

    public Task<T> CreateAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class
    {
        lock (_objects)
        {
            EnsureServed(type);
            var json = ((JsonObject)(object)obj).DeepClone().AsObject();
            var meta = ObjectJson.Metadata(json);
            var path = Path(type, ObjectJson.Namespace(json), ObjectJson.Name(json));
            if (type.Namespaced && !_objects.ContainsKey(Path(Erebor.Protection.Plugins.KubeTypes.Namespace, null, ObjectJson.Namespace(json)!)))
            {
                throw new KubeApiException(HttpStatusCode.NotFound, "NotFound", $"namespaces \"{ObjectJson.Namespace(json)}\" not found");
            }

            if (_objects.ContainsKey(path)) { throw new KubeApiException(HttpStatusCode.Conflict, "AlreadyExists", $"{type.Plural} \"{ObjectJson.Name(json)}\" already exists"); }
            meta["uid"] = Guid.NewGuid().ToString();
            meta["resourceVersion"] = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
            json.Remove("status");
            _objects[path] = json;
            Journal.Add($"create {type.Kind} {ObjectJson.Namespace(json)}/{ObjectJson.Name(json)}");
            return Task.FromResult((T)(object)json.DeepClone().AsObject());
        }
    }

    public Task<T> ReplaceAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class
    {
        lock (_objects)
        {
            var json = ((JsonObject)(object)obj).DeepClone().AsObject();
            var path = Path(type, ObjectJson.Namespace(json), ObjectJson.Name(json));
            if (!_objects.TryGetValue(path, out var existing)) { throw new KubeApiException(HttpStatusCode.NotFound, "NotFound", "not found"); }
            if (ObjectJson.Str(json["metadata"]?["resourceVersion"]) != ObjectJson.Str(existing["metadata"]?["resourceVersion"]))
            {
                throw new KubeApiException(HttpStatusCode.Conflict, "Conflict", "the object has been modified");
            }

            json["metadata"]!["uid"] = existing["metadata"]!["uid"]!.DeepClone();
            json["metadata"]!["creationTimestamp"] = existing["metadata"]!["creationTimestamp"]!.DeepClone();
            json["metadata"]!["resourceVersion"] = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (existing["status"] is { } status) { json["status"] = status.DeepClone(); } else { json.Remove("status"); }
            _objects[path] = json;
            Journal.Add($"replace {type.Kind} {ObjectJson.Namespace(json)}/{ObjectJson.Name(json)}");
            return Task.FromResult((T)(object)json.DeepClone().AsObject());
        }
    }

    /// <summary>Test setup: puts an object as a server would hold it, status included.</summary>
    public JsonObject Seed(ResourceType type, JsonObject obj)
    {
        var status = obj["status"]?.DeepClone();
        var created = CreateAsync(type, obj).Result;
        if (status is not null) { _objects[Path(type, ObjectJson.Namespace(created), ObjectJson.Name(created))]["status"] = status; }
        Journal.Clear();
        return created;
    }

    public Task<T> ReplaceStatusAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string body, PatchOptions? options = null, CancellationToken ct = default)
        where T : class => throw new NotSupportedException();

    public Task<bool> DeleteAsync(ResourceType type, string? @namespace, string name, PropagationPolicy? propagation = null, CancellationToken ct = default)
    {
        lock (_objects)
        {
            Journal.Add($"delete {type.Kind} {@namespace}/{name}");
            return Task.FromResult(_objects.Remove(Path(type, @namespace, name)));
        }
    }

    private List<JsonObject> Select(ResourceType type, string? @namespace, string? labelSelector)
    {
        EnsureServed(type);
        var prefix = $"{type.Group}/{type.Plural}/{(type.Namespaced && @namespace is not null ? @namespace + "/" : string.Empty)}";
        var requirements = (labelSelector ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => r.Split('=', 2)).ToList();
        return _objects.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p.Value)
            .Where(o => requirements.All(r => ObjectJson.Str(o["metadata"]?["labels"]?[r[0]]) == r[1])).ToList();
    }

    public async IAsyncEnumerable<JsonObject> ListAsync(ResourceType type, string? @namespace, string? labelSelector, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        var all = Select(type, @namespace, labelSelector);
        MaxPageSize = Math.Max(MaxPageSize, pageSize);
        for (var i = 0; i < all.Count; i += pageSize)
        {
            PagesListed++;
            await Task.Yield();
            foreach (var obj in all.Skip(i).Take(pageSize))
            {
                var copy = obj.DeepClone().AsObject();
                copy.Remove("apiVersion");
                copy.Remove("kind"); // like built-in list items
                yield return KubeReader.WithTypeMeta(copy, type);
            }
        }
    }

    public Task<int> CountAsync(ResourceType type, string? @namespace, string? labelSelector, CancellationToken ct) =>
        Task.FromResult(Select(type, @namespace, labelSelector).Count);

    public Task<bool> ServesAsync(string group, string version, string plural, CancellationToken ct) =>
        Task.FromResult(Served is null || Served.Contains($"{group}/{plural}"));

    /// <summary>Only the built-in types: custom types are discovered against the real API server.</summary>
    public Task<ResourceType?> DiscoverAsync(string apiVersion, string kind, CancellationToken ct) => Task.FromResult<ResourceType?>(null);

    public IEnumerable<JsonObject> All(ResourceType type, string? @namespace = null) => Select(type, @namespace, null).Select(o => o.DeepClone().AsObject());
}
