namespace Erebor.Protection.Banks;

/// <summary>One stored object: its key (relative to the bank's root, '/'-separated), size and modification time.</summary>
public sealed record BankObjectInfo(string Key, long SizeBytes, DateTimeOffset LastModified);

/// <summary>
/// What <see cref="IBank.ProbeAsync"/> found. <see cref="Error"/> is a precise, human-readable
/// reason when the bank is not reachable or not writable ("bank /x is read-only: ...",
/// "S3 endpoint http://127.0.0.1:9000 unreachable: connection refused", "bucket 'b' does not exist",
/// "bank full: no space left on device ..."); <see cref="FreeBytes"/> is null where the bank
/// cannot tell (S3).
/// </summary>
public sealed record BankProbeResult(string Location, bool Reachable, bool Writable, long? FreeBytes, BankFailure? Failure, string? Error)
{
    public bool Healthy => Reachable && Writable;
}

/// <summary>The lease record stored in the bank: who holds it, until when, and a token unique to this acquisition.</summary>
public sealed record LeaseRecord(string Holder, string Token, long Generation, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

/// <summary>A lease this process holds (returned by acquire and renew).</summary>
public sealed record BankLease(string Key, LeaseRecord Record);

/// <summary>The outcome of <see cref="IBank.TryAcquireLeaseAsync"/>: the lease, or who holds it.</summary>
public sealed record LeaseAttempt(BankLease? Lease, LeaseRecord? HeldBy)
{
    public bool Acquired => Lease is not null;
}

/// <summary>
/// A streaming write of one object: write the bytes, then <see cref="CommitAsync"/> makes the object
/// visible under its key in one step. Disposing without committing discards everything written
/// (temporary file removed, multipart upload aborted): a reader never sees a partial object.
/// </summary>
public interface IBankObjectWriter : IAsyncDisposable
{
    /// <summary>The stream to write the object's bytes to (do not dispose it; dispose the writer).</summary>
    Stream Stream { get; }

    /// <summary>Makes the object visible under its key; returns what is now stored.</summary>
    Task<BankObjectInfo> CommitAsync(CancellationToken ct);
}

/// <summary>
/// The storage primitive under checkpoints: a flat namespace of objects keyed by '/'-separated
/// paths, written atomically (visible only when complete), plus a lease for mutual exclusion.
/// Implementations: <see cref="FilesystemBank"/> and <see cref="S3Bank"/>. Every failure surfaces as a
/// <see cref="BankException"/> with a <see cref="BankFailure"/> and a precise message.
/// </summary>
/// <remarks>
/// Keys are validated by <see cref="BankKeys.Validate"/>: no leading '/', no empty, '.' or '..'
/// segment, no backslash or control character.
/// </remarks>
public interface IBank : IAsyncDisposable
{
    /// <summary>Where the bank is, for messages: "/var/lib/bank" or "s3://bucket/prefix at http://host:port".</summary>
    string Location { get; }

    /// <summary>Starts a streaming write of <paramref name="key"/> (replacing any existing object once committed).</summary>
    Task<IBankObjectWriter> OpenWriteAsync(string key, CancellationToken ct);

    /// <summary>
    /// Like <see cref="OpenWriteAsync"/> (visible only when complete, once committed), but the object
    /// need only survive a crash of the machine after the next <see cref="SyncAsync"/>: for many
    /// objects made durable together, e.g. a checkpoint's resources before its index, so that the
    /// bank pays for durability once instead of once per object. Where every commit is durable
    /// anyway (S3: a PUT has landed when it returns) it is <see cref="OpenWriteAsync"/>.
    /// </summary>
    Task<IBankObjectWriter> OpenBatchedWriteAsync(string key, CancellationToken ct) => OpenWriteAsync(key, ct);

    /// <summary>Makes every write committed so far durable (those of <see cref="OpenBatchedWriteAsync"/> included).</summary>
    Task SyncAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Opens an object for reading; a missing object throws <see cref="BankException"/> with <see cref="BankFailure.ObjectNotFound"/>.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>The object's size and time, or null when it does not exist.</summary>
    Task<BankObjectInfo?> StatAsync(string key, CancellationToken ct);

    /// <summary>Every object whose key starts with <paramref name="prefix"/> (recursively). The order is the bank's (S3 promises UTF-8 byte order, but not every S3-compatible server keeps it): sort if it matters.</summary>
    IAsyncEnumerable<BankObjectInfo> ListAsync(string prefix, CancellationToken ct);

    /// <summary>
    /// The immediate "folders" under <paramref name="prefix"/> (which must be empty or end with '/'):
    /// the distinct next path segments of the keys below it that have further segments (order: as <see cref="ListAsync"/>).
    /// </summary>
    IAsyncEnumerable<string> ListFoldersAsync(string prefix, CancellationToken ct);

    /// <summary>Deletes an object; deleting a missing object is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>
    /// Creates a small object only if nothing exists under <paramref name="key"/>: true when this call
    /// created it, false when an object was already there. Atomic on the filesystem (link(2) of a
    /// complete temporary file) and on S3 servers that honour <c>If-None-Match: *</c>; elsewhere a
    /// write-then-read-back check (see <see cref="S3Bank"/>), which needs <paramref name="content"/>
    /// to be unique to the caller to detect a lost race.
    /// </summary>
    Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct);

    /// <summary>
    /// Takes the lease stored under the folder <paramref name="key"/> for <paramref name="duration"/>
    /// unless another holder has an unexpired one (then <see cref="LeaseAttempt.HeldBy"/> says who).
    /// A lease whose holder equals <paramref name="holder"/> or that has expired is taken over.
    /// </summary>
    Task<LeaseAttempt> TryAcquireLeaseAsync(string key, string holder, TimeSpan duration, CancellationToken ct);

    /// <summary>Extends a held lease; throws <see cref="LeaseLostException"/> when it expired or was taken over.</summary>
    Task<BankLease> RenewLeaseAsync(BankLease lease, TimeSpan duration, CancellationToken ct);

    /// <summary>Gives a held lease up (idempotent).</summary>
    Task ReleaseLeaseAsync(BankLease lease, CancellationToken ct);

    /// <summary>The current lease record under <paramref name="key"/>, or null when none is stored.</summary>
    Task<LeaseRecord?> ReadLeaseAsync(string key, CancellationToken ct);

    /// <summary>Reachable, writable (a probe object is written and deleted), free bytes where known; never throws for bank problems.</summary>
    Task<BankProbeResult> ProbeAsync(CancellationToken ct);
}

