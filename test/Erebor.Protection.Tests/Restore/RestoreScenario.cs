using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Processes;
using Erebor.Harness.Storage;
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

    /// <summary>The provider enables <paramref name="plugins"/> (all built-in ones when null).</summary>
    public static async Task<RestoreScenario> CreateAsync(EreborClusterFixture cluster, BankFixture banks, TestBank bank, string source, IReadOnlyList<string>? plugins = null)
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
              plugins: [{{string.Join(", ", plugins ?? [])}}]
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
    /// An Available Checkpoint of the plan: applied with kubectl, then run by the operator's
    /// Checkpoint controller, or (<paramref name="viaCommand"/>, no operator running) by
    /// <c>erebor-operator checkpoint run</c>. Returns it with the index it committed to the bank.
    /// </summary>
    public async Task<(V1Alpha1Checkpoint Checkpoint, CheckpointIndex Index)> CheckpointAsync(string name, bool viaCommand = false)
    {
        await Cluster.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {{name: {name}, namespace: {AdminNamespace}}}\nspec: {{plan: {PlanName}}}\n");
        if (viaCommand)
        {
            var run = await ProcessRunner.RunAsync(OperatorProcess.Binary, ["checkpoint", "run", $"{AdminNamespace}/{name}", "--kubeconfig", Cluster.Cluster.KubeconfigPath], new ProcessOptions { Timeout = TimeSpan.FromMinutes(3) });
            run.ExitCode.Should().Be(0, run.StdErr);
        }

        RunPhase[] final = [RunPhase.Available, RunPhase.PartiallyFailed, RunPhase.Error];
        var checkpoint = await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Checkpoint>(AdminNamespace, name), c => c?.Status.Phase is { } p && final.Contains(p),
            TimeSpan.FromMinutes(2), $"Checkpoint {name} done");
        checkpoint!.Status.Phase.Should().Be(RunPhase.Available, KubeJson.Serialize(checkpoint.Status));
        var index = await new CheckpointStore(Bank.Bank, Key).ReadIndexAsync(PlanKey, checkpoint.Metadata.Uid!, CancellationToken.None);
        index.Should().NotBeNull("an Available checkpoint has a committed index");
        return (checkpoint, index!);
    }

    /// <summary>Sets a Checkpoint's phase as its controller would (only where no operator runs).</summary>
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
