using Erebor.Domain.Collections;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

/// <summary>
/// An OFPT_EXPERIMENTER message this codec does not model further (ofp_experimenter_header:
/// experimenter id, experimenter type, data).
/// </summary>
public sealed record ExperimenterMessage(uint Experimenter, uint ExperimenterType, EquatableArray<byte> Data = default) : OpenFlowMessage
{
    public override OfpType Type => OfpType.Experimenter;

    internal override int BodyLength => 8 + Data.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U32(Experimenter);
        writer.U32(ExperimenterType);
        writer.Bytes(Data.AsSpan());
    }
}

public enum BundleControlType : ushort
{
    OpenRequest = 0,
    OpenReply = 1,
    CloseRequest = 2,
    CloseReply = 3,
    CommitRequest = 4,
    CommitReply = 5,
    DiscardRequest = 6,
    DiscardReply = 7,
}

[Flags]
public enum BundleFlags : ushort
{
    None = 0,

    /// <summary>All messages apply, or none does.</summary>
    Atomic = 1,

    /// <summary>Messages apply in the order they were added.</summary>
    Ordered = 2,
}

/// <summary>
/// Bundles in OpenFlow 1.3 are ONF extension 230, which OVS implements as experimenter messages
/// (experimenter 0x4F4E4600) carrying the OpenFlow 1.4 bundle bodies. Properties are not used by OVS
/// and are not sent.
/// </summary>
public abstract record BundleMessage : OpenFlowMessage
{
    internal const uint ControlExperimenterType = 2300;
    internal const uint AddMessageExperimenterType = 2301;

    private protected BundleMessage()
    {
    }

    public sealed override OfpType Type => OfpType.Experimenter;

    public abstract uint BundleId { get; init; }

    public abstract BundleFlags Flags { get; init; }

    private protected static void WriteExperimenterHeader(ref WireWriter writer, uint experimenterType)
    {
        writer.U32(OfpExperimenter.Onf);
        writer.U32(experimenterType);
    }
}

/// <summary>ONF_ET_BUNDLE_CONTROL: open, close, commit or discard a bundle, and the switch's replies.</summary>
public sealed record BundleControl(uint BundleId, BundleControlType ControlType, BundleFlags Flags) : BundleMessage
{
    internal override int BodyLength => 16;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        WriteExperimenterHeader(ref writer, ControlExperimenterType);
        writer.U32(BundleId);
        writer.U16((ushort)ControlType);
        writer.U16((ushort)Flags);
    }

    /// <summary>Reads the body after experimenter id and type; trailing properties are ignored.</summary>
    internal static BundleControl ReadBody(ref WireReader body)
    {
        var bundleId = body.U32();
        var type = (BundleControlType)body.U16();
        return new BundleControl(bundleId, type, (BundleFlags)body.U16());
    }
}

/// <summary>
/// ONF_ET_BUNDLE_ADD_MESSAGE: adds one message (FLOW_MOD, GROUP_MOD...) to an open bundle. The
/// wrapped message gets the same xid as this one, so an error the switch reports for it at commit
/// time names the same xid. Its flags must equal those the bundle was opened with.
/// </summary>
public sealed record BundleAdd(uint BundleId, BundleFlags Flags, OpenFlowMessage Message) : BundleMessage
{
    internal override int BodyLength => 16 + OpenFlowCodec.GetEncodedLength(Message);

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        WriteExperimenterHeader(ref writer, AddMessageExperimenterType);
        writer.U32(BundleId);
        writer.Zeros(2);
        writer.U16((ushort)Flags);
        OpenFlowCodec.Write(ref writer, Message, xid, OpenFlowCodec.GetEncodedLength(Message));
    }

    /// <summary>Reads the body after experimenter id and type; the wrapped message's own length delimits it, properties after it are ignored.</summary>
    internal static BundleAdd ReadBody(ref WireReader body)
    {
        var bundleId = body.U32();
        body.Skip(2);
        var flags = (BundleFlags)body.U16();
        var inner = OpenFlowCodec.ReadNested(ref body);
        return new BundleAdd(bundleId, flags, inner);
    }
}
