using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Erebor.Ovsdb;

/// <summary>
/// The RFC 7047 §5.1 value encodings: atoms are JSON strings, numbers and booleans, plus
/// <c>["uuid", id]</c> and <c>["named-uuid", name]</c>; sets are <c>["set", [atoms]]</c> (or a bare
/// atom when they hold exactly one); maps are <c>["map", [[key, value], ...]]</c>.
/// Encoders build fresh <see cref="JsonNode"/>s; decoders read <see cref="JsonElement"/>s from replies.
/// </summary>
public static class OvsdbValue
{
    public static JsonArray Uuid(Guid uuid) => ["uuid", uuid.ToString("D")];

    /// <summary>Refers to a row inserted earlier in the same transaction under this uuid-name.</summary>
    public static JsonArray NamedUuid(string name) => ["named-uuid", name];

    public static JsonArray Set(IEnumerable<JsonNode?> atoms) => ["set", new JsonArray([.. atoms])];

    public static JsonArray Set(params string[] atoms) => Set(atoms.Select(a => (JsonNode?)JsonValue.Create(a)));

    public static JsonArray EmptySet() => ["set", new JsonArray()];

    public static JsonArray Map(IEnumerable<KeyValuePair<string, string>> entries) =>
        ["map", new JsonArray([.. entries.Select(e => (JsonNode?)new JsonArray(e.Key, e.Value))])];

    /// <summary>A uuid atom: <c>["uuid", "..."]</c>.</summary>
    public static Guid ReadUuid(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value[0].ValueEquals("uuid"))
        {
            return Guid.Parse(value[1].GetString()!, CultureInfo.InvariantCulture);
        }

        throw new OvsdbProtocolException($"expected [\"uuid\", id], got {value.GetRawText()}");
    }

    /// <summary>The atoms of a set, accepting the single-atom shorthand.</summary>
    public static IReadOnlyList<JsonElement> ReadSet(JsonElement value) =>
        IsTagged(value, "set") ? [.. value[1].EnumerateArray()] : [value];

    public static IReadOnlyList<string> ReadStringSet(JsonElement value) => [.. ReadSet(value).Select(ReadString)];

    public static IReadOnlyList<Guid> ReadUuidSet(JsonElement value) => [.. ReadSet(value).Select(ReadUuid)];

    /// <summary>An optional string column (a set of at most one string).</summary>
    public static string? ReadOptionalString(JsonElement value) => ReadSet(value) is [var atom] ? ReadString(atom) : null;

    /// <summary>An optional integer column (a set of at most one integer), e.g. Interface.ofport.</summary>
    public static long? ReadOptionalInteger(JsonElement value) => ReadSet(value) is [var atom] ? atom.GetInt64() : null;

    public static IReadOnlyDictionary<string, string> ReadStringMap(JsonElement value)
    {
        if (!IsTagged(value, "map")) { throw new OvsdbProtocolException($"expected [\"map\", ...], got {value.GetRawText()}"); }
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in value[1].EnumerateArray()) { map[ReadString(pair[0])] = ReadString(pair[1]); }
        return map;
    }

    private static string ReadString(JsonElement atom) =>
        atom.ValueKind == JsonValueKind.String ? atom.GetString()! : throw new OvsdbProtocolException($"expected a string atom, got {atom.GetRawText()}");

    private static bool IsTagged(JsonElement value, string tag) =>
        value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 && value[0].ValueEquals(tag);
}
