using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Matching;

/// <summary>One OXM match field (or set_field target): a value and an optional mask, both field-width.</summary>
public readonly record struct OxmEntry(OxmField Field, ulong Value, ulong? Mask = null)
{
    internal int WireLength => 4 + (Mask is null ? Field.Width : 2 * Field.Width);

    internal void Write(ref WireWriter writer)
    {
        writer.U32(Field.Header(Mask is not null));
        writer.UInt(Value, Field.Width);
        if (Mask is { } mask) { writer.UInt(mask, Field.Width); }
    }

    /// <summary>
    /// Reads one OXM TLV. Returns false, leaving the reader after the TLV, for fields this codec does
    /// not model (the caller keeps those as raw bytes); a modelled field with a wrong length is malformed.
    /// </summary>
    internal static bool TryRead(ref WireReader reader, out OxmEntry entry, out uint header, out ReadOnlySpan<byte> unmodeledPayload)
    {
        header = reader.U32();
        var length = (int)(header & 0xff);
        var hasMask = (header & 0x100) != 0;
        var payload = reader.Slice(length, "OXM field");
        entry = default;
        unmodeledPayload = default;
        if (OxmField.Find(header) is not { } field)
        {
            unmodeledPayload = payload.Bytes(length);
            return false;
        }

        if (length != (hasMask ? 2 * field.Width : field.Width))
        {
            throw new OpenFlowDecodeException($"OXM field {field.Name} has length {length}, expected {(hasMask ? 2 * field.Width : field.Width)}");
        }

        var value = payload.UInt(field.Width);
        entry = new OxmEntry(field, value, hasMask ? payload.UInt(field.Width) : null);
        return true;
    }

    public override string ToString() => Mask is { } mask ? $"{Field.Name}=0x{Value:x}/0x{mask:x}" : $"{Field.Name}=0x{Value:x}";
}
