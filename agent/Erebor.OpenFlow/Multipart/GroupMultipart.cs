using Erebor.Domain.Collections;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Multipart;

public sealed record GroupStatsRequest(uint GroupId = OfpGroup.All) : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.Group;

    private protected override int RequestBodyLength => 8;

    private protected override void WriteRequestBody(ref WireWriter writer) => WriteIdBody(ref writer, GroupId);

    internal static GroupStatsRequest ReadBody(ref WireReader body) => new(ReadIdBody(ref body));
}

/// <summary>Packet and byte counters of one bucket or one meter band.</summary>
public readonly record struct PacketByteCounter(ulong PacketCount, ulong ByteCount)
{
    internal const int WireLength = 16;

    internal static EquatableArray<PacketByteCounter> ReadList(ref WireReader body, string what)
    {
        if (body.Remaining % WireLength != 0) { throw new OpenFlowDecodeException($"{what} counters are {body.Remaining} bytes, not a multiple of {WireLength}"); }
        var counters = new PacketByteCounter[body.Remaining / WireLength];
        for (var i = 0; i < counters.Length; i++) { counters[i] = new PacketByteCounter(body.U64(), body.U64()); }
        return [.. counters];
    }

    internal static void WriteList(ref WireWriter writer, EquatableArray<PacketByteCounter> counters)
    {
        foreach (var counter in counters.AsSpan())
        {
            writer.U64(counter.PacketCount);
            writer.U64(counter.ByteCount);
        }
    }
}

/// <summary>Counters of one group (ofp_group_stats).</summary>
public sealed record GroupStats(uint GroupId, uint ReferenceCount, ulong PacketCount, ulong ByteCount, uint DurationSec, uint DurationNsec, EquatableArray<PacketByteCounter> Buckets = default)
{
    private const int FixedLength = 40;

    internal int WireLength => FixedLength + (PacketByteCounter.WireLength * Buckets.Count);

    internal void Write(ref WireWriter writer)
    {
        writer.U16((ushort)WireLength);
        writer.Zeros(2);
        writer.U32(GroupId);
        writer.U32(ReferenceCount);
        writer.Zeros(4);
        writer.U64(PacketCount);
        writer.U64(ByteCount);
        writer.U32(DurationSec);
        writer.U32(DurationNsec);
        PacketByteCounter.WriteList(ref writer, Buckets);
    }

    internal static GroupStats Read(ref WireReader reader)
    {
        var length = reader.CheckLength(reader.U16(), FixedLength, 2, "group stats entry");
        var body = reader.Slice(length - 2, "group stats entry");
        body.Skip(2);
        var groupId = body.U32();
        var references = body.U32();
        body.Skip(4);
        return new GroupStats(groupId, references, body.U64(), body.U64(), body.U32(), body.U32(), PacketByteCounter.ReadList(ref body, "group bucket"));
    }
}

public sealed record GroupStatsReply : MultipartListReply<GroupStats>
{
    public override MultipartType MultipartType => MultipartType.Group;

    private protected override int EntryLength(GroupStats entry) => entry.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, GroupStats entry) => entry.Write(ref writer);

    internal static GroupStatsReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, GroupStats.Read) };
}

public sealed record GroupDescRequest : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.GroupDesc;
}

/// <summary>One installed group (ofp_group_desc).</summary>
public sealed record GroupDescription(GroupType GroupType, uint GroupId, EquatableArray<Bucket> Buckets = default)
{
    private const int FixedLength = 8;

    internal int WireLength => FixedLength + Bucket.ListLength(Buckets);

    internal void Write(ref WireWriter writer)
    {
        writer.U16((ushort)WireLength);
        writer.U8((byte)GroupType);
        writer.Zeros(1);
        writer.U32(GroupId);
        Bucket.WriteList(ref writer, Buckets);
    }

    internal static GroupDescription Read(ref WireReader reader)
    {
        var length = reader.CheckLength(reader.U16(), FixedLength, 2, "group description");
        var body = reader.Slice(length - 2, "group description");
        var type = (GroupType)body.U8();
        body.Skip(1);
        var groupId = body.U32();
        return new GroupDescription(type, groupId, Bucket.ReadList(ref body));
    }
}

public sealed record GroupDescReply : MultipartListReply<GroupDescription>
{
    public override MultipartType MultipartType => MultipartType.GroupDesc;

    private protected override int EntryLength(GroupDescription entry) => entry.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, GroupDescription entry) => entry.Write(ref writer);

    internal static GroupDescReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, GroupDescription.Read) };
}
