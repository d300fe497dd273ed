using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Entities;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Network;

/// <summary>The external_ids a workload's OVS interface carries to join Erebor.</summary>
public static class PortExternalIds
{
    /// <summary>"namespace/name" of the Subnet the port belongs to.</summary>
    public const string Subnet = "erebor.io/subnet";

    /// <summary>A static IPv4 address of the port (without it, the port gets one by DHCP).</summary>
    public const string Ip = "erebor.io/ip";

    /// <summary>The workload's MAC (the OpenStack/OVN convention).</summary>
    public const string AttachedMac = "attached-mac";
}

/// <summary>A port the agent saw but cannot wire, and why (for logs and status).</summary>
public sealed record IgnoredPort(string Name, string Reason);

/// <summary>
/// Turns what the API server says (Subnets, Routers) and what OVS says (this node's interfaces)
/// into the <see cref="NodeNetwork"/> the flow features consume. Pure, so that every rule about
/// what gets wired is unit-tested.
/// </summary>
public static class DesiredNetwork
{
    /// <param name="nodeName">This node: picks its block of each Subnet for DHCP (no block, no DHCP here).</param>
    /// <param name="leases">This node's DHCP leases: a port without a static address gets its leased one.</param>
    public static (NodeNetwork Network, IReadOnlyList<IgnoredPort> Ignored) Build(
        IEnumerable<V1Alpha1Subnet> subnets, IEnumerable<V1Alpha1Router> routers, IEnumerable<OvsInterface> interfaces, string? nodeName = null, ILeaseView? leases = null)
    {
        var segments = new Dictionary<string, Segment>();
        foreach (var subnet in subnets)
        {
            // A Subnet is wired once the operator has validated it and given it a segment id.
            if (subnet.Status.SegmentId is not { } id || !Ipv4Cidr.TryParse(subnet.Spec.Cidr, out var cidr, out _)
                || !Ipv4Address.TryParse(subnet.Status.Gateway, out var gateway)) { continue; }
            segments[ObjectKey.Of(subnet).ToString()] = new Segment((uint)id, ObjectKey.Of(subnet).ToString(), cidr, gateway, subnet.Spec.Dhcp.Enabled)
            {
                Dhcp = DhcpOf(subnet, cidr, nodeName),
            };
        }

        var routerInterfaces = new List<RouterInterface>();
        var routes = new List<RouterRoute>();
        foreach (var router in routers)
        {
            foreach (var iface in router.Status.Interfaces)
            {
                if (segments.GetValueOrDefault($"{router.Metadata.Namespace}/{iface.Subnet}") is not { } segment
                    || !Ipv4Address.TryParse(iface.Ip, out var ip) || !MacAddress.TryParse(iface.Mac, out var mac)) { continue; }
                routerInterfaces.Add(new RouterInterface(ObjectKey.Of(router).ToString(), segment.Id, ip, mac));
            }

            // Every static route; the L3 app uses those whose next hop lies in a subnet the router is attached to.
            foreach (var route in router.Spec.StaticRoutes ?? [])
            {
                if (!Ipv4Cidr.TryParse(route.Destination, out var destination, out _) || !Ipv4Address.TryParse(route.NextHop, out var nextHop)) { continue; }
                routes.Add(new RouterRoute(ObjectKey.Of(router).ToString(), destination, nextHop));
            }
        }

        var ports = new List<LocalPort>();
        var ignored = new List<IgnoredPort>();
        foreach (var iface in interfaces.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            if (!iface.ExternalIds.TryGetValue(PortExternalIds.Subnet, out var subnetKey)) { continue; } // not an Erebor port
            var reason = Validate(iface, subnetKey, segments, leases, out var port) ?? Clash(port!, subnetKey, ports);
            if (reason is null) { ports.Add(port!); }
            else { ignored.Add(new IgnoredPort(iface.Name, reason)); }
        }

        return (new NodeNetwork([.. segments.Values.OrderBy(s => s.Id)], routerInterfaces, ports) { Routes = routes }, ignored);
    }

