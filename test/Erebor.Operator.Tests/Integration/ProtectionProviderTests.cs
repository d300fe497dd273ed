using Erebor.Api;
using Erebor.Harness;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Tests.Integration;

/// <summary>A ProtectionProvider says in its Ready condition, with a precise reason, whether its bank can take checkpoints.</summary>
[Trait("Category", "Integration")]
public sealed class ProtectionProviderTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private async Task<V1Alpha1ProtectionProvider> ProviderWhenAsync(string name, Func<V1Alpha1ProtectionProvider, bool> done, string what) =>
        (await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1ProtectionProvider>(null, name), p => p is not null && done(p), TimeSpan.FromSeconds(30), what))!;

    private static Condition Ready(V1Alpha1ProtectionProvider provider) => Conditions.Find(provider.Status.Conditions, "Ready")!;

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
}
