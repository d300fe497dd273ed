using Erebor.OpenFlow.Matching;

namespace Erebor.OpenFlow.Actions;

/// <summary>A run of bits inside a field, as NXAST_REG_MOVE and NXAST_REG_LOAD address them (OVS syntax: <c>NXM_NX_REG0[8..15]</c>).</summary>
public readonly record struct NxmSubfield
{
    public NxmSubfield(OxmField field, int offset, int bits)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        if (offset + bits > field.Bits)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), $"bits {offset}..{offset + bits - 1} run past the {field.Bits}-bit field {field.Name}");
        }

        Field = field;
        Offset = offset;
        Bits = bits;
    }

    public OxmField Field { get; }

    /// <summary>Least significant bit of the run.</summary>
    public int Offset { get; }

    public int Bits { get; }

    public static NxmSubfield Whole(OxmField field) => new(field, 0, field?.Bits ?? 0);

    public override string ToString() => Offset == 0 && Bits == Field.Bits ? $"{Field.Name}[]" : $"{Field.Name}[{Offset}..{Offset + Bits - 1}]";
}
