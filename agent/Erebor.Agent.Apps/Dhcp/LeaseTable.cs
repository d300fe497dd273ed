using Erebor.Domain.Networking;

namespace Erebor.Agent.Apps.Dhcp;

/// <summary>Offered: held briefly for a DISCOVER's OFFER; Bound: ACKed.</summary>
public enum LeaseState
{
    Offered,
    Bound,
}

/// <summary>
/// One lease: an address of a segment held by a port (its iface-id) with a MAC. <see cref="PortGoneAt"/>
/// is set when the port left br-int; the address is kept for the grace period so that a port that
/// comes back (VM restart, live migration back) gets the same address.
/// </summary>
public sealed record Lease(string Segment, string Port, MacAddress Mac, Ipv4Address Ip, LeaseState State, DateTimeOffset Expires, DateTimeOffset? PortGoneAt = null, string? HostName = null);

/// <summary>An address a client DECLINEd (someone else answers ARP for it): not leased until <see cref="Until"/>.</summary>
public sealed record QuarantinedAddress(string Segment, Ipv4Address Ip, DateTimeOffset Until);

/// <summary>Answers "which address does this port hold", for the desired network (ARP responder for DHCP'd ports).</summary>
public interface ILeaseView
{
    Ipv4Address? AddressOf(string segment, string port, MacAddress mac);
}

/// <summary>Counts a segment's addresses on this node, for the NodeAgent status and metrics.</summary>
public interface ILeaseCounts
{
    /// <summary>Addresses of this node's block of <paramref name="segment"/> in use (leased or offered) and still free; null when the node has no block of it.</summary>
    (long InUse, long Available)? CountOf(Segment segment, NodeNetwork network);
}

/// <summary>Timings of the lease table, documented where the choice is made.</summary>
public sealed record LeasePolicy
{
    /// <summary>
    /// How long an address stays with its port after the port disappears from br-int or after its
    /// lease expired, before another port may get it: 10 minutes, long enough for a VM reboot or
    /// an agent/OVS restart to bring the port back to the same address, short enough that a busy
    /// block recycles. A RELEASE frees the address at once. The agent hands every new network to
    /// the DHCP app, so the grace period starts when the port leaves br-int (as the agent sees it).
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an OFFER holds its address for the REQUEST that should follow (RFC 2131 leaves it to the server).</summary>
    public TimeSpan OfferHold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a DECLINEd address is not offered again.</summary>
    public TimeSpan Quarantine { get; init; } = TimeSpan.FromMinutes(10);

    public static LeasePolicy Default { get; } = new();
}

/// <summary>
/// The node's lease table and allocator, pure (time is passed in, persistence is
/// <see cref="LeaseFile"/>'s). Invariant: no two leases of a segment hold one address. Leases are
/// keyed by segment + port + MAC.
/// </summary>
public sealed class LeaseTable(LeasePolicy? policy = null)
{
    private readonly Dictionary<(string Segment, string Port, MacAddress Mac), Lease> _byKey = [];
    private readonly Dictionary<(string Segment, Ipv4Address Ip), Lease> _byIp = [];
    private readonly Dictionary<(string Segment, Ipv4Address Ip), QuarantinedAddress> _quarantine = [];

    public LeasePolicy Policy { get; } = policy ?? LeasePolicy.Default;

    public IReadOnlyCollection<Lease> Leases => _byKey.Values;

    public IReadOnlyCollection<QuarantinedAddress> Quarantined => _quarantine.Values;

    public static LeaseTable From(IEnumerable<Lease> leases, IEnumerable<QuarantinedAddress> quarantined, LeasePolicy? policy = null)
    {
        var table = new LeaseTable(policy);
        foreach (var lease in leases.OrderByDescending(l => l.State).ThenByDescending(l => l.Expires))
        {
            // A file that somehow holds one address twice keeps the bound, longest lease only.
            if (table._byIp.ContainsKey((lease.Segment, lease.Ip)) || table._byKey.ContainsKey((lease.Segment, lease.Port, lease.Mac))) { continue; }
            table.Put(lease);
        }

        foreach (var q in quarantined) { table._quarantine[(q.Segment, q.Ip)] = q; }
        return table;
    }

    public Lease? Find(string segment, string port, MacAddress mac) => _byKey.GetValueOrDefault((segment, port, mac));

    public Lease? HolderOf(string segment, Ipv4Address ip) => _byIp.GetValueOrDefault((segment, ip));

