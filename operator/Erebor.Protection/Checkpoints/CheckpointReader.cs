using Erebor.Protection.Banks;

namespace Erebor.Protection.Checkpoints;

/// <summary>
/// Reads checkpoints from a bank. <see cref="ReadIndexAsync"/> returns null for a checkpoint that
/// was never committed (no index.json) and throws <see cref="InvalidDataException"/> naming the
/// field and value for a malformed or unknown-version index. <see cref="OpenResourceAsync"/>
/// verifies size and SHA-256 and decrypts: an object up to <see cref="BufferedVerifyLimit"/> is read
/// and verified before the stream is returned; a larger one is verified as it streams, and the stream
/// throws at its end instead of ending when the data does not match (encrypted data is in any case
/// authenticated chunk by chunk before it is released). A wrong key throws
/// <see cref="CheckpointDecryptionException"/> (<see cref="DecryptionFailure.WrongKey"/>).
/// </summary>
public sealed class CheckpointReader(IBank bank, BankEncryptionKey? key = null) : ICheckpointReader
{
    /// <summary>Objects up to this size are verified completely before any byte is handed out.</summary>
    public const long BufferedVerifyLimit = 8 * 1024 * 1024;

    public IBank Bank => bank;

    public async Task<CheckpointIndex?> ReadIndexAsync(string plan, string checkpointUid, CancellationToken ct)
    {
        var indexKey = BankLayout.IndexKey(plan, checkpointUid);
        await using var stream = await bank.TryOpenReadAsync(indexKey, ct).ConfigureAwait(false);
        return stream is null ? null : await IndexCodec.ReadAsync(stream, $"checkpoint index {indexKey} in {bank.Location}", plan, checkpointUid, ct).ConfigureAwait(false);
    }

    public async Task<Stream> OpenResourceAsync(string plan, string checkpointUid, ResourceEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var objectKey = BankLayout.CheckpointFolder(plan, checkpointUid) + BankLayout.ResourceObject(entry.Key, entry.Encrypted);
        var what = $"{entry.Key} in checkpoint {plan}/{checkpointUid} ({objectKey} in {bank.Location})";
        var source = await OpenAsync(bank, objectKey, what, ct).ConfigureAwait(false);
        Stream verified;
        if (entry.SizeBytes <= BufferedVerifyLimit)
        {
            var buffer = new MemoryStream((int)Math.Max(0, entry.SizeBytes));
            await using (var verifying = new VerifyingReadStream(source, entry.SizeBytes, entry.Sha256, what))
            {
                await verifying.CopyToAsync(buffer, ct).ConfigureAwait(false);
            }

            buffer.Position = 0;
            verified = buffer;
        }
        else
        {
            verified = new VerifyingReadStream(source, entry.SizeBytes, entry.Sha256, what);
        }

        if (!entry.Encrypted) { return verified; }
        try
        {
            return await SecretEncryption.DecryptAsync(verified, key, BankLayout.EncryptionContext(checkpointUid, entry.Key), what, ct).ConfigureAwait(false);
        }
        catch
        {
            await verified.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads an object to its end checking size and checksum (the writer's commit-time verification).</summary>
    internal static async Task VerifyAsync(IBank bank, string objectKey, long sizeBytes, string sha256, string what, CancellationToken ct)
    {
        var source = await OpenAsync(bank, objectKey, what, ct).ConfigureAwait(false);
        await using var verifying = new VerifyingReadStream(source, sizeBytes, sha256, what);
        await verifying.CopyToAsync(Stream.Null, ct).ConfigureAwait(false);
    }

    private static async Task<Stream> OpenAsync(IBank bank, string objectKey, string what, CancellationToken ct)
    {
        try
        {
            return await bank.OpenReadAsync(objectKey, ct).ConfigureAwait(false);
        }
        catch (BankException e) when (e.Failure == BankFailure.ObjectNotFound)
        {
            throw new InvalidDataException($"{what}: named in the index but missing from the bank", e);
        }
    }
}
