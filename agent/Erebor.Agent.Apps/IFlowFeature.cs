using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;

namespace Erebor.Agent.Apps;

/// <summary>
/// One concern of the pipeline (classifier, ARP responder, L2, ...), in its own file, turning the
/// node's desired network into flows. Pure: the same network always yields the same flows, so the
/// synchronizer can diff them and a restarted agent can replay them.
/// </summary>
public interface IFlowFeature
{
    AppId App { get; }

    /// <summary>The flows for <paramref name="network"/>; cookies carry app and object, the round is added by <see cref="FlowPlan"/>.</summary>
    IEnumerable<FlowMod> Flows(NodeNetwork network);
}

/// <summary>Shorthands so features read like flow tables.</summary>
public static class Flows
{
    public static FlowMod Flow(PipelineTable table, ushort priority, Match match, AppId app, uint objectId, params Instruction[] instructions) => new()
    {
        TableId = table.Id,
        Priority = priority,
        Match = match,
        Cookie = new FlowCookie(0, app, objectId).Value,
        Instructions = [.. instructions],
    };

    public static GotoTableInstruction GotoNext(PipelineTable table) => new(Pipeline.NextOf(table));

    public static GotoTableInstruction Goto(PipelineTable table) => new(table.Id);

    /// <summary>The metadata value of a segment (the whole 64 bits; segment ids are 24-bit like a VNI).</summary>
    public static ulong SegmentMetadata(uint segmentId) => segmentId;

    public static Match InSegment(uint segmentId) => Match.Create().Metadata(SegmentMetadata(segmentId));

    /// <summary>What table 0 does with a packet it accepts: the ingress ofport into reg0, the segment into metadata, then <paramref name="then"/>.</summary>
    public static Instruction[] Classify(uint inPort, uint segmentId, GotoTableInstruction then) =>
    [
        new ApplyActionsInstruction([new SetFieldAction(OxmField.Reg(Pipeline.InPortRegister), inPort)]),
        new WriteMetadataInstruction(SegmentMetadata(segmentId)),
        then,
    ];
}

/// <summary>All features' flows for one network and replay round.</summary>
public static class FlowPlan
{
    public static IReadOnlyList<FlowMod> Build(NodeNetwork network, IEnumerable<IFlowFeature> features, ushort round) =>
        [.. features.SelectMany(f => f.Flows(network)).Select(f => f with { Cookie = f.Cookie | ((ulong)round << 48) })];

    /// <summary>The identity of a flow in its table: OpenFlow replaces a flow added with the same table, priority and match.</summary>
    public static (byte Table, ushort Priority, Match Match) KeyOf(FlowMod flow) => (flow.TableId, flow.Priority, flow.Match);
}
