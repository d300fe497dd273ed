using System.Security.Cryptography;

namespace Erebor.Protection.Tests.Support;

/// <summary>
/// Samples the live managed heap (after a full collection) every <see cref="SampleEveryBytes"/>
/// streamed, to find the peak of what a stream holds. Garbage is not counted: how much of it piles up
/// before a collection is the GC's choice, not the code's, and varied from run to run in CI.
/// </summary>
public sealed class HeapPeak
{
    private const int SampleEveryBytes = 8 * 1024 * 1024;

    private long _sinceSample;

    public HeapPeak() => Baseline = GC.GetTotalMemory(forceFullCollection: true);

    public long Baseline { get; }
    public long Peak { get; private set; }
    public long PeakAboveBaseline => Math.Max(0, Peak - Baseline);

    public void Observe(int bytes)
    {
        _sinceSample += bytes;
        if (_sinceSample < SampleEveryBytes) { return; }
        _sinceSample = 0;
        Peak = Math.Max(Peak, GC.GetTotalMemory(forceFullCollection: true));
    }
}

/// <summary>A deterministic, incompressible stream of <paramref name="length"/> bytes made on the fly (nothing held), hashed as it is read.</summary>
public sealed class GeneratedStream(long length, HeapPeak heap) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ulong _state = 0x9E3779B97F4A7C15;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            buffer[i] = (byte)_state;
        }

        _hash.AppendData(buffer[..n]);
        _position += n;
        heap.Observe(n);
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) { _hash.Dispose(); }
        base.Dispose(disposing);
    }
}

/// <summary>Hashes what is written to it and drops it.</summary>
public sealed class HashingSink(HeapPeak heap) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Written { get; private set; }
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        Written += buffer.Length;
        heap.Observe(buffer.Length);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush() { }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) { _hash.Dispose(); }
        base.Dispose(disposing);
    }
}
