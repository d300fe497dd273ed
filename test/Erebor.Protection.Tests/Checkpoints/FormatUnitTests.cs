using System.Text;

using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;

namespace Erebor.Protection.Tests.Checkpoints;

/// <summary>Layout, encryption format and index parsing without any server (a temporary directory bank at most).</summary>
public sealed class FormatUnitTests
{
    [Fact]
    public void Resource_objects_follow_the_documented_layout()
    {
        BankLayout.ResourceObject(new ResourceKey("v1", "Secret", "shop", "db"), true).Should().Be("resources/core/v1/Secret/shop/db.json.enc");
        BankLayout.ResourceObject(new ResourceKey("apps/v1", "Deployment", "shop", "web"), false).Should().Be("resources/apps/v1/Deployment/shop/web.json");
        BankLayout.ResourceObject(new ResourceKey("v1", "Namespace", null, "shop"), false).Should().Be("resources/core/v1/Namespace/_cluster/shop.json");
        BankLayout.ResourceObject(new ResourceKey("rbac.authorization.k8s.io/v1", "ClusterRole", null, "system:auth/x"), false)
            .Should().Be("resources/rbac.authorization.k8s.io/v1/ClusterRole/_cluster/system%3Aauth%2Fx.json");
        BankLayout.Escape("..").Should().Be("%2E%2E");
        BankLayout.Escape("_cluster").Should().Be("%5Fcluster", "a real name can never collide with the cluster-scoped folder");
        BankLayout.IndexKey("shop/nightly", "0b6f").Should().Be("plans/shop/nightly/checkpoints/0b6f/index.json");
        var badPlan = () => BankLayout.PlanFolder("nightly");
        badPlan.Should().Throw<ArgumentException>().WithMessage("a plan is named '<namespace>/<name>', got 'nightly'*");
        var badUid = () => BankLayout.CheckpointFolder("shop/nightly", "../x");
        badUid.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(8192)]
    [InlineData(100_000)]
    public async Task Encryption_round_trips_any_length_including_chunk_multiples(int length)
    {
        var key = BankEncryptionKey.Generate();
        var plaintext = new byte[length];
        new Random(length).NextBytes(plaintext);
        var stored = await EncryptAsync(plaintext, key, "ctx", chunkSize: 4096);
        stored.Length.Should().Be(SecretEncryption.HeaderSize + length + (((length / 4096) + 1) * SecretEncryption.TagSize));
        (await DecryptAsync(stored, key, "ctx")).Should().Equal(plaintext);
    }

    [Fact]
    public async Task Encrypted_objects_refuse_truncation_reordering_another_context_and_the_wrong_key()
    {
        var key = BankEncryptionKey.Generate();
        var plaintext = Encoding.UTF8.GetBytes(new string('s', 10_000));
        var stored = await EncryptAsync(plaintext, key, "ctx", chunkSize: 4096);

        async Task<CheckpointDecryptionException> Fails(byte[] bytes, BankEncryptionKey? k = null, string context = "ctx")
        {
            var read = async () => await DecryptAsync(bytes, k ?? key, context);
            return (await read.Should().ThrowAsync<CheckpointDecryptionException>()).Which;
        }

        var chunk = 4096 + SecretEncryption.TagSize;
        (await Fails(stored[..(SecretEncryption.HeaderSize + chunk)])).Message.Should().Contain("truncated");
        (await Fails(stored[..(SecretEncryption.HeaderSize + (2 * chunk))])).Message.Should().Contain("truncated");
        var swapped = stored.ToArray();
        stored.AsSpan(SecretEncryption.HeaderSize, chunk).CopyTo(swapped.AsSpan(SecretEncryption.HeaderSize + chunk));
        stored.AsSpan(SecretEncryption.HeaderSize + chunk, chunk).CopyTo(swapped.AsSpan(SecretEncryption.HeaderSize));
        (await Fails(swapped)).Failure.Should().Be(DecryptionFailure.Tampered);
        (await Fails(stored, context: "another resource")).Message.Should().Contain("authentication failed at chunk 0");
        (await Fails([.. stored, 0])).Failure.Should().Be(DecryptionFailure.Tampered);
        (await Fails(stored, BankEncryptionKey.Generate())).Failure.Should().Be(DecryptionFailure.WrongKey);
        (await Fails("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"not\":\"encrypted\"}"u8.ToArray())).Failure.Should().Be(DecryptionFailure.Format);
    }

