namespace Erebor.Bench;

/// <summary>Which filesystem a path is on (a bank on tmpfs and one on ext4 are different benchmarks).</summary>
public static class Mounts
{
    public static string FilesystemTypeOf(string path) =>
        File.Exists("/proc/mounts") ? FilesystemTypeOf(Path.GetFullPath(path), File.ReadAllText("/proc/mounts")) ?? "unknown" : "unknown";

    /// <summary>The type of the longest mount point in <paramref name="procMounts"/> (/proc/mounts text) that contains <paramref name="path"/>.</summary>
    public static string? FilesystemTypeOf(string path, string procMounts)
    {
        ArgumentNullException.ThrowIfNull(procMounts);
        string? best = null;
        var bestLength = -1;
        foreach (var line in procMounts.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length < 3) { continue; }
            var mountPoint = fields[1].Replace("\\040", " ", StringComparison.Ordinal); // the kernel escapes spaces
            var contains = mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (contains && mountPoint.Length >= bestLength)
            {
                (best, bestLength) = (fields[2], mountPoint.Length);
            }
        }

        return best;
    }
}
