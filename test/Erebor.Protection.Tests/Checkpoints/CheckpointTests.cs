using System.Text;

using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Tests.Support;

namespace Erebor.Protection.Tests.Checkpoints;

/// <summary>Checkpoint writer and reader over both banks (a temporary directory and a bucket on a real s3rver).</summary>
[Trait("Category", "Integration")]
public sealed class CheckpointTests(BankFixture banks) : IClassFixture<BankFixture>
{
    private const string Plan = "shop/nightly";
    private const string SecretValue = "hunter2-very-secret-password";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly ResourceKey Namespace = new("v1", "Namespace", null, "shop");
    private static readonly ResourceKey ConfigMap = new("v1", "ConfigMap", "shop", "settings");
    private static readonly ResourceKey Secret = new("v1", "Secret", "shop", "db-password");
    private static readonly ResourceKey Deployment = new("apps/v1", "Deployment", "shop", "web");
    private static readonly ResourceKey Role = new("rbac.authorization.k8s.io/v1", "Role", "shop", "system:reader");

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_committed_checkpoint_reads_back_every_resource_decrypted_and_verified(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var key = BankEncryptionKey.Generate();
        var store = new CheckpointStore(test.Bank, key);
        var written = await WriteSampleAsync(store, "cp-1", commit: true);

        var index = await store.ReadIndexAsync(Plan, "cp-1", Ct);
        index.Should().NotBeNull();
        index!.FormatVersion.Should().Be(BankLayout.FormatVersion);
        index.Plan.Should().Be(Plan);
        index.CheckpointUid.Should().Be("cp-1");
        index.Resources.Select(r => r.Key).Should().Equal(Namespace, ConfigMap, Secret, Deployment, Role);
        index.Resources.Single(r => r.Key == Secret).Encrypted.Should().BeTrue();
        index.Resources.Single(r => r.Key == Deployment).DependsOn.Should().Equal(ConfigMap, Secret);
        index.Resources.Should().BeEquivalentTo(written);

        foreach (var entry in index.Resources)
        {
            (await ReadAsync(store, "cp-1", entry)).Should().Be(Json(entry.Key));
        }

        (await test.Bank.ExistsAsync(BankLayout.IndexKey(Plan, "cp-1"), Ct)).Should().BeTrue();
        (await test.Bank.ExistsAsync(BankLayout.CheckpointFolder(Plan, "cp-1") + "resources/rbac.authorization.k8s.io/v1/Role/shop/system%3Areader.json", Ct)).Should().BeTrue();
        (await test.Bank.TryReadAllBytesAsync(BankLayout.MarkerKey, Ct)).Should().NotBeNull("the bank carries its format marker");
        (await test.Bank.ReadLeaseAsync(BankLayout.LeaseKey(Plan, "cp-1"), Ct)).Should().BeNull("commit releases the lease");
        (await store.ListOrphansAsync(Ct)).Should().BeEmpty();
        (await store.ListCheckpointsAsync(Plan, Ct)).Should().ContainSingle().Which.Committed.Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task Secrets_are_not_readable_in_the_bank_files_or_objects(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        await WriteSampleAsync(store, "cp-1", commit: true);

        var plaintext = Encoding.UTF8.GetBytes(SecretValue);
        var base64 = Encoding.UTF8.GetBytes(Convert.ToBase64String(plaintext));
        var objects = await test.RawObjectsAsync();
        objects.Should().Contain(o => o.Key.EndsWith("Secret/shop/db-password.json.enc", StringComparison.Ordinal));
        objects.Single(o => o.Key.EndsWith("ConfigMap/shop/settings.json", StringComparison.Ordinal)).Bytes.AsSpan().IndexOf("settings"u8)
            .Should().BeGreaterThanOrEqualTo(0, "the grep does find plaintext where there is some");
        foreach (var (objectKey, bytes) in objects)
        {
            bytes.AsSpan().IndexOf(plaintext).Should().Be(-1, $"{objectKey} must not hold the secret");
            bytes.AsSpan().IndexOf(base64).Should().Be(-1, $"{objectKey} must not hold the secret in base64");
        }

        // On disk too: the filesystem bank's root, s3rver's storage directory for the bucket.
        foreach (var file in Directory.EnumerateFiles(test.RawDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            bytes.AsSpan().IndexOf(plaintext).Should().Be(-1, $"{file} must not hold the secret");
            bytes.AsSpan().IndexOf(base64).Should().Be(-1, $"{file} must not hold the secret in base64");
        }
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_writer_that_dies_before_commit_leaves_no_checkpoint_only_an_orphan_to_collect(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        await WriteSampleAsync(store, "crashed", commit: false); // disposed without commit, as a crash would
        await WriteSampleAsync(store, "good", commit: true);

        (await store.ReadIndexAsync(Plan, "crashed", Ct)).Should().BeNull("no index: the checkpoint is not Available");
        var orphans = await store.ListOrphansAsync(Ct);
        orphans.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Plan, CheckpointUid = "crashed", Committed = false, Objects = 5 });

        var collected = await store.CollectOrphansAsync("operator-a", Ct);
        collected.Select(c => c.CheckpointUid).Should().Equal("crashed");
        (await store.ListCheckpointsAsync(Plan, Ct)).Select(c => c.CheckpointUid).Should().Equal("good");
        (await store.ReadIndexAsync(Plan, "good", Ct))!.Resources.Should().HaveCount(5, "collecting orphans touches nothing else");
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task An_orphan_that_a_writer_takes_after_the_listing_is_left_to_it(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var key = BankEncryptionKey.Generate();
        var store = new CheckpointStore(test.Bank, key);
        foreach (var uid in new[] { "retried", "resumed", "crashed" }) { await WriteSampleAsync(store, uid, commit: false); }

        // Between the collector's listing and its taking each lease: "retried" is rewritten and
        // committed, "resumed" gets a writer that is still going.
        CheckpointWriter? resumed = null;
        var racing = new BeforeLeaseBank(test.Bank, async folder =>
        {
            if (folder.Contains("/retried/", StringComparison.Ordinal)) { await WriteSampleAsync(store, "retried", commit: true); }
            if (folder.Contains("/resumed/", StringComparison.Ordinal)) { resumed = await store.BeginAsync(Plan, "resumed", "operator-b", Ct); }
        });
        try
        {
            var collected = await new CheckpointStore(racing, null).CollectOrphansAsync("collector", Ct);

            collected.Select(c => c.CheckpointUid).Should().Equal("crashed");
            (await store.ReadIndexAsync(Plan, "retried", Ct))!.Resources.Should().HaveCount(5, "committed before the collector held its lease");
            (await store.ListCheckpointsAsync(Plan, Ct)).Select(c => (c.CheckpointUid, c.Objects)).Should().BeEquivalentTo([("retried", 5), ("resumed", 5)]);
        }
        finally
        {
            if (resumed is not null) { await resumed.DisposeAsync(); }
        }
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_checkpoint_being_written_is_not_an_orphan_and_cannot_be_taken_by_another_operator(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        await using var writer = await store.BeginAsync(Plan, "cp-1", "operator-a", Ct);
        await writer.AddAsync(ConfigMap, Stream(ConfigMap), false, [], Ct);

        var other = async () => await store.BeginAsync(Plan, "cp-1", "operator-b", Ct);
        (await other.Should().ThrowAsync<CheckpointLeaseHeldException>()).Which.Message.Should().Contain("held by operator-a");
        var delete = async () => await store.DeleteCheckpointAsync(Plan, "cp-1", "operator-b", Ct);
        await delete.Should().ThrowAsync<CheckpointLeaseHeldException>();
        (await store.ListOrphansAsync(Ct)).Should().BeEmpty("a live lease marks a write in progress");

        await writer.CommitAsync(Ct);
        var again = async () => await store.BeginAsync(Plan, "cp-1", "operator-b", Ct);
        (await again.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("already committed");
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task Deleting_a_checkpoint_removes_the_index_then_the_data(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        await WriteSampleAsync(store, "cp-1", commit: true);
        await WriteSampleAsync(store, "cp-2", commit: true);

        (await store.DeleteCheckpointAsync(Plan, "cp-1", "operator-a", Ct)).Should().Be(6, "the index and five resources");
        (await store.ReadIndexAsync(Plan, "cp-1", Ct)).Should().BeNull();
        (await test.RawObjectsAsync()).Should().NotContain(o => o.Key.Contains("/cp-1/", StringComparison.Ordinal));
        (await store.DeleteCheckpointAsync(Plan, "cp-1", "operator-a", Ct)).Should().Be(0, "deleting twice is not an error");
        (await store.ReadIndexAsync(Plan, "cp-2", Ct))!.Resources.Should().HaveCount(5);
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task The_wrong_key_is_reported_as_the_wrong_key(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var key = BankEncryptionKey.Generate();
        await WriteSampleAsync(new CheckpointStore(test.Bank, key), "cp-1", commit: true);
        var otherKey = BankEncryptionKey.Generate();
        var store = new CheckpointStore(test.Bank, otherKey);
        var index = (await store.ReadIndexAsync(Plan, "cp-1", Ct))!;
        var secret = index.Resources.Single(r => r.Encrypted);

        var read = async () => await ReadAsync(store, "cp-1", secret);
        var error = (await read.Should().ThrowAsync<CheckpointDecryptionException>()).Which;
        error.Failure.Should().Be(DecryptionFailure.WrongKey);
        error.Message.Should().Contain("wrong encryption key").And.Contain(key.Fingerprint).And.Contain(otherKey.Fingerprint).And.Contain("Secret/shop/db-password");

        var noKey = async () => await ReadAsync(new CheckpointStore(test.Bank), "cp-1", secret);
        (await noKey.Should().ThrowAsync<CheckpointDecryptionException>()).Which.Failure.Should().Be(DecryptionFailure.NoKey);
        (await ReadAsync(store, "cp-1", index.Resources.Single(r => r.Key == ConfigMap))).Should().Be(Json(ConfigMap), "plain resources do not need the key");
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_tampered_byte_is_a_checksum_or_authentication_error_never_data(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var key = BankEncryptionKey.Generate();
        var store = new CheckpointStore(test.Bank, key);
        await WriteSampleAsync(store, "cp-1", commit: true);
        var index = (await store.ReadIndexAsync(Plan, "cp-1", Ct))!;
        var folder = BankLayout.CheckpointFolder(Plan, "cp-1");
        var secret = index.Resources.Single(r => r.Key == Secret);
        var configMap = index.Resources.Single(r => r.Key == ConfigMap);

        await test.TamperAsync(folder + BankLayout.ResourceObject(ConfigMap, false), 5);
        var plain = async () => await ReadAsync(store, "cp-1", configMap);
        (await plain.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("checksum mismatch").And.Contain("ConfigMap/shop/settings");

        await test.TamperAsync(folder + BankLayout.ResourceObject(Secret, true), -3);
        var encrypted = async () => await ReadAsync(store, "cp-1", secret);
        (await encrypted.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("checksum mismatch");

        // With the index's checksum also forged, AES-GCM authentication still refuses the data.
        var forged = secret with { Sha256 = await Sha256Async(test.Bank, folder + BankLayout.ResourceObject(Secret, true)) };
        var authenticated = async () => await ReadAsync(store, "cp-1", forged);
        var error = (await authenticated.Should().ThrowAsync<CheckpointDecryptionException>()).Which;
        error.Failure.Should().Be(DecryptionFailure.Tampered);
        error.Message.Should().Contain("authentication failed");
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_resource_missing_from_the_bank_is_reported_not_skipped(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        await WriteSampleAsync(store, "cp-1", commit: true);
        var index = (await store.ReadIndexAsync(Plan, "cp-1", Ct))!;
        await test.Bank.DeleteAsync(BankLayout.CheckpointFolder(Plan, "cp-1") + BankLayout.ResourceObject(Deployment, false), Ct);

        var read = async () => await ReadAsync(store, "cp-1", index.Resources.Single(r => r.Key == Deployment));
        (await read.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("Deployment/shop/web").And.Contain("missing from the bank");
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_malformed_or_unknown_version_index_is_a_precise_InvalidDataException(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        await WriteSampleAsync(store, "cp-1", commit: true);
        var indexKey = BankLayout.IndexKey(Plan, "cp-1");
        var good = Encoding.UTF8.GetString((await test.Bank.TryReadAllBytesAsync(indexKey, Ct))!);

        async Task<string> ErrorFor(string json)
        {
            await test.Bank.WriteAsync(indexKey, Encoding.UTF8.GetBytes(json), Ct);
            var read = async () => await store.ReadIndexAsync(Plan, "cp-1", Ct);
            return (await read.Should().ThrowAsync<InvalidDataException>()).Which.Message;
        }

        (await ErrorFor(good.Replace("\"formatVersion\":1", "\"formatVersion\":7", StringComparison.Ordinal)))
            .Should().Contain("formatVersion is 7").And.Contain("format version 1").And.Contain(indexKey);
        (await ErrorFor(good[..(good.Length / 2)])).Should().Contain("is not valid JSON").And.Contain(indexKey);
        (await ErrorFor(good.Replace("\"sizeBytes\":", "\"sizeBytes\":\"x\",\"was\":", StringComparison.Ordinal)))
            .Should().Contain("resources[0].sizeBytes is \"x\", expected an integer");
        (await ErrorFor(System.Text.RegularExpressions.Regex.Replace(good, "\"sha256\":\"[0-9a-f]{64}\"", "\"sha256\":\"zz\"")))
            .Should().Contain("resources[0].sha256 is 'zz', expected 64 lowercase hex characters");
        (await ErrorFor(good.Replace("\"kind\":\"Namespace\",", "", StringComparison.Ordinal))).Should().Contain("resources[0].kind is missing");
        (await ErrorFor(good.Replace("\"plan\":\"shop/nightly\"", "\"plan\":\"other/plan\"", StringComparison.Ordinal)))
            .Should().Contain("plan is 'other/plan' but the index is stored under plan 'shop/nightly'");

        await test.Bank.WriteAsync(indexKey, Encoding.UTF8.GetBytes(good), Ct);
        (await store.ReadIndexAsync(Plan, "cp-1", Ct))!.Resources.Should().HaveCount(5, "the bank loses nothing: the good index reads again");
    }

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_bank_of_an_unknown_format_version_is_refused(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        await test.Bank.WriteAsync(BankLayout.MarkerKey, "{\"format\":\"erebor-bank\",\"formatVersion\":9}"u8.ToArray(), Ct);
        var begin = async () => await new CheckpointStore(test.Bank).BeginAsync(Plan, "cp-1", "operator-a", Ct);
        (await begin.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("formatVersion is 9");
    }

    internal static string Json(ResourceKey key) => key == Secret
        ? $"{{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{{\"name\":\"db-password\"}},\"stringData\":{{\"password\":\"{SecretValue}\"}},\"data\":{{\"b64\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(SecretValue))}\"}}}}"
        : $"{{\"apiVersion\":\"{key.ApiVersion}\",\"kind\":\"{key.Kind}\",\"metadata\":{{\"name\":\"{key.Name}\"}},\"data\":{{\"settings\":\"x\"}}}}";

    private static MemoryStream Stream(ResourceKey key) => new(Encoding.UTF8.GetBytes(Json(key)));

    private static async Task<IReadOnlyList<ResourceEntry>> WriteSampleAsync(CheckpointStore store, string uid, bool commit)
    {
        var entries = new List<ResourceEntry>();
        await using var writer = await store.BeginAsync(Plan, uid, "operator-a", Ct);
        entries.Add(await writer.AddAsync(Namespace, Stream(Namespace), false, [], Ct));
        entries.Add(await writer.AddAsync(ConfigMap, Stream(ConfigMap), false, [Namespace], Ct));
        entries.Add(await writer.AddAsync(Secret, Stream(Secret), true, [Namespace], Ct));
        entries.Add(await writer.AddAsync(Deployment, Stream(Deployment), false, [ConfigMap, Secret], Ct));
        entries.Add(await writer.AddAsync(Role, Stream(Role), false, [Namespace], Ct));
        if (commit) { (await writer.CommitAsync(Ct)).Resources.Should().HaveCount(5); }
        return entries;
    }

    private static async Task<string> ReadAsync(ICheckpointReader reader, string uid, ResourceEntry entry)
    {
        await using var stream = await reader.OpenResourceAsync(Plan, uid, entry, Ct);
        using var text = new StreamReader(stream);
        return await text.ReadToEndAsync(Ct);
    }

    private static async Task<string> Sha256Async(IBank bank, string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData((await bank.TryReadAllBytesAsync(key, Ct))!));

    /// <summary>Runs an action before each lease is taken, as another process would between a listing and the lease.</summary>
    private sealed class BeforeLeaseBank(IBank inner, Func<string, Task> before) : DelegatingBank(inner)
    {
        public override async Task<LeaseAttempt> TryAcquireLeaseAsync(string key, string holder, TimeSpan duration, CancellationToken ct)
        {
            await before(key);
            return await base.TryAcquireLeaseAsync(key, holder, duration, ct);
        }
    }
}
