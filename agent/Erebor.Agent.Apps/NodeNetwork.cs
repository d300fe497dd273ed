using Erebor.Domain.Networking;

namespace Erebor.Agent.Apps;

/// <summary>
/// A Subnet as the data plane sees it: a segment id (carried in metadata and, between nodes, as
/// the tunnel key), its addresses and whether this agent answers DHCP on it.
/// </summary>
public sealed record Segment(uint Id, string Name, Ipv4Cidr Cidr, Ipv4Address Gateway, bool DhcpEnabled)
{
    /// <summary>What the DHCP app serves on this segment from this node (block, options); null when this node has no block.</summary>
    public Dhcp.SegmentDhcp? Dhcp { get; init; }
}

/// <summary>A Router's interface on a segment: the gateway IP and MAC every node answers for.</summary>
public sealed record RouterInterface(string Router, uint SegmentId, Ipv4Address Ip, MacAddress Mac);

/// <summary>A workload port on this node's br-int, attached to a segment.</summary>
public sealed record LocalPort(string Name, uint OfPort, MacAddress Mac, uint SegmentId, Ipv4Address? Ip)
{
    /// <summary>external_ids:iface-id (the port's identity, DHCP leases are keyed by it and the MAC); defaults to the interface name.</summary>
    public string? IfaceId { get; init; }

    /// <summary>True when <see cref="LocalPort.Ip"/> comes from external_ids:erebor.io/ip rather than a DHCP lease.</summary>
    public bool StaticIp { get; init; }

    public string Identity => IfaceId ?? Name;
}

/// <summary>A Router's static route: packets to <paramref name="Destination"/> go to <paramref name="NextHop"/>, an address in one of the router's attached segments.</summary>
public sealed record RouterRoute(string Router, Ipv4Cidr Destination, Ipv4Address NextHop);

/// <summary>This node's end of the tunnels: the geneve port on br-int (remote_ip and key chosen per flow) and the address other nodes reach it on.</summary>
public sealed record TunnelPort(uint OfPort, Ipv4Address LocalEndpoint);

/// <summary>A workload port on another node (l2population, from that node's NodeAgent status): reached through the tunnel to <paramref name="Endpoint"/>.</summary>
public sealed record RemotePort(string Name, string Node, Ipv4Address Endpoint, MacAddress Mac, uint SegmentId, Ipv4Address? Ip);

/// <summary>Another node's block of a segment (Subnet status.nodeBlocks): where an address of the block that is no known port is sent.</summary>
public sealed record RemoteBlock(uint SegmentId, Ipv4Cidr Block, string Node, Ipv4Address Endpoint);

/// <summary>Everything the flow features need to know about this node: the agent's desired state.</summary>
public sealed record NodeNetwork(IReadOnlyList<Segment> Segments, IReadOnlyList<RouterInterface> RouterInterfaces, IReadOnlyList<LocalPort> Ports)
{
    /// <summary>The static routes of the routers in <see cref="RouterInterfaces"/> (the L3 app honours them).</summary>
    public IReadOnlyList<RouterRoute> Routes { get; init; } = [];

    /// <summary>This node's tunnel port; null on a single node (no --tunnel-ip) or before OVS has numbered the port. Without it nothing is remote.</summary>
    public TunnelPort? Tunnel { get; init; }

    /// <summary>Ports on other nodes of the segments this node knows, unique per segment by MAC and by IP (a local port wins).</summary>
    public IReadOnlyList<RemotePort> RemotePorts { get; init; } = [];

    /// <summary>Other nodes' blocks of the segments this node knows.</summary>
    public IReadOnlyList<RemoteBlock> RemoteBlocks { get; init; } = [];

    /// <summary>True when <paramref name="ofPort"/> is the tunnel port.</summary>
    public bool IsTunnel(uint ofPort) => Tunnel is { } tunnel && tunnel.OfPort == ofPort;

    public static NodeNetwork Empty { get; } = new([], [], []);

    public Segment? SegmentOf(uint id) => Segments.FirstOrDefault(s => s.Id == id);
}
