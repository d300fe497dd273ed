using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Multipart;

public sealed record TableStatsRequest : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.Table;
}

/// <summary>Counters of one flow table (ofp_table_stats).</summary>
public sealed record TableStats(byte TableId, uint ActiveCount, ulong LookupCount, ulong MatchedCount)
{
    internal const int WireLength = 24;

    internal void Write(ref WireWriter writer)
    {
        writer.U8(TableId);
        writer.Zeros(3);
        writer.U32(ActiveCount);
        writer.U64(LookupCount);
        writer.U64(MatchedCount);
    }

    internal static TableStats Read(ref WireReader reader)
    {
        var body = reader.Slice(WireLength, "table stats entry");
        var tableId = body.U8();
        body.Skip(3);
        return new TableStats(tableId, body.U32(), body.U64(), body.U64());
    }
}

public sealed record TableStatsReply : MultipartListReply<TableStats>
{
    public override MultipartType MultipartType => MultipartType.Table;

    private protected override int EntryLength(TableStats entry) => TableStats.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, TableStats entry) => entry.Write(ref writer);

    internal static TableStatsReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, TableStats.Read) };
}

public sealed record PortStatsRequest(uint PortNumber = OfpPort.Any) : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.PortStats;

    private protected override int RequestBodyLength => 8;

    private protected override void WriteRequestBody(ref WireWriter writer) => WriteIdBody(ref writer, PortNumber);

    internal static PortStatsRequest ReadBody(ref WireReader body) => new(ReadIdBody(ref body));
}

/// <summary>Counters of one port (ofp_port_stats).</summary>
public sealed record PortStats
{
    internal const int WireLength = 112;

    public uint PortNumber { get; init; }

    public ulong RxPackets { get; init; }

    public ulong TxPackets { get; init; }

    public ulong RxBytes { get; init; }

    public ulong TxBytes { get; init; }

    public ulong RxDropped { get; init; }

    public ulong TxDropped { get; init; }

    public ulong RxErrors { get; init; }

    public ulong TxErrors { get; init; }

    public ulong RxFrameErrors { get; init; }

    public ulong RxOverrunErrors { get; init; }

    public ulong RxCrcErrors { get; init; }

    public ulong Collisions { get; init; }

    public uint DurationSec { get; init; }

    public uint DurationNsec { get; init; }

    internal void Write(ref WireWriter writer)
    {
        writer.U32(PortNumber);
        writer.Zeros(4);
        foreach (var counter in (ReadOnlySpan<ulong>)[RxPackets, TxPackets, RxBytes, TxBytes, RxDropped, TxDropped, RxErrors, TxErrors, RxFrameErrors, RxOverrunErrors, RxCrcErrors, Collisions])
        {
            writer.U64(counter);
        }

        writer.U32(DurationSec);
        writer.U32(DurationNsec);
    }

    internal static PortStats Read(ref WireReader reader)
    {
        var body = reader.Slice(WireLength, "port stats entry");
        var port = body.U32();
        body.Skip(4);
        return new PortStats
        {
            PortNumber = port,
            RxPackets = body.U64(),
            TxPackets = body.U64(),
            RxBytes = body.U64(),
            TxBytes = body.U64(),
            RxDropped = body.U64(),
            TxDropped = body.U64(),
            RxErrors = body.U64(),
            TxErrors = body.U64(),
            RxFrameErrors = body.U64(),
            RxOverrunErrors = body.U64(),
            RxCrcErrors = body.U64(),
            Collisions = body.U64(),
            DurationSec = body.U32(),
            DurationNsec = body.U32(),
        };
    }
}

public sealed record PortStatsReply : MultipartListReply<PortStats>
{
    public override MultipartType MultipartType => MultipartType.PortStats;

    private protected override int EntryLength(PortStats entry) => PortStats.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, PortStats entry) => entry.Write(ref writer);

    internal static PortStatsReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, PortStats.Read) };
}

public sealed record PortDescRequest : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.PortDesc;
}

public sealed record PortDescReply : MultipartListReply<PortDescription>
{
    public override MultipartType MultipartType => MultipartType.PortDesc;

    private protected override int EntryLength(PortDescription entry) => PortDescription.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, PortDescription entry) => entry.Write(ref writer);

    internal static PortDescReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, PortDescription.Read) };
}
