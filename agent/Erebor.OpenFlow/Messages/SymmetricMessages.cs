using Erebor.Domain.Collections;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

/// <summary>HELLO with a version bitmap element (OFPHET_VERSIONBITMAP), the way versions are negotiated since OpenFlow 1.3.1.</summary>
/// <param name="VersionBitmap">Bit n of word n/32 set = OpenFlow wire version n supported; empty when the peer sent no bitmap.</param>
public sealed record Hello(EquatableArray<uint> VersionBitmap) : OpenFlowMessage
{
    private const ushort VersionBitmapElement = 1;

    /// <summary>What Erebor sends: OpenFlow 1.3 (wire version 4) only.</summary>
    public static Hello OpenFlow13Only { get; } = new([1u << OpenFlowCodec.Version13]);

    public override OfpType Type => OfpType.Hello;

    /// <summary>The wire versions the bitmap lists (0x04 = OpenFlow 1.3).</summary>
    public IEnumerable<byte> Versions => Enumerable.Range(0, Math.Min(32 * VersionBitmap.Count, 256)).Select(v => (byte)v).Where(Supports);

    public bool Supports(byte version) =>
        version / 32 < VersionBitmap.Count && (VersionBitmap[version / 32] & (1u << (version % 32))) != 0;

    internal override int BodyLength => VersionBitmap.Count == 0 ? 0 : Padding.To8(4 + (4 * VersionBitmap.Count));

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        if (VersionBitmap.Count == 0) { return; }
        var length = 4 + (4 * VersionBitmap.Count);
        writer.U16(VersionBitmapElement);
        writer.U16((ushort)length);
        foreach (var word in VersionBitmap) { writer.U32(word); }
        writer.Zeros(Padding.To8(length) - length);
    }

    internal static Hello ReadBody(ref WireReader body)
    {
        EquatableArray<uint> bitmap = default;
        while (!body.IsEmpty)
        {
            var type = body.U16();
            var length = body.CheckLength(body.U16(), 4, 4, "hello element");
            var element = body.Slice(length - 4, "hello element");
            body.Skip(Math.Min(Padding.To8(length) - length, body.Remaining));
            if (type != VersionBitmapElement) { continue; } // the spec says to ignore unknown elements
            if (element.Remaining % 4 != 0) { throw new OpenFlowDecodeException($"hello version bitmap is {element.Remaining} bytes, not a multiple of 4"); }
            var words = new uint[element.Remaining / 4];
            for (var i = 0; i < words.Length; i++) { words[i] = element.U32(); }
            bitmap = [.. words];
        }

        return new Hello(bitmap);
    }
}

public sealed record EchoRequest(EquatableArray<byte> Data = default) : OpenFlowMessage
{
    public override OfpType Type => OfpType.EchoRequest;

    internal override int BodyLength => Data.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid) => writer.Bytes(Data.AsSpan());
}

public sealed record EchoReply(EquatableArray<byte> Data = default) : OpenFlowMessage
{
    public override OfpType Type => OfpType.EchoReply;

    internal override int BodyLength => Data.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid) => writer.Bytes(Data.AsSpan());
}

public sealed record BarrierRequest : EmptyMessage
{
    public override OfpType Type => OfpType.BarrierRequest;
}

public sealed record BarrierReply : EmptyMessage
{
    public override OfpType Type => OfpType.BarrierReply;
}
