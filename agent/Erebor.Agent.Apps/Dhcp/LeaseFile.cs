using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Erebor.Domain.Networking;

namespace Erebor.Agent.Apps.Dhcp;

/// <summary>
/// The node's leases on disk (&lt;state-dir&gt;/leases.json), so that an agent restart honours
/// existing leases and DHCP never waits on the API server. Written atomically: a temp file in
/// the same directory, fsync, rename over the old file, fsync of the directory, so a crash
/// leaves either the old or the new table, never a torn one.
/// </summary>
public static class LeaseFile
{
    public const string FileName = "leases.json";
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static string Serialize(LeaseTable table) => JsonSerializer.Serialize(
        new FileModel(
            Version,
            [.. table.Leases.OrderBy(l => l.Segment, StringComparer.Ordinal).ThenBy(l => l.Ip).Select(l => new LeaseModel(l.Segment, l.Port, l.Mac.ToString(), l.Ip.ToString(), l.State.ToString(), l.Expires, l.PortGoneAt, l.HostName))],
            [.. table.Quarantined.Select(q => new QuarantineModel(q.Segment, q.Ip.ToString(), q.Until))]),
        Json);

    public static LeaseTable Deserialize(string json, LeasePolicy? policy = null)
    {
        var model = JsonSerializer.Deserialize<FileModel>(json, Json) ?? throw new JsonException("empty lease file");
        if (model.Version != Version) { throw new JsonException($"lease file version {model.Version}, this agent reads {Version}"); }
        var leases = (model.Leases ?? []).Select(l => new Lease(l.Segment, l.Port, MacAddress.Parse(l.Mac), Ipv4Address.Parse(l.Ip), Enum.Parse<LeaseState>(l.State), l.Expires, l.PortGoneAt, l.HostName));
        var quarantined = (model.Quarantined ?? []).Select(q => new QuarantinedAddress(q.Segment, Ipv4Address.Parse(q.Ip), q.Until));
        return LeaseTable.From(leases, quarantined, policy);
    }

    /// <summary>The table in <paramref name="path"/>, or an empty one when there is no file yet.</summary>
    public static LeaseTable Load(string path, LeasePolicy? policy = null) =>
        File.Exists(path) ? Deserialize(File.ReadAllText(path), policy) : new LeaseTable(policy);

    public static void Save(string path, LeaseTable table) => Save(path, Serialize(table));

    /// <summary>Writes <paramref name="json"/> (from <see cref="Serialize"/>) to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, string json)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(json);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        FsyncDirectory(directory);
    }

    /// <summary>Makes the rename durable: fsync on the directory (Linux; .NET cannot open a directory as a file handle).</summary>
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

    private sealed record FileModel(int Version, List<LeaseModel>? Leases, List<QuarantineModel>? Quarantined);

    private sealed record LeaseModel(string Segment, string Port, string Mac, string Ip, string State, DateTimeOffset Expires, DateTimeOffset? PortGoneAt, string? HostName);

    private sealed record QuarantineModel(string Segment, string Ip, DateTimeOffset Until);
}
