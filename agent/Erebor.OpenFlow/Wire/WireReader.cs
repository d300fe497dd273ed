using System.Buffers.Binary;
using System.Text;

using Erebor.Domain.Collections;

namespace Erebor.OpenFlow.Wire;

/// <summary>
/// A bounds-checked big-endian cursor over received bytes. Every read checks what is left, so a
/// lying length field becomes an <see cref="OpenFlowDecodeException"/>, never an
/// IndexOutOfRangeException; every nested structure is read through <see cref="Slice"/>, so it
/// cannot read past its own declared length.
/// </summary>
internal ref struct WireReader(ReadOnlySpan<byte> buffer)
{
    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool IsEmpty => _position == _buffer.Length;

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    /// <summary>An unsigned big-endian integer of 1 to 8 bytes (OXM values such as a 6-byte MAC).</summary>
    public ulong UInt(int size)
    {
        ulong value = 0;
        foreach (var b in Take(size)) { value = (value << 8) | b; }
        return value;
    }

    public void Skip(int count) => Take(count);

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    public EquatableArray<byte> CopyRest() => EquatableArray.Create(Take(Remaining));

    /// <summary>A NUL-padded fixed-size ASCII field (port names, description strings).</summary>
    public string FixedString(int size)
    {
        var bytes = Take(size);
        var end = bytes.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    /// <summary>A reader over the next <paramref name="count"/> bytes, which this reader skips.</summary>
    public WireReader Slice(int count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw new OpenFlowDecodeException($"{what} claims {count} bytes but only {Remaining} remain");
        }

        return new WireReader(Take(count));
    }

    /// <summary>Reads a structure length that must cover at least its own fixed part and fit in what is left.</summary>
    public readonly int CheckLength(int declared, int minimum, int alreadyRead, string what)
    {
        if (declared < minimum)
        {
            throw new OpenFlowDecodeException($"{what} length {declared} is shorter than its minimum {minimum}");
        }

        if (declared - alreadyRead > Remaining)
        {
            throw new OpenFlowDecodeException($"{what} length {declared} runs {declared - alreadyRead - Remaining} bytes past the end of its container");
        }

        return declared;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw new OpenFlowDecodeException($"truncated: needed {count} bytes at offset {_position}, {Remaining} left");
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }
}
