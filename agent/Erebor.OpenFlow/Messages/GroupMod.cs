using Erebor.Domain.Collections;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

public enum GroupModCommand : ushort
{
    Add = 0,
    Modify = 1,
    Delete = 2,
}

public enum GroupType : byte
{
    All = 0,
    Select = 1,
    Indirect = 2,
    FastFailover = 3,
}

/// <summary>One action bucket of a group (ofp_bucket).</summary>
public sealed record Bucket(EquatableArray<OfpAction> Actions)
{
    private const int FixedLength = 16;

    /// <summary>Relative weight for select groups; 0 for other types.</summary>
    public ushort Weight { get; init; }

    /// <summary>Port whose liveness decides the bucket in fast-failover groups.</summary>
    public uint WatchPort { get; init; } = OfpPort.Any;

    public uint WatchGroup { get; init; } = OfpGroup.Any;

    internal int WireLength => FixedLength + OfpAction.ListLength(Actions);

    internal static int ListLength(EquatableArray<Bucket> buckets)
    {
        var length = 0;
        foreach (var bucket in buckets.AsSpan()) { length += bucket.WireLength; }
        return length;
    }

    internal static void WriteList(ref WireWriter writer, EquatableArray<Bucket> buckets)
    {
        foreach (var bucket in buckets.AsSpan())
        {
            writer.U16((ushort)bucket.WireLength);
            writer.U16(bucket.Weight);
            writer.U32(bucket.WatchPort);
            writer.U32(bucket.WatchGroup);
            writer.Zeros(4);
            OfpAction.WriteList(ref writer, bucket.Actions);
        }
    }

    internal static EquatableArray<Bucket> ReadList(ref WireReader reader)
    {
        if (reader.IsEmpty) { return default; }
        var buckets = new List<Bucket>();
        while (!reader.IsEmpty)
        {
            var length = reader.CheckLength(reader.U16(), FixedLength, 2, "bucket");
            var body = reader.Slice(length - 2, "bucket");
            var weight = body.U16();
            var watchPort = body.U32();
            var watchGroup = body.U32();
            body.Skip(4);
            buckets.Add(new Bucket(OfpAction.ReadList(ref body)) { Weight = weight, WatchPort = watchPort, WatchGroup = watchGroup });
        }

        return [.. buckets];
    }
}

/// <summary>OFPT_GROUP_MOD.</summary>
public sealed record GroupMod(GroupModCommand Command, GroupType GroupType, uint GroupId, EquatableArray<Bucket> Buckets = default) : OpenFlowMessage
{
    public override OfpType Type => OfpType.GroupMod;

    internal override int BodyLength => 8 + Bucket.ListLength(Buckets);

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U16((ushort)Command);
        writer.U8((byte)GroupType);
        writer.Zeros(1);
        writer.U32(GroupId);
        Bucket.WriteList(ref writer, Buckets);
    }

    internal static GroupMod ReadBody(ref WireReader body)
    {
        var command = (GroupModCommand)body.U16();
        var type = (GroupType)body.U8();
        body.Skip(1);
        var groupId = body.U32();
        return new GroupMod(command, type, groupId, Bucket.ReadList(ref body));
    }
}
