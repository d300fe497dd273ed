using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Tables 50 and 60: a unicast to a known MAC of the segment goes to that port (via reg1 and the
/// egress table); broadcast and multicast go to the segment's other ports only, never to another
/// segment. An unknown unicast MAC is dropped: every MAC on a segment is known.
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

        // Output to the ingress port is skipped by OpenFlow, so one flood list per segment serves every sender.
        foreach (var segment in network.Ports.GroupBy(p => p.SegmentId))
        {
            yield return Flow(
                Pipeline.L2Lookup,
                90,
                InSegment(segment.Key).EthDst(GroupBit, GroupBit),
                App,
                segment.Key,
                new ApplyActionsInstruction([.. segment.OrderBy(p => p.OfPort).Select(p => (OfpAction)new OutputAction(p.OfPort))]));
        }
    }
}
