using Erebor.Domain.Collections;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

public enum MeterModCommand : ushort
{
    Add = 0,
    Modify = 1,
    Delete = 2,
}

[Flags]
public enum MeterFlags : ushort
{
    None = 0,

    /// <summary>Rates are in kilobits per second.</summary>
    Kbps = 1 << 0,

    /// <summary>Rates are in packets per second.</summary>
    Pktps = 1 << 1,

    /// <summary>Use the bands' burst sizes.</summary>
    Burst = 1 << 2,

    /// <summary>Collect statistics.</summary>
    Stats = 1 << 3,
}

public enum MeterBandType : ushort
{
    Drop = 1,
    DscpRemark = 2,
}

/// <summary>A meter band (ofp_meter_band_drop / ofp_meter_band_dscp_remark).</summary>
/// <param name="PrecedenceLevel">How much to raise the drop precedence (DSCP remark bands only).</param>
public sealed record MeterBand(MeterBandType BandType, uint Rate, uint BurstSize = 0, byte PrecedenceLevel = 0)
{
    internal const int WireLength = 16;

    internal static void WriteList(ref WireWriter writer, EquatableArray<MeterBand> bands)
    {
        foreach (var band in bands.AsSpan())
        {
            writer.U16((ushort)band.BandType);
            writer.U16(WireLength);
            writer.U32(band.Rate);
            writer.U32(band.BurstSize);
            writer.U8(band.BandType == MeterBandType.DscpRemark ? band.PrecedenceLevel : (byte)0);
            writer.Zeros(3);
        }
    }

    internal static EquatableArray<MeterBand> ReadList(ref WireReader reader)
    {
        if (reader.IsEmpty) { return default; }
        var bands = new List<MeterBand>();
        while (!reader.IsEmpty)
        {
            var type = (MeterBandType)reader.U16();
            var length = reader.U16();
            if (length != WireLength) { throw new OpenFlowDecodeException($"meter band length {length}, expected {WireLength}"); }
            var body = reader.Slice(WireLength - 4, "meter band");
            var rate = body.U32();
            var burst = body.U32();
            var precedence = body.U8();
            bands.Add(type switch
            {
                MeterBandType.Drop => new MeterBand(type, rate, burst),
                MeterBandType.DscpRemark => new MeterBand(type, rate, burst, precedence),
                _ => throw new OpenFlowDecodeException($"meter band type {(ushort)type} is not supported (only drop and dscp_remark)"),
            });
        }

        return [.. bands];
    }
}

/// <summary>OFPT_METER_MOD: creates, changes or deletes a meter (used to rate-limit PACKET_IN).</summary>
public sealed record MeterMod(MeterModCommand Command, MeterFlags Flags, uint MeterId, EquatableArray<MeterBand> Bands = default) : OpenFlowMessage
{
    public override OfpType Type => OfpType.MeterMod;

    internal override int BodyLength => 8 + (MeterBand.WireLength * Bands.Count);

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U16((ushort)Command);
        writer.U16((ushort)Flags);
        writer.U32(MeterId);
        MeterBand.WriteList(ref writer, Bands);
    }

    internal static MeterMod ReadBody(ref WireReader body)
    {
        var command = (MeterModCommand)body.U16();
        var flags = (MeterFlags)body.U16();
        var meterId = body.U32();
        return new MeterMod(command, flags, meterId, MeterBand.ReadList(ref body));
    }
}
