using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Erebor.Protection.Banks;

/// <summary>
/// A bank in a directory (a local disk, a mounted volume, NFS). Objects are files under the root;
/// a write goes to a temporary file in <c>&lt;root&gt;/.erebor-tmp/</c> (same filesystem), is
/// fsync'ed, then renamed over its final name and the directory fsync'ed, so an object is either
/// absent or complete. The create-if-absent used by the lease is link(2) of a complete temporary
/// file, which fails with EEXIST when the name exists. A batched write skips both fsyncs; the
/// filesystem's syncfs(2) in <see cref="SyncAsync"/> makes all of them durable at once (a fsync per
/// object costs milliseconds each on a real disk: most of a checkpoint's time). The root must exist: the bank never creates
/// it, so a volume that failed to mount is reported instead of being filled on the wrong disk.
/// </summary>
public sealed class FilesystemBank : IBank
{
    /// <summary>Where in-flight writes live (never listed).</summary>
    public const string TempFolder = ".erebor-tmp";

    /// <summary>Where <see cref="ProbeAsync"/> writes its probe object.</summary>
    public const string ProbeFolder = ".erebor-probe";

    private const int ENOENT = 2;
    private const int EEXIST = 17;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int EDQUOT = 122;

    private readonly string _root;
    private readonly TimeProvider _time;

    public FilesystemBank(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        _root = full.Length > 1 ? full.TrimEnd('/') : full;
        _time = time ?? TimeProvider.System;
    }

    public string Location => _root;

