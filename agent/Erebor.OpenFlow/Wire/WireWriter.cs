using System.Buffers.Binary;
using System.Text;

namespace Erebor.OpenFlow.Wire;

/// <summary>
/// A big-endian cursor over a span whose size was computed beforehand from the structures'
/// <c>WireLength</c>, so encoding writes each byte once and allocates nothing.
/// </summary>
internal ref struct WireWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _position;

    public readonly int Position => _position;

    public void U8(byte value) => _buffer[_position++] = value;

    public void U16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void U32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void U64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    /// <summary>The low <paramref name="size"/> bytes of <paramref name="value"/>, big-endian.</summary>
    public void UInt(ulong value, int size)
    {
        for (var i = size - 1; i >= 0; i--) { _buffer[_position + i] = (byte)value; value >>= 8; }
        _position += size;
    }

    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    public void Zeros(int count)
    {
        _buffer.Slice(_position, count).Clear();
        _position += count;
    }

    /// <summary>ASCII text NUL-padded (and truncated if needed, keeping a terminating NUL) to <paramref name="size"/> bytes.</summary>
    public void FixedString(string text, int size)
    {
        var field = _buffer.Slice(_position, size);
        field.Clear();
        Encoding.ASCII.GetBytes(text.AsSpan(0, Math.Min(text.Length, size - 1)), field);
        _position += size;
    }
}

internal static class Padding
{
    /// <summary>OpenFlow pads variable-length structures (match, actions, properties) to 8 bytes.</summary>
    public static int To8(int length) => (length + 7) & ~7;
}
