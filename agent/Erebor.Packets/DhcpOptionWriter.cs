using System.Buffers.Binary;
using System.Runtime.InteropServices;

using Erebor.Domain.Collections;
using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// Writes DHCP options, or only counts their bytes when made by <see cref="Measuring"/>, so that
/// one code path both sizes a message and writes it. Values longer than 255 bytes are split into
/// consecutive options of the same code (RFC 3396), which the receiver concatenates.
/// </summary>
internal ref struct DhcpOptionWriter
{
    private const int MaxOptionData = byte.MaxValue;

    /// <summary>Option values up to this size are rendered on the stack; longer ones (many routes) go to the heap.</summary>
    private const int StackScratchLimit = 256;

    private readonly Span<byte> _destination;
    private readonly bool _measuring;

    public DhcpOptionWriter(Span<byte> destination) => _destination = destination;

    private DhcpOptionWriter(bool measuring) => _measuring = measuring;

    public static DhcpOptionWriter Measuring => new(measuring: true);

    /// <summary>Bytes written (or counted) so far.</summary>
    public int Length { get; private set; }

    public void Write(DhcpOptionCode code, scoped ReadOnlySpan<byte> data)
    {
        do
        {
            var chunk = Math.Min(MaxOptionData, data.Length);
            if (!_measuring)
            {
                _destination[Length] = (byte)code;
                _destination[Length + 1] = (byte)chunk;
                data[..chunk].CopyTo(_destination[(Length + 2)..]);
            }

            Length += 2 + chunk;
            data = data[chunk..];
        }
        while (!data.IsEmpty);
    }

    /// <summary>A single byte that is not an option's value but a marker: Pad or End.</summary>
    public void WriteMarker(DhcpOptionCode marker)
    {
        if (!_measuring) { _destination[Length] = (byte)marker; }
        Length++;
    }

    public void Write(DhcpOptionCode code, byte? value)
    {
        if (value is { } present) { Write(code, stackalloc byte[] { present }); }
    }

    public void Write(DhcpOptionCode code, ushort? value)
    {
        if (value is not { } present) { return; }
        Span<byte> data = stackalloc byte[sizeof(ushort)];
        BinaryPrimitives.WriteUInt16BigEndian(data, present);
        Write(code, data);
    }

    public void Write(DhcpOptionCode code, uint? value)
    {
        if (value is not { } present) { return; }
        Span<byte> data = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32BigEndian(data, present);
        Write(code, data);
    }

    public void Write(DhcpOptionCode code, Ipv4Address? value) => Write(code, value?.Value);

    public void Write(DhcpOptionCode code, EquatableArray<Ipv4Address> addresses)
    {
        if (addresses.IsEmpty) { return; }
        var data = Scratch(addresses.Count * Ipv4Address.ByteLength, stackalloc byte[StackScratchLimit]);
        for (var i = 0; i < addresses.Count; i++) { addresses[i].WriteBytes(data[(i * Ipv4Address.ByteLength)..]); }
        Write(code, data);
    }

    public void Write(DhcpOptionCode code, EquatableArray<byte> bytes)
    {
        if (!bytes.IsEmpty) { Write(code, bytes.AsSpan()); }
    }

    public void Write(DhcpOptionCode code, EquatableArray<DhcpOptionCode> codes)
    {
        if (!codes.IsEmpty) { Write(code, MemoryMarshal.AsBytes(codes.AsSpan())); }
    }

    public void Write(DhcpOptionCode code, string? text)
    {
        if (string.IsNullOrEmpty(text)) { return; }
        var data = Scratch(DhcpText.GetByteCount(text), stackalloc byte[StackScratchLimit]);
        DhcpText.Write(text, data);
        Write(code, data);
    }

    public void Write(DhcpOptionCode code, EquatableArray<ClasslessStaticRoute> routes)
    {
        if (routes.IsEmpty) { return; }
        var length = 0;
        foreach (var route in routes.AsSpan()) { length += route.EncodedLength; }
        var data = Scratch(length, stackalloc byte[StackScratchLimit]);
        var position = 0;
        foreach (var route in routes.AsSpan()) { position += route.WriteTo(data[position..]); }
        Write(code, data);
    }

    private static Span<byte> Scratch(int length, Span<byte> stack) => length <= stack.Length ? stack[..length] : new byte[length];
}
