using Erebor.Agent.Apps;
using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Entities;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Network;

/// <summary>
/// l2population: the other nodes and their ports, from the API rather than learned by flooding.
/// Another node is a NodeAgent with a tunnel endpoint; its ports are the NodeAgent's status.ports;
/// its blocks are the Subnets' status.nodeBlocks. Pure, so that what gets wired is unit-tested.
/// </summary>
public static class RemoteNetwork
{
    /// <summary>The name of the agent's tunnel port on br-int.</summary>
    public const string TunnelPortName = "erebor-tun";

    /// <summary>The ofport the agent asks for its tunnel port: far above the numbers OVS gives workload ports from 1 upwards (OVS allows up to 65279).</summary>
    public const int TunnelOfPortRequest = 65000;

    /// <summary>This node's tunnel port once OVS has numbered it; null without an endpoint or before then.</summary>
    public static TunnelPort? TunnelOf(IEnumerable<OvsInterface> interfaces, string? localEndpoint) =>
        Ipv4Address.TryParse(localEndpoint, out var endpoint)
        && interfaces.FirstOrDefault(i => i.Name == TunnelPortName) is { OfPort: > 0 and < 0xff00 } tunnel
            ? new TunnelPort((uint)tunnel.OfPort!.Value, endpoint)
            : null;

    /// <summary>
    /// <paramref name="local"/> plus the ports and blocks of the other nodes on its segments. A
    /// remote port whose MAC is already known on its segment (a local port, or a port of a node
    /// earlier by name) is left out; one whose IP is taken (a local port, a router interface, an
    /// earlier remote port) keeps L2 but gets no ARP answer or route. Without a tunnel nothing changes.
    /// </summary>
    public static NodeNetwork Add(NodeNetwork local, IEnumerable<V1Alpha1Subnet> subnets, IEnumerable<V1Alpha1NodeAgent> agents, string nodeName, TunnelPort? tunnel)
    {
        if (tunnel is null) { return local; }
        var endpoints = new SortedDictionary<string, Ipv4Address>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            if (agent.Metadata.Name is { } name && name != nodeName && Ipv4Address.TryParse(agent.Spec.TunnelEndpoint, out var endpoint) && endpoint != tunnel.LocalEndpoint)
            {
                endpoints[name] = endpoint;
            }
        }

        var segments = local.Segments.ToDictionary(s => s.Name);
        var macs = local.Ports.Select(p => (p.SegmentId, p.Mac)).ToHashSet();
        var ips = local.Ports.Where(p => p.Ip is not null).Select(p => (p.SegmentId, p.Ip!.Value))
            .Concat(local.RouterInterfaces.Select(i => (i.SegmentId, i.Ip))).ToHashSet();
        var ports = new List<RemotePort>();
        foreach (var agent in agents.Where(a => a.Metadata.Name is { } n && endpoints.ContainsKey(n)).OrderBy(a => a.Metadata.Name, StringComparer.Ordinal))
        {
            var node = agent.Metadata.Name!;
            foreach (var port in (agent.Status.Ports ?? []).OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                if (!segments.TryGetValue(port.Subnet, out var segment) || !MacAddress.TryParse(port.Mac, out var mac) || mac.IsMulticast
                    || !macs.Add((segment.Id, mac))) { continue; }
                Ipv4Address? ip = Ipv4Address.TryParse(port.Ip, out var address) && segment.Cidr.Contains(address) && ips.Add((segment.Id, address)) ? address : null;
                ports.Add(new RemotePort(port.Name, node, endpoints[node], mac, segment.Id, ip));
            }
        }

        var blocks = new List<RemoteBlock>();
        foreach (var subnet in subnets)
        {
            if (!segments.TryGetValue(ObjectKey.Of(subnet).ToString(), out var segment)) { continue; }
            foreach (var block in subnet.Status.NodeBlocks)
            {
                if (endpoints.TryGetValue(block.Node, out var endpoint) && Ipv4Cidr.TryParse(block.Cidr, out var cidr, out _) && segment.Cidr.Contains(cidr))
                {
                    blocks.Add(new RemoteBlock(segment.Id, cidr, block.Node, endpoint));
                }
            }
        }

        return local with { Tunnel = tunnel, RemotePorts = ports, RemoteBlocks = [.. blocks.OrderBy(b => b.SegmentId).ThenBy(b => b.Block.Network)] };
    }
}