    public Task<IBankObjectWriter> OpenWriteAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IBankObjectWriter>(new FileObjectWriter(this, key, OpenTemp(key), durable: true));
    }

    public Task<IBankObjectWriter> OpenBatchedWriteAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IBankObjectWriter>(new FileObjectWriter(this, key, OpenTemp(key), durable: false));
    }

    public Task SyncAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        EnsureRoot();
        var fd = Native.open(_root, 0 /* O_RDONLY */);
        if (fd < 0) { throw Translate(new IOException($"open({_root}): {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}"), "syncing", "."); }
        try
        {
            // syncfs reports writeback errors (EIO, ENOSPC) of the whole filesystem since Linux 5.8.
            if (Native.syncfs(fd) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw Translate(new IOException($"syncfs({_root}): {Marshal.GetPInvokeErrorMessage(errno)}", errno), "syncing", ".");
            }
        }
        finally
        {
            _ = Native.close(fd);
        }

        return Task.CompletedTask;
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        ct.ThrowIfCancellationRequested();
        try
        {
            Stream stream = new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.SequentialScan);
            return Task.FromResult(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, "reading", key);
        }
    }

    public Task<BankObjectInfo?> StatAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        ct.ThrowIfCancellationRequested();
        EnsureRoot();
        var info = new FileInfo(PathOf(key));
        return Task.FromResult(info.Exists ? new BankObjectInfo(key, info.Length, info.LastWriteTimeUtc) : null);
    }

    public async IAsyncEnumerable<BankObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        BankKeys.Validate(prefix.EndsWith('/') ? prefix[..^1] : prefix, allowEmpty: true);
        EnsureRoot();
        var slash = prefix.LastIndexOf('/');
        var folder = slash < 0 ? string.Empty : prefix[..(slash + 1)];
        var directory = folder.Length == 0 ? _root : Path.Combine(_root, folder);
        if (!Directory.Exists(directory)) { yield break; }
        foreach (var item in Walk(directory, folder, prefix))
        {
            ct.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        if (prefix.Length > 0) { BankKeys.Validate(prefix, folder: true); }
        EnsureRoot();
        var directory = prefix.Length == 0 ? _root : Path.Combine(_root, prefix);
        if (!Directory.Exists(directory)) { yield break; }
        var names = new DirectoryInfo(directory).EnumerateDirectories()
            .Where(d => !(prefix.Length == 0 && (d.Name == TempFolder || d.Name == ProbeFolder)))
            .Where(d => d.EnumerateFiles("*", SearchOption.AllDirectories).Any())
            .Select(d => d.Name)
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            ct.ThrowIfCancellationRequested();
            yield return name;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        ct.ThrowIfCancellationRequested();
        try
        {
            var path = PathOf(key);
            if (File.Exists(path))
            {
                File.Delete(path);
                PruneEmptyParents(Path.GetDirectoryName(path)!);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, "deleting", key);
        }

        return Task.CompletedTask;
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        BankKeys.Validate(key);
        var temp = OpenTemp(key);
        var tempPath = temp.Name;
        try
        {
            await using (temp.ConfigureAwait(false))
            {
                await temp.WriteAsync(content, ct).ConfigureAwait(false);
                temp.Flush(flushToDisk: true);
            }

            var final = PathOf(key);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            if (Native.link(tempPath, final) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EEXIST) { return false; }
                throw Translate(new IOException($"link({tempPath}, {final}): {Marshal.GetPInvokeErrorMessage(errno)}", errno), "creating", key);
            }

            FsyncDirectory(Path.GetDirectoryName(final)!);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, "creating", key);
        }
        finally
        {
            TryDeleteFile(tempPath);
        }
    }

    public Task<LeaseAttempt> TryAcquireLeaseAsync(string key, string holder, TimeSpan duration, CancellationToken ct) =>
        LeaseProtocol.TryAcquireAsync(this, _time, key, holder, duration, ct);

    public Task<BankLease> RenewLeaseAsync(BankLease lease, TimeSpan duration, CancellationToken ct) =>
        LeaseProtocol.RenewAsync(this, _time, lease, duration, ct);

    public Task ReleaseLeaseAsync(BankLease lease, CancellationToken ct) => LeaseProtocol.ReleaseAsync(this, lease, ct);

    public Task<LeaseRecord?> ReadLeaseAsync(string key, CancellationToken ct) => LeaseProtocol.ReadAsync(this, key, ct);

    public async Task<BankProbeResult> ProbeAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_root))
        {
            return new BankProbeResult(_root, false, false, null, BankFailure.BankNotFound, $"bank {_root} does not exist (or is not a directory)");
        }

        long? free = null;
        try { free = new DriveInfo(_root).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { /* unknown */ }

        var key = $"{ProbeFolder}/{Guid.NewGuid():N}";
        try
        {
            await this.WriteAsync(key, "erebor bank probe"u8.ToArray(), ct).ConfigureAwait(false);
            await DeleteAsync(key, ct).ConfigureAwait(false);
            return new BankProbeResult(_root, true, true, free, null, null);
        }
        catch (BankException e)
        {
            return new BankProbeResult(_root, true, false, free, e.Failure, e.Message);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private string PathOf(string key) => Path.Combine(_root, key);

    private void EnsureRoot()
    {
        if (!Directory.Exists(_root))
        {
            throw new BankException(BankFailure.BankNotFound, $"bank {_root} does not exist (or is not a directory)");
        }
    }

    private FileStream OpenTemp(string key)
    {
        EnsureRoot();
        try
        {
            var folder = Path.Combine(_root, TempFolder);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, $"{Guid.NewGuid():N}.tmp");
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Translate(e, "writing", key);
        }
    }

    private IEnumerable<BankObjectInfo> Walk(string directory, string folderKey, string prefix)
    {
        var entries = new DirectoryInfo(directory).EnumerateFileSystemInfos()
            .Select(e => (Entry: e, SortKey: e is DirectoryInfo ? e.Name + "/" : e.Name))
            .OrderBy(e => e.SortKey, StringComparer.Ordinal)
            .ToList();
        foreach (var (entry, sortKey) in entries)
        {
            var key = folderKey + sortKey;
            if (folderKey.Length == 0 && (entry.Name == TempFolder || entry.Name == ProbeFolder)) { continue; }
            if (entry is DirectoryInfo sub)
            {
                // Descend only where keys can still start with the prefix.
                if (!(key.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(key, StringComparison.Ordinal))) { continue; }
                foreach (var item in Walk(sub.FullName, key, prefix)) { yield return item; }
            }
            else if (entry is FileInfo file && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return new BankObjectInfo(key, file.Length, file.LastWriteTimeUtc);
            }
        }
    }

    private void PruneEmptyParents(string directory)
    {
        var root = _root.TrimEnd('/');
        while (directory.Length > root.Length && directory.StartsWith(root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any()) { return; }
                Directory.Delete(directory);
            }
            catch (IOException) { return; }
            directory = Path.GetDirectoryName(directory)!;
        }
    }

    internal BankException Translate(Exception e, string action, string key)
    {
        if (e is BankException bank) { return bank; }
        var errno = e is IOException io ? io.HResult : 0;
        if (errno is ENOSPC or EDQUOT || e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase))
        {
            return new BankException(BankFailure.Full, $"bank full: no space left on device (bank {_root}, {action} '{key}')", e);
        }

        if (errno == EROFS || e.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase))
        {
            return new BankException(BankFailure.ReadOnly, $"bank {_root} is read-only: {e.Message} ({action} '{key}')", e);
        }

        if (!Directory.Exists(_root))
        {
            return new BankException(BankFailure.BankNotFound, $"bank {_root} does not exist (or is not a directory)", e);
        }

        return e switch
        {
            FileNotFoundException or DirectoryNotFoundException => new BankException(BankFailure.ObjectNotFound, $"object '{key}' not found in bank {_root}", e),
            _ when errno == ENOENT => new BankException(BankFailure.ObjectNotFound, $"object '{key}' not found in bank {_root}", e),
            UnauthorizedAccessException => new BankException(BankFailure.AccessDenied, $"bank {_root} denies access: {e.Message} ({action} '{key}')", e),
            _ => new BankException(BankFailure.Other, $"bank {_root}: {action} '{key}' failed: {e.Message}", e),
        };
    }

    private static void FsyncDirectory(string directory)
    {
        var fd = Native.open(directory, 0 /* O_RDONLY */);
        if (fd < 0) { return; }
        _ = Native.fsync(fd);
        _ = Native.close(fd);
    }

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort: a temp file */ }
    }

    /// <param name="durable">fsync the file and its directory on commit; false for a batched write (<see cref="SyncAsync"/>).</param>
    private sealed class FileObjectWriter(FilesystemBank bank, string key, FileStream temp, bool durable) : IBankObjectWriter
    {
        private readonly TranslatingStream _stream = new(temp, e => bank.Translate(e, "writing", key));
        private bool _committed;
        private bool _disposed;

        public Stream Stream => _stream;

        public async Task<BankObjectInfo> CommitAsync(CancellationToken ct)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed) { throw new InvalidOperationException($"object '{key}' is already committed"); }
            var final = bank.PathOf(key);
            try
            {
                await temp.FlushAsync(ct).ConfigureAwait(false);
                if (durable) { temp.Flush(flushToDisk: true); }
                var size = temp.Length;
                await temp.DisposeAsync().ConfigureAwait(false);
                var directory = Path.GetDirectoryName(final)!;
                Directory.CreateDirectory(directory);
                File.Move(temp.Name, final, overwrite: true);
                if (durable) { FsyncDirectory(directory); }
                _committed = true;
                return new BankObjectInfo(key, size, bank._time.GetUtcNow());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw bank.Translate(e, "writing", key);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed) { return; }
            _disposed = true;
            try { await temp.DisposeAsync().ConfigureAwait(false); }
            catch (IOException) { /* the write failed already (e.g. ENOSPC on the final flush); the temp file goes below */ }
            if (!_committed) { TryDeleteFile(temp.Name); }
        }
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int link(string oldpath, string newpath);

        [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
        public static extern int open(string pathname, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int syncfs(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
    }
}
