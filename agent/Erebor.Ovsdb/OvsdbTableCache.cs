using System.Text.Json;

namespace Erebor.Ovsdb;

/// <summary>One row as a monitor reported it: column name to OVSDB-encoded value.</summary>
public sealed class OvsdbRow(Guid uuid, JsonElement columns)
{
    public Guid Uuid { get; } = uuid;

    /// <summary>The row object, e.g. <c>{"name": "vm1", "ofport": 3}</c>.</summary>
    public JsonElement Columns { get; } = columns;

    public JsonElement this[string column] =>
        Columns.TryGetProperty(column, out var value) ? value : throw new KeyNotFoundException($"row {Uuid} has no column {column}");

    /// <summary>Same columns with the same values (the server encodes equal values identically).</summary>
    public bool SameContent(OvsdbRow other) => Columns.GetRawText() == other.Columns.GetRawText();
}

public enum RowChangeKind { Added, Changed, Removed }

/// <summary>One row's change; <see cref="Old"/> is null for Added, <see cref="New"/> for Removed.</summary>
public sealed record RowChange(string Table, Guid Uuid, RowChangeKind Kind, OvsdbRow? Old, OvsdbRow? New);

/// <summary>
/// The rows of one monitor's tables, kept current from its <see cref="MonitorUpdate"/>s (monitor
/// version 1, where "new" always carries every monitored column). Initial contents replace
/// everything, and the difference to what was known before is reported, so a consumer that was
/// disconnected sees exactly what changed meanwhile. Not thread-safe: feed it from one monitor.
/// </summary>
public sealed class OvsdbTableCache
{
    private static readonly IReadOnlyDictionary<Guid, OvsdbRow> NoRows = new Dictionary<Guid, OvsdbRow>();
    private Dictionary<string, Dictionary<Guid, OvsdbRow>> _tables = [];

    public IReadOnlyDictionary<Guid, OvsdbRow> Rows(string table) => _tables.TryGetValue(table, out var rows) ? rows : NoRows;

    public IReadOnlyList<RowChange> Apply(MonitorUpdate update) =>
        update.IsInitial ? Replace(update.TableUpdates) : Merge(update.TableUpdates);

    private List<RowChange> Replace(JsonElement tableUpdates)
    {
        var previous = _tables;
        _tables = [];
        var changes = new List<RowChange>();
        foreach (var (table, rowUpdate) in RowUpdates(tableUpdates))
        {
            if (!rowUpdate.New.HasValue) { continue; }
            var row = new OvsdbRow(rowUpdate.Uuid, rowUpdate.New.Value);
            TableOf(table)[row.Uuid] = row;
            var old = previous.GetValueOrDefault(table)?.GetValueOrDefault(row.Uuid);
            if (old is null) { changes.Add(new RowChange(table, row.Uuid, RowChangeKind.Added, null, row)); }
            else if (!old.SameContent(row)) { changes.Add(new RowChange(table, row.Uuid, RowChangeKind.Changed, old, row)); }
        }

        foreach (var (table, rows) in previous)
        {
            changes.AddRange(rows.Values
                .Where(old => !Rows(table).ContainsKey(old.Uuid))
                .Select(old => new RowChange(table, old.Uuid, RowChangeKind.Removed, old, null)));
        }

        return changes;
    }

    private List<RowChange> Merge(JsonElement tableUpdates)
    {
        var changes = new List<RowChange>();
        foreach (var (table, rowUpdate) in RowUpdates(tableUpdates))
        {
            var rows = TableOf(table);
            var old = rows.GetValueOrDefault(rowUpdate.Uuid);
            if (rowUpdate.New is { } columns)
            {
                var row = new OvsdbRow(rowUpdate.Uuid, columns);
                rows[row.Uuid] = row;
                changes.Add(new RowChange(table, row.Uuid, old is null ? RowChangeKind.Added : RowChangeKind.Changed, old, row));
            }
            else if (rows.Remove(rowUpdate.Uuid))
            {
                changes.Add(new RowChange(table, rowUpdate.Uuid, RowChangeKind.Removed, old, null));
            }
        }

        return changes;
    }

    private Dictionary<Guid, OvsdbRow> TableOf(string table)
    {
        if (!_tables.TryGetValue(table, out var rows)) { _tables[table] = rows = []; }
        return rows;
    }

    private readonly record struct RowUpdate(Guid Uuid, JsonElement? New);

    private static IEnumerable<(string Table, RowUpdate Update)> RowUpdates(JsonElement tableUpdates)
    {
        foreach (var table in tableUpdates.EnumerateObject())
        {
            foreach (var row in table.Value.EnumerateObject())
            {
                JsonElement? newColumns = row.Value.TryGetProperty("new", out var n) ? n : null;
                yield return (table.Name, new RowUpdate(Guid.Parse(row.Name), newColumns));
            }
        }
    }
}
