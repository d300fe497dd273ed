using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;

namespace Erebor.Protection.Engine;

/// <summary>
/// What the engine reads beyond <see cref="IKubeApi"/>: lists one page at a time (so a run never
/// holds a whole type in memory; <see cref="IKubeApi.ListAsync{T}"/> collects every page), counts,
/// and API discovery. In-memory test doubles implement it directly; <see cref="For"/> wraps the
/// HTTP client.
/// </summary>
public interface IKubeReader
{
    /// <summary>The objects of <paramref name="type"/>, page by page, each with apiVersion and kind set.</summary>
    IAsyncEnumerable<JsonObject> ListAsync(ResourceType type, string? @namespace, string? labelSelector, int pageSize, CancellationToken ct);

    /// <summary>How many objects a list would return (cheap when the server reports remainingItemCount).</summary>
    Task<int> CountAsync(ResourceType type, string? @namespace, string? labelSelector, CancellationToken ct);

    /// <summary>Whether the API server serves <paramref name="plural"/> in group/version (a discovery GET).</summary>
    Task<bool> ServesAsync(string group, string version, string plural, CancellationToken ct);

    /// <summary>The type the API server serves for <paramref name="kind"/> in <paramref name="apiVersion"/> (plural, scope), or null when it serves none.</summary>
    Task<ResourceType?> DiscoverAsync(string apiVersion, string kind, CancellationToken ct);
}

public static class KubeReader
{
    /// <summary>The api itself when it is an <see cref="IKubeReader"/>, the paging HTTP reader for <see cref="KubeApi"/>.</summary>
    public static IKubeReader For(IKubeApi api) => api switch
    {
        IKubeReader reader => reader,
        KubeApi http => new HttpKubeReader(http),
        _ => throw new ArgumentException($"{api.GetType().Name} is neither a KubeApi nor an IKubeReader: the engine needs paged lists and discovery"),
    };

    /// <summary>Items of a list come without apiVersion/kind for built-in types; every object the engine handles has them.</summary>
    internal static JsonObject WithTypeMeta(JsonObject obj, ResourceType type)
    {
        if (obj["apiVersion"] is null || obj["kind"] is null)
        {
            var copy = new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind };
            foreach (var (key, value) in obj.ToList())
            {
                if (key is "apiVersion" or "kind") { continue; }
                obj.Remove(key);
                copy[key] = value;
            }

            return copy;
        }

        return obj;
    }
}

/// <summary>
/// Pages with limit/continue over <see cref="KubeApi.GetRawAsync(string, System.Buffers.ArrayBufferWriter{byte}, CancellationToken)"/>:
/// each page's bytes land in one buffer reused for the whole list and its items are parsed one at a
/// time as they are consumed (<see cref="ListPage"/>), so memory is one page's bytes plus one object.
/// </summary>
internal sealed class HttpKubeReader(KubeApi api) : IKubeReader
{
    public async IAsyncEnumerable<JsonObject> ListAsync(ResourceType type, string? @namespace, string? labelSelector, int pageSize, [EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>();
        string? continueToken = null;
        do
        {
            ListPage page;
            try
            {
                page = await GetPageAsync(type, @namespace, labelSelector, pageSize, continueToken, buffer, ct);
            }
            catch (KubeApiException e) when (e.IsGone && continueToken is not null && ContinueFrom(e) is { } fresh)
            {
                // The snapshot behind the token was compacted away (a long run): the 410 carries a
                // token that goes on from the same place in a newer snapshot; objects are still
                // listed once each, in key order.
                continueToken = fresh;
                continue;
            }

            continueToken = page.Continue;
            foreach (var item in page.Items)
            {
                if (JsonNode.Parse(buffer.WrittenSpan[item]) is JsonObject obj) { yield return KubeReader.WithTypeMeta(obj, type); }
            }
        }
        while (continueToken is not null);
    }

    private static string? ContinueFrom(KubeApiException e)
    {
        try
        {
            return e.Body is null ? null : JsonNode.Parse(e.Body)?["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } token ? token : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public async Task<int> CountAsync(ResourceType type, string? @namespace, string? labelSelector, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var first = await GetPageAsync(type, @namespace, labelSelector, 1, null, buffer, ct);
        if (first.Continue is null) { return first.Items.Count; }
        if (first.RemainingItemCount is { } remaining) { return first.Items.Count + (int)remaining; }

        // Selectors hide remainingItemCount: count by paging (only the item boundaries are read).
        var total = 0;
        string? continueToken = null;
        do
        {
            var page = await GetPageAsync(type, @namespace, labelSelector, 500, continueToken, buffer, ct);
            total += page.Items.Count;
            continueToken = page.Continue;
        }
        while (continueToken is not null);
        return total;
    }

    public async Task<bool> ServesAsync(string group, string version, string plural, CancellationToken ct) =>
        (await ResourcesAsync(group.Length == 0 ? version : $"{group}/{version}", ct)).Any(r => r?["name"]?.GetValue<string>() == plural);

    public async Task<ResourceType?> DiscoverAsync(string apiVersion, string kind, CancellationToken ct)
    {
        // Subresources ("widgets/status") share the kind: the collection is the name without a slash.
        var match = (await ResourcesAsync(apiVersion, ct)).OfType<JsonObject>().FirstOrDefault(r =>
            ObjectJson.Str(r["kind"]) == kind && ObjectJson.Str(r["name"]) is { } name && !name.Contains('/', StringComparison.Ordinal));
        if (match is null) { return null; }
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? (string.Empty, apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return new ResourceType(group, version, kind, ObjectJson.Str(match["name"])!, match["namespaced"]?.GetValue<bool>() == true);
    }

    /// <summary>The discovery document's resources of one group/version (empty when it is not served).</summary>
    private async Task<JsonArray> ResourcesAsync(string apiVersion, CancellationToken ct)
    {
        var path = apiVersion.Contains('/', StringComparison.Ordinal) ? $"/apis/{apiVersion}" : $"/api/{apiVersion}";
        try
        {
            return JsonNode.Parse(await api.GetRawAsync(path, ct))?["resources"] as JsonArray ?? [];
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return [];
        }
    }

    /// <summary>One page into <paramref name="buffer"/> (cleared first), scanned.</summary>
    private async Task<ListPage> GetPageAsync(ResourceType type, string? @namespace, string? labelSelector, int limit, string? continueToken, ArrayBufferWriter<byte> buffer, CancellationToken ct)
    {
        var query = new List<string> { "limit=" + limit.ToString(CultureInfo.InvariantCulture) };
        if (!string.IsNullOrEmpty(labelSelector)) { query.Add("labelSelector=" + Uri.EscapeDataString(labelSelector)); }
        if (!string.IsNullOrEmpty(continueToken)) { query.Add("continue=" + Uri.EscapeDataString(continueToken)); }
        buffer.ResetWrittenCount();
        await api.GetRawAsync(type.CollectionPath(@namespace) + "?" + string.Join('&', query), buffer, ct);
        try
        {
            return ListPage.Scan(buffer.WrittenSpan);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"the list answer for {type.Plural} is not a list: {e.Message}", e);
        }
    }
}
