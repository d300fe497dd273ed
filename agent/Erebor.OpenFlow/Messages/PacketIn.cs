using Erebor.Domain.Collections;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

/// <summary>OFPT_PACKET_IN: a packet the switch sends to the controller, with the pipeline fields it had (in_port, metadata, registers...).</summary>
public sealed record PacketIn : OpenFlowMessage
{
    public override OfpType Type => OfpType.PacketIn;

    public uint BufferId { get; init; } = OfpBuffer.NoBuffer;

    /// <summary>Length of the whole frame, which may be more than <see cref="Data"/> when max_len cut it.</summary>
    public ushort TotalLength { get; init; }

    public PacketInReason Reason { get; init; }

    public byte TableId { get; init; }

    /// <summary>Cookie of the flow that sent the packet (all ones for a table miss in some switches).</summary>
    public ulong Cookie { get; init; }

    public Match Match { get; init; } = Match.Any;

    public EquatableArray<byte> Data { get; init; }

    /// <summary>The ingress port from the match, if present.</summary>
    public uint? InPort => Match.Find(OxmField.InPort)?.Value is { } port ? (uint)port : null;

    internal override int BodyLength => 16 + Match.WireLength + 2 + Data.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U32(BufferId);
        writer.U16(TotalLength);
        writer.U8((byte)Reason);
        writer.U8(TableId);
        writer.U64(Cookie);
        Match.Write(ref writer);
        writer.Zeros(2);
        writer.Bytes(Data.AsSpan());
    }

    internal static PacketIn ReadBody(ref WireReader body)
    {
        var bufferId = body.U32();
        var totalLength = body.U16();
        var reason = (PacketInReason)body.U8();
        var tableId = body.U8();
        var cookie = body.U64();
        var match = Match.Read(ref body);
        body.Skip(2);
        return new PacketIn
        {
            BufferId = bufferId,
            TotalLength = totalLength,
            Reason = reason,
            TableId = tableId,
            Cookie = cookie,
            Match = match,
            Data = body.CopyRest(),
        };
    }
}
