using System.Text;
using System.Text.Json.Nodes;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Tests.Support;

namespace Erebor.Protection.Tests.Checkpoints;

/// <summary>
/// A checkpoint's resources are batched writes made durable by one bank sync, and the index is
/// written (durably) only after that sync: nothing names an object a power loss could still take.
/// </summary>
public sealed class BatchedDurabilityTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly string _root = Directory.CreateTempSubdirectory("erebor-bank-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Resources_are_batched_and_the_bank_is_synced_after_the_last_one_and_before_the_index()
    {
        var bank = new RecordingBank(new FilesystemBank(_root));
        var store = new CheckpointStore(bank, BankEncryptionKey.Generate());
        await using (var writer = await store.BeginAsync("shop/nightly", "cp-1", "operator-a", Ct))
        {
            for (var i = 0; i < 5; i++)
            {
                using var json = new MemoryStream(Encoding.UTF8.GetBytes(new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"c{i}" } }.ToJsonString()));
                await writer.AddAsync(new ResourceKey("v1", i % 2 == 0 ? "ConfigMap" : "Secret", "shop", $"c{i}"), json, encrypt: i % 2 == 1, [], Ct);
            }

            await writer.CommitAsync(Ct);
        }

        var calls = bank.Calls;
        var resources = calls.Where(c => c.Key.Contains("/resources/", StringComparison.Ordinal)).ToList();
        resources.Should().HaveCount(5).And.OnlyContain(c => c.Operation == "batched-write");
        var lastResource = calls.LastIndexOf(resources[^1]);
        var sync = calls.FindIndex(c => c.Operation == "sync");
        var index = calls.FindIndex(c => c.Key == BankLayout.IndexKey("shop/nightly", "cp-1"));
        sync.Should().BeGreaterThan(lastResource, "the sync covers every resource");
        index.Should().BeGreaterThan(sync, "the index is written only once its objects are durable");
        calls[index].Operation.Should().Be("write", "the index itself is durable on commit");
        (await store.ReadIndexAsync("shop/nightly", "cp-1", Ct))!.Resources.Should().HaveCount(5);
    }

    [Fact]
    public async Task A_batched_write_is_visible_once_committed_and_syncing_a_vanished_bank_is_a_precise_error()
    {
        var bank = new FilesystemBank(_root);
        await using (var writer = await bank.OpenBatchedWriteAsync("a/b.json", Ct))
        {
            await writer.Stream.WriteAsync("{}"u8.ToArray(), Ct);
            (await bank.ExistsAsync("a/b.json", Ct)).Should().BeFalse("not before commit");
            await writer.CommitAsync(Ct);
        }

        (await bank.TryReadAllBytesAsync("a/b.json", Ct)).Should().Equal("{}"u8.ToArray());
        await bank.SyncAsync(Ct);

        var gone = new FilesystemBank(Path.Combine(_root, "missing"));
        (await FluentActions.Awaiting(() => gone.SyncAsync(Ct)).Should().ThrowAsync<BankException>())
            .Which.Failure.Should().Be(BankFailure.BankNotFound);
    }

    /// <summary>Records the order of writes and syncs of a real bank.</summary>
    private sealed class RecordingBank(IBank inner) : DelegatingBank(inner)
    {
        private readonly List<(string Operation, string Key)> _calls = [];

        public List<(string Operation, string Key)> Calls
        {
            get { lock (_calls) { return [.. _calls]; } }
        }

        public override Task<IBankObjectWriter> OpenWriteAsync(string key, CancellationToken ct) => Record("write", key, base.OpenWriteAsync(key, ct));

        public override Task<IBankObjectWriter> OpenBatchedWriteAsync(string key, CancellationToken ct) => Record("batched-write", key, base.OpenBatchedWriteAsync(key, ct));

        public override Task SyncAsync(CancellationToken ct) => Record("sync", string.Empty, base.SyncAsync(ct));

        private T Record<T>(string operation, string key, T result)
        {
            lock (_calls) { _calls.Add((operation, key)); }
            return result;
        }
    }
}
