using Erebor.Domain.Collections;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

/// <summary>OpenFlow 1.3 message types (ofp_type).</summary>
public enum OfpType : byte
{
    Hello = 0,
    Error = 1,
    EchoRequest = 2,
    EchoReply = 3,
    Experimenter = 4,
    FeaturesRequest = 5,
    FeaturesReply = 6,
    GetConfigRequest = 7,
    GetConfigReply = 8,
    SetConfig = 9,
    PacketIn = 10,
    FlowRemoved = 11,
    PortStatus = 12,
    PacketOut = 13,
    FlowMod = 14,
    GroupMod = 15,
    PortMod = 16,
    TableMod = 17,
    MultipartRequest = 18,
    MultipartReply = 19,
    BarrierRequest = 20,
    BarrierReply = 21,
    QueueGetConfigRequest = 22,
    QueueGetConfigReply = 23,
    RoleRequest = 24,
    RoleReply = 25,
    GetAsyncRequest = 26,
    GetAsyncReply = 27,
    SetAsync = 28,
    MeterMod = 29,
}

/// <summary>
/// The body of an OpenFlow message. The transaction id is not part of it: it belongs to the frame
/// (<see cref="OpenFlowFrame"/>), which the connection assigns when it sends a message, so one
/// immutable message can be sent many times.
/// </summary>
public abstract record OpenFlowMessage
{
    private protected OpenFlowMessage()
    {
    }

    public abstract OfpType Type { get; }

    /// <summary>Length of everything after the 8-byte ofp_header.</summary>
    internal abstract int BodyLength { get; }

    /// <param name="xid">The frame's transaction id; only a bundle-add needs it, for the message it wraps.</param>
    internal abstract void WriteBody(ref WireWriter writer, uint xid);
}

/// <summary>A message with no body (requests such as BARRIER_REQUEST and FEATURES_REQUEST).</summary>
public abstract record EmptyMessage : OpenFlowMessage
{
    internal override int BodyLength => 0;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
    }
}

/// <summary>A message of a type this codec does not model, kept as raw body bytes.</summary>
public sealed record UnknownMessage(byte RawType, EquatableArray<byte> Body) : OpenFlowMessage
{
    public override OfpType Type => (OfpType)RawType;

    internal override int BodyLength => Body.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid) => writer.Bytes(Body.AsSpan());
}
