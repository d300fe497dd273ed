using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Erebor.Protection.Banks;

/// <summary>
/// The lease, built only on <see cref="IBank.TryCreateAsync"/> (create-if-absent), so it is the
/// same on every bank. A lease is a folder of generations, <c>&lt;key&gt;/&lt;generation:D12&gt;.json</c>;
/// the highest generation is the current lease. Taking a lease (free, expired, or our own) is the
/// conditional create of the next generation: two operators racing for it both try to create the
/// same object and exactly one succeeds. Older generations are deleted after a successful take.
/// Renewal rewrites the holder's own generation and is refused once it has expired locally (a holder
/// renews well before expiry; clocks are assumed roughly in sync, as for Kubernetes leases).
/// </summary>
internal static partial class LeaseProtocol
{
    private const int MaxAttempts = 5;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Folder(string key)
    {
        var folder = key.EndsWith('/') ? key : key + "/";
        BankKeys.Validate(folder, folder: true);
        return folder;
    }

    public static async Task<LeaseAttempt> TryAcquireAsync(IBank bank, TimeProvider time, string key, string holder, TimeSpan duration, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(holder);
        if (duration <= TimeSpan.Zero) { throw new ArgumentOutOfRangeException(nameof(duration), duration, "a lease lasts a positive time"); }
        var folder = Folder(key);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (current, highest) = await ReadCurrentAsync(bank, folder, ct).ConfigureAwait(false);
            var now = time.GetUtcNow();
            if (current is not null && current.Holder != holder && current.ExpiresAt > now)
            {
                return new LeaseAttempt(null, current);
            }

            var generation = highest + 1;
            var record = new LeaseRecord(holder, Guid.NewGuid().ToString("N"), generation, now, now + duration);
            if (await bank.TryCreateAsync(GenerationKey(folder, generation), Serialize(record), ct).ConfigureAwait(false))
            {
                await DeleteOlderAsync(bank, folder, generation, ct).ConfigureAwait(false);
                return new LeaseAttempt(new BankLease(folder, record), null);
            }
        }

        var (holderNow, _) = await ReadCurrentAsync(bank, folder, ct).ConfigureAwait(false);
        return holderNow is not null
            ? new LeaseAttempt(null, holderNow)
            : throw new BankException(BankFailure.Other, $"lease {folder} in {bank.Location}: could not be taken after {MaxAttempts} attempts (contended)");
    }

    public static async Task<BankLease> RenewAsync(IBank bank, TimeProvider time, BankLease lease, TimeSpan duration, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now >= lease.Record.ExpiresAt)
        {
            throw new LeaseLostException($"lease {lease.Key} in {bank.Location} expired at {lease.Record.ExpiresAt:O} before {lease.Record.Holder} renewed it");
        }

        var (current, _) = await ReadCurrentAsync(bank, lease.Key, ct).ConfigureAwait(false);
        if (current is null || current.Token != lease.Record.Token)
        {
            throw new LeaseLostException(current is null
                ? $"lease {lease.Key} in {bank.Location} was released or deleted while {lease.Record.Holder} held it"
                : $"lease {lease.Key} in {bank.Location} was taken over by {current.Holder} (generation {current.Generation}) from {lease.Record.Holder}");
        }

        var renewed = lease.Record with { ExpiresAt = now + duration };
        await bank.WriteAsync(GenerationKey(lease.Key, renewed.Generation), Serialize(renewed), ct).ConfigureAwait(false);
        return lease with { Record = renewed };
    }

    public static async Task ReleaseAsync(IBank bank, BankLease lease, CancellationToken ct)
    {
        var key = GenerationKey(lease.Key, lease.Record.Generation);
        var bytes = await bank.TryReadAllBytesAsync(key, ct).ConfigureAwait(false);
        if (bytes is not null && TryDeserialize(bytes)?.Token == lease.Record.Token)
        {
            await bank.DeleteAsync(key, ct).ConfigureAwait(false);
        }
    }

    public static async Task<LeaseRecord?> ReadAsync(IBank bank, string key, CancellationToken ct) =>
        (await ReadCurrentAsync(bank, Folder(key), ct).ConfigureAwait(false)).Current;

    private static async Task<(LeaseRecord? Current, long Highest)> ReadCurrentAsync(IBank bank, string folder, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            long highest = 0;
            await foreach (var item in bank.ListAsync(folder, ct).ConfigureAwait(false))
            {
                if (TryParseGeneration(item.Key[folder.Length..], out var generation) && generation > highest) { highest = generation; }
            }

            if (highest == 0) { return (null, 0); }
            byte[]? bytes;
            try
            {
                bytes = await bank.TryReadAllBytesAsync(GenerationKey(folder, highest), ct).ConfigureAwait(false);
            }
            catch (BankException e) when (e.Failure == BankFailure.Other && attempt < MaxAttempts)
            {
                // A server without atomic PUTs (s3rver) can fail a read racing a write: read again.
                await Task.Delay(50, ct).ConfigureAwait(false);
                continue;
            }

            if (bytes is null)
            {
                // Released or cleaned up between the listing and the read: look again.
                if (attempt < MaxAttempts) { continue; }
                return (null, highest);
            }

            var record = TryDeserialize(bytes)
                ?? throw new InvalidDataException($"lease {GenerationKey(folder, highest)} in {bank.Location} is not a valid lease record");
            return (record, highest);
        }
    }

    private static async Task DeleteOlderAsync(IBank bank, string folder, long generation, CancellationToken ct)
    {
        var older = new List<string>();
        await foreach (var item in bank.ListAsync(folder, ct).ConfigureAwait(false))
        {
            if (TryParseGeneration(item.Key[folder.Length..], out var g) && g < generation) { older.Add(item.Key); }
        }

        foreach (var key in older) { await bank.DeleteAsync(key, ct).ConfigureAwait(false); }
    }

    private static string GenerationKey(string folder, long generation) => $"{folder}{generation.ToString("D12", CultureInfo.InvariantCulture)}.json";

    private static bool TryParseGeneration(string name, out long generation)
    {
        generation = 0;
        return GenerationName().IsMatch(name) && long.TryParse(name.AsSpan(0, 12), NumberStyles.None, CultureInfo.InvariantCulture, out generation);
    }

    private static byte[] Serialize(LeaseRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    private static LeaseRecord? TryDeserialize(byte[] bytes)
    {
        try
        {
            var record = JsonSerializer.Deserialize<LeaseRecord>(bytes, Json);
            return record is { Holder: not null, Token: not null } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^[0-9]{12}\.json$")]
    private static partial Regex GenerationName();
}
