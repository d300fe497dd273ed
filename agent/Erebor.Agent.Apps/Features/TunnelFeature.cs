using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// The tunnel between nodes (one geneve port, remote_ip and key chosen per flow; the key is the
/// segment id, like a VNI):
/// <list type="bullet">
/// <item>Table 0: a packet from the tunnel gets the segment of its key in metadata and the tunnel
/// port in reg0, then goes straight to L3 lookup: the sending node already answered its ARP and
/// DHCP, this node only delivers it (to a local port, or by the L3 app for a packet another node
/// routed to this node's block).</item>
/// <item>Table 50: unicast to a remote port's MAC gets that segment's key and the port's node as
/// tunnel destination, and leaves through the tunnel.</item>
/// <item>Table 60: split horizon: what came from the tunnel never goes back into it (broadcast has
/// its own flow in <see cref="L2Feature"/>).</item>
/// </list>
/// No tunnel port (a single node), no flows.
/// </summary>
public sealed class TunnelFeature : IFlowFeature
{
    public AppId App => AppId.Tunnel;

    public IEnumerable<FlowMod> Flows(NodeNetwork network)
    {
        if (network.Tunnel is not { } tunnel) { yield break; }
        foreach (var segment in network.Segments)
        {
            yield return Flow(
                Pipeline.Classifier,
                100,
                Match.Create().InPort(tunnel.OfPort).TunnelId(segment.Id),
                App,
                segment.Id,
                Classify(tunnel.OfPort, segment.Id, Goto(Pipeline.L3Lookup)));
        }

        foreach (var port in network.RemotePorts)
        {
            yield return Flow(
                Pipeline.L2Lookup,
                100,
                InSegment(port.SegmentId).EthDst(port.Mac),
                App,
                port.Endpoint.Value,
                new ApplyActionsInstruction([.. ToNode(port.SegmentId, port.Endpoint), new SetFieldAction(OxmField.Reg(Pipeline.OutPortRegister), tunnel.OfPort)]),
                Goto(Pipeline.Egress));
        }

        yield return Flow(Pipeline.Egress, 100, Match.Create().Reg(Pipeline.OutPortRegister, tunnel.OfPort), App, tunnel.OfPort, new ApplyActionsInstruction([new OutputAction(tunnel.OfPort)]));
        yield return Flow(Pipeline.Egress, 110, Match.Create().Reg(Pipeline.InPortRegister, tunnel.OfPort).Reg(Pipeline.OutPortRegister, tunnel.OfPort), App, tunnel.OfPort); // drop
    }

    /// <summary>The actions that address a packet of <paramref name="segmentId"/> to the node at <paramref name="endpoint"/> (an output to the tunnel port follows).</summary>
    public static OfpAction[] ToNode(uint segmentId, Ipv4Address endpoint) =>
        [new SetFieldAction(OxmField.TunnelId, segmentId), new SetFieldAction(OxmField.TunIpv4Dst, endpoint.Value)];
}
