using Erebor.Harness.Processes;

namespace Erebor.Harness.Storage;

/// <summary>A small tmpfs this test mounts (root) under /tmp, unmounted and removed on dispose.</summary>
public sealed class TmpfsMount : IAsyncDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public static async Task<TmpfsMount> MountAsync(string size)
    {
        var path = Directory.CreateTempSubdirectory("erebor-bank-tmpfs-").FullName;
        try
        {
            await ProcessRunner.RunCheckedAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", path);
        }
        catch
        {
            Directory.Delete(path);
            throw;
        }

        return new TmpfsMount(path);
    }

    public Task RemountReadOnlyAsync() => ProcessRunner.RunCheckedAsync("mount", "-o", "remount,ro", Path);

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("umount", Path);
        try { Directory.Delete(Path); }
        catch (IOException) { /* still mounted: leave the empty directory rather than fail */ }
    }
}
