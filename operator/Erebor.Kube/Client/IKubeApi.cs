using Erebor.Kube.Entities;

namespace Erebor.Kube.Client;

public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch.</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch (a list of operations).</summary>
    Json,

    /// <summary>Server-side apply: the body is the full intent of one field manager.</summary>
    Apply,
}

public enum PropagationPolicy
{
    Background,
    Foreground,
    Orphan,
}

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
}

/// <summary>One change seen by a watch. For bookmarks only the object's resourceVersion is meaningful.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object);

/// <summary>Which objects a list or watch covers.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Page size for list calls; pages are followed with the continue token.</summary>
    public int PageSize { get; init; } = 500;
}

/// <summary>
/// The API server as the operator and agent see it. One implementation speaks HTTP
/// (<see cref="KubeApi"/>); tests of pure controller logic may use an in-memory one. Every method
/// takes the <see cref="ResourceType"/> explicitly, so typed objects and raw JSON
/// (<c>System.Text.Json.Nodes.JsonObject</c>) go through the same code.
/// </summary>
public interface IKubeApi
{
    /// <summary>The object, or null when it does not exist.</summary>
    Task<T?> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken ct = default)
        where T : class;

    /// <summary>All objects (following continue tokens) and the list's resourceVersion to watch from.</summary>
    Task<KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken ct = default);

    /// <summary>
    /// One watch connection from <paramref name="resourceVersion"/>, with bookmarks. Ends when the
    /// server closes it; throws <see cref="KubeApiException"/> with <c>IsGone</c> when the version
    /// is too old, so the caller must relist.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, string resourceVersion, ListOptions? options = null, TimeSpan? timeout = null, CancellationToken ct = default);

    Task<T> CreateAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class;

    /// <summary>PUT of the whole object (optimistic concurrency through metadata.resourceVersion).</summary>
    Task<T> ReplaceAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class;

    /// <summary>PUT of the status subresource.</summary>
    Task<T> ReplaceStatusAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class;

    Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string body, PatchOptions? options = null, CancellationToken ct = default)
        where T : class;

    /// <summary>Deletes; returns false when the object was already gone.</summary>
    Task<bool> DeleteAsync(ResourceType type, string? @namespace, string name, PropagationPolicy? propagation = null, CancellationToken ct = default);
}

public sealed record PatchOptions
{
    /// <summary>Patch the status subresource instead of the object.</summary>
    public bool Status { get; init; }

    /// <summary>Required for server-side apply; names the owner of the applied fields.</summary>
    public string? FieldManager { get; init; }

    /// <summary>Server-side apply: take fields over from other managers.</summary>
    public bool Force { get; init; }
}

/// <summary>Typed conveniences over <see cref="IKubeApi"/> for entity classes.</summary>
public static class KubeApiExtensions
{
    public static Task<T?> GetAsync<T>(this IKubeApi api, string? @namespace, string name, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.GetAsync<T>(ResourceType.For<T>(), @namespace, name, ct);

    public static Task<KubernetesList<T>> ListAsync<T>(this IKubeApi api, string? @namespace = null, ListOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.ListAsync<T>(ResourceType.For<T>(), @namespace, options, ct);

    public static Task<T> CreateAsync<T>(this IKubeApi api, T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.CreateAsync(ResourceType.For<T>(), WithTypeMeta(obj), ct);

    public static Task<T> ReplaceAsync<T>(this IKubeApi api, T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.ReplaceAsync(ResourceType.For<T>(), WithTypeMeta(obj), ct);

    public static Task<T> ReplaceStatusAsync<T>(this IKubeApi api, T obj, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.ReplaceStatusAsync(ResourceType.For<T>(), WithTypeMeta(obj), ct);

    public static Task<T> PatchAsync<T>(this IKubeApi api, string? @namespace, string name, PatchType patchType, string body, PatchOptions? options = null, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.PatchAsync<T>(ResourceType.For<T>(), @namespace, name, patchType, body, options, ct);

    /// <summary>Server-side apply of <paramref name="obj"/> as <paramref name="fieldManager"/>.</summary>
    public static Task<T> ApplyAsync<T>(this IKubeApi api, T obj, string fieldManager, bool force = true, CancellationToken ct = default)
        where T : class, IKubernetesObject =>
        api.PatchAsync<T>(ResourceType.For<T>(), obj.Metadata.Namespace, obj.Metadata.Name!, PatchType.Apply, KubeJson.Serialize(WithTypeMeta(obj)), new PatchOptions { FieldManager = fieldManager, Force = force }, ct);

    public static Task<bool> DeleteAsync<T>(this IKubeApi api, string? @namespace, string name, PropagationPolicy? propagation = null, CancellationToken ct = default)
        where T : class, IKubernetesObject => api.DeleteAsync(ResourceType.For<T>(), @namespace, name, propagation, ct);

    /// <summary>Fills apiVersion and kind from the entity attribute, so callers never spell them.</summary>
    public static T WithTypeMeta<T>(T obj)
        where T : IKubernetesObject
    {
        var type = ResourceType.For(obj.GetType());
        obj.ApiVersion = type.ApiVersion;
        obj.Kind = type.Kind;
        return obj;
    }
}