    /// <summary>True while <paramref name="lease"/> keeps its address from other ports.</summary>
    public bool Holds(Lease lease, DateTimeOffset now) => lease.State switch
    {
        LeaseState.Offered => now < lease.Expires,
        _ => now < lease.Expires + Policy.Grace && (lease.PortGoneAt is not { } gone || now < gone + Policy.Grace),
    };

    /// <summary>Records which ports are on br-int now: leases of absent ports start their grace period, returning ports stop it.</summary>
    public bool ObservePorts(IReadOnlySet<(string Segment, string Port, MacAddress Mac)> present, DateTimeOffset now)
    {
        var changed = false;
        foreach (var lease in _byKey.Values.ToList())
        {
            var here = present.Contains((lease.Segment, lease.Port, lease.Mac));
            if (!here && lease.PortGoneAt is null) { Put(lease with { PortGoneAt = now }); changed = true; }
            else if (here && lease.PortGoneAt is not null) { Put(lease with { PortGoneAt = null }); changed = true; }
        }

        return changed;
    }

    /// <summary>The first moment after <paramref name="now"/> at which <see cref="Prune"/> has something to drop, or null when nothing ever expires.</summary>
    public DateTimeOffset? NextExpiry(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var lease in _byKey.Values)
        {
            var end = lease.State == LeaseState.Offered ? lease.Expires : lease.Expires + Policy.Grace;
            if (lease.State != LeaseState.Offered && lease.PortGoneAt is { } gone && gone + Policy.Grace < end) { end = gone + Policy.Grace; }
            next = Earliest(next, end);
        }

        foreach (var q in _quarantine.Values) { next = Earliest(next, q.Until); }
        return next is { } at && at < now ? now : next;

