using Erebor.Domain.Collections;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Multipart;

public sealed record MeterStatsRequest(uint MeterId = OfpMeter.All) : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.Meter;

    private protected override int RequestBodyLength => 8;

    private protected override void WriteRequestBody(ref WireWriter writer) => WriteIdBody(ref writer, MeterId);

    internal static MeterStatsRequest ReadBody(ref WireReader body) => new(ReadIdBody(ref body));
}

/// <summary>Counters of one meter (ofp_meter_stats); <see cref="Bands"/> counts what each band dropped or remarked.</summary>
public sealed record MeterStats(uint MeterId, uint FlowCount, ulong PacketInCount, ulong ByteInCount, uint DurationSec, uint DurationNsec, EquatableArray<PacketByteCounter> Bands = default)
{
    private const int FixedLength = 40;

    internal int WireLength => FixedLength + (PacketByteCounter.WireLength * Bands.Count);

    internal void Write(ref WireWriter writer)
    {
        writer.U32(MeterId);
        writer.U16((ushort)WireLength);
        writer.Zeros(6);
        writer.U32(FlowCount);
        writer.U64(PacketInCount);
        writer.U64(ByteInCount);
        writer.U32(DurationSec);
        writer.U32(DurationNsec);
        PacketByteCounter.WriteList(ref writer, Bands);
    }

    internal static MeterStats Read(ref WireReader reader)
    {
        var meterId = reader.U32();
        var length = reader.CheckLength(reader.U16(), FixedLength, 6, "meter stats entry");
        var body = reader.Slice(length - 6, "meter stats entry");
        body.Skip(6);
        return new MeterStats(meterId, body.U32(), body.U64(), body.U64(), body.U32(), body.U32(), PacketByteCounter.ReadList(ref body, "meter band"));
    }
}

public sealed record MeterStatsReply : MultipartListReply<MeterStats>
{
    public override MultipartType MultipartType => MultipartType.Meter;

    private protected override int EntryLength(MeterStats entry) => entry.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, MeterStats entry) => entry.Write(ref writer);

    internal static MeterStatsReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, MeterStats.Read) };
}

public sealed record MeterConfigRequest(uint MeterId = OfpMeter.All) : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.MeterConfig;

    private protected override int RequestBodyLength => 8;

    private protected override void WriteRequestBody(ref WireWriter writer) => WriteIdBody(ref writer, MeterId);

    internal static MeterConfigRequest ReadBody(ref WireReader body) => new(ReadIdBody(ref body));
}

/// <summary>One configured meter (ofp_meter_config).</summary>
public sealed record MeterConfig(MeterFlags Flags, uint MeterId, EquatableArray<MeterBand> Bands = default)
{
    private const int FixedLength = 8;

    internal int WireLength => FixedLength + (MeterBand.WireLength * Bands.Count);

    internal void Write(ref WireWriter writer)
    {
        writer.U16((ushort)WireLength);
        writer.U16((ushort)Flags);
        writer.U32(MeterId);
        MeterBand.WriteList(ref writer, Bands);
    }

    internal static MeterConfig Read(ref WireReader reader)
    {
        var length = reader.CheckLength(reader.U16(), FixedLength, 2, "meter config entry");
        var body = reader.Slice(length - 2, "meter config entry");
        var flags = (MeterFlags)body.U16();
        var meterId = body.U32();
        return new MeterConfig(flags, meterId, MeterBand.ReadList(ref body));
    }
}

public sealed record MeterConfigReply : MultipartListReply<MeterConfig>
{
    public override MultipartType MultipartType => MultipartType.MeterConfig;

    private protected override int EntryLength(MeterConfig entry) => entry.WireLength;

    private protected override void WriteEntry(ref WireWriter writer, MeterConfig entry) => entry.Write(ref writer);

    internal static MeterConfigReply ReadBody(ref WireReader body) => new() { Entries = ReadEntries(ref body, MeterConfig.Read) };
}
