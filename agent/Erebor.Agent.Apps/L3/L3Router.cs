using Erebor.Agent.Apps.Features;
using Erebor.Domain.Networking;
using Erebor.OpenFlow;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.Packets;

namespace Erebor.Agent.Apps.L3;

/// <summary>What the L3 app does with one packet that missed table 40.</summary>
public abstract record L3Decision(string Reason);

/// <summary>
/// A resolved destination: install <paramref name="Flow"/> (the per-destination /32 in table 40, with
/// an idle timeout) and send the packet on with <paramref name="Packet"/>, which applies the flow's
/// own actions, so the first packet takes exactly the path the later ones will.
/// </summary>
public sealed record L3Forward(FlowMod Flow, PacketOut Packet, string Reason) : L3Decision(Reason);

/// <summary>An ICMP message the router sends back to <paramref name="Sender"/> (unreachable, time exceeded, echo reply to a gateway IP).</summary>
public sealed record L3Reply(PacketOut Packet, Ipv4Address Sender, Icmpv4Type Type, byte Code, string Reason) : L3Decision(Reason);

/// <summary>Nothing to send (not IPv4 for a router, an ICMP error about an ICMP error, ...).</summary>
public sealed record L3Drop(string Reason) : L3Decision(Reason);

/// <summary>Where a resolved next hop is: its MAC and the actions that deliver the packet there.</summary>
public sealed record L3NextHop(MacAddress Mac, IReadOnlyList<OfpAction> Output, string Where);

/// <summary>
/// The seam for destinations on other nodes: resolves an address of a segment the router is
/// attached to (through <paramref name="egress"/>) that is not a local port. See <see cref="TunnelNextHops"/>.
/// </summary>
public interface IRemoteNextHops
{
    L3NextHop? Resolve(NodeNetwork network, RouterInterface egress, Ipv4Address address);
}

/// <summary>
/// Next hops on other nodes, through the tunnel: a remote port with that address (l2population)
/// gets the packet with its own MAC; otherwise the node whose block holds the address gets it
/// addressed to the router's MAC on the segment, and its L3 app delivers it (the address may be a
/// port that node has not reported yet). No tunnel, nothing is remote.
/// </summary>
public sealed class TunnelNextHops : IRemoteNextHops
{
    public static TunnelNextHops Instance { get; } = new();

    public L3NextHop? Resolve(NodeNetwork network, RouterInterface egress, Ipv4Address address)
    {
        if (network.Tunnel is not { } tunnel) { return null; }
        if (network.RemotePorts.FirstOrDefault(p => p.SegmentId == egress.SegmentId && p.Ip == address) is { } port)
        {
            return new L3NextHop(port.Mac, [.. TunnelFeature.ToNode(egress.SegmentId, port.Endpoint), new OutputAction(tunnel.OfPort)], $"port {port.Name} on node {port.Node}");
        }

        return network.RemoteBlocks.Where(b => b.SegmentId == egress.SegmentId && b.Block.Contains(address)).MaxBy(b => b.Block.PrefixLength) is { } block
            ? new L3NextHop(egress.Mac, [.. TunnelFeature.ToNode(egress.SegmentId, block.Endpoint), new OutputAction(tunnel.OfPort)], $"node {block.Node}, which holds {block.Block}")
            : null;
    }
}

/// <summary>
/// The pure decision of the reactive L3 app (Dragonflow's hybrid model): given the node's network
/// and a packet that table 40 sent to the agent (IPv4 to a router MAC), route it. Longest prefix
/// wins among the router's attached subnets (connected) and its static routes; a tie goes to the
/// connected subnet. The next hop of a static route must be in an attached subnet and resolves to
/// that port's MAC. The result is a /32 flow per destination (match segment + router MAC + ipv4_dst;
/// set eth_src to the router's MAC on the egress segment, eth_dst to the next hop, dec_ttl, output).
/// </summary>
public static class L3Router
{
    /// <summary>Priority of the reactive /32 flows in table 40 (the miss to the agent is priority 1).</summary>
    public const ushort FlowPriority = 100;

    /// <summary>
    /// Reactive flows carry round 0, which the synchronizer never uses: an update never touches them
    /// (it deletes only keys it installed), a full replay deletes every round including 0, and the
    /// next packet of each active destination reinstalls its flow.
    /// </summary>
    public const ushort ReactiveRound = 0;

