using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Plugins;

/// <summary>
/// The behaviour every plugin shares; a type's plugin overrides the hooks it needs.
/// <para>Normalisation removes, for every type: metadata.uid, resourceVersion, generation,
/// creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, managedFields, selfLink,
/// ownerReferences, finalizers, and status.</para>
/// <para>ownerReferences are dropped on purpose: they name owners by uid, and the uids of a restored
/// owner are new. Restored with a dangling owner uid, an object is deleted by the garbage collector
/// at once; so a protected object is restored as an orphan, and a controller that adopts by
/// selector (ReplicaSets, Pods) adopts it again. Children that controllers generate (ReplicaSets,
/// Pods, Endpoints) have no plugin: their owners recreate them.</para>
/// <para>finalizers are dropped because they are a protocol between a live object and the
/// controller that added it; that controller adds them again to the restored object (a restored
/// finalizer whose controller does not run would make the object undeletable).</para>
/// </summary>
public abstract class ResourcePlugin : IResourcePlugin
{
    /// <summary>The annotation prefix Erebor uses for its own bookkeeping on stored objects.</summary>
    public const string AnnotationPrefix = "protection.erebor.io/";

    /// <summary>How the message of an object skipped by the Skip conflict policy starts: it exists (differently), it is not missing.</summary>
    public const string ConflictSkipped = "exists and differs (conflict policy Skip)";

    private static readonly string[] ServerMetadata =
    [
        "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "managedFields", "selfLink", "ownerReferences", "finalizers",
    ];

    protected ResourcePlugin(ResourceType type, IEnumerable<ResourceType>? dependsOn = null, bool encrypt = false)
    {
        Type = type;
        var deps = (dependsOn ?? []).ToList();
        if (type.Namespaced && !deps.Contains(KubeTypes.Namespace)) { deps.Insert(0, KubeTypes.Namespace); }
        DependsOn = deps;
        Encrypt = encrypt;
    }

    public ResourceType Type { get; }

    public string Id => IdOf(Type);

    public IReadOnlyList<ResourceType> DependsOn { get; }

    public bool Encrypt { get; }

    /// <summary>"v1/ConfigMap" for the core group, "group/Kind" otherwise.</summary>
    public static string IdOf(ResourceType type) => type.Group.Length == 0 ? $"{type.Version}/{type.Kind}" : $"{type.Group}/{type.Kind}";

    public static string GroupOf(string apiVersion) => apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : string.Empty;

    /// <summary>Whether a key (from a selection or an index) is of this plugin's type (any version of the group).</summary>
    public bool Handles(ResourceKey key) => key.Kind == Type.Kind && GroupOf(key.ApiVersion) == Type.Group;

    public ResourceKey KeyOf(JsonObject obj) => new(Type.ApiVersion, Type.Kind, Type.Namespaced ? ObjectJson.Namespace(obj) : null, ObjectJson.Name(obj));

    // ---- protect ----

    public virtual async Task<int> CountAsync(PluginContext context, ProtectionSelection selection, CancellationToken ct)
    {
        var count = selection.ExplicitResources.Count(Handles);
        if (Type.Namespaced)
        {
            foreach (var ns in selection.Namespaces) { count += await context.Reader.CountAsync(Type, ns, selection.LabelSelector, ct); }
        }

        return count;
    }

    public virtual async IAsyncEnumerable<ListedObject> ListAsync(PluginContext context, ProtectionSelection selection, [EnumeratorCancellation] CancellationToken ct)
    {
        var named = new HashSet<(string?, string)>();
        foreach (var key in selection.ExplicitResources.Where(Handles))
        {
            var ns = Type.Namespaced ? key.Namespace : null;
            if (!named.Add((ns, key.Name))) { continue; }
            var obj = await context.Api.GetAsync<JsonObject>(Type, ns, key.Name, ct);
            yield return new ListedObject(new ResourceKey(Type.ApiVersion, Type.Kind, ns, key.Name), obj is null ? null : KubeReader.WithTypeMeta(obj, Type));
        }

        if (!Type.Namespaced) { yield break; }
        foreach (var ns in selection.Namespaces)
        {
            await foreach (var obj in context.Reader.ListAsync(Type, ns, selection.LabelSelector, context.PageSize, ct))
            {
                var key = KeyOf(obj);
                if (named.Contains((key.Namespace, key.Name))) { continue; }
                yield return new ListedObject(key, obj);
            }
        }
    }

    public virtual string? SkipReason(JsonObject live) => null;

    public JsonObject Normalize(JsonObject live)
    {
        var copy = live.DeepClone().AsObject();
        var meta = ObjectJson.Metadata(copy);
        foreach (var field in ServerMetadata) { meta.Remove(field); }
        copy.Remove("status");
        NormalizeType(copy);
        ObjectJson.RemoveEntries(meta, "annotations", _ => false); // drops an empty map
        ObjectJson.RemoveEntries(meta, "labels", _ => false);
        return copy;
    }

    /// <summary>Per-type stripping on a copy that is already without server metadata and status.</summary>
    protected virtual void NormalizeType(JsonObject obj)
    {
    }

    public IEnumerable<ResourceKey> DependenciesOf(JsonObject normalized)
    {
        var ns = Type.Namespaced ? ObjectJson.Namespace(normalized) : null;
        var keys = new List<ResourceKey>();
        if (ns is not null) { keys.Add(new ResourceKey("v1", "Namespace", null, ns)); }
        keys.AddRange(ReferencesOf(normalized, ns));
        return keys.Distinct();
    }

