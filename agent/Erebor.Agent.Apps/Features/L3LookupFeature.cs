using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Tables 30 and 40: IPv4 addressed to a router's MAC is routed. Table 40 holds the reactive
/// per-destination flows the L3 app installs; its miss sends the first packet of a flow to the
/// agent through the L3 meter.
/// </summary>
public sealed class L3LookupFeature : IFlowFeature
{
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
            yield return Flow(Pipeline.L3Forwarding, 1, Match.Create().EthType(EtherTypes.IPv4), App, 0, PacketInMeters.ToAgent(App));
        }
    }
}
