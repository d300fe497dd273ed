using System.Collections.Concurrent;
using System.Security.Cryptography;
using Erebor.Protection.Checkpoints;

namespace Erebor.Protection.Tests.Engine;

/// <summary>The checkpoint contract in memory, for engine tests: committed index only after CommitAsync, checksums verified on read.</summary>
public sealed class InMemoryCheckpointStore : ICheckpointReader
{
    private readonly ConcurrentDictionary<(string Plan, string Uid), CheckpointIndex> _indexes = new();
    private readonly ConcurrentDictionary<(string Plan, string Uid, ResourceKey Key), byte[]> _data = new();

    public int MaxBufferedBytes { get; private set; }

    /// <summary>What was stored for one key (as the bank would hold it; "encrypted" ones are XOR-scrambled so tests can tell).</summary>
    public byte[] Raw(string plan, string uid, ResourceKey key) => _data[(plan, uid, key)];

    public ICheckpointWriter OpenWriter(string plan, string uid) => new Writer(this, plan, uid);

    public Task<CheckpointIndex?> ReadIndexAsync(string plan, string checkpointUid, CancellationToken ct) =>
        Task.FromResult(_indexes.TryGetValue((plan, checkpointUid), out var index) ? index : null);

    public Task<Stream> OpenResourceAsync(string plan, string checkpointUid, ResourceEntry entry, CancellationToken ct)
    {
        var bytes = _data[(plan, checkpointUid, entry.Key)].ToArray();
        if (entry.Encrypted) { Scramble(bytes); }
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != entry.Sha256) { throw new InvalidDataException($"{entry.Key}: checksum mismatch"); }
        return Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));
    }

    private static void Scramble(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++) { bytes[i] ^= 0x5A; }
    }

    private sealed class Writer(InMemoryCheckpointStore store, string plan, string uid) : ICheckpointWriter
    {
        private readonly List<ResourceEntry> _entries = [];

        public async Task<ResourceEntry> AddAsync(ResourceKey key, Stream json, bool encrypt, IReadOnlyList<ResourceKey> dependsOn, CancellationToken ct)
        {
            using var buffer = new MemoryStream();
            await json.CopyToAsync(buffer, ct);
            var bytes = buffer.ToArray();
            store.MaxBufferedBytes = Math.Max(store.MaxBufferedBytes, bytes.Length);
            var entry = new ResourceEntry(key, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), encrypt, dependsOn);
            if (encrypt) { Scramble(bytes); }
            if (!store._data.TryAdd((plan, uid, key), bytes)) { throw new InvalidOperationException($"{key} added twice"); }
            _entries.Add(entry);
            return entry;
        }

        public Task<CheckpointIndex> CommitAsync(CancellationToken ct)
        {
            var index = new CheckpointIndex(1, plan, uid, DateTimeOffset.UtcNow, _entries.ToList());
            store._indexes[(plan, uid)] = index;
            return Task.FromResult(index);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
