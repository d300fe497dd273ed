using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

public sealed record FeaturesRequest : EmptyMessage
{
    public override OfpType Type => OfpType.FeaturesRequest;
}

[Flags]
public enum SwitchCapabilities : uint
{
    None = 0,
    FlowStats = 1 << 0,
    TableStats = 1 << 1,
    PortStats = 1 << 2,
    GroupStats = 1 << 3,
    IpReassembly = 1 << 5,
    QueueStats = 1 << 6,
    PortBlocked = 1 << 8,
}

public sealed record FeaturesReply(ulong DatapathId, uint BufferCount, byte TableCount, byte AuxiliaryId, SwitchCapabilities Capabilities) : OpenFlowMessage
{
    public override OfpType Type => OfpType.FeaturesReply;

    internal override int BodyLength => 24;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U64(DatapathId);
        writer.U32(BufferCount);
        writer.U8(TableCount);
        writer.U8(AuxiliaryId);
        writer.Zeros(2);
        writer.U32((uint)Capabilities);
        writer.Zeros(4);
    }

    internal static FeaturesReply ReadBody(ref WireReader body)
    {
        var datapathId = body.U64();
        var buffers = body.U32();
        var tables = body.U8();
        var auxiliaryId = body.U8();
        body.Skip(2);
        var capabilities = (SwitchCapabilities)body.U32();
        body.Skip(4);
        return new FeaturesReply(datapathId, buffers, tables, auxiliaryId, capabilities);
    }
}

/// <summary>How the switch treats IP fragments (ofp_config_flags).</summary>
public enum FragmentHandling : ushort
{
    Normal = 0,
    Drop = 1,
    Reassemble = 2,
}

public sealed record GetConfigRequest : EmptyMessage
{
    public override OfpType Type => OfpType.GetConfigRequest;
}

/// <summary>Body shared by GET_CONFIG_REPLY and SET_CONFIG (ofp_switch_config).</summary>
/// <param name="MissSendLength">
/// Bytes of a packet sent with a table-miss PACKET_IN. On OVS's management socket (a "service"
/// connection) a non-zero value is also what turns on asynchronous messages at all.
/// </param>
public abstract record SwitchConfigMessage(FragmentHandling Fragments, ushort MissSendLength) : OpenFlowMessage
{
    internal override int BodyLength => 4;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U16((ushort)Fragments);
        writer.U16(MissSendLength);
    }
}

public sealed record GetConfigReply(FragmentHandling Fragments, ushort MissSendLength) : SwitchConfigMessage(Fragments, MissSendLength)
{
    public override OfpType Type => OfpType.GetConfigReply;
}

public sealed record SetConfig(FragmentHandling Fragments, ushort MissSendLength) : SwitchConfigMessage(Fragments, MissSendLength)
{
    public override OfpType Type => OfpType.SetConfig;
}

public enum ControllerRole : uint
{
    NoChange = 0,
    Equal = 1,
    Master = 2,
    Slave = 3,
}

/// <summary>Body shared by ROLE_REQUEST and ROLE_REPLY (ofp_role_request).</summary>
public abstract record RoleMessage(ControllerRole Role, ulong GenerationId) : OpenFlowMessage
{
    internal override int BodyLength => 16;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U32((uint)Role);
        writer.Zeros(4);
        writer.U64(GenerationId);
    }
}

public sealed record RoleRequest(ControllerRole Role, ulong GenerationId) : RoleMessage(Role, GenerationId)
{
    public override OfpType Type => OfpType.RoleRequest;
}

public sealed record RoleReply(ControllerRole Role, ulong GenerationId) : RoleMessage(Role, GenerationId)
{
    public override OfpType Type => OfpType.RoleReply;
}

/// <summary>One pair of async-message masks: index 0 applies in the master/equal role, index 1 in the slave role.</summary>
/// <param name="MasterOrEqual">Bit n set = deliver messages with reason n.</param>
public readonly record struct AsyncMask(uint MasterOrEqual, uint Slave);

/// <summary>Which asynchronous messages the switch sends this connection (ofp_async_config).</summary>
public sealed record AsyncConfig(AsyncMask PacketIn, AsyncMask PortStatus, AsyncMask FlowRemoved)
{
    internal void Write(ref WireWriter writer)
    {
        foreach (var mask in (ReadOnlySpan<AsyncMask>)[PacketIn, PortStatus, FlowRemoved])
        {
            writer.U32(mask.MasterOrEqual);
            writer.U32(mask.Slave);
        }
    }

    internal static AsyncConfig Read(ref WireReader body)
    {
        var packetIn = new AsyncMask(body.U32(), body.U32());
        var portStatus = new AsyncMask(body.U32(), body.U32());
        return new AsyncConfig(packetIn, portStatus, new AsyncMask(body.U32(), body.U32()));
    }
}

public sealed record GetAsyncRequest : EmptyMessage
{
    public override OfpType Type => OfpType.GetAsyncRequest;
}

public sealed record GetAsyncReply(AsyncConfig Config) : OpenFlowMessage
{
    public override OfpType Type => OfpType.GetAsyncReply;

    internal override int BodyLength => 24;

    internal override void WriteBody(ref WireWriter writer, uint xid) => Config.Write(ref writer);
}

public sealed record SetAsync(AsyncConfig Config) : OpenFlowMessage
{
    public override OfpType Type => OfpType.SetAsync;

    internal override int BodyLength => 24;

    internal override void WriteBody(ref WireWriter writer, uint xid) => Config.Write(ref writer);
}
