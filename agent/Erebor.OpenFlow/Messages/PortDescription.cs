using Erebor.Domain.Networking;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

[Flags]
public enum PortConfig : uint
{
    None = 0,
    PortDown = 1 << 0,
    NoReceive = 1 << 2,
    NoForward = 1 << 5,
    NoPacketIn = 1 << 6,
}

[Flags]
public enum PortState : uint
{
    None = 0,
    LinkDown = 1 << 0,
    Blocked = 1 << 1,
    Live = 1 << 2,
}

/// <summary>A switch port (ofp_port), as in PORT_STATUS and the PORT_DESC multipart reply.</summary>
/// <param name="Current">Current features (ofp_port_features bits: speeds, duplex, medium).</param>
public sealed record PortDescription(
    uint PortNumber,
    MacAddress HardwareAddress,
    string Name,
    PortConfig Config,
    PortState State,
    uint Current = 0,
    uint Advertised = 0,
    uint Supported = 0,
    uint Peer = 0,
    uint CurrentSpeedKbps = 0,
    uint MaxSpeedKbps = 0)
{
    internal const int WireLength = 64;
    private const int NameLength = 16;

    internal void Write(ref WireWriter writer)
    {
        writer.U32(PortNumber);
        writer.Zeros(4);
        writer.UInt(HardwareAddress.Value, 6);
        writer.Zeros(2);
        writer.FixedString(Name, NameLength);
        writer.U32((uint)Config);
        writer.U32((uint)State);
        writer.U32(Current);
        writer.U32(Advertised);
        writer.U32(Supported);
        writer.U32(Peer);
        writer.U32(CurrentSpeedKbps);
        writer.U32(MaxSpeedKbps);
    }

    internal static PortDescription Read(ref WireReader reader)
    {
        var body = reader.Slice(WireLength, "port description");
        var number = body.U32();
        body.Skip(4);
        var mac = new MacAddress(body.UInt(6));
        body.Skip(2);
        return new PortDescription(number, mac, body.FixedString(NameLength), (PortConfig)body.U32(), (PortState)body.U32(),
            body.U32(), body.U32(), body.U32(), body.U32(), body.U32(), body.U32());
    }
}

public enum PortStatusReason : byte
{
    Add = 0,
    Delete = 1,
    Modify = 2,
}

/// <summary>OFPT_PORT_STATUS: a port was added, removed or changed.</summary>
public sealed record PortStatus(PortStatusReason Reason, PortDescription Port) : OpenFlowMessage
{
    public override OfpType Type => OfpType.PortStatus;

    internal override int BodyLength => 8 + PortDescription.WireLength;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U8((byte)Reason);
        writer.Zeros(7);
        Port.Write(ref writer);
    }

    internal static PortStatus ReadBody(ref WireReader body)
    {
        var reason = (PortStatusReason)body.U8();
        body.Skip(7);
        return new PortStatus(reason, PortDescription.Read(ref body));
    }
}