/// <summary>Convenience operations over <see cref="IBank"/>.</summary>
public static class BankExtensions
{
    /// <summary>Streams <paramref name="content"/> into <paramref name="key"/> and commits it.</summary>
    public static async Task<BankObjectInfo> WriteAsync(this IBank bank, string key, Stream content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bank);
        ArgumentNullException.ThrowIfNull(content);
        await using var writer = await bank.OpenWriteAsync(key, ct).ConfigureAwait(false);
        await content.CopyToAsync(writer.Stream, 81920, ct).ConfigureAwait(false);
        return await writer.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Writes a small object from memory.</summary>
    public static async Task<BankObjectInfo> WriteAsync(this IBank bank, string key, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bank);
        await using var writer = await bank.OpenWriteAsync(key, ct).ConfigureAwait(false);
        await writer.Stream.WriteAsync(content, ct).ConfigureAwait(false);
        return await writer.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Opens an object for reading, or null when it does not exist.</summary>
    public static async Task<Stream?> TryOpenReadAsync(this IBank bank, string key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bank);
        try
        {
            return await bank.OpenReadAsync(key, ct).ConfigureAwait(false);
        }
        catch (BankException e) when (e.Failure == BankFailure.ObjectNotFound)
        {
            return null;
        }
    }

    /// <summary>Reads a whole (small) object into memory, or null when it does not exist.</summary>
    public static async Task<byte[]?> TryReadAllBytesAsync(this IBank bank, string key, CancellationToken ct)
    {
        await using var stream = await bank.TryOpenReadAsync(key, ct).ConfigureAwait(false);
        if (stream is null) { return null; }
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>True when an object exists under <paramref name="key"/>.</summary>
    public static async Task<bool> ExistsAsync(this IBank bank, string key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bank);
        return await bank.StatAsync(key, ct).ConfigureAwait(false) is not null;
    }
}
