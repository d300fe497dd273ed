using Erebor.Protection.Banks;

namespace Erebor.Protection.Checkpoints;

/// <summary>Tuning for <see cref="CheckpointWriter"/>.</summary>
public sealed record CheckpointWriterOptions
{
    /// <summary>How long the writer's lease lasts; it is renewed when a third of it has passed (on each add and at commit).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many objects <see cref="CheckpointWriter.CommitAsync"/> reads back at once.</summary>
    public int VerifyParallelism { get; init; } = 8;

    /// <summary>Plaintext bytes per encrypted chunk.</summary>
    public int EncryptionChunkSize { get; init; } = SecretEncryption.DefaultChunkSize;
}

/// <summary>Another holder's unexpired lease covers the checkpoint (it is being written or deleted).</summary>
public sealed class CheckpointLeaseHeldException(string message, LeaseRecord heldBy) : InvalidOperationException(message)
{
    public LeaseRecord HeldBy { get; } = heldBy;
}

/// <summary>
/// Writes one checkpoint (see <see cref="ICheckpointWriter"/>). <see cref="BeginAsync"/> checks the
/// bank's format marker, refuses a checkpoint that already has an index and takes the checkpoint's
/// lease. Each <see cref="AddAsync"/> streams one resource into its object (one encryption chunk and
/// one bank buffer in memory), hashing the stored bytes on the way; objects are batched writes
/// (<see cref="IBank.OpenBatchedWriteAsync"/>). <see cref="CommitAsync"/> reads every object back
/// (size + SHA-256), removes objects an earlier, crashed attempt left that this one did not write,
/// syncs the bank (every object durable), writes index.json last, reads it back (size + SHA-256, streamed), and releases the lease. Disposing
/// without commit releases the lease and leaves no index: the folder is then an orphan
/// (<see cref="CheckpointStore.ListOrphansAsync"/>), never a checkpoint.
/// </summary>
public sealed class CheckpointWriter : ICheckpointWriter
{
    private readonly IBank _bank;
    private readonly string _plan;
    private readonly string _uid;
    private readonly BankEncryptionKey? _key;
    private readonly CheckpointWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly string _folder;
    private readonly DateTimeOffset _createdAt;
    private readonly List<ResourceEntry> _entries = [];
    private readonly HashSet<ResourceKey> _keys = [];
    private BankLease _lease;
    private DateTimeOffset _renewedAt;
    private CheckpointIndex? _committed;
    private bool _disposed;

    private CheckpointWriter(IBank bank, string plan, string uid, BankEncryptionKey? key, CheckpointWriterOptions options, TimeProvider time, BankLease lease)
    {
        _bank = bank;
        _plan = plan;
        _uid = uid;
        _key = key;
        _options = options;
        _time = time;
        _lease = lease;
        _folder = BankLayout.CheckpointFolder(plan, uid);
        _createdAt = time.GetUtcNow();
        _renewedAt = _createdAt;
    }

    public string Plan => _plan;

    public string CheckpointUid => _uid;

    /// <summary>The entries added so far.</summary>
    public IReadOnlyList<ResourceEntry> Entries => _entries;

    public static async Task<CheckpointWriter> BeginAsync(IBank bank, string plan, string checkpointUid, string holder, BankEncryptionKey? key = null,
        CheckpointWriterOptions? options = null, TimeProvider? time = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(bank);
        options ??= new CheckpointWriterOptions();
        time ??= TimeProvider.System;
        await BankLayout.EnsureMarkerAsync(bank, time, ct).ConfigureAwait(false);
        if (await bank.ExistsAsync(BankLayout.IndexKey(plan, checkpointUid), ct).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"checkpoint {plan}/{checkpointUid} is already committed in {bank.Location}");
        }

        var attempt = await bank.TryAcquireLeaseAsync(BankLayout.LeaseKey(plan, checkpointUid), holder, options.LeaseDuration, ct).ConfigureAwait(false);
        if (attempt.Lease is null)
        {
            var other = attempt.HeldBy!;
            throw new CheckpointLeaseHeldException($"checkpoint {plan}/{checkpointUid} in {bank.Location} is held by {other.Holder} until {other.ExpiresAt:O}", other);
        }