    public static L3Decision Decide(NodeNetwork network, ReadOnlySpan<byte> frame, uint inPort, ulong? metadata, ushort idleTimeout, IRemoteNextHops? remote = null)
    {
        remote ??= TunnelNextHops.Instance;
        if (!EthernetFrame.TryParse(frame, out var ethernet) || ethernet.EtherType != EtherType.Ipv4) { return new L3Drop("not IPv4"); }
        if (!Ipv4Packet.TryParse(ethernet.Payload, out var ip)) { return new L3Drop("malformed IPv4"); }

        var ingressSegment = metadata is { } m ? (uint)m : network.Ports.FirstOrDefault(p => p.OfPort == inPort)?.SegmentId;
        if (ingressSegment is not { } segmentId) { return new L3Drop($"port {inPort} is not wired"); }
        var routerMac = ethernet.Destination;
        var ingress = network.RouterInterfaces.FirstOrDefault(i => i.SegmentId == segmentId && i.Mac == routerMac);
        if (ingress is null) { return new L3Drop($"{routerMac} is no router interface on segment {segmentId}"); }
        if (network.IsTunnel(inPort)) { return DeliverFromTunnel(network, frame, inPort, ingress, ip.Destination, idleTimeout); }
        var interfaces = network.RouterInterfaces.Where(i => i.Router == ingress.Router).ToList();
        var destination = ip.Destination;

        // The router's own addresses: answer echo, nothing else is served there.
        if (interfaces.FirstOrDefault(i => i.Ip == destination) is { } own)
        {
            if (ip.Protocol == IpProtocol.Icmp && Icmpv4Message.TryParse(ip.Payload, out var echo) && echo.Type == Icmpv4Type.EchoRequest && !ip.IsFragment)
            {
                var reply = Frames.BuildIcmpEchoReply(
                    new EthernetHeader(ethernet.Source, ingress.Mac),
                    new Ipv4Header(own.Ip, ip.Source),
                    echo.Identifier,
                    echo.SequenceNumber,
                    echo.Body);
                return new L3Reply(ToPort(inPort, reply), ip.Source, Icmpv4Type.EchoReply, 0, $"echo reply from router address {own.Ip}");
            }

            return new L3Drop($"{destination} is the router's own address");
        }

        if (ip.TimeToLive <= 1)
        {
            return Error(ethernet, ip, ingress, inPort, Icmpv4Type.TimeExceeded, (byte)TimeExceededCode.TimeToLiveExceededInTransit, "TTL exceeded in transit");
        }

        var route = BestRoute(network, interfaces, ingress.Router, destination);
        if (route is null)
        {
            return Error(ethernet, ip, ingress, inPort, Icmpv4Type.DestinationUnreachable, (byte)DestinationUnreachableCode.NetUnreachable, $"no route to {destination}");
        }

        var (egress, nextHopIp, via) = route.Value;
        var hop = LocalHop(network, egress.SegmentId, nextHopIp) ?? remote.Resolve(network, egress, nextHopIp);
        if (hop is null)
        {
            return Error(ethernet, ip, ingress, inPort, Icmpv4Type.DestinationUnreachable, (byte)DestinationUnreachableCode.HostUnreachable, $"next hop {nextHopIp} {via} is unknown");
        }

        OfpAction[] actions =
        [
            new SetFieldAction(OxmField.EthSrc, egress.Mac.Value),
            new SetFieldAction(OxmField.EthDst, hop.Mac.Value),
            new DecNwTtlAction(),
            .. hop.Output,
        ];
        return Forward(destination, Flows.InSegment(segmentId).EthDst(ingress.Mac).EthType(EtherTypes.IPv4).Ipv4Dst(destination), actions, inPort, frame, idleTimeout, $"{destination} {via} via {hop.Where}");
    }

    /// <summary>
    /// A packet another node routed to this node's block (to the router's MAC on its egress
    /// segment, the TTL already decremented there): delivered to the local port with that
    /// address, not routed again, and never sent back into the tunnel.
    /// </summary>
    private static L3Decision DeliverFromTunnel(NodeNetwork network, ReadOnlySpan<byte> frame, uint inPort, RouterInterface ingress, Ipv4Address destination, ushort idleTimeout)
    {
        if (LocalHop(network, ingress.SegmentId, destination) is not { } hop) { return new L3Drop($"{destination} came through the tunnel but is no local port of segment {ingress.SegmentId}"); }
        OfpAction[] actions = [new SetFieldAction(OxmField.EthDst, hop.Mac.Value), .. hop.Output];
        var match = Flows.InSegment(ingress.SegmentId).InPort(inPort).EthDst(ingress.Mac).EthType(EtherTypes.IPv4).Ipv4Dst(destination);
        return Forward(destination, match, actions, inPort, frame, idleTimeout, $"{destination} from the tunnel to {hop.Where}");
    }

    /// <summary>The per-destination flow with <paramref name="actions"/> and the PACKET_OUT that sends the first packet the same way.</summary>
    private static L3Forward Forward(Ipv4Address destination, Match match, OfpAction[] actions, uint inPort, ReadOnlySpan<byte> frame, ushort idleTimeout, string reason)
    {
        var flow = new FlowMod
        {
            TableId = Pipeline.L3Forwarding.Id,
            Priority = FlowPriority,
            IdleTimeout = idleTimeout,
            Cookie = new FlowCookie(ReactiveRound, AppId.L3, destination.Value).Value,
            Match = match,
            Instructions = [new ApplyActionsInstruction([.. actions])],
        };
        var packet = new PacketOut { InPort = inPort, Actions = [.. actions], Data = [.. frame] };
        return new L3Forward(flow, packet, reason);
    }