    /// <summary>The DHCP settings of <paramref name="subnet"/> on <paramref name="nodeName"/>'s block; null without a block (or a node name).</summary>
    public static SegmentDhcp? DhcpOf(V1Alpha1Subnet subnet, Ipv4Cidr cidr, string? nodeName)
    {
        if (nodeName is null || subnet.Status.NodeBlocks.FirstOrDefault(b => b.Node == nodeName) is not { } block
            || !Ipv4Cidr.TryParse(block.Cidr, out var blockCidr, out _) || !cidr.Contains(blockCidr)) { return null; }
        var dhcp = subnet.Spec.Dhcp;
        return new SegmentDhcp
        {
            NodeBlock = blockCidr,
            Reserved = [.. (subnet.Spec.ReservedRanges ?? []).Select(r => AddressRange.TryParse(r, out var range, out _) ? range : (AddressRange?)null).OfType<AddressRange>()],
            DnsServers = [.. (dhcp.DnsServers ?? []).Select(d => Ipv4Address.TryParse(d, out var a) ? a : (Ipv4Address?)null).OfType<Ipv4Address>()],
            Domain = dhcp.Domain,
            LeaseSeconds = (uint)Math.Max(60, dhcp.LeaseSeconds),
            Mtu = dhcp.Mtu is { } mtu ? (ushort)mtu : null,
            StaticRoutes = [.. (dhcp.StaticRoutes ?? []).Select(r => Ipv4Cidr.TryParse(r.Destination, out var d, out _) && Ipv4Address.TryParse(r.NextHop, out var h) ? new DhcpRoute(d, h) : (DhcpRoute?)null).OfType<DhcpRoute>()],
        };
    }

    /// <summary>
    /// Two ports of one segment with one MAC (or one static address) cannot both be wired: L2 and the
    /// ARP responder need one port per MAC and address. The port first by name keeps it.
    /// </summary>
    private static string? Clash(LocalPort port, string subnetKey, List<LocalPort> wired)
    {
        if (wired.FirstOrDefault(p => p.SegmentId == port.SegmentId && p.Mac == port.Mac) is { } sameMac)
        {
            return $"external_ids:{PortExternalIds.AttachedMac} {port.Mac} is already port {sameMac.Name}'s on {subnetKey}";
        }

        return port.Ip is { } ip && wired.FirstOrDefault(p => p.SegmentId == port.SegmentId && p.Ip == ip) is { } sameIp
            ? $"address {ip} is already port {sameIp.Name}'s on {subnetKey}"
            : null;
    }

    private static string? Validate(OvsInterface iface, string subnetKey, Dictionary<string, Segment> segments, ILeaseView? leases, out LocalPort? port)
    {
        port = null;
        if (iface.OfPort is not (> 0 and < 0xffff_ff00)) { return "OVS has not assigned it an ofport"; }
        if (!segments.TryGetValue(subnetKey, out var segment)) { return $"Subnet {subnetKey} does not exist or is not Ready"; }
        if (!MacAddress.TryParse(iface.AttachedMac, out var mac, out var macError)) { return $"external_ids:{PortExternalIds.AttachedMac}: {macError}"; }
        if (mac.IsMulticast) { return $"external_ids:{PortExternalIds.AttachedMac} {mac} is a multicast address"; }
        Ipv4Address? ip = null;
        if (iface.ExternalIds.TryGetValue(PortExternalIds.Ip, out var ipText))
        {
            if (!Ipv4Address.TryParse(ipText, out var parsed, out var ipError)) { return $"external_ids:{PortExternalIds.Ip}: {ipError}"; }
            if (!segment.Cidr.Contains(parsed)) { return $"external_ids:{PortExternalIds.Ip} {parsed} is outside {subnetKey} ({segment.Cidr})"; }
            ip = parsed;
        }

        var ifaceId = iface.ExternalIds.GetValueOrDefault("iface-id") is { Length: > 0 } id ? id : null;
        var leased = ip is null ? leases?.AddressOf(segment.Name, ifaceId ?? iface.Name, mac) : null;
        port = new LocalPort(iface.Name, (uint)iface.OfPort!.Value, mac, segment.Id, ip ?? leased) { IfaceId = ifaceId, StaticIp = ip is not null };
        return null;
    }
}
