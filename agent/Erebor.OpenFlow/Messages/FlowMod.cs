using Erebor.Domain.Collections;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

public enum FlowModCommand : byte
{
    Add = 0,
    Modify = 1,
    ModifyStrict = 2,
    Delete = 3,
    DeleteStrict = 4,
}

[Flags]
public enum FlowModFlags : ushort
{
    None = 0,
    SendFlowRemoved = 1 << 0,
    CheckOverlap = 1 << 1,
    ResetCounts = 1 << 2,
    NoPacketCounts = 1 << 3,
    NoByteCounts = 1 << 4,
}

/// <summary>
/// OFPT_FLOW_MOD. Defaults are those of <c>ovs-ofctl add-flow</c>: table 0, priority 0x8000, no
/// timeouts, no buffer, out_port/out_group ANY (only used by delete commands).
/// </summary>
public sealed record FlowMod : OpenFlowMessage
{
    private const int FixedBodyLength = 40;

    public override OfpType Type => OfpType.FlowMod;

    public FlowModCommand Command { get; init; } = FlowModCommand.Add;

    public ulong Cookie { get; init; }

    /// <summary>For modify/delete: which cookie bits must equal <see cref="Cookie"/> (0 = any cookie).</summary>
    public ulong CookieMask { get; init; }

    /// <summary>Table of the flow; <see cref="OfpTable.All"/> is allowed for delete commands.</summary>
    public byte TableId { get; init; }

    public ushort IdleTimeout { get; init; }

    public ushort HardTimeout { get; init; }

    public ushort Priority { get; init; } = OfpFlowPriority.Default;

    public uint BufferId { get; init; } = OfpBuffer.NoBuffer;

    public uint OutPort { get; init; } = OfpPort.Any;

    public uint OutGroup { get; init; } = OfpGroup.Any;

    public FlowModFlags Flags { get; init; }

    public Match Match { get; init; } = Match.Any;

    public EquatableArray<Instruction> Instructions { get; init; }

    internal override int BodyLength => FixedBodyLength + Match.WireLength + Instruction.ListLength(Instructions);

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        if (Command is FlowModCommand.Add or FlowModCommand.Modify or FlowModCommand.ModifyStrict) { Match.CheckPrerequisites(); }
        writer.U64(Cookie);
        writer.U64(CookieMask);
        writer.U8(TableId);
        writer.U8((byte)Command);
        writer.U16(IdleTimeout);
        writer.U16(HardTimeout);
        writer.U16(Priority);
        writer.U32(BufferId);
        writer.U32(OutPort);
        writer.U32(OutGroup);
        writer.U16((ushort)Flags);
        writer.Zeros(2);
        Match.Write(ref writer);
        Instruction.WriteList(ref writer, Instructions);
    }

    internal static FlowMod ReadBody(ref WireReader body)
    {
        var cookie = body.U64();
        var cookieMask = body.U64();
        var tableId = body.U8();
        var command = (FlowModCommand)body.U8();
        var idle = body.U16();
        var hard = body.U16();
        var priority = body.U16();
        var bufferId = body.U32();
        var outPort = body.U32();
        var outGroup = body.U32();
        var flags = (FlowModFlags)body.U16();
        body.Skip(2);
        var match = Match.Read(ref body);
        return new FlowMod
        {
            Cookie = cookie,
            CookieMask = cookieMask,
            TableId = tableId,
            Command = command,
            IdleTimeout = idle,
            HardTimeout = hard,
            Priority = priority,
            BufferId = bufferId,
            OutPort = outPort,
            OutGroup = outGroup,
            Flags = flags,
            Match = match,
            Instructions = Instruction.ReadList(ref body),
        };
    }
}