    /// <summary>
    /// Addresses whose port left, or now sits elsewhere (another MAC, ofport or node) in
    /// <paramref name="after"/> than in <paramref name="before"/>: their reactive /32s would keep
    /// sending traffic to the old place until idle, so the L3 app deletes them (the next packet
    /// reinstalls them). Ports that only appear need nothing: nothing was installed for them.
    /// </summary>
    public static IReadOnlyList<Ipv4Address> MovedDestinations(NodeNetwork before, NodeNetwork after)
    {
        var now = Locations(after).ToHashSet();
        return [.. Locations(before).Where(l => !now.Contains(l)).Select(l => l.Ip).Distinct().Order()];

        static IEnumerable<(Ipv4Address Ip, uint Segment, MacAddress Mac, string Where)> Locations(NodeNetwork network) =>
            network.Ports.Where(p => p.Ip is not null).Select(p => (p.Ip!.Value, p.SegmentId, p.Mac, $"port {p.OfPort}"))
                .Concat(network.RemotePorts.Where(p => p.Ip is not null).Select(p => (p.Ip!.Value, p.SegmentId, p.Mac, $"node {p.Endpoint}")));
    }

    /// <summary>Deletes the reactive flows of <paramref name="destination"/> (their cookie carries it) in every segment.</summary>
    public static FlowMod Forget(Ipv4Address destination) => new()
    {
        Command = FlowModCommand.Delete,
        TableId = Pipeline.L3Forwarding.Id,
        Cookie = new FlowCookie(ReactiveRound, AppId.L3, destination.Value).Value,
        CookieMask = ulong.MaxValue,
    };

    /// <summary>The egress interface and next-hop address for <paramref name="destination"/>, by longest prefix.</summary>
    public static (RouterInterface Egress, Ipv4Address NextHop, string Via)? BestRoute(NodeNetwork network, IReadOnlyList<RouterInterface> interfaces, string router, Ipv4Address destination)
    {
        (RouterInterface Egress, Ipv4Address NextHop, string Via, int Prefix)? best = null;
        foreach (var iface in interfaces)
        {
            if (network.SegmentOf(iface.SegmentId) is not { } segment || !segment.Cidr.Contains(destination)) { continue; }
            if (best is null || segment.Cidr.PrefixLength > best.Value.Prefix)
            {
                best = (iface, destination, $"on {segment.Name}", segment.Cidr.PrefixLength);
            }
        }

        foreach (var route in network.Routes.Where(r => r.Router == router && r.Destination.Contains(destination)))
        {
            if (best is { } b && route.Destination.PrefixLength <= b.Prefix) { continue; }
            var egress = interfaces.FirstOrDefault(i => network.SegmentOf(i.SegmentId) is { } s && s.Cidr.Contains(route.NextHop));
            if (egress is null) { continue; } // the next hop is in no attached subnet: the route is unusable
            best = (egress, route.NextHop, $"by static route {route.Destination} -> {route.NextHop}", route.Destination.PrefixLength);
        }

        return best is { } found ? (found.Egress, found.NextHop, found.Via) : null;
    }

    private static L3NextHop? LocalHop(NodeNetwork network, uint segmentId, Ipv4Address address) =>
        network.Ports.FirstOrDefault(p => p.SegmentId == segmentId && p.Ip == address) is { } port
            ? new L3NextHop(port.Mac, [new OutputAction(port.OfPort)], $"local port {port.Name}")
            : null;

    private static L3Decision Error(EthernetFrame ethernet, Ipv4Packet ip, RouterInterface ingress, uint inPort, Icmpv4Type type, byte code, string reason)
    {
        // RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: never about an ICMP error, a non-first fragment, or a
        // packet from a broadcast, multicast or unspecified source.
        var source = ip.Source;
        if (ip.FragmentOffset != 0) { return new L3Drop($"{reason}; no ICMP error about a non-first fragment"); }
        if (source.Value == 0 || source.Value == uint.MaxValue || (source.Value >> 28) == 0xE || ethernet.Source.IsMulticast)
        {
            return new L3Drop($"{reason}; no ICMP error to source {source}");
        }

        if (ip.Protocol == IpProtocol.Icmp && Icmpv4Message.TryParse(ip.Payload, out var icmp)
            && icmp.Type is not (Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply) && (byte)icmp.Type is not (13 or 14 or 17 or 18))
        {
            return new L3Drop($"{reason}; no ICMP error about ICMP type {(byte)icmp.Type}");
        }

        var frame = Frames.BuildIcmpError(new EthernetHeader(ethernet.Source, ingress.Mac), new Ipv4Header(ingress.Ip, source), type, code, ip.Datagram);
        return new L3Reply(ToPort(inPort, frame), source, type, code, reason);
    }

    private static PacketOut ToPort(uint port, byte[] frame) => new() { InPort = OfpPort.Controller, Actions = [new OutputAction(port)], Data = [.. frame] };
}
