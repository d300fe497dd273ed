using Erebor.Domain.Collections;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Instructions;

/// <summary>An OpenFlow 1.3 instruction (ofp_instruction_*) of a flow entry.</summary>
public abstract record Instruction
{
    private protected Instruction()
    {
    }

    private protected enum InstructionCode : ushort
    {
        GotoTable = 1,
        WriteMetadata = 2,
        WriteActions = 3,
        ApplyActions = 4,
        ClearActions = 5,
        Meter = 6,
    }

    internal abstract int WireLength { get; }

    internal abstract void Write(ref WireWriter writer);

    internal static int ListLength(EquatableArray<Instruction> instructions)
    {
        var length = 0;
        foreach (var instruction in instructions.AsSpan()) { length += instruction.WireLength; }
        return length;
    }

    internal static void WriteList(ref WireWriter writer, EquatableArray<Instruction> instructions)
    {
        foreach (var instruction in instructions.AsSpan()) { instruction.Write(ref writer); }
    }

    internal static EquatableArray<Instruction> ReadList(ref WireReader reader)
    {
        if (reader.IsEmpty) { return default; }
        var instructions = new List<Instruction>();
        while (!reader.IsEmpty) { instructions.Add(Read(ref reader)); }
        return [.. instructions];
    }

    private static Instruction Read(ref WireReader reader)
    {
        var type = reader.U16();
        var length = reader.CheckLength(reader.U16(), 8, 4, "instruction");
        if (length % 8 != 0) { throw new OpenFlowDecodeException($"instruction type {type} length {length} is not a multiple of 8"); }
        var body = reader.Slice(length - 4, "instruction");
        switch ((InstructionCode)type)
        {
            case InstructionCode.GotoTable:
                Exactly(ref body, 4, "goto_table");
                return new GotoTableInstruction(body.U8());
            case InstructionCode.WriteMetadata:
                Exactly(ref body, 20, "write_metadata");
                body.Skip(4);
                var metadata = body.U64();
                return new WriteMetadataInstruction(metadata, body.U64());
            case InstructionCode.WriteActions:
                body.Skip(4);
                return new WriteActionsInstruction(OfpAction.ReadList(ref body));
            case InstructionCode.ApplyActions:
                body.Skip(4);
                return new ApplyActionsInstruction(OfpAction.ReadList(ref body));
            case InstructionCode.ClearActions:
                Exactly(ref body, 4, "clear_actions");
                return new ClearActionsInstruction();
            case InstructionCode.Meter:
                Exactly(ref body, 4, "meter");
                return new MeterInstruction(body.U32());
            default:
                return new UnknownInstruction(type, body.CopyRest());
        }
    }

    private static void Exactly(ref WireReader body, int size, string name)
    {
        if (body.Remaining != size) { throw new OpenFlowDecodeException($"{name} instruction body is {body.Remaining} bytes, expected {size}"); }
    }

    private protected static void WriteHeader(ref WireWriter writer, InstructionCode type, int length)
    {
        writer.U16((ushort)type);
        writer.U16((ushort)length);
    }
}

public sealed record GotoTableInstruction(byte TableId) : Instruction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, InstructionCode.GotoTable, 8);
        writer.U8(TableId);
        writer.Zeros(3);
    }
}

/// <summary>Sets the metadata bits selected by <paramref name="Mask"/> (OVS <c>write_metadata:0x1/0xff</c>).</summary>
public sealed record WriteMetadataInstruction(ulong Metadata, ulong Mask = ulong.MaxValue) : Instruction
{
    internal override int WireLength => 24;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, InstructionCode.WriteMetadata, 24);
        writer.Zeros(4);
        writer.U64(Metadata);
        writer.U64(Mask);
    }
}

/// <summary>Shared layout of the three action-list instructions: header, 4 bytes of padding, actions.</summary>
public abstract record ActionListInstruction(EquatableArray<OfpAction> Actions) : Instruction
{
    private protected abstract InstructionCode Code { get; }

    internal override int WireLength => 8 + OfpAction.ListLength(Actions);

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Code, WireLength);
        writer.Zeros(4);
        OfpAction.WriteList(ref writer, Actions);
    }
}

public sealed record ApplyActionsInstruction(EquatableArray<OfpAction> Actions) : ActionListInstruction(Actions)
{
    private protected override InstructionCode Code => InstructionCode.ApplyActions;
}

public sealed record WriteActionsInstruction(EquatableArray<OfpAction> Actions) : ActionListInstruction(Actions)
{
    private protected override InstructionCode Code => InstructionCode.WriteActions;
}

public sealed record ClearActionsInstruction : Instruction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, InstructionCode.ClearActions, 8);
        writer.Zeros(4);
    }
}

/// <summary>Sends matching packets through a meter first (rate limiting, e.g. of PACKET_IN).</summary>
public sealed record MeterInstruction(uint MeterId) : Instruction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, InstructionCode.Meter, 8);
        writer.U32(MeterId);
    }
}

/// <summary>An instruction this codec does not model (e.g. an experimenter one), kept as type and body.</summary>
public sealed record UnknownInstruction(ushort InstructionType, EquatableArray<byte> Body) : Instruction
{
    internal override int WireLength => 4 + Body.Count;

    internal override void Write(ref WireWriter writer)
    {
        if (WireLength % 8 != 0) { throw new InvalidOperationException($"unknown instruction type {InstructionType} has a body of {Body.Count} bytes; instructions are multiples of 8 bytes"); }
        writer.U16(InstructionType);
        writer.U16((ushort)WireLength);
        writer.Bytes(Body.AsSpan());
    }
}
