using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Erebor.Domain.Networking;

namespace Erebor.Agent.Apps.Dhcp;

/// <summary>
/// The node's lease snapshot on disk (&lt;state-dir&gt;/leases.json); the changes since are in
/// <see cref="LeaseJournal"/>, which rewrites this file now and then. Written atomically
/// (<see cref="Write"/>: a temp file in the same directory renamed over the old file), so a reader
/// or a restarted agent sees either the old or the new table, never a torn one; then made durable
/// (<see cref="Sync"/>: fsync of the file and of the directory).
/// </summary>
public static class LeaseFile
{
    public const string FileName = "leases.json";
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The table as JSON; <paramref name="journalSequence"/> is the last <see cref="LeaseJournal"/> entry it includes.</summary>
    public static string Serialize(LeaseTable table, long journalSequence = 0) => JsonSerializer.Serialize(
        new FileModel(
            Version,
            [.. table.Leases.OrderBy(l => l.Segment, StringComparer.Ordinal).ThenBy(l => l.Ip).Select(ToModel)],
            [.. table.Quarantined.Select(ToModel)],
            journalSequence == 0 ? null : journalSequence),
        Json);

    /// <summary>The table and the last journal entry it includes (0 when none).</summary>
    private static (LeaseTable Table, long JournalSequence) Deserialize(string json, LeasePolicy? policy = null)
    {
        var model = JsonSerializer.Deserialize<FileModel>(json, Json) ?? throw new JsonException("empty lease file");
        if (model.Version != Version) { throw new JsonException($"lease file version {model.Version}, this agent reads {Version}"); }
        return (LeaseTable.From((model.Leases ?? []).Select(FromModel), (model.Quarantined ?? []).Select(FromModel), policy), model.JournalSequence ?? 0);
    }

    internal static LeaseModel ToModel(Lease l) => new(l.Segment, l.Port, l.Mac.ToString(), l.Ip.ToString(), l.State.ToString(), l.Expires, l.PortGoneAt, l.HostName);

    internal static QuarantineModel ToModel(QuarantinedAddress q) => new(q.Segment, q.Ip.ToString(), q.Until);

    internal static Lease FromModel(LeaseModel l) => new(l.Segment, l.Port, MacAddress.Parse(l.Mac), Ipv4Address.Parse(l.Ip), Enum.Parse<LeaseState>(l.State), l.Expires, l.PortGoneAt, l.HostName);

    internal static QuarantinedAddress FromModel(QuarantineModel q) => new(q.Segment, Ipv4Address.Parse(q.Ip), q.Until);

    /// <summary>The table in <paramref name="path"/> and the last journal entry it includes; an empty table (0) when there is no file yet.</summary>
    public static (LeaseTable Table, long JournalSequence) Load(string path, LeasePolicy? policy = null) =>
        File.Exists(path) ? Deserialize(File.ReadAllText(path), policy) : (new LeaseTable(policy), 0);

    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="json"/> (from <see cref="Serialize"/>)
    /// atomically. Once it returns, every process (a restarted agent too) reads the new table;
    /// only a crash of the node itself before <see cref="Sync"/> could lose it.
    /// </summary>
    public static void Write(string path, string json)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, json);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Makes the last <see cref="Write"/> durable: fsync of the file, then of its directory (the rename).</summary>
    public static void Sync(string path)
    {
        using (var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Flush(flushToDisk: true);
        }

        FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync on a directory (Linux; .NET cannot open a directory as a file handle).</summary>
    private static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) { return; }
        var fd = NativeMethods.open(directory, NativeMethods.ORdOnly | NativeMethods.ODirectory | NativeMethods.OCloExec);
        if (fd < 0) { return; } // the file itself was fsynced; a directory we cannot open is left to the file system
        _ = NativeMethods.fsync(fd);
        _ = NativeMethods.close(fd);
    }

    private static class NativeMethods
    {
        public const int ORdOnly = 0;
        public const int ODirectory = 0x10000;
        public const int OCloExec = 0x80000;

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int close(int fd);
    }

    private sealed record FileModel(int Version, List<LeaseModel>? Leases, List<QuarantineModel>? Quarantined, long? JournalSequence);

    internal sealed record LeaseModel(string Segment, string Port, string Mac, string Ip, string State, DateTimeOffset Expires, DateTimeOffset? PortGoneAt, string? HostName);

    internal sealed record QuarantineModel(string Segment, string Ip, DateTimeOffset Until);
}
