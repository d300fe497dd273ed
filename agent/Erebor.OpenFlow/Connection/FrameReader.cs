using System.Buffers;

namespace Erebor.OpenFlow.Connection;

/// <summary>
/// Splits the byte stream from a switch into whole OpenFlow frames, reading into one pooled buffer.
/// Frames are at most 64 KiB (16-bit length), so the buffer never grows.
/// </summary>
internal sealed class FrameReader(Stream stream) : IDisposable
{
    private const int BufferSize = 256 * 1024;

    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _start;
    private int _end;

    /// <summary>
    /// The next frame, valid until the next call; empty when the peer closed the connection
    /// between frames. A close in the middle of a frame is an <see cref="EndOfStreamException"/>.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadFrameAsync(CancellationToken ct)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(FrameReader));
        while (true)
        {
            if (OpenFlowCodec.TryGetFrameLength(buffer.AsSpan(_start, _end - _start), out var length) && _end - _start >= length)
            {
                var frame = buffer.AsMemory(_start, length);
                _start += length;
                return frame;
            }

            if (buffer.Length - _end < OpenFlowCodec.MaxMessageLength)
            {
                buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
                _end -= _start;
                _start = 0;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                return _end == _start ? ReadOnlyMemory<byte>.Empty : throw new EndOfStreamException($"connection closed inside a message ({_end - _start} bytes of it received)");
            }

            _end += read;
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
