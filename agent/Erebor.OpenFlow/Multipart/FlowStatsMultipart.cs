using Erebor.Domain.Collections;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Multipart;

/// <summary>Which flows a FLOW or AGGREGATE request covers (ofp_flow_stats_request); defaults select every flow.</summary>
public abstract record FlowSelectionRequest : MultipartRequest
{
    public byte TableId { get; init; } = OfpTable.All;

    public uint OutPort { get; init; } = OfpPort.Any;

    public uint OutGroup { get; init; } = OfpGroup.Any;

    public ulong Cookie { get; init; }

    public ulong CookieMask { get; init; }

    public Match Match { get; init; } = Match.Any;

    private protected override int RequestBodyLength => 32 + Match.WireLength;

    private protected override void WriteRequestBody(ref WireWriter writer)
    {
        writer.U8(TableId);
        writer.Zeros(3);
        writer.U32(OutPort);
        writer.U32(OutGroup);
        writer.Zeros(4);
        writer.U64(Cookie);
        writer.U64(CookieMask);
        Match.Write(ref writer);
    }

    private protected static T ReadSelection<T>(ref WireReader body)
        where T : FlowSelectionRequest, new()
    {
        var tableId = body.U8();
        body.Skip(3);
        var outPort = body.U32();
        var outGroup = body.U32();
        body.Skip(4);
        var cookie = body.U64();
        var cookieMask = body.U64();
        return new T { TableId = tableId, OutPort = outPort, OutGroup = outGroup, Cookie = cookie, CookieMask = cookieMask, Match = Match.Read(ref body) };
    }
}

public sealed record FlowStatsRequest : FlowSelectionRequest
{
    public override MultipartType MultipartType => MultipartType.Flow;

    internal static FlowStatsRequest ReadBody(ref WireReader body) => ReadSelection<FlowStatsRequest>(ref body);
}

public sealed record AggregateStatsRequest : FlowSelectionRequest
{
    public override MultipartType MultipartType => MultipartType.Aggregate;

    internal static AggregateStatsRequest ReadBody(ref WireReader body) => ReadSelection<AggregateStatsRequest>(ref body);
}

/// <summary>One installed flow (ofp_flow_stats).</summary>
public sealed record FlowStats
{
    private const int FixedLength = 48;

    public byte TableId { get; init; }

    public uint DurationSec { get; init; }

    public uint DurationNsec { get; init; }

    public ushort Priority { get; init; }

    public ushort IdleTimeout { get; init; }

    public ushort HardTimeout { get; init; }

    public FlowModFlags Flags { get; init; }

    public ulong Cookie { get; init; }

    public ulong PacketCount { get; init; }

    public ulong ByteCount { get; init; }

    public Match Match { get; init; } = Match.Any;

    public EquatableArray<Instruction> Instructions { get; init; }

    internal int WireLength => FixedLength + Match.WireLength + Instruction.ListLength(Instructions);

    internal void Write(ref WireWriter writer)
    {
        writer.U16((ushort)WireLength);
        writer.U8(TableId);
        writer.Zeros(1);
        writer.U32(DurationSec);
        writer.U32(DurationNsec);
        writer.U16(Priority);
        writer.U16(IdleTimeout);
        writer.U16(HardTimeout);
        writer.U16((ushort)Flags);
        writer.Zeros(4);
        writer.U64(Cookie);
        writer.U64(PacketCount);
        writer.U64(ByteCount);
        Match.Write(ref writer);
        Instruction.WriteList(ref writer, Instructions);
    }

    internal static FlowStats Read(ref WireReader reader)
    {
        var length = reader.CheckLength(reader.U16(), FixedLength, 2, "flow stats entry");
        var body = reader.Slice(length - 2, "flow stats entry");
        var tableId = body.U8();
        body.Skip(1);
        var durationSec = body.U32();
        var durationNsec = body.U32();
        var priority = body.U16();
        var idle = body.U16();
        var hard = body.U16();
        var flags = (FlowModFlags)body.U16();
        body.Skip(4);
        var cookie = body.U64();
        var packets = body.U64();
        var bytes = body.U64();
        var match = Match.Read(ref body);
        return new FlowStats
        {
            TableId = tableId,
            DurationSec = durationSec,
            DurationNsec = durationNsec,
            Priority = priority,
            IdleTimeout = idle,
            HardTimeout = hard,
            Flags = flags,
            Cookie = cookie,
            PacketCount = packets,
            ByteCount = bytes,
            Match = match,
            Instructions = Instruction.ReadList(ref body),
        };
    }
}

public sealed record FlowStatsReply : MultipartListReply<FlowStats>
{
    public override MultipartType MultipartType => MultipartType.Flow;

    private protected override int EntryLength(FlowStats entry) => entry.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, FlowStats entry) => entry.Write(ref writer);

    internal static FlowStatsReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, FlowStats.Read) };
}

public sealed record AggregateStatsReply(ulong PacketCount, ulong ByteCount, uint FlowCount) : MultipartReply
{
    public override MultipartType MultipartType => MultipartType.Aggregate;

    private protected override int ReplyBodyLength => 24;

    private protected override void WriteReplyBody(ref WireWriter writer)
    {
        writer.U64(PacketCount);
        writer.U64(ByteCount);
        writer.U32(FlowCount);
        writer.Zeros(4);
    }

    internal static AggregateStatsReply ReadBody(ref WireReader body)
    {
        var packets = body.U64();
        var bytes = body.U64();
        var flows = body.U32();
        body.Skip(4);
        return new AggregateStatsReply(packets, bytes, flows);
    }
}