    /// <summary>Objects this one names (besides its namespace).</summary>
    protected virtual IEnumerable<ResourceKey> ReferencesOf(JsonObject obj, string? ns) => [];

    public virtual Task<IReadOnlyList<ResourceResult>> ProtectExtrasAsync(PluginContext context, JsonObject live, JsonObject normalized, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ResourceResult>>([]);

    // ---- restore ----

    public JsonObject MapForRestore(JsonObject normalized, NamespaceMap namespaces)
    {
        var desired = normalized.DeepClone().AsObject();
        desired.Remove("status"); // never restored: controllers recompute it (and Subnets must not carry it)
        var meta = ObjectJson.Metadata(desired);
        if (Type.Namespaced)
        {
            meta["namespace"] = namespaces.Map(ObjectJson.Namespace(desired) ?? throw new InvalidDataException($"a stored {Type.Kind} without a namespace"));
        }

        MapNamespaces(desired, namespaces);
        ObjectJson.RemoveEntries(meta, "annotations", k => k.StartsWith(AnnotationPrefix, StringComparison.Ordinal));
        return desired;
    }

    public async Task<IReadOnlyList<ResourceResult>> RestoreAsync(RestoreContext context, JsonObject stored, CancellationToken ct)
    {
        var desired = MapForRestore(stored, context.Namespaces);
        var results = new List<ResourceResult>();
        await PrepareCreateAsync(context, stored, desired, results, ct);
        var key = KeyOf(desired);
        results.Insert(0, await CreateOrResolveAsync(context, key, desired, ct));
        return results;
    }

    private async Task<ResourceResult> CreateOrResolveAsync(RestoreContext context, ResourceKey key, JsonObject desired, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await context.Api.CreateAsync(Type, desired.DeepClone().AsObject(), ct);
                return new ResourceResult(key, ResourceOutcome.Done);
            }
            catch (KubeApiException e) when (e.IsAlreadyExists)
            {
                var existing = await context.Api.GetAsync<JsonObject>(Type, key.Namespace, key.Name, ct);
                if (existing is null)
                {
                    if (attempt < 2) { continue; } // deleted between the create and the get
                    return new ResourceResult(key, ResourceOutcome.Failed, "exists and vanishes again: " + e.ApiMessage);
                }

                return await ResolveConflictAsync(context, key, desired, KubeReader.WithTypeMeta(existing, Type), ct);
            }
            catch (KubeApiException e)
            {
                return new ResourceResult(key, ResourceOutcome.Failed, e.Message);
            }
        }
    }

    private async Task<ResourceResult> ResolveConflictAsync(RestoreContext context, ResourceKey key, JsonObject desired, JsonObject existing, CancellationToken ct)
    {
        if (existing["metadata"]?["deletionTimestamp"] is not null)
        {
            return new ResourceResult(key, ResourceOutcome.Failed, $"{key} is being deleted (deletionTimestamp set); restore once it is gone, or into another namespace");
        }

        var differences = ObjectJson.Differences(desired, Normalize(existing));
        if (differences.Count == 0) { return new ResourceResult(key, ResourceOutcome.Done, "unchanged: already identical"); }
        var summary = string.Join("; ", differences.Take(3)) + (differences.Count > 3 ? $"; and {differences.Count - 3} more" : string.Empty);
        if (context.ConflictPolicy == ConflictPolicy.Skip)
        {
            return new ResourceResult(key, ResourceOutcome.Skipped, $"{ConflictSkipped}: {summary}");
        }

        var update = desired.DeepClone().AsObject();
        var meta = ObjectJson.Metadata(update);
        var existingMeta = ObjectJson.Metadata(existing);
        meta["resourceVersion"] = existingMeta["resourceVersion"]?.DeepClone();
        foreach (var kept in new[] { "finalizers", "ownerReferences" })
        {
            if (existingMeta[kept] is { } value) { meta[kept] = value.DeepClone(); }
        }

        PrepareUpdate(update, existing);
        try
        {
            await context.Api.ReplaceAsync(Type, update, ct);
            return new ResourceResult(key, ResourceOutcome.Done, "updated: " + summary);
        }
        catch (KubeApiException e)
        {
            return new ResourceResult(key, ResourceOutcome.Failed, $"update failed ({e.Message}); differences: {summary}");
        }
    }

    /// <summary>Rewrites namespace-valued fields other than metadata.namespace (e.g. RoleBinding subjects).</summary>
    protected virtual void MapNamespaces(JsonObject obj, NamespaceMap map)
    {
    }

    /// <summary>Last changes to <paramref name="desired"/> before the create, knowing the <paramref name="stored"/> object (e.g. a claim's data source); may add aspect results.</summary>
    protected virtual Task PrepareCreateAsync(RestoreContext context, JsonObject stored, JsonObject desired, List<ResourceResult> results, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Carries fields the server allocated on the existing object into a replace (cluster IPs, volume names, job selectors).</summary>
    protected virtual void PrepareUpdate(JsonObject update, JsonObject existing)
    {
    }

    /// <summary>Copies <paramref name="path"/> from existing into update when update lacks it.</summary>
    protected static void CarryOver(JsonObject update, JsonObject existing, params string[] path)
    {
        var source = ObjectJson.Object(existing, path[..^1])?[path[^1]];
        if (source is null) { return; }
        JsonObject target = update;
        foreach (var part in path[..^1]) { target = target[part] as JsonObject ?? (JsonObject)(target[part] = new JsonObject()); }
        if (target[path[^1]] is null) { target[path[^1]] = source.DeepClone(); }
    }
}