        static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x <= b ? x : b;
    }

    /// <summary>Drops leases and quarantines that no longer hold their address; true when anything was dropped.</summary>
    public bool Prune(DateTimeOffset now)
    {
        var dropped = false;
        foreach (var lease in _byKey.Values.Where(l => !Holds(l, now)).ToList()) { Remove(lease); dropped = true; }
        foreach (var q in _quarantine.Values.Where(q => now >= q.Until).ToList()) { _quarantine.Remove((q.Segment, q.Ip)); dropped = true; }
        return dropped;
    }

    /// <summary>
    /// True when <paramref name="ip"/> may be leased on the segment to this port: inside this
    /// node's block and the subnet, not the network/broadcast address, gateway, a router
    /// interface, a reserved range, another port's static address, quarantined, or held by
    /// another lease.
    /// </summary>
    public bool CanLease(AddressScope scope, string port, MacAddress mac, Ipv4Address ip, DateTimeOffset now)
    {
        if (!scope.IsLeasable(ip)) { return false; }
        if (_quarantine.TryGetValue((scope.Segment, ip), out var q) && now < q.Until) { return false; }
        var holder = HolderOf(scope.Segment, ip);
        return holder is null || (holder.Port == port && holder.Mac == mac) || !Holds(holder, now);
    }

    /// <summary>
    /// The address to offer: the port's current lease, else <paramref name="requested"/> when it
    /// may be leased, else the lowest free address of the block; null when the block is exhausted.
    /// The address is held as an offer (unless already bound).
    /// </summary>
    public Ipv4Address? Offer(AddressScope scope, string port, MacAddress mac, Ipv4Address? requested, DateTimeOffset now)
    {
        if (Find(scope.Segment, port, mac) is { } existing && CanLease(scope, port, mac, existing.Ip, now))
        {
            if (existing.State == LeaseState.Offered) { Put(existing with { Expires = now + Policy.OfferHold }); }
            return existing.Ip;
        }

        Ipv4Address? chosen = requested is { } r && CanLease(scope, port, mac, r, now) ? r : null;
        if (chosen is null)
        {
            for (var ip = scope.NodeBlock.Network; ip <= scope.NodeBlock.Broadcast; ip += 1)
            {
                if (CanLease(scope, port, mac, ip, now)) { chosen = ip; break; }
                if (ip == scope.NodeBlock.Broadcast) { break; }
            }
        }

        if (chosen is not { } offered) { return null; }
        Assign(new Lease(scope.Segment, port, mac, offered, LeaseState.Offered, now + Policy.OfferHold));
        return offered;
    }

    /// <summary>Binds <paramref name="ip"/> to the port for <paramref name="leaseSeconds"/>; false (and no change) when it may not be leased to it.</summary>
    public bool Bind(AddressScope scope, string port, MacAddress mac, Ipv4Address ip, uint leaseSeconds, DateTimeOffset now, string? hostName = null)
    {
        if (!CanLease(scope, port, mac, ip, now)) { return false; }
        Assign(new Lease(scope.Segment, port, mac, ip, LeaseState.Bound, now + TimeSpan.FromSeconds(leaseSeconds), null, hostName));
        return true;
    }

    /// <summary>Frees the port's lease of <paramref name="ip"/> at once (DHCPRELEASE, or a client that chose another server's offer).</summary>
    public bool Release(string segment, string port, MacAddress mac, Ipv4Address? ip = null)
    {
        if (Find(segment, port, mac) is not { } lease || (ip is { } i && lease.Ip != i)) { return false; }
        Remove(lease);
        return true;
    }

    /// <summary>A client says <paramref name="ip"/> is in use by someone else: drop its lease and keep the address out of use.</summary>
    public void Decline(string segment, string port, MacAddress mac, Ipv4Address ip, DateTimeOffset now)
    {
        Release(segment, port, mac, ip);
        _quarantine[(segment, ip)] = new QuarantinedAddress(segment, ip, now + Policy.Quarantine);
    }

    /// <summary>Addresses in use (leases that hold their address) and still free, per segment scope.</summary>
    public (long InUse, long Available) Count(AddressScope scope, DateTimeOffset now)
    {
        long inUse = 0, available = 0;
        for (var ip = scope.NodeBlock.Network; ; ip += 1)
        {
            if (scope.IsLeasable(ip))
            {
                if (HolderOf(scope.Segment, ip) is { } h && Holds(h, now)) { inUse++; }
                else if (!(_quarantine.TryGetValue((scope.Segment, ip), out var q) && now < q.Until)) { available++; }
            }

            if (ip == scope.NodeBlock.Broadcast) { break; }
        }

        return (inUse, available);
    }

    private void Assign(Lease lease)
    {
        // One port holds one address per segment; whoever held this address before lost it (checked by CanLease).
        if (Find(lease.Segment, lease.Port, lease.Mac) is { } previous) { Remove(previous); }
        if (HolderOf(lease.Segment, lease.Ip) is { } holder) { Remove(holder); }
        Put(lease);
    }

    private void Put(Lease lease)
    {
        _byKey[(lease.Segment, lease.Port, lease.Mac)] = lease;
        _byIp[(lease.Segment, lease.Ip)] = lease;
    }

    private void Remove(Lease lease)
    {
        _byKey.Remove((lease.Segment, lease.Port, lease.Mac));
        if (_byIp.TryGetValue((lease.Segment, lease.Ip), out var current) && current == lease) { _byIp.Remove((lease.Segment, lease.Ip)); }
    }
}

/// <summary>
/// The addresses of one segment this node may lease: its block, minus the subnet's network and
/// broadcast addresses, the gateway, router interfaces, reserved ranges and static port addresses.
/// </summary>
public sealed record AddressScope(string Segment, Ipv4Cidr Subnet, Ipv4Cidr NodeBlock, IReadOnlySet<Ipv4Address> Excluded, IReadOnlyList<AddressRange> Reserved)
{
    public bool IsLeasable(Ipv4Address ip) =>
        NodeBlock.Contains(ip) && Subnet.Contains(ip) && ip >= Subnet.FirstUsable && ip <= Subnet.LastUsable
        && !Excluded.Contains(ip) && !Reserved.Any(r => r.Contains(ip));

    /// <summary>The scope of <paramref name="segment"/> in <paramref name="network"/>: gateway, router interfaces and static addresses excluded.</summary>
    public static AddressScope? Of(Segment segment, NodeNetwork network)
    {
        if (segment.Dhcp is not { } dhcp) { return null; }
        var excluded = new HashSet<Ipv4Address> { segment.Gateway };
        excluded.UnionWith(network.RouterInterfaces.Where(r => r.SegmentId == segment.Id).Select(r => r.Ip));
        excluded.UnionWith(network.Ports.Where(p => p.SegmentId == segment.Id && p.StaticIp && p.Ip is not null).Select(p => p.Ip!.Value));
        return new AddressScope(segment.Name, segment.Cidr, dhcp.NodeBlock, excluded, dhcp.Reserved);
    }
}
