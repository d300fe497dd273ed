using System.Text;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Operator;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Controllers;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;

namespace Erebor.Operator.Tests.Integration;

/// <summary>A ProtectionProvider says in its Ready condition, with a precise reason, whether its bank can take checkpoints.</summary>
[Trait("Category", "Integration")]
public sealed class ProtectionProviderTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private async Task<V1Alpha1ProtectionProvider> ProviderWhenAsync(string name, Func<V1Alpha1ProtectionProvider, bool> done, string what) =>
        (await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1ProtectionProvider>(null, name), p => p is not null && done(p), TimeSpan.FromSeconds(30), what))!;

    private static Condition Ready(V1Alpha1ProtectionProvider provider) => Conditions.Find(provider.Status.Conditions, "Ready")!;

    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>Writes two small ConfigMaps into a checkpoint; returns their stored size.</summary>
    private static async Task<long> AddTwoAsync(CheckpointWriter writer)
    {
        long bytes = 0;
        foreach (var name in new[] { "settings", "flags" })
        {
            var json = $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","namespace":"shop"},"data":{"k":"v"}}""";
            bytes += (await writer.AddAsync(new ResourceKey("v1", "ConfigMap", "shop", name), new MemoryStream(Encoding.UTF8.GetBytes(json)), false, [], Ct)).SizeBytes;
        }

        return bytes;
    }

    /// <summary>Every file of a checkpoint folder: its path relative to the bank, its bytes as base64.</summary>
    private static IEnumerable<KeyValuePair<string, string>> FilesUnder(string root, string plan, string uid) =>
        Directory.EnumerateFiles(Path.Combine(root, BankLayout.CheckpointFolder(plan, uid)), "*", SearchOption.AllDirectories)
            .Select(f => KeyValuePair.Create(Path.GetRelativePath(root, f), Convert.ToBase64String(File.ReadAllBytes(f))));

    [Fact]
    public async Task A_filesystem_bank_that_exists_is_ready_with_its_free_space_and_a_missing_one_says_so()
    {
        var root = Directory.CreateTempSubdirectory("erebor-provider-").FullName;
        try
        {
            await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: local-disk}}\nspec:\n  bank: {{type: Filesystem, path: {root}}}\n");
            var ready = await ProviderWhenAsync("local-disk", p => p.Status.Conditions.Count > 0, "a Ready condition");
            Ready(ready).Status.Should().Be("True", Ready(ready).Message);
            Ready(ready).Reason.Should().Be("BankReady");
            ready.Status.Reachable.Should().BeTrue();
            ready.Status.Writable.Should().BeTrue();
            ready.Status.FreeBytes.Should().BePositive();
            (await fixture.Cluster.KubectlCheckedAsync("get", "protectionproviders")).Should().MatchRegex(@"local-disk\s+Filesystem\s+True\s+BankReady");

            await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {name: gone-disk}\nspec:\n  bank: {type: Filesystem, path: /nonexistent/erebor-bank}\n");
            var missing = await ProviderWhenAsync("gone-disk", p => p.Status.Conditions.Count > 0, "a Ready condition");
            Ready(missing).Status.Should().Be("False");
            Ready(missing).Reason.Should().Be("BankNotFound");
            Ready(missing).Message.Should().Contain("/nonexistent/erebor-bank");
            (await fixture.Cluster.KubectlCheckedAsync("describe", "protectionprovider", "gone-disk")).Should().MatchRegex(@"Warning\s+BankNotFound");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task An_s3_bank_reports_missing_credentials_and_an_unreachable_endpoint_precisely()
    {
        await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {name: s3-nocreds}\nspec:\n  bank:\n    type: S3\n    s3: {endpoint: 'http://127.0.0.1:9', bucket: b, credentialsSecret: {namespace: erebor-system, name: absent}}\n");
        var noCredentials = await ProviderWhenAsync("s3-nocreds", p => p.Status.Conditions.Count > 0, "a Ready condition");
        Ready(noCredentials).Reason.Should().Be("CredentialsNotFound");
        Ready(noCredentials).Message.Should().Be("Secret erebor-system/absent named by spec.bank.s3.credentialsSecret does not exist");

        await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", "s3-creds", "-n", "erebor-system", "--from-literal=accessKeyId=AK", "--from-literal=secretAccessKey=SK");
        await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {name: s3-closed}\nspec:\n  bank:\n    type: S3\n    s3: {endpoint: 'http://127.0.0.1:9', bucket: b, credentialsSecret: {namespace: erebor-system, name: s3-creds}}\n");
        var unreachable = await ProviderWhenAsync("s3-closed", p => p.Status.Conditions.Count > 0, "a Ready condition");
        Ready(unreachable).Status.Should().Be("False");
        Ready(unreachable).Reason.Should().Be("BankUnreachable");
        Ready(unreachable).Message.Should().Contain("http://127.0.0.1:9").And.Contain("unreachable");
        unreachable.Status.Reachable.Should().BeFalse();
    }

    /// <summary>
    /// Three folders in a filesystem bank: one a crashed writer left (objects, no index, lease
    /// released), one another holder is writing (live lease), one committed checkpoint. The probe
    /// removes only the first and says so in an event.
    /// </summary>
    [Fact]
    public async Task A_probe_removes_the_folders_interrupted_writes_left_and_nothing_being_written_or_committed()
    {
        const string plan = "shop/nightly";
        var root = Directory.CreateTempSubdirectory("erebor-orphans-").FullName;
        await fixture.RestartOperatorAsync(new OperatorProcessOptions { ExtraArgs = ["--provider-probe-interval", "1s"] });
        try
        {
            await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: orphan-disk}}\nspec:\n  bank: {{type: Filesystem, path: {root}}}\n");
            var ready = await ProviderWhenAsync("orphan-disk", p => p.Status.Conditions.Count > 0, "a Ready condition");
            Ready(ready).Status.Should().Be("True", Ready(ready).Message);

            await using var bank = new FilesystemBank(root);
            var store = new CheckpointStore(bank);
            await using (var committed = await store.BeginAsync(plan, "committed-1", "checkpoint-run-test", Ct))
            {
                await AddTwoAsync(committed);
                await committed.CommitAsync(Ct);
            }

            await using var live = await store.BeginAsync(plan, "live-1", "operator-elsewhere", Ct);
            await AddTwoAsync(live);
            var kept = FilesUnder(root, plan, "committed-1").Concat(FilesUnder(root, plan, "live-1")).ToDictionary();
            kept.Keys.Should().Contain(k => k.Contains("/live-1/lease/", StringComparison.Ordinal)).And.Contain(k => k.EndsWith("/committed-1/index.json", StringComparison.Ordinal));

            // A crash: objects written, the writer gone without a commit (its lease released).
            long crashedBytes;
            await using (var crashed = await store.BeginAsync(plan, "crashed-1", "checkpoint-run-test", Ct)) { crashedBytes = await AddTwoAsync(crashed); }
            var crashedFolder = Path.Combine(root, BankLayout.CheckpointFolder(plan, "crashed-1"));

            await Eventually.UntilAsync(() => Task.FromResult(Directory.Exists(crashedFolder)), exists => !exists, TimeSpan.FromSeconds(30), $"{crashedFolder} to be removed");
            var collected = await Eventually.UntilAsync(async () => (await fixture.Api.ListAsync<CoreV1Event>("default")).Items
                    .Where(e => e.InvolvedObject.Name == "orphan-disk" && e.Reason == ProtectionProviderController.OrphansCollected).ToList(),
                events => events.Count > 0, TimeSpan.FromSeconds(30), "the OrphansCollected event");
            collected.Should().ContainSingle().Which.Message.Should().Be(
                $"removed 1 checkpoint folders left by interrupted writes (2 objects, {crashedBytes} bytes): plans/shop/nightly/checkpoints/crashed-1");
            (await fixture.Cluster.KubectlCheckedAsync("describe", "protectionprovider", "orphan-disk")).Should().MatchRegex(@"Normal\s+OrphansCollected\s+.*crashed-1");

            // A few more probes: the live and the committed folder stay, byte for byte.
            await Task.Delay(TimeSpan.FromSeconds(3));
            FilesUnder(root, plan, "committed-1").Concat(FilesUnder(root, plan, "live-1")).ToDictionary().Should().BeEquivalentTo(kept);
            (await fixture.Api.GetAsync<V1Alpha1ProtectionProvider>(null, "orphan-disk"))!.Status.Reachable.Should().BeTrue();
        }
        finally
        {
            await fixture.Cluster.KubectlAsync("delete", "protectionprovider", "orphan-disk");
            await fixture.RestartOperatorAsync();
            Directory.Delete(root, recursive: true);
        }
    }
}
