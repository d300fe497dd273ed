using System.Text;

using Erebor.Harness.Storage;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Tests.Support;

namespace Erebor.Protection.Tests.Banks;

/// <summary>
/// Real failure modes, each with a precise reason and nothing lost: a read-only filesystem (a tmpfs
/// this test mounts and remounts read-only; root ignores chmod), a full one (a 1 MiB tmpfs), a missing
/// root, a closed S3 port, a missing bucket.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BankFailureTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_read_only_filesystem_bank_says_so_and_keeps_what_it_has()
    {
        await using var mount = await TmpfsMount.MountAsync("4m");
        var bank = new FilesystemBank(mount.Path);
        var store = new CheckpointStore(bank, BankEncryptionKey.Generate());
        await using (var writer = await store.BeginAsync("shop/nightly", "cp-1", "operator-a", Ct))
        {
            await writer.AddAsync(new ResourceKey("v1", "ConfigMap", "shop", "a"), new MemoryStream("{\"a\":1}"u8.ToArray()), false, [], Ct);
            await writer.CommitAsync(Ct);
        }

        await mount.RemountReadOnlyAsync();

        var probe = await bank.ProbeAsync(Ct);
        probe.Reachable.Should().BeTrue();
        probe.Writable.Should().BeFalse();
        probe.Failure.Should().Be(BankFailure.ReadOnly);
        probe.Error.Should().StartWith($"bank {mount.Path} is read-only: ").And.Contain("Read-only file system");

        var begin = async () => await store.BeginAsync("shop/nightly", "cp-2", "operator-a", Ct);
        var error = (await begin.Should().ThrowAsync<BankException>()).Which;
        error.Failure.Should().Be(BankFailure.ReadOnly);
        error.Message.Should().StartWith($"bank {mount.Path} is read-only: ");

        var index = await store.ReadIndexAsync("shop/nightly", "cp-1", Ct);
        index!.Resources.Should().ContainSingle("what the bank held still reads");
        await using var stream = await store.OpenResourceAsync("shop/nightly", "cp-1", index.Resources[0], Ct);
        (await new StreamReader(stream).ReadToEndAsync(Ct)).Should().Be("{\"a\":1}");
    }

    [Fact]
    public async Task A_full_filesystem_bank_says_bank_full_and_leaves_no_partial_object()
    {
        await using var mount = await TmpfsMount.MountAsync("1m");
        var bank = new FilesystemBank(mount.Path);
        var store = new CheckpointStore(bank, BankEncryptionKey.Generate());
        await using (var writer = await store.BeginAsync("shop/nightly", "cp-1", "operator-a", Ct))
        {
            await writer.AddAsync(new ResourceKey("v1", "ConfigMap", "shop", "small"), new MemoryStream("{\"a\":1}"u8.ToArray()), false, [], Ct);
            await writer.CommitAsync(Ct);
        }

        var big = new ResourceKey("v1", "ConfigMap", "shop", "big");
        await using (var writer = await store.BeginAsync("shop/nightly", "cp-2", "operator-a", Ct))
        {
            var add = async () => await writer.AddAsync(big, new MemoryStream(new byte[2 * 1024 * 1024]), false, [], Ct);
            var error = (await add.Should().ThrowAsync<BankException>()).Which;
            error.Failure.Should().Be(BankFailure.Full);
            error.Message.Should().StartWith("bank full: no space left on device").And.Contain(mount.Path);
        }

        File.Exists(Path.Combine(mount.Path, BankLayout.CheckpointFolder("shop/nightly", "cp-2") + BankLayout.ResourceObject(big, false))).Should().BeFalse("no partial object under the final name");
        Directory.EnumerateFiles(Path.Combine(mount.Path, FilesystemBank.TempFolder)).Should().BeEmpty("the temporary file is removed");
        (await store.ReadIndexAsync("shop/nightly", "cp-2", Ct)).Should().BeNull("the failed checkpoint never reads as one");
        (await store.ReadIndexAsync("shop/nightly", "cp-1", Ct))!.Resources.Should().ContainSingle("the earlier checkpoint is intact");
        var probe = await bank.ProbeAsync(Ct);
        probe.Writable.Should().BeTrue("the failed write's space was given back");
        probe.FreeBytes.Should().BeInRange(1, 1024 * 1024);

        // Fill it for real: the probe reports the full bank.
        await using (var filler = new FileStream(Path.Combine(mount.Path, "filler"), FileMode.Create))
        {
            var fill = async () => await filler.WriteAsync(new byte[2 * 1024 * 1024], Ct);
            await fill.Should().ThrowAsync<IOException>();
        }

        var full = await bank.ProbeAsync(Ct);
        full.Writable.Should().BeFalse();
        full.Failure.Should().Be(BankFailure.Full);
        full.Error.Should().StartWith("bank full: no space left on device");
    }

    [Fact]
    public async Task A_missing_filesystem_bank_is_not_created_but_reported()
    {
        var path = Path.Combine(Path.GetTempPath(), $"erebor-missing-{Guid.NewGuid():N}");
        var bank = new FilesystemBank(path);
        var probe = await bank.ProbeAsync(Ct);
        probe.Should().BeEquivalentTo(new { Reachable = false, Writable = false, Failure = BankFailure.BankNotFound });
        probe.Error.Should().Be($"bank {path} does not exist (or is not a directory)");
        var begin = async () => await new CheckpointStore(bank).BeginAsync("shop/nightly", "cp-1", "operator-a", Ct);
        (await begin.Should().ThrowAsync<BankException>()).Which.Failure.Should().Be(BankFailure.BankNotFound);
        Directory.Exists(path).Should().BeFalse("a bank whose volume did not mount must not be filled on the wrong disk");
    }

    [Fact]
    public async Task An_unreachable_S3_endpoint_is_connection_refused()
    {
        var port = S3rverServer.FreePort(); // free, so nothing listens there
        await using var bank = new S3Bank($"http://127.0.0.1:{port}", "bank", null, "us-east-1", "a", "b", new S3BankOptions { MaxErrorRetry = 0 });
        var probe = await bank.ProbeAsync(Ct);
        probe.Should().BeEquivalentTo(new { Reachable = false, Writable = false, Failure = BankFailure.Unreachable, FreeBytes = (long?)null });
        probe.Error.Should().Be($"S3 endpoint http://127.0.0.1:{port} unreachable: connection refused");
        var read = async () => await new CheckpointStore(bank).ReadIndexAsync("shop/nightly", "cp-1", Ct);
        (await read.Should().ThrowAsync<BankException>()).Which.Message.Should().Be($"S3 endpoint http://127.0.0.1:{port} unreachable: connection refused");
    }

    [Fact]
    public async Task A_missing_bucket_is_named()
    {
        await using var server = await S3rverServer.StartAsync();
        await using var bank = new S3Bank(server.Endpoint, "no-such-bucket", "x", "us-east-1", S3rverServer.AccessKey, S3rverServer.SecretKey);
        var probe = await bank.ProbeAsync(Ct);
        probe.Should().BeEquivalentTo(new { Reachable = true, Writable = false, Failure = BankFailure.BankNotFound });
        probe.Error.Should().Be($"bucket 'no-such-bucket' does not exist at S3 endpoint {server.Endpoint}");
        var write = async () => await bank.WriteAsync("a.json", Encoding.UTF8.GetBytes("{}"), Ct);
        (await write.Should().ThrowAsync<BankException>()).Which.Failure.Should().Be(BankFailure.BankNotFound);
    }
}
