using Erebor.Harness.ControlPlane;
using Erebor.Harness.Ovs;

namespace Erebor.Harness.Agent;

/// <summary>
/// Two simulated nodes joined by an <see cref="Underlay"/>, an agent on each with its tunnel
/// endpoint (<c>--tunnel-ip</c>), the endpoints resolved: what the multi-node tests and the demo
/// run on. Disposing stops the agents, then the underlay, then the nodes (and what is left of
/// their workloads).
/// </summary>
public sealed class TwoNodes : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private TwoNodes()
    {
    }

    public OvsNode Node1 { get; private set; } = null!;
    public OvsNode Node2 { get; private set; } = null!;
    public Underlay Underlay { get; private set; } = null!;
    public AgentProcess Agent1 { get; private set; } = null!;
    public AgentProcess Agent2 { get; private set; } = null!;

    /// <summary>
    /// Starts OVS nodes <paramref name="name"/>1 and <paramref name="name"/>2, the underlay on
    /// <paramref name="underlayNetwork"/> (a /24 prefix like "192.168.77") and the agents, whose
    /// Node names default to the OVS nodes' names.
    /// </summary>
    public static async Task<TwoNodes> StartAsync(IControlPlane cluster, string name, string underlayNetwork, string? node1Name = null, string? node2Name = null, int heartbeatSeconds = 2, CancellationToken ct = default)
    {
        var nodes = new TwoNodes();
        try
        {
            nodes.Node1 = nodes.Own(await OvsNode.StartAsync(name + "1", ct: ct));
            nodes.Node2 = nodes.Own(await OvsNode.StartAsync(name + "2", ct: ct));
            nodes.Underlay = nodes.Own(await Underlay.ConnectAsync(nodes.Node1, nodes.Node2, underlayNetwork));
            nodes.Agent1 = nodes.Own(await AgentProcess.StartAsync(cluster, nodes.Node1, nodeName: node1Name, heartbeatSeconds: heartbeatSeconds, extraArgs: ["--tunnel-ip", nodes.Underlay.LeftEndpoint], ct: ct));
            nodes.Agent2 = nodes.Own(await AgentProcess.StartAsync(cluster, nodes.Node2, nodeName: node2Name, heartbeatSeconds: heartbeatSeconds, extraArgs: ["--tunnel-ip", nodes.Underlay.RightEndpoint], ct: ct));
            // Once both tunnel ports exist, so that the first packet into the tunnel does not wait on OVS resolving the peer.
            await nodes.Underlay.ResolveEndpointsAsync();
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>Until node 1 answers ARP for <c>OnNode2</c> and node 2 for <c>OnNode1</c>: each agent has the other's port from its NodeAgent.</summary>
    public async Task WaitForRemotePortsAsync((string OnNode2, string OnNode1) ips)
    {
        foreach (var (node, ip) in new[] { (Node1, ips.OnNode2), (Node2, ips.OnNode1) })
        {
            await Eventually.UntilAsync(() => node.OfctlAsync("dump-flows", node.BridgeName, "table=10"), f => f.Contains($"arp_tpa={ip}", StringComparison.Ordinal), TimeSpan.FromSeconds(30), $"{node.Name} to learn the remote port {ip}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(_owned)) { await resource.DisposeAsync(); }
        _owned.Clear();
    }

    private T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }
}
