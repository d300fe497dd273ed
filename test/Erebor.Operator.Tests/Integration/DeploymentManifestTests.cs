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

        var forbidden = await fixture.Cluster.KubectlAsync("--kubeconfig", kubeconfig, "get", "secrets", "-n", "kube-system");
        forbidden.Succeeded.Should().BeFalse("the operator may read Secrets only in its own namespace");
        replica.OutputTail().Should().NotContain("Forbidden");
    }
}
