using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Plugins;

/// <summary>
/// Protects and restores one resource type. Plugins work on <see cref="JsonObject"/> so that any
/// kind, built-in or custom, goes through the same code; they never hold more than one object.
/// </summary>
public interface IResourcePlugin
{
    /// <summary>Group, version, kind, plural and scope of the type.</summary>
    ResourceType Type { get; }

    /// <summary>The plugin's name in the graph and in a provider's plugin list: "v1/ConfigMap", "apps/Deployment", "erebor.io/Subnet".</summary>
    string Id { get; }

    /// <summary>Types whose objects must exist before objects of this type are restored.</summary>
    IReadOnlyList<ResourceType> DependsOn { get; }

    /// <summary>Whether the bank must encrypt this type's objects (Secrets).</summary>
    bool Encrypt { get; }

    /// <summary>How many objects <see cref="ListAsync"/> will yield (for progress; may be approximate).</summary>
    Task<int> CountAsync(PluginContext context, ProtectionSelection selection, CancellationToken ct);

    /// <summary>The selected live objects, streamed page by page (explicitly named ones first; a named one that does not exist comes with a null object).</summary>
    IAsyncEnumerable<ListedObject> ListAsync(PluginContext context, ProtectionSelection selection, CancellationToken ct);

    /// <summary>Null to protect <paramref name="live"/>, or why it is left out (e.g. a service-account token the cluster re-issues).</summary>
    string? SkipReason(JsonObject live);

    /// <summary>A copy of <paramref name="live"/> without anything the server or a controller populated.</summary>
    JsonObject Normalize(JsonObject live);

    /// <summary>The objects this one refers to (namespace, roles, config, claims, subnets...): recorded in the index.</summary>
    IEnumerable<ResourceKey> DependenciesOf(JsonObject normalized);

    /// <summary>
    /// Work beyond the object itself (a volume snapshot of a claim); may annotate
    /// <paramref name="normalized"/> before it is stored, returns aspect results.
    /// </summary>
    Task<IReadOnlyList<ResourceResult>> ProtectExtrasAsync(PluginContext context, JsonObject live, JsonObject normalized, CancellationToken ct);

    /// <summary>
    /// A stored (normalised) object as a restore will create it: namespace mapping applied
    /// (metadata.namespace and known namespace-valued fields), status and Erebor's bookkeeping
    /// annotations removed. Also what a restored object must equal once normalised.
    /// </summary>
    JsonObject MapForRestore(JsonObject normalized, NamespaceMap namespaces);

    /// <summary>
    /// Restores one stored object: namespace mapping, create, and on conflict skip or update by
    /// <see cref="RestoreContext.ConflictPolicy"/>; an existing identical object is left alone.
    /// </summary>
    Task<IReadOnlyList<ResourceResult>> RestoreAsync(RestoreContext context, JsonObject stored, CancellationToken ct);
}

/// <summary>One object a plugin selected; <see cref="Object"/> is null when it was named explicitly but does not exist.</summary>
public sealed record ListedObject(ResourceKey Key, JsonObject? Object);

/// <summary>What every plugin call may use during one run.</summary>
public class PluginContext(IKubeApi api, IKubeReader reader, string runId)
{
    public IKubeApi Api { get; } = api;
    public IKubeReader Reader { get; } = reader;

    /// <summary>The checkpoint's uid (names volume snapshots; stable across a resumed run).</summary>
    public string RunId { get; } = runId;

    public int PageSize { get; init; } = 500;

    private readonly Dictionary<string, Task<bool>> _served = new(StringComparer.Ordinal);

    /// <summary>Discovery, asked once per run and API.</summary>
    public Task<bool> ServesAsync(string group, string version, string plural, CancellationToken ct)
    {
        var key = $"{group}/{version}/{plural}";
        lock (_served)
        {
            if (!_served.TryGetValue(key, out var task)) { _served[key] = task = Reader.ServesAsync(group, version, plural, ct); }
            return task;
        }
    }
}

public sealed class RestoreContext(IKubeApi api, IKubeReader reader, string runId, NamespaceMap namespaces, ConflictPolicy conflictPolicy)
    : PluginContext(api, reader, runId)
{
    public NamespaceMap Namespaces { get; } = namespaces;
    public ConflictPolicy ConflictPolicy { get; } = conflictPolicy;
}
