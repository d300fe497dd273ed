using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Erebor.Protection.Engine;

/// <summary>JSON helpers for objects handled as <see cref="JsonObject"/>: paths, canonical form, comparison.</summary>
public static class ObjectJson
{
    private static readonly JsonWriterOptions CanonicalWriter = new() { Indented = false };

    public static JsonObject Metadata(JsonObject obj) => obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    public static string Name(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? throw new InvalidDataException("an object without metadata.name");

    public static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The object at a dotted path, or null.</summary>
    public static JsonObject? Object(JsonObject root, params string[] path)
    {
        JsonNode? node = root;
        foreach (var part in path) { node = node?[part]; }
        return node as JsonObject;
    }

    /// <summary>Removes a property at a path (no-op when any step is missing).</summary>
    public static void Remove(JsonObject root, params string[] path)
    {
        var parent = Object(root, path[..^1]);
        parent?.Remove(path[^1]);
    }

    /// <summary>Removes the map entries named by <paramref name="keys"/>, and the map itself if it becomes empty.</summary>
    public static void RemoveEntries(JsonObject? parent, string mapName, Func<string, bool> keys)
    {
        if (parent?[mapName] is not JsonObject map) { return; }
        foreach (var key in map.Select(p => p.Key).Where(keys).ToList()) { map.Remove(key); }
        if (map.Count == 0) { parent.Remove(mapName); }
    }

    /// <summary>Keys sorted at every level, arrays in order, no whitespace: equal JSON is equal text.</summary>
    public static string Canonical(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, CanonicalWriter)) { WriteCanonical(writer, node); }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>Paths where <paramref name="actual"/> differs from <paramref name="expected"/>, for messages.</summary>
    public static IReadOnlyList<string> Differences(JsonNode? expected, JsonNode? actual, string path = "")
    {
        var found = new List<string>();
        Diff(expected, actual, path.Length == 0 ? "$" : path, found);
        return found;
    }

    private static void Diff(JsonNode? expected, JsonNode? actual, string path, List<string> found)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    var sub = $"{path}.{key}";
                    if (!e.ContainsKey(key)) { found.Add($"{sub}: unexpected {Canonical(a[key])}"); }
                    else if (!a.ContainsKey(key)) { found.Add($"{sub}: missing (expected {Canonical(e[key])})"); }
                    else { Diff(e[key], a[key], sub, found); }
                }

                break;
            case (JsonArray e, JsonArray a) when e.Count == a.Count:
                for (var i = 0; i < e.Count; i++) { Diff(e[i], a[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", found); }
                break;
            default:
                if (!JsonNode.DeepEquals(expected, actual)) { found.Add($"{path}: expected {Canonical(expected)}, got {Canonical(actual)}"); }
                break;
        }
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) { WriteCanonical(writer, item); }
                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
