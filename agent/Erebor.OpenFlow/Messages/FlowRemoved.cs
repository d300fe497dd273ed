using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

public enum FlowRemovedReason : byte
{
    IdleTimeout = 0,
    HardTimeout = 1,
    Delete = 2,
    GroupDelete = 3,
    MeterDelete = 4,
}

/// <summary>OFPT_FLOW_REMOVED: sent for flows installed with <see cref="FlowModFlags.SendFlowRemoved"/>.</summary>
public sealed record FlowRemoved : OpenFlowMessage
{
    public override OfpType Type => OfpType.FlowRemoved;

    public ulong Cookie { get; init; }

    public ushort Priority { get; init; }

    public FlowRemovedReason Reason { get; init; }

    public byte TableId { get; init; }

    public uint DurationSec { get; init; }

    public uint DurationNsec { get; init; }

    public ushort IdleTimeout { get; init; }

    public ushort HardTimeout { get; init; }

    public ulong PacketCount { get; init; }

    public ulong ByteCount { get; init; }

    public Match Match { get; init; } = Match.Any;

    internal override int BodyLength => 40 + Match.WireLength;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U64(Cookie);
        writer.U16(Priority);
        writer.U8((byte)Reason);
        writer.U8(TableId);
        writer.U32(DurationSec);
        writer.U32(DurationNsec);
        writer.U16(IdleTimeout);
        writer.U16(HardTimeout);
        writer.U64(PacketCount);
        writer.U64(ByteCount);
        Match.Write(ref writer);
    }

    internal static FlowRemoved ReadBody(ref WireReader body) => new()
    {
        Cookie = body.U64(),
        Priority = body.U16(),
        Reason = (FlowRemovedReason)body.U8(),
        TableId = body.U8(),
        DurationSec = body.U32(),
        DurationNsec = body.U32(),
        IdleTimeout = body.U16(),
        HardTimeout = body.U16(),
        PacketCount = body.U64(),
        ByteCount = body.U64(),
        Match = Match.Read(ref body),
    };
}
