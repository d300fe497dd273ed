namespace Erebor.Protection.Checkpoints;

/// <summary>One protected resource inside a checkpoint, by identity.</summary>
public sealed record ResourceKey(string ApiVersion, string Kind, string? Namespace, string Name)
{
    public override string ToString() => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}

/// <summary>
/// What the index says about one resource: where its data is and how to check it.
/// <see cref="SizeBytes"/> and <see cref="Sha256"/> (64 lowercase hex) are of the bytes stored in the
/// bank (the ciphertext when <see cref="Encrypted"/>); the object's path follows from
/// <see cref="Key"/> and <see cref="Encrypted"/> (<see cref="BankLayout.ResourceObject"/>).
/// </summary>
public sealed record ResourceEntry(ResourceKey Key, long SizeBytes, string Sha256, bool Encrypted, IReadOnlyList<ResourceKey> DependsOn);

/// <summary>A committed checkpoint's index (the bank's format is versioned; see the bank documentation).</summary>
public sealed record CheckpointIndex(int FormatVersion, string Plan, string CheckpointUid, DateTimeOffset CreatedAt, IReadOnlyList<ResourceEntry> Resources);

/// <summary>
/// Writes one checkpoint into a bank. Resources are streamed one at a time (bounded memory);
/// nothing reads as a checkpoint until <see cref="CommitAsync"/> has written and verified the
/// index, so a crash mid-way never leaves something that looks Available. Implementation:
/// <see cref="CheckpointWriter"/> (from <see cref="CheckpointStore.BeginAsync"/>, which takes the
/// checkpoint's lease in the bank). Disposing without commit abandons the checkpoint (no index).
/// </summary>
public interface ICheckpointWriter : IAsyncDisposable
{
    /// <summary>Stores one resource's JSON; <paramref name="encrypt"/> for Secrets.</summary>
    Task<ResourceEntry> AddAsync(ResourceKey key, Stream json, bool encrypt, IReadOnlyList<ResourceKey> dependsOn, CancellationToken ct);

    /// <summary>Verifies every entry is readable with its checksum, then writes the index last.</summary>
    Task<CheckpointIndex> CommitAsync(CancellationToken ct);
}

/// <summary>
/// Reads checkpoints from a bank. A plan is named "&lt;namespace&gt;/&lt;name&gt;" (the ProtectionPlan's);
/// implementations: <see cref="CheckpointReader"/>, <see cref="CheckpointStore"/>.
/// </summary>
public interface ICheckpointReader
{
    /// <summary>The index, or null when the checkpoint was never committed; a malformed index throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    Task<CheckpointIndex?> ReadIndexAsync(string plan, string checkpointUid, CancellationToken ct);

    /// <summary>One resource's JSON, decrypted, checksum-verified.</summary>
    Task<Stream> OpenResourceAsync(string plan, string checkpointUid, ResourceEntry entry, CancellationToken ct);
}
