using System.Text.Json.Nodes;

namespace Erebor.Ovsdb;

/// <summary>Builders for the RFC 7047 §5.2 transaction operations, to pass to <see cref="OvsdbClient.TransactAsync"/>.</summary>
public static class OvsdbOp
{
    /// <param name="uuidName">Lets later operations of the same transaction refer to the row as <see cref="OvsdbValue.NamedUuid"/>.</param>
    public static JsonObject Insert(string table, JsonObject row, string? uuidName = null)
    {
        var op = new JsonObject { ["op"] = "insert", ["table"] = table, ["row"] = row };
        if (uuidName is not null) { op["uuid-name"] = uuidName; }
        return op;
    }

    /// <param name="columns">Empty selects every column.</param>
    public static JsonObject Select(string table, IEnumerable<JsonArray> where, params string[] columns)
    {
        var op = new JsonObject { ["op"] = "select", ["table"] = table, ["where"] = Array(where) };
        if (columns.Length > 0) { op["columns"] = new JsonArray([.. columns.Select(c => (JsonNode?)c)]); }
        return op;
    }

    public static JsonObject Update(string table, IEnumerable<JsonArray> where, JsonObject row) =>
        new() { ["op"] = "update", ["table"] = table, ["where"] = Array(where), ["row"] = row };

    public static JsonObject Mutate(string table, IEnumerable<JsonArray> where, IEnumerable<JsonArray> mutations) =>
        new() { ["op"] = "mutate", ["table"] = table, ["where"] = Array(where), ["mutations"] = Array(mutations) };

    public static JsonObject Delete(string table, IEnumerable<JsonArray> where) =>
        new() { ["op"] = "delete", ["table"] = table, ["where"] = Array(where) };

    /// <summary>Waits until the selected rows' <paramref name="columns"/> are (<c>==</c>) or are not (<c>!=</c>)
    /// exactly <paramref name="rows"/>; a timeout of 0 turns it into an optimistic-concurrency check.</summary>
    public static JsonObject Wait(string table, IEnumerable<JsonArray> where, IEnumerable<string> columns, bool equal, IEnumerable<JsonObject> rows, int? timeoutMs = null)
    {
        var op = new JsonObject
        {
            ["op"] = "wait",
            ["table"] = table,
            ["where"] = Array(where),
            ["columns"] = new JsonArray([.. columns.Select(c => (JsonNode?)c)]),
            ["until"] = equal ? "==" : "!=",
            ["rows"] = Array(rows),
        };
        if (timeoutMs is { } timeout) { op["timeout"] = timeout; }
        return op;
    }

    /// <summary>Shows up in the database log, e.g. to tell who changed what.</summary>
    public static JsonObject Comment(string text) => new() { ["op"] = "comment", ["comment"] = text };

    private static JsonArray Array(IEnumerable<JsonNode> items) => [.. items];
}

/// <summary>Conditions for the <c>where</c> clause: <c>[column, function, value]</c>.</summary>
public static class OvsdbCondition
{
    public static JsonArray Equal(string column, JsonNode value) => [column, "==", value];

    public static JsonArray NotEqual(string column, JsonNode value) => [column, "!=", value];

    /// <summary>For sets and maps: the column contains every element of <paramref name="value"/>.</summary>
    public static JsonArray Includes(string column, JsonNode value) => [column, "includes", value];

    public static JsonArray RowIs(Guid uuid) => Equal("_uuid", OvsdbValue.Uuid(uuid));

    /// <summary>The empty condition list: every row of the table.</summary>
    public static IEnumerable<JsonArray> All => [];
}

/// <summary>Mutations for <see cref="OvsdbOp.Mutate"/>: <c>[column, mutator, value]</c>.</summary>
public static class OvsdbMutation
{
    /// <summary>Adds set elements or map pairs (existing map keys keep their values).</summary>
    public static JsonArray Insert(string column, JsonNode value) => [column, "insert", value];

    /// <summary>Removes set elements, map pairs, or (with a set of keys) map entries by key.</summary>
    public static JsonArray Delete(string column, JsonNode value) => [column, "delete", value];
}
