using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Operator;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Tests.Integration;

/// <summary>The manifests users install (config/) are accepted by a real API server and grant enough, and no more than is used.</summary>
[Trait("Category", "Integration")]
public sealed class DeploymentManifestTests(CrdClusterFixture fixture) : IClassFixture<CrdClusterFixture>
{
    [Fact]
    public async Task Config_default_passes_server_side_validation()
    {
        // erebor-system exists already (the fixture made it); the namespace object applies as a no-op change.
        var result = await fixture.Cluster.KubectlCheckedAsync("apply", "-k", Path.Combine(RepositoryPaths.Root, "config", "default"), "--dry-run=server");
        result.Should().Contain("deployment.apps/erebor-operator").And.Contain("daemonset.apps/erebor-agent")
            .And.Contain("clusterrole.rbac.authorization.k8s.io/erebor-operator").And.Contain("service/erebor-webhook");
    }

    [Fact]
    public async Task The_operator_runs_with_only_the_rbac_of_config_rbac()
    {
        await fixture.Cluster.KubectlCheckedAsync("apply", "-k", Path.Combine(RepositoryPaths.Root, "config", "rbac"));
        var token = await fixture.Cluster.CreateServiceAccountTokenAsync("erebor-system", "erebor-operator");
        var kubeconfig = fixture.Cluster.WriteKubeconfig(token, "operator-sa.kubeconfig");

        await using var replica = await OperatorProcess.StartAsync(fixture.Cluster, new OperatorProcessOptions { Identity = "rbac-check", Kubeconfig = kubeconfig, LeaseName = "erebor-rbac" });
        await fixture.Cluster.KubectlCheckedAsync("create", "namespace", "rbac");
        await fixture.Cluster.ApplyAsync(Manifests.Node("rbac-node"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet("rbac", "s", "10.70.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Router("rbac", "r", "s"));

        using var admin = new KubeApi(KubeConfig.FromFile(fixture.Cluster.KubeconfigPath));
        await Eventually.UntilAsync(() => admin.GetAsync<V1Alpha1Router>("rbac", "r"), r => r is not null && Conditions.IsTrue(r.Status.Conditions, "Ready"), TimeSpan.FromSeconds(30), "router Ready under the service account");
        var subnet = (await admin.GetAsync<V1Alpha1Subnet>("rbac", "s"))!;
        subnet.Status.NodeBlocks.Should().Contain(b => b.Node == "rbac-node");
        (await fixture.Cluster.KubectlCheckedAsync("get", "events", "-n", "rbac")).Should().Contain("BlocksAssigned");

        // A checkpoint reads every protected kind (Secrets included) of the namespace into a bank.
        var bank = Directory.CreateTempSubdirectory("erebor-rbac-bank-").FullName;
        try
        {
            await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", "rbac-key", "-n", "erebor-system", $"--from-literal=key={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}");
            await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", "app-secret", "-n", "rbac", "--from-literal=a=b");
            // A Role granting what the operator itself does not hold: restoring it needs escalate and bind.
            await fixture.Cluster.KubectlCheckedAsync("create", "role", "pod-reader", "-n", "rbac", "--verb=get", "--resource=pods");
            await fixture.Cluster.KubectlCheckedAsync("create", "rolebinding", "pod-reader", "-n", "rbac", "--role=pod-reader", "--user=alice");
            await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: rbac-disk}}\nspec:\n  bank: {{type: Filesystem, path: {bank}}}\n  encryptionKeySecret: {{namespace: erebor-system, name: rbac-key}}\n");
            await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: ProtectionPlan\nmetadata: {name: app, namespace: rbac}\nspec: {provider: rbac-disk}\n---\napiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {name: now, namespace: rbac}\nspec: {plan: app}\n");
            var checkpoint = await Eventually.UntilAsync(() => admin.GetAsync<V1Alpha1Checkpoint>("rbac", "now"), c => c?.Status.Phase is RunPhase.Available or RunPhase.PartiallyFailed or RunPhase.Error, TimeSpan.FromSeconds(60), "the checkpoint to finish under the service account");
            checkpoint!.Status.Phase.Should().Be(RunPhase.Available, Conditions.Find(checkpoint.Status.Conditions, "Ready")?.Message);
            checkpoint.Status.Resources.Should().BeEmpty("nothing was skipped or failed for lack of permissions");

            // A restore creates every kind (the Role included) in another namespace.
            await fixture.Cluster.ApplyAsync("apiVersion: erebor.io/v1alpha1\nkind: Restore\nmetadata: {name: copy, namespace: rbac}\nspec: {checkpoint: now, targetNamespace: rbac-copy}\n");
            var restore = await Eventually.UntilAsync(() => admin.GetAsync<V1Alpha1Restore>("rbac", "copy"), r => r?.Status.Phase is RunPhase.Completed or RunPhase.PartiallyFailed or RunPhase.Error, TimeSpan.FromSeconds(60), "the restore to finish under the service account");
            restore!.Status.Phase.Should().Be(RunPhase.Completed, Conditions.Find(restore.Status.Conditions, "Ready")?.Message);
            restore.Status.Resources.Should().BeNullOrEmpty("nothing was skipped or failed for lack of permissions");
            (await fixture.Cluster.KubectlCheckedAsync("get", "role", "pod-reader", "-n", "rbac-copy")).Should().Contain("pod-reader");
            await fixture.Cluster.KubectlCheckedAsync("delete", "checkpoint", "now", "-n", "rbac", "--timeout=60s");
        }
        finally
        {
            Directory.Delete(bank, recursive: true);
        }

        // Restores create Secrets anywhere; deleting them, or watching them, the operator never does.
        foreach (var verb in new[] { "delete", "watch" })
        {
            var forbidden = await fixture.Cluster.KubectlAsync("--kubeconfig", kubeconfig, "auth", "can-i", verb, "secrets", "-n", "kube-system");
            forbidden.StdOut.Trim().Should().Be("no", $"the operator may not {verb} Secrets outside its namespace");
        }

        replica.OutputTail().Should().NotContain("Forbidden");
    }
}
