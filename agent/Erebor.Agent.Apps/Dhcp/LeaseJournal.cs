using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Erebor.Domain.Networking;

namespace Erebor.Agent.Apps.Dhcp;

/// <summary>
/// The node's leases on disk as a snapshot (<see cref="LeaseFile"/>, leases.json) plus a journal
/// of the changes since (leases.journal), as kea's memfile does: a change costs one small append
/// (one line per group commit, written with one write call) instead of a rewrite and rename of the
/// whole table. Every <see cref="CompactAfter"/> entries, and at the first write after opening,
/// the table is written whole as a new snapshot (fsynced, then the journal is emptied).
/// Loading is the snapshot plus the journal entries newer than it (each line carries a sequence
/// number, the snapshot the last one it includes, so a crash between the snapshot and the emptying
/// of the journal replays nothing twice). A last line without its newline is a write the process
/// died in: nobody was answered for it, so it is ignored (and the compaction at the next write drops it).
/// Not thread-safe: <see cref="Capture"/> runs under the owner's lock, then <see cref="Persist"/>,
/// both from one writer at a time (<see cref="GroupCommit"/>).
/// </summary>
public sealed class LeaseJournal(string directory, long sequence, LeaseTable loaded, int compactAfter = LeaseJournal.DefaultCompactAfter) : IDisposable
{
    public const string FileName = "leases.journal";

    /// <summary>About 1000 entries of a few hundred bytes: replay stays in the milliseconds, compactions are rare.</summary>
    public const int DefaultCompactAfter = 1000;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly string _snapshotPath = Path.Combine(directory, LeaseFile.FileName);
    private readonly string _journalPath = Path.Combine(directory, FileName);
    private Dictionary<(string Segment, string Port, MacAddress Mac), Lease> _written = ByKey(loaded);
    private Dictionary<(string Segment, Ipv4Address Ip), QuarantinedAddress> _writtenQuarantine = ByIp(loaded);
    private long _sequence = sequence;
    private int _entries;
    private bool _compactNext = true;
    private FileStream? _journal;

    public int CompactAfter { get; } = compactAfter;

    /// <summary>The table in <paramref name="directory"/> (empty when there are no files yet) and the journal that keeps it.</summary>
    public static (LeaseTable Table, LeaseJournal Journal) Open(string directory, LeasePolicy? policy = null, int compactAfter = DefaultCompactAfter)
    {
        var (table, sequence) = Load(directory, policy);
        return (table, new LeaseJournal(directory, sequence, table, compactAfter));
    }

    /// <summary>Snapshot plus journal replay; the sequence number of the last change included.</summary>
    public static (LeaseTable Table, long Sequence) Load(string directory, LeasePolicy? policy = null)
    {
        var (snapshot, sequence) = LeaseFile.Load(Path.Combine(directory, LeaseFile.FileName), policy);
        var journalPath = Path.Combine(directory, FileName);
        if (!File.Exists(journalPath)) { return (snapshot, sequence); }

        var leases = ByKey(snapshot);
        var quarantine = ByIp(snapshot);
        var text = File.ReadAllText(journalPath);
        var complete = text[..(text.LastIndexOf('\n') + 1)]; // the rest is a torn last write
        foreach (var line in complete.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var entry = JsonSerializer.Deserialize<EntryModel>(line, Json) ?? throw new JsonException("empty lease journal entry");
            if (entry.Sequence <= sequence) { continue; } // already in the snapshot
            foreach (var l in entry.Removed ?? []) { leases.Remove((l.Segment, l.Port, MacAddress.Parse(l.Mac))); }
            foreach (var l in (entry.Leases ?? []).Select(LeaseFile.FromModel)) { leases[(l.Segment, l.Port, l.Mac)] = l; }
            foreach (var q in entry.Unquarantined ?? []) { quarantine.Remove((q.Segment, Ipv4Address.Parse(q.Ip))); }
            foreach (var q in (entry.Quarantined ?? []).Select(LeaseFile.FromModel)) { quarantine[(q.Segment, q.Ip)] = q; }
            sequence = entry.Sequence;
        }

        return (LeaseTable.From(leases.Values, quarantine.Values, policy), sequence);
    }

