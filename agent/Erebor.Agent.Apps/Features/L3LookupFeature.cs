using Erebor.Agent.Apps.L3;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Tables 30 and 40: IPv4 addressed to a router's MAC is routed. Table 40 holds the reactive
/// per-destination flows the L3 app installs; its miss sends the first packet of a flow to the
/// agent through the L3 meter, and so do packets whose TTL would expire there.
/// </summary>
public sealed class L3LookupFeature : IFlowFeature
{
    /// <summary>
    /// Priority of the table-40 flows that send IPv4 with TTL 0 or 1 to the agent, above the
    /// reactive /32s (<see cref="L3Router.FlowPriority"/>): a /32's dec_ttl would drop such a packet
    /// silently (OVS 3.1's userspace datapath sends no invalid-TTL PACKET_IN), while the L3 app
    /// answers it with ICMP time exceeded, as a router on a traceroute path must.
    /// </summary>
    public const ushort ExpiringTtlPriority = L3Router.FlowPriority + 100;

    public AppId App => AppId.L3;

    public IEnumerable<FlowMod> Flows(NodeNetwork network)
    {
        foreach (var iface in network.RouterInterfaces)
        {
            yield return Flow(
                Pipeline.L3Lookup,
                100,
                InSegment(iface.SegmentId).EthDst(iface.Mac).EthType(EtherTypes.IPv4),
                App,
                iface.Ip.Value,
                Goto(Pipeline.L3Forwarding));
        }

        if (network.RouterInterfaces.Count > 0)
        {
            // Table 40 is only reached through the router-MAC flows above, so these need no MAC;
            // nw_ttl takes no mask, hence one flow per value.
            for (byte ttl = 0; ttl <= 1; ttl++)
            {
                yield return Flow(Pipeline.L3Forwarding, ExpiringTtlPriority, Match.Create().EthType(EtherTypes.IPv4).IpTtl(ttl), App, 0, PacketInMeters.ToAgent(App));
            }

            yield return Flow(Pipeline.L3Forwarding, 1, Match.Create().EthType(EtherTypes.IPv4), App, 0, PacketInMeters.ToAgent(App));
        }
    }
}
