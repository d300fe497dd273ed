using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Tables 50 and 60: a unicast to a known MAC of the segment goes to that port (via reg1 and the
/// egress table; remote MACs are <see cref="TunnelFeature"/>'s); broadcast and multicast go to the
/// segment's other ports and to the other nodes that have ports on it, never to another segment.
/// An unknown unicast MAC is dropped: every MAC on a segment is known (l2population).
/// </summary>
public sealed class L2Feature : IFlowFeature
{
    private static readonly MacAddress GroupBit = MacAddress.Parse("01:00:00:00:00:00");

    public AppId App => AppId.L2;

    public IEnumerable<FlowMod> Flows(NodeNetwork network)
    {
        foreach (var port in network.Ports)
        {
            yield return Flow(
                Pipeline.L2Lookup,
                100,
                InSegment(port.SegmentId).EthDst(port.Mac),
                App,
                port.OfPort,
                new ApplyActionsInstruction([new SetFieldAction(OxmField.Reg(Pipeline.OutPortRegister), port.OfPort)]),
                Goto(Pipeline.Egress));
            yield return Flow(
                Pipeline.Egress,
                100,
                Match.Create().Reg(Pipeline.OutPortRegister, port.OfPort),
                App,
                port.OfPort,
                new ApplyActionsInstruction([new OutputAction(port.OfPort)]));
        }

        // Output to the ingress port is skipped by OpenFlow, so one flood list per segment serves every
        // local sender. Head-end replication: one copy per other node with a port on the segment,
        // none to a node without one. What came from the tunnel floods to the local ports only.
        foreach (var segment in network.Ports.GroupBy(p => p.SegmentId))
        {
            OfpAction[] local = [.. segment.OrderBy(p => p.OfPort).Select(p => (OfpAction)new OutputAction(p.OfPort))];
            var nodes = network.RemotePorts.Where(p => p.SegmentId == segment.Key).Select(p => p.Endpoint).Distinct().Order().ToList();
            OfpAction[] remote = network.Tunnel is { } tunnel && nodes.Count > 0
                ? [new SetFieldAction(OxmField.TunnelId, segment.Key), .. nodes.SelectMany(node => new OfpAction[] { new SetFieldAction(OxmField.TunIpv4Dst, node.Value), new OutputAction(tunnel.OfPort) })]
                : [];
            yield return Flow(Pipeline.L2Lookup, 90, InSegment(segment.Key).EthDst(GroupBit, GroupBit), App, segment.Key, new ApplyActionsInstruction([.. local, .. remote]));
            if (remote.Length > 0)
            {
                yield return Flow(
                    Pipeline.L2Lookup,
                    95,
                    InSegment(segment.Key).Reg(Pipeline.InPortRegister, network.Tunnel!.OfPort).EthDst(GroupBit, GroupBit),
                    App,
                    segment.Key,
                    new ApplyActionsInstruction([.. local]));
            }
        }
    }
}
