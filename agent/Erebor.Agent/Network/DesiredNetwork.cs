using Erebor.Agent.Apps;
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
    public static (NodeNetwork Network, IReadOnlyList<IgnoredPort> Ignored) Build(
        IEnumerable<V1Alpha1Subnet> subnets, IEnumerable<V1Alpha1Router> routers, IEnumerable<OvsInterface> interfaces)
    {
        var segments = new Dictionary<string, Segment>();
        foreach (var subnet in subnets)
        {
            // A Subnet is wired once the operator has validated it and given it a segment id.
            if (subnet.Status.SegmentId is not { } id || !Ipv4Cidr.TryParse(subnet.Spec.Cidr, out var cidr, out _)
                || !Ipv4Address.TryParse(subnet.Status.Gateway, out var gateway)) { continue; }
            segments[ObjectKey.Of(subnet).ToString()] = new Segment((uint)id, ObjectKey.Of(subnet).ToString(), cidr, gateway, subnet.Spec.Dhcp.Enabled);
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

            // Static routes whose next hop lies in a subnet the router is wired to here; others cannot be used.
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
            var reason = Validate(iface, subnetKey, segments, out var port);
            if (port is not null) { ports.Add(port); }
            else { ignored.Add(new IgnoredPort(iface.Name, reason!)); }
        }

        return (new NodeNetwork([.. segments.Values.OrderBy(s => s.Id)], routerInterfaces, ports) { Routes = routes }, ignored);
    }

    private static string? Validate(OvsInterface iface, string subnetKey, Dictionary<string, Segment> segments, out LocalPort? port)
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

        port = new LocalPort(iface.Name, (uint)iface.OfPort!.Value, mac, segment.Id, ip);
        return null;
    }
}