        return new CheckpointWriter(bank, plan, checkpointUid, key, options, time, attempt.Lease);
    }

    public async Task<ResourceEntry> AddAsync(ResourceKey key, Stream json, bool encrypt, IReadOnlyList<ResourceKey> dependsOn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(json);
        EnsureOpen();
        if (encrypt && _key is null) { throw new InvalidOperationException($"{key}: asked to encrypt, but the checkpoint writer has no encryption key"); }
        var objectPath = BankLayout.ResourceObject(key, encrypt);
        if (!_keys.Add(key)) { throw new ArgumentException($"{key} was already added to checkpoint {_plan}/{_uid}", nameof(key)); }
        try
        {
            await RenewIfDueAsync(ct).ConfigureAwait(false);
            await using var writer = await _bank.OpenBatchedWriteAsync(_folder + objectPath, ct).ConfigureAwait(false);
            long size;
            string sha;
            await using (var hashing = new HashingWriteStream(writer.Stream))
            {
                if (encrypt)
                {
                    await using var encrypting = SecretEncryption.Encrypt(hashing, _key!, BankLayout.EncryptionContext(_uid, key), _options.EncryptionChunkSize);
                    await json.CopyToAsync(encrypting, 81920, ct).ConfigureAwait(false);
                    await encrypting.FlushAsync(ct).ConfigureAwait(false); // the final chunk
                }
                else
                {
                    await json.CopyToAsync(hashing, 81920, ct).ConfigureAwait(false);
                }

                size = hashing.BytesWritten;
                sha = hashing.Sha256();
            }

            await writer.CommitAsync(ct).ConfigureAwait(false);
            var entry = new ResourceEntry(key, size, sha, encrypt, [.. dependsOn ?? []]);
            _entries.Add(entry);
            return entry;
        }
        catch
        {
            _keys.Remove(key);
            throw;
        }
    }

    public async Task<CheckpointIndex> CommitAsync(CancellationToken ct)
    {
        EnsureOpen();
        await RenewIfDueAsync(ct).ConfigureAwait(false);
        await Parallel.ForEachAsync(_entries, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.VerifyParallelism), CancellationToken = ct }, async (entry, token) =>
        {
            var objectKey = _folder + BankLayout.ResourceObject(entry.Key, entry.Encrypted);
            await CheckpointReader.VerifyAsync(_bank, objectKey, entry.SizeBytes, entry.Sha256, $"verifying {entry.Key} of checkpoint {_plan}/{_uid} ({objectKey} in {_bank.Location})", token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        await RemoveStrayObjectsAsync(ct).ConfigureAwait(false);
        await _bank.SyncAsync(ct).ConfigureAwait(false); // every object durable before the index names it
        await RenewIfDueAsync(ct).ConfigureAwait(false);

        var index = new CheckpointIndex(BankLayout.FormatVersion, _plan, _uid, _createdAt, [.. _entries]);
        var indexKey = BankLayout.IndexKey(_plan, _uid);
        long indexSize;
        string indexSha;
        await using (var writer = await _bank.OpenWriteAsync(indexKey, ct).ConfigureAwait(false))
        {
            await using (var hashing = new HashingWriteStream(writer.Stream))
            {
                await IndexCodec.WriteAsync(hashing, index, _entries.Any(e => e.Encrypted) ? _key?.Fingerprint : null, ct).ConfigureAwait(false);
                (indexSize, indexSha) = (hashing.BytesWritten, hashing.Sha256());
            }

            await writer.CommitAsync(ct).ConfigureAwait(false);
        }

        // Read back byte for byte (streamed: the index of a large checkpoint is never parsed whole here).
        await CheckpointReader.VerifyAsync(_bank, indexKey, indexSize, indexSha, $"checkpoint {_plan}/{_uid}: index {indexKey} in {_bank.Location} did not read back as written", ct).ConfigureAwait(false);

        _committed = index;
        await ReleaseLeaseAsync().ConfigureAwait(false);
        return index;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) { return; }
        _disposed = true;
        if (_committed is null) { await ReleaseLeaseAsync().ConfigureAwait(false); }
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed is not null) { throw new InvalidOperationException($"checkpoint {_plan}/{_uid} is already committed"); }
    }

    private async Task RenewIfDueAsync(CancellationToken ct)
    {
        if (_time.GetUtcNow() - _renewedAt < _options.LeaseDuration / 3) { return; }
        _lease = await _bank.RenewLeaseAsync(_lease, _options.LeaseDuration, ct).ConfigureAwait(false);
        _renewedAt = _time.GetUtcNow();
    }

    private async Task RemoveStrayObjectsAsync(CancellationToken ct)
    {
        var written = _entries.Select(e => _folder + BankLayout.ResourceObject(e.Key, e.Encrypted)).ToHashSet(StringComparer.Ordinal);
        var stray = new List<string>();
        await foreach (var item in _bank.ListAsync(_folder + "resources/", ct).ConfigureAwait(false))
        {
            if (!written.Contains(item.Key)) { stray.Add(item.Key); }
        }

        foreach (var key in stray) { await _bank.DeleteAsync(key, ct).ConfigureAwait(false); }
    }

    private async Task ReleaseLeaseAsync()
    {
        try { await _bank.ReleaseLeaseAsync(_lease, CancellationToken.None).ConfigureAwait(false); }
        catch (BankException) { /* it expires on its own */ }
    }
}
