namespace Erebor.Harness.ControlPlane;

/// <summary>
/// Where the control plane's executables are: kube-apiserver and kubectl 1.20.2 as built by
/// <c>hack/bootstrap.sh</c> into <c>$EREBOR_CACHE/bin</c> (default <c>/var/cache/erebor/bin</c>),
/// else the first on PATH; etcd from PATH (Debian's etcd-server).
/// </summary>
public static class KubeBinaries
{
    public const string CacheEnvironmentVariable = "EREBOR_CACHE";
    public const string DefaultCacheDirectory = "/var/cache/erebor";

    public static string CacheBinDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable(CacheEnvironmentVariable) is { Length: > 0 } cache ? cache : DefaultCacheDirectory, "bin");

    public static string ApiServer => Resolve("kube-apiserver");

    /// <summary>kubectl matching the local API server (1.20.2); a newer one on PATH is the fallback, which kubectl's version skew policy may not cover.</summary>
    public static string Kubectl => Resolve("kubectl");

    public static string Etcd => Resolve("etcd");

    /// <summary>The executable <paramref name="name"/> from the cache directory, else from PATH; throws telling the user how to get it.</summary>
    public static string Resolve(string name) =>
        FindExecutable(name) ?? throw new FileNotFoundException(
            $"`{name}` was found neither in {CacheBinDirectory} nor on PATH. Run `make bootstrap` (hack/bootstrap.sh) to build kube-apiserver/kubectl 1.20.2 and install etcd, " +
            $"or point {CacheEnvironmentVariable} at the cache directory that holds bin/{name}.",
            name);

    public static string? FindExecutable(string name)
    {
        var cached = Path.Combine(CacheBinDirectory, name);
        return IsExecutable(cached) ? cached : FindOnPath(name);
    }

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(IsExecutable);

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);
}