    [Fact]
    public void A_key_is_32_bytes_and_its_fingerprint_is_stable()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        new BankEncryptionKey(bytes).Fingerprint.Should().Be(new BankEncryptionKey(bytes).Fingerprint).And.HaveLength(16);
        var shortKey = () => new BankEncryptionKey(new byte[16]);
        shortKey.Should().Throw<ArgumentException>().WithMessage("*must be 32 bytes*got 16*");
    }

    [Theory]
    [InlineData("[]", "the document is [], expected a JSON object")]
    [InlineData("{\"format\":\"other\"}", "format is 'other', expected 'erebor-checkpoint-index'")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\"}", "formatVersion is missing, expected an integer")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":\"1\"}", "formatVersion is \"1\", expected an integer")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":2}", "formatVersion is 2; this operator reads checkpoint index format version 1")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":1,\"plan\":\"shop/nightly\",\"checkpointUid\":\"c1\",\"createdAt\":\"yesterday\"}", "createdAt is 'yesterday', expected an ISO 8601 time")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":1,\"plan\":\"shop/nightly\",\"checkpointUid\":\"c1\",\"createdAt\":\"2026-11-22T01:00:00Z\",\"resources\":{}}", "resources is {}, expected an array")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":1,\"plan\":\"shop/nightly\",\"checkpointUid\":\"c1\",\"createdAt\":\"2026-11-22T01:00:00Z\",\"resourceCount\":3,\"resources\":[]}", "resourceCount is 3 but resources has 0 entries")]
    [InlineData("{\"format\":", "is not valid JSON")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":1,\"plan\":\"shop/nightly\",\"checkpointUid\":\"c1\",\"createdAt\":\"2026-11-22T01:00:00Z\"}", "resources is missing, expected an array")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":2,\"resources\":[{\"unknown\":\"entry shape\"}],\"plan\":\"shop/nightly\"}", "formatVersion is 2;")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":1,\"plan\":\"shop/nightly\",\"checkpointUid\":\"c1\",\"createdAt\":\"2026-11-22T01:00:00Z\",\"resources\":[{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"namespace\":\"\",\"name\":\"db\"}]}", "resources[0].namespace is \"\", expected a non-empty string or null")]
    [InlineData("{\"format\":\"erebor-checkpoint-index\",\"formatVersion\":1,\"plan\":\"shop/nightly\",\"checkpointUid\":\"c1\",\"createdAt\":\"2026-11-22T01:00:00Z\",\"resources\":[7]}", "resources[0] is 7, expected an object")]
    public async Task A_malformed_index_names_the_field_and_the_value(string json, string expected)
    {
        // Whole, and a byte at a time: a step cut by the end of a read must not change the verdict.
        foreach (var chunk in new[] { int.MaxValue, 1, 5 })
        {
            var read = () => ReadIndexAsync(Encoding.UTF8.GetBytes(json), chunk);
            (await read.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().StartWith("checkpoint index i.json").And.Contain(expected);
        }
    }

    [Fact]
    public async Task The_index_written_is_the_index_read()
    {
        var index = new CheckpointIndex(1, "shop/nightly", "c1", new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero),
        [
            new(new ResourceKey("v1", "Namespace", null, "shop"), 10, new string('a', 64), false, []),
            new(new ResourceKey("v1", "Secret", "shop", "db"), 99, new string('b', 64), true, [new ResourceKey("v1", "Namespace", null, "shop")]),
        ]);
        using var buffer = new MemoryStream();
        await IndexCodec.WriteAsync(buffer, index, "0011223344556677", CancellationToken.None);
        foreach (var chunk in new[] { int.MaxValue, 1, 7 })
        {
            (await ReadIndexAsync(buffer.ToArray(), chunk)).Should().BeEquivalentTo(index, $"read {chunk} bytes at a time");
        }

        Encoding.UTF8.GetString(buffer.ToArray()).Should().Contain("\"object\":\"resources/core/v1/Secret/shop/db.json.enc\"");
    }

    [Fact]
    public async Task A_large_index_streams_in_entries_that_share_their_strings_and_an_entry_larger_than_a_read_buffer_fits()
    {
        var ns = new ResourceKey("v1", "Namespace", null, "shop");
        var entries = Enumerable.Range(0, 20_000)
            .Select(i => new ResourceEntry(new ResourceKey("v1", "ConfigMap", "shop", $"cm-{i:D5}"), i, new string('c', 64), false, [ns]))
            .Append(new ResourceEntry(new ResourceKey("apps/v1", "Deployment", "shop", "web"), 1, new string('d', 64), false,
                [ns, .. Enumerable.Range(0, 2_000).Select(i => new ResourceKey("v1", "ConfigMap", "shop", $"cm-{i:D5}"))]))
            .ToList();
        var index = new CheckpointIndex(1, "shop/nightly", "c1", new DateTimeOffset(2026, 11, 22, 1, 0, 0, TimeSpan.Zero), entries);
        using var buffer = new MemoryStream();
        await IndexCodec.WriteAsync(buffer, index, null, CancellationToken.None);
        buffer.Length.Should().BeGreaterThan(4 * 1024 * 1024, "megabytes of index");

        var read = await ReadIndexAsync(buffer.ToArray(), 4096);
        read.Resources.Should().HaveCount(20_001);
        read.Resources[^1].DependsOn.Should().HaveCount(2_001, "the last entry alone is over 100 KiB, more than the 64 KiB the reader starts with");
        read.Resources.Should().BeEquivalentTo(entries, o => o.WithStrictOrdering());
        ReferenceEquals(read.Resources[0].Key.Kind, read.Resources[19_999].Key.Kind).Should().BeTrue("entries share their kind string");
        ReferenceEquals(read.Resources[0].Key.Namespace, read.Resources[19_999].Key.Namespace).Should().BeTrue("and their namespace string");
    }

    private static Task<CheckpointIndex> ReadIndexAsync(byte[] json, int chunk) =>
        IndexCodec.ReadAsync(new TrickleStream(json, chunk), "checkpoint index i.json", "shop/nightly", "c1", CancellationToken.None);

    /// <summary>Hands out at most <paramref name="chunk"/> bytes per read, the way a slow bank does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
    }

    [Fact]
    public async Task Bank_keys_cannot_escape_the_bank()
    {
        var directory = Directory.CreateTempSubdirectory("erebor-bank-keys-").FullName;
        try
        {
            var bank = new FilesystemBank(directory);
            foreach (var key in new[] { "../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "" })
            {
                var write = async () => await bank.WriteAsync(key, "x"u8.ToArray(), CancellationToken.None);
                await write.Should().ThrowAsync<ArgumentException>($"'{key}' is not a bank key");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<byte[]> EncryptAsync(byte[] plaintext, BankEncryptionKey key, string context, int chunkSize)
    {
        using var stored = new MemoryStream();
        await using (var encrypting = SecretEncryption.Encrypt(stored, key, context, chunkSize))
        {
            await encrypting.WriteAsync(plaintext);
            await encrypting.FlushAsync();
        }

        return stored.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] stored, BankEncryptionKey key, string context)
    {
        await using var plain = await SecretEncryption.DecryptAsync(new MemoryStream(stored), key, context, "test object", CancellationToken.None);
        using var result = new MemoryStream();
        await plain.CopyToAsync(result);
        return result.ToArray();
    }
}