    /// <summary>
    /// What <see cref="Persist"/> must write for <paramref name="table"/> to be on disk: the
    /// changes since the last capture as one journal line, or a whole snapshot when it is time to
    /// compact; null when nothing changed. Call under the lock that guards the table.
    /// </summary>
    public JournalWrite? Capture(LeaseTable table)
    {
        var leases = ByKey(table);
        var quarantine = ByIp(table);
        JournalWrite write;
        if (_compactNext || _entries >= CompactAfter)
        {
            _compactNext = false;
            _entries = 0;
            write = new JournalWrite(LeaseFile.Serialize(table, ++_sequence), null);
        }
        else
        {
            var entry = new EntryModel(
                _sequence + 1,
                NullIfEmpty(leases.Values.Where(l => !_written.TryGetValue((l.Segment, l.Port, l.Mac), out var old) || old != l).Select(LeaseFile.ToModel)),
                NullIfEmpty(_written.Keys.Where(k => !leases.ContainsKey(k)).Select(k => new LeaseKeyModel(k.Segment, k.Port, k.Mac.ToString()))),
                NullIfEmpty(quarantine.Values.Where(q => !_writtenQuarantine.TryGetValue((q.Segment, q.Ip), out var old) || old != q).Select(LeaseFile.ToModel)),
                NullIfEmpty(_writtenQuarantine.Keys.Where(k => !quarantine.ContainsKey(k)).Select(k => new AddressModel(k.Segment, k.Ip.ToString()))));
            if (entry is { Leases: null, Removed: null, Quarantined: null, Unquarantined: null }) { return null; }
            _sequence++;
            _entries++;
            write = new JournalWrite(null, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, Json) + "\n"));
        }

        _written = leases;
        _writtenQuarantine = quarantine;
        return write;
    }

    /// <summary>
    /// Writes what <see cref="Capture"/> returned. Once it returns, a restarted agent reads the
    /// change; a snapshot is fsynced too (the journal it replaces is emptied only then), an append
    /// only by <see cref="Sync"/>. After a failure the next capture compacts, so a partial append
    /// never has a line written after it.
    /// </summary>
    public void Persist(JournalWrite write)
    {
        try
        {
            if (write.Snapshot is { } snapshot)
            {
                LeaseFile.Write(_snapshotPath, snapshot);
                LeaseFile.Sync(_snapshotPath);
                _journal?.Dispose();
                _journal = new FileStream(_journalPath, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
            }
            else if (write.Append is { } line)
            {
                _journal ??= new FileStream(_journalPath, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
                _journal.Write(line);
            }
        }
        catch
        {
            _compactNext = true;
            _journal?.Dispose();
            _journal = null;
            throw;
        }
    }

    /// <summary>Makes the appends so far durable (fsync of the journal); nobody has to wait for it.</summary>
    public void Sync()
    {
        if (File.Exists(_journalPath)) { LeaseFile.Sync(_journalPath); }
    }

    public void Dispose() => _journal?.Dispose();

    private static Dictionary<(string Segment, string Port, MacAddress Mac), Lease> ByKey(LeaseTable table) => table.Leases.ToDictionary(l => (l.Segment, l.Port, l.Mac));

    private static Dictionary<(string Segment, Ipv4Address Ip), QuarantinedAddress> ByIp(LeaseTable table) => table.Quarantined.ToDictionary(q => (q.Segment, q.Ip));

    private static List<T>? NullIfEmpty<T>(IEnumerable<T> items) => items.ToList() is { Count: > 0 } list ? list : null;

    private sealed record EntryModel(long Sequence, List<LeaseFile.LeaseModel>? Leases, List<LeaseKeyModel>? Removed, List<LeaseFile.QuarantineModel>? Quarantined, List<AddressModel>? Unquarantined);

    private sealed record LeaseKeyModel(string Segment, string Port, string Mac);

    private sealed record AddressModel(string Segment, string Ip);
}

/// <summary>One write of a <see cref="LeaseJournal"/>: a whole snapshot (compaction) or one journal line.</summary>
public sealed record JournalWrite(string? Snapshot, byte[]? Append);
