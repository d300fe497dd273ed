using Erebor.Domain.Collections;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

/// <summary>OFPT_PACKET_OUT: the controller injects <see cref="Data"/> and runs <see cref="Actions"/> on it.</summary>
public sealed record PacketOut : OpenFlowMessage
{
    public override OfpType Type => OfpType.PacketOut;

    /// <summary>OVS never buffers, so the packet always travels in <see cref="Data"/>.</summary>
    public uint BufferId { get; init; } = OfpBuffer.NoBuffer;

    /// <summary>The port the packet is considered to come from (matters for output:IN_PORT and flooding).</summary>
    public uint InPort { get; init; } = OfpPort.Controller;

    public EquatableArray<OfpAction> Actions { get; init; }

    public EquatableArray<byte> Data { get; init; }

    internal override int BodyLength => 16 + OfpAction.ListLength(Actions) + Data.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U32(BufferId);
        writer.U32(InPort);
        writer.U16((ushort)OfpAction.ListLength(Actions));
        writer.Zeros(6);
        OfpAction.WriteList(ref writer, Actions);
        writer.Bytes(Data.AsSpan());
    }

    internal static PacketOut ReadBody(ref WireReader body)
    {
        var bufferId = body.U32();
        var inPort = body.U32();
        var actionsLength = body.U16();
        body.Skip(6);
        var actions = body.Slice(actionsLength, "packet-out actions");
        return new PacketOut
        {
            BufferId = bufferId,
            InPort = inPort,
            Actions = OfpAction.ReadList(ref actions),
            Data = body.CopyRest(),
        };
    }
}
