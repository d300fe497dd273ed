using System.Runtime.CompilerServices;
using Erebor.Protection.Banks;

namespace Erebor.Protection.Checkpoints;

/// <summary>One checkpoint folder in a bank: committed (has an index), being written (live lease), or an orphan (neither).</summary>
public sealed record CheckpointFolder(string Plan, string CheckpointUid, bool Committed, LeaseRecord? Lease, int Objects, long Bytes)
{
    /// <summary>No index and no live lease: a write that crashed or was abandoned.</summary>
    public bool IsOrphan(DateTimeOffset now) => !Committed && (Lease is null || Lease.ExpiresAt <= now);
}

/// <summary>
/// Checkpoints in one bank: begin a write, read (<see cref="ICheckpointReader"/>), list, delete,
/// and find and collect orphans (folders a crashed writer left without an index).
/// <code>
/// var store = new CheckpointStore(bank, key);
/// await using var writer = await store.BeginAsync("shop/nightly", checkpoint.Uid, holder: podName, ct);
/// await writer.AddAsync(key, json, encrypt: kind == "Secret", dependsOn, ct);
/// var index = await writer.CommitAsync(ct);
/// </code>
/// </summary>
public sealed class CheckpointStore(IBank bank, BankEncryptionKey? key = null, TimeProvider? time = null, CheckpointWriterOptions? options = null) : ICheckpointReader
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly CheckpointReader _reader = new(bank, key);
    private readonly CheckpointWriterOptions _options = options ?? new CheckpointWriterOptions();

    public IBank Bank => bank;

    public Task<CheckpointWriter> BeginAsync(string plan, string checkpointUid, string holder, CancellationToken ct) =>
        CheckpointWriter.BeginAsync(bank, plan, checkpointUid, holder, key, _options, _time, ct);

    public Task<CheckpointIndex?> ReadIndexAsync(string plan, string checkpointUid, CancellationToken ct) => _reader.ReadIndexAsync(plan, checkpointUid, ct);

    public Task<Stream> OpenResourceAsync(string plan, string checkpointUid, ResourceEntry entry, CancellationToken ct) =>
        _reader.OpenResourceAsync(plan, checkpointUid, entry, ct);

    /// <summary>Every checkpoint folder of a plan ("&lt;namespace&gt;/&lt;name&gt;"), committed or not.</summary>
    public async Task<IReadOnlyList<CheckpointFolder>> ListCheckpointsAsync(string plan, CancellationToken ct) =>
        await FoldersAsync(plan, uncommittedOnly: false, ct).ToListAsync(ct).ConfigureAwait(false);

    /// <summary>The checkpoint folders of a plan, described; with <paramref name="uncommittedOnly"/> those with an index are skipped undescribed.</summary>
    private async IAsyncEnumerable<CheckpointFolder> FoldersAsync(string plan, bool uncommittedOnly, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var uid in bank.ListFoldersAsync(BankLayout.CheckpointsFolder(plan), ct).ConfigureAwait(false))
        {
            if (uncommittedOnly && await bank.ExistsAsync(BankLayout.IndexKey(plan, uid), ct).ConfigureAwait(false)) { continue; }
            yield return await DescribeAsync(plan, uid, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Every plan with checkpoint folders in the bank, as "&lt;namespace&gt;/&lt;name&gt;".</summary>
    public async Task<IReadOnlyList<string>> ListPlansAsync(CancellationToken ct)
    {
        var plans = new List<string>();
        await foreach (var ns in bank.ListFoldersAsync(BankLayout.PlansFolder, ct).ConfigureAwait(false))
        {
            await foreach (var name in bank.ListFoldersAsync($"{BankLayout.PlansFolder}{ns}/", ct).ConfigureAwait(false))
            {
                plans.Add($"{BankLayout.Unescape(ns)}/{BankLayout.Unescape(name)}");
            }
        }

        return plans;
    }

    /// <summary>Checkpoint folders with no index and no live lease, in every plan (or one).</summary>
    public async Task<IReadOnlyList<CheckpointFolder>> ListOrphansAsync(CancellationToken ct, string? plan = null)
    {
        var now = _time.GetUtcNow();
        var orphans = new List<CheckpointFolder>();
        foreach (var p in plan is null ? await ListPlansAsync(ct).ConfigureAwait(false) : [plan])
        {
            // Committed checkpoints are most of a bank, and the operator looks for orphans with
            // every provider probe: they are skipped before their objects are listed.
            await foreach (var folder in FoldersAsync(p, uncommittedOnly: true, ct).ConfigureAwait(false))
            {
                if (folder.IsOrphan(now)) { orphans.Add(folder); }
            }
        }

        return orphans;
    }

    /// <summary>
    /// Deletes every orphan (see <see cref="ListOrphansAsync"/>); returns what was deleted. A folder
    /// that a writer took after the listing is left alone: still leased (the writer is in it), or
    /// committed by the time this holds its lease. Give <paramref name="holder"/> a name no writer
    /// uses: a lease is taken over by its own holder, so it would not exclude that writer.
    /// </summary>
    public async Task<IReadOnlyList<CheckpointFolder>> CollectOrphansAsync(string holder, CancellationToken ct, string? plan = null)
    {
        var collected = new List<CheckpointFolder>();
        foreach (var orphan in await ListOrphansAsync(ct, plan).ConfigureAwait(false))
        {
            try
            {
                if (await DeleteUnderLeaseAsync(orphan.Plan, orphan.CheckpointUid, holder, uncommittedOnly: true, ct).ConfigureAwait(false) is not null)
                {
                    collected.Add(orphan);
                }
            }
            catch (CheckpointLeaseHeldException)
            {
                // A writer began after the listing: no longer an orphan.
            }
        }

        return collected;
    }

    /// <summary>
    /// Deletes a checkpoint under its lease: the index first (from then on it no longer reads as a
    /// checkpoint), then every object. Throws <see cref="CheckpointLeaseHeldException"/> while another
    /// holder is writing it. Returns how many objects were deleted; deleting twice is not an error.
    /// </summary>
    public async Task<int> DeleteCheckpointAsync(string plan, string checkpointUid, string holder, CancellationToken ct) =>
        (await DeleteUnderLeaseAsync(plan, checkpointUid, holder, uncommittedOnly: false, ct).ConfigureAwait(false))!.Value;

    /// <summary>Deletes the checkpoint under its lease; null (nothing deleted) when <paramref name="uncommittedOnly"/> and it has an index.</summary>
    private async Task<int?> DeleteUnderLeaseAsync(string plan, string checkpointUid, string holder, bool uncommittedOnly, CancellationToken ct)
    {
        var attempt = await bank.TryAcquireLeaseAsync(BankLayout.LeaseKey(plan, checkpointUid), holder, _options.LeaseDuration, ct).ConfigureAwait(false);
        if (attempt.Lease is null)
        {
            var other = attempt.HeldBy!;
            throw new CheckpointLeaseHeldException($"checkpoint {plan}/{checkpointUid} in {bank.Location} is held by {other.Holder} until {other.ExpiresAt:O}", other);
        }

        try
        {
            var deleted = 0;
            var indexKey = BankLayout.IndexKey(plan, checkpointUid);
            if (await bank.ExistsAsync(indexKey, ct).ConfigureAwait(false))
            {
                if (uncommittedOnly) { return null; }
                await bank.DeleteAsync(indexKey, ct).ConfigureAwait(false);
                deleted++;
            }

            var folder = BankLayout.CheckpointFolder(plan, checkpointUid);
            var lease = BankLayout.LeaseKey(plan, checkpointUid);
            var keys = new List<string>();
            await foreach (var item in bank.ListAsync(folder, ct).ConfigureAwait(false))
            {
                if (!item.Key.StartsWith(lease, StringComparison.Ordinal)) { keys.Add(item.Key); }
            }

            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
                async (key, token) => await bank.DeleteAsync(key, token).ConfigureAwait(false)).ConfigureAwait(false);
            return deleted + keys.Count;
        }
        finally
        {
            await bank.ReleaseLeaseAsync(attempt.Lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<CheckpointFolder> DescribeAsync(string plan, string uid, CancellationToken ct)
    {
        var folder = BankLayout.CheckpointFolder(plan, uid);
        var committed = await bank.ExistsAsync(BankLayout.IndexKey(plan, uid), ct).ConfigureAwait(false);
        LeaseRecord? lease = null;
        try { lease = await bank.ReadLeaseAsync(BankLayout.LeaseKey(plan, uid), ct).ConfigureAwait(false); }
        catch (InvalidDataException) { /* a malformed lease holds nothing */ }
        var objects = 0;
        long bytes = 0;
        await foreach (var item in bank.ListAsync(folder + "resources/", ct).ConfigureAwait(false))
        {
            objects++;
            bytes += item.SizeBytes;
        }

        return new CheckpointFolder(plan, uid, committed, lease, objects, bytes);
    }
}
