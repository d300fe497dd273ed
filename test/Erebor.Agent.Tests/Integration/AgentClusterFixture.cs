using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Ovs;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Agent.Tests.Integration;

/// <summary>A real control plane with the CRDs and the operator: what every node agent talks to.</summary>
public class AgentClusterFixture : EreborClusterFixture
{
    private OperatorProcess? _operator;

    /// <summary>How the operator is started (null: defaults).</summary>
    protected virtual OperatorProcessOptions? OperatorOptions => null;

    protected override async Task StartedAsync() => _operator = await OperatorProcess.StartAsync(Cluster, OperatorOptions);

    protected override async Task StoppingAsync()
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
    }

    /// <summary>A namespace with a Subnet and a Router on it, both Ready; returns the router's interface on the subnet.</summary>
    public async Task<(string Namespace, V1Alpha1Router.InterfaceStatus Gateway)> NetworkAsync(string cidr)
    {
        var ns = await NewNamespaceAsync("net");
        await Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {{name: net, namespace: {ns}}}\nspec: {{cidr: {cidr}}}\n");
        await Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Router\nmetadata: {{name: r, namespace: {ns}}}\nspec: {{interfaces: [{{subnet: net}}]}}\n");
        var router = await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Router>(ns, "r"), r => r is not null && Conditions.IsTrue(r.Status.Conditions, "Ready"), TimeSpan.FromSeconds(30), "router Ready");
        return (ns, router!.Status.Interfaces.Single());
    }

    /// <summary>A namespace with Subnets "a" and "b" and a Router "r" joining them, Ready; returns the router's interfaces on both.</summary>
    public async Task<(string Namespace, V1Alpha1Router.InterfaceStatus A, V1Alpha1Router.InterfaceStatus B)> TwoSubnetsAsync(string cidrA, string cidrB, string? extraRouterSpec = null)
    {
        var ns = await NewNamespaceAsync("l3");
        await Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {{name: a, namespace: {ns}}}\nspec: {{cidr: {cidrA}}}\n");
        await Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {{name: b, namespace: {ns}}}\nspec: {{cidr: {cidrB}}}\n");
        var extra = extraRouterSpec is null ? string.Empty : ", " + extraRouterSpec;
        await Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Router\nmetadata: {{name: r, namespace: {ns}}}\nspec: {{interfaces: [{{subnet: a}}, {{subnet: b}}]{extra}}}\n");
        var router = await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Router>(ns, "r"), r => r is not null && Conditions.IsTrue(r.Status.Conditions, "Ready") && r.Status.Interfaces.Count == 2, TimeSpan.FromSeconds(30), "router Ready");
        return (ns, router!.Status.Interfaces.Single(i => i.Subnet == "a"), router.Status.Interfaces.Single(i => i.Subnet == "b"));
    }

    /// <summary>A workload with a static address on the Subnet <paramref name="subnet"/> of <paramref name="ns"/>.</summary>
    public static Task<Workload> WorkloadAsync(OvsNode node, string name, string ns, string mac, string ipCidr, string gateway, string subnet = "net") =>
        node.AddWorkloadAsync(name, new WorkloadOptions
        {
            Mac = mac,
            Ipv4Cidr = ipCidr,
            Gateway = gateway,
            ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{ns}/{subnet}", ["erebor.io/ip"] = ipCidr.Split('/')[0] },
        });
}

[CollectionDefinition(Name)]
public sealed class AgentClusterCollection : ICollectionFixture<AgentClusterFixture>
{
    public const string Name = "agent cluster";
}
