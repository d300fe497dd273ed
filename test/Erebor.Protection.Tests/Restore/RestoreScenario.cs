using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;
using Erebor.Protection.Tests.Support;

namespace Erebor.Protection.Tests.Restore;

/// <summary>
/// What a restore needs in the cluster, as an admin would set it up with kubectl: a namespace for
/// the protection objects (outside the protected namespace, so deleting that one keeps them), the
/// encryption key Secret, a ProtectionProvider on the test's bank (filesystem, or S3 on s3rver
/// with a credentials Secret) and a ProtectionPlan selecting the protected namespace.
/// </summary>
public sealed class RestoreScenario
{
    public const string PlanName = "nightly";

    private RestoreScenario(EreborClusterFixture cluster, TestBank bank, BankEncryptionKey key, string adminNamespace, string provider)
    {
        Cluster = cluster;
        Bank = bank;
        Key = key;
        AdminNamespace = adminNamespace;
        Provider = provider;
    }

    public EreborClusterFixture Cluster { get; }
    public TestBank Bank { get; }
    public BankEncryptionKey Key { get; }
    public string AdminNamespace { get; }
    public string Provider { get; }
    public string PlanKey => $"{AdminNamespace}/{PlanName}";
    private KubeApi Api => Cluster.Api;

    public static async Task<RestoreScenario> CreateAsync(EreborClusterFixture cluster, BankFixture banks, TestBank bank, string source)
    {
        var admin = await cluster.NewNamespaceAsync("backup");
        var keyBytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await cluster.Cluster.KubectlCheckedAsync("create", "secret", "generic", "bank-key", "-n", admin, $"--from-literal=key={Convert.ToBase64String(keyBytes)}");
        string bankSpec;
        if (bank.Kind == BankFixture.S3)
        {
            await cluster.Cluster.KubectlCheckedAsync("create", "secret", "generic", "s3-creds", "-n", admin, $"--from-literal=accessKeyId={S3rverServer.AccessKey}", $"--from-literal=secretAccessKey={S3rverServer.SecretKey}");
            var bucket = Path.GetFileName(bank.RawDirectory);
            bankSpec = $"{{type: S3, s3: {{endpoint: '{banks.Server.Endpoint}', bucket: {bucket}, prefix: site-a/bank, credentialsSecret: {{namespace: {admin}, name: s3-creds}}}}}}";
        }
        else
        {
            bankSpec = $"{{type: Filesystem, path: {bank.RawDirectory}}}";
        }

        var provider = $"bank-{admin}";
        await cluster.Cluster.ApplyAsync($$"""
            apiVersion: erebor.io/v1alpha1
            kind: ProtectionProvider
            metadata: {name: {{provider}}}
            spec:
              bank: {{bankSpec}}
              encryptionKeySecret: {namespace: {{admin}}, name: bank-key}
            ---
            apiVersion: erebor.io/v1alpha1
            kind: ProtectionPlan
            metadata: {name: {{PlanName}}, namespace: {{admin}}}
            spec:
              provider: {{provider}}
              selection: {namespaces: [{{source}}]}
            """);
        return new RestoreScenario(cluster, bank, new BankEncryptionKey(keyBytes), admin, provider);
    }

    /// <summary>
    /// An Available Checkpoint of <paramref name="source"/>: the Checkpoint object applied with
    /// kubectl, its data protected by the engine into the provider's bank under the Checkpoint's
    /// uid, then its status set to Available (what the Checkpoint controller does).
    /// </summary>
    public async Task<(V1Alpha1Checkpoint Checkpoint, CheckpointIndex Index)> CheckpointAsync(string name, PluginSet plugins, string source)
    {
        await Cluster.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {{name: {name}, namespace: {AdminNamespace}}}\nspec: {{plan: {PlanName}}}\n");
        var checkpoint = (await Api.GetAsync<V1Alpha1Checkpoint>(AdminNamespace, name))!;
        var store = new CheckpointStore(Bank.Bank, Key);
        ProtectResult protect;
        await using (var writer = await store.BeginAsync(PlanKey, checkpoint.Metadata.Uid!, "restore-test", CancellationToken.None))
        {
            protect = await new ProtectExecutor(Api, plugins).RunAsync(checkpoint.Metadata.Uid!, new ProtectionSelection([source]), writer);
        }

        protect.Summary.HasFailures.Should().BeFalse(string.Join("\n", protect.Summary.NotDone));
        await SetCheckpointPhaseAsync(name, RunPhase.Available, protect.Index.Resources.Count);
        return (checkpoint, protect.Index);
    }

    public Task SetCheckpointPhaseAsync(string name, RunPhase phase, int resources = 0) =>
        Api.PatchAsync<JsonObject>(ResourceType.For<V1Alpha1Checkpoint>(), AdminNamespace, name, PatchType.Merge,
            new JsonObject { ["status"] = new JsonObject { ["phase"] = phase.ToString(), ["resourcesDone"] = resources, ["resourcesTotal"] = resources } }.ToJsonString(),
            new PatchOptions { Status = true });

    /// <summary>kubectl apply of a Restore in the admin namespace.</summary>
    public Task ApplyRestoreAsync(string name, string checkpoint, string? targetNamespace = null, ConflictPolicy? policy = null)
    {
        var spec = $"checkpoint: {checkpoint}" + (targetNamespace is null ? string.Empty : $", targetNamespace: {targetNamespace}") + (policy is null ? string.Empty : $", conflictPolicy: {policy}");
        return Cluster.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Restore\nmetadata: {{name: {name}, namespace: {AdminNamespace}}}\nspec: {{{spec}}}\n");
    }

    public Task<V1Alpha1Restore?> GetRestoreAsync(string name) => Api.GetAsync<V1Alpha1Restore>(AdminNamespace, name);

    /// <summary>Waits until the Restore reaches <paramref name="phase"/> (failing early, with its status, when it ends in another one).</summary>
    public async Task<V1Alpha1Restore> WaitForPhaseAsync(string name, RunPhase phase, TimeSpan? timeout = null)
    {
        RunPhase[] final = [RunPhase.Completed, RunPhase.PartiallyFailed];
        var restore = await Eventually.UntilAsync(() => GetRestoreAsync(name), r => r?.Status.Phase == phase || (r?.Status.Phase is { } p && final.Contains(p)),
            timeout ?? TimeSpan.FromMinutes(2), $"Restore {name} {phase}");
        restore!.Status.Phase.Should().Be(phase, KubeJson.Serialize(restore.Status));
        return restore;
    }
}
