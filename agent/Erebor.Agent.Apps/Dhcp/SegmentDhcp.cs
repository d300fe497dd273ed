using Erebor.Domain.Networking;

namespace Erebor.Agent.Apps.Dhcp;

/// <summary>A classless static route (option 121) as configured on the Subnet.</summary>
public readonly record struct DhcpRoute(Ipv4Cidr Destination, Ipv4Address NextHop);

/// <summary>
/// What this node's DHCP server needs to know about one segment: the block it leases from (the
/// node's block of the Subnet, from Subnet status), the addresses it must never hand out, and the
/// options it sends.
/// </summary>
public sealed record SegmentDhcp
{
    /// <summary>This node's block of the Subnet; leases come only from here.</summary>
    public required Ipv4Cidr NodeBlock { get; init; }

    /// <summary>Reserved ranges of the Subnet (never leased).</summary>
    public IReadOnlyList<AddressRange> Reserved { get; init; } = [];

    public IReadOnlyList<Ipv4Address> DnsServers { get; init; } = [];

    public string? Domain { get; init; }

    public uint LeaseSeconds { get; init; } = 86400;

    public ushort? Mtu { get; init; }

    public IReadOnlyList<DhcpRoute> StaticRoutes { get; init; } = [];

    /// <summary>Compared by value so that an unchanged Subnet yields an equal network.</summary>
    public bool Equals(SegmentDhcp? other) =>
        other is not null && NodeBlock == other.NodeBlock && Reserved.SequenceEqual(other.Reserved) && DnsServers.SequenceEqual(other.DnsServers)
        && Domain == other.Domain && LeaseSeconds == other.LeaseSeconds && Mtu == other.Mtu && StaticRoutes.SequenceEqual(other.StaticRoutes);

    public override int GetHashCode() => HashCode.Combine(NodeBlock, Domain, LeaseSeconds, Mtu);
}
