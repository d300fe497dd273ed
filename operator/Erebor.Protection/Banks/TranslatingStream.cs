namespace Erebor.Protection.Banks;

/// <summary>Passes everything through to <paramref name="inner"/>, turning its I/O errors into precise <see cref="BankException"/>s.</summary>
internal sealed class TranslatingStream(Stream inner, Func<Exception, Exception> translate) : Stream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override void Flush()
    {
        try { inner.Flush(); }
        catch (Exception e) when (IsIoError(e)) { throw translate(e); }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        try { await inner.FlushAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (IsIoError(e)) { throw translate(e); }
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        try { return inner.Read(buffer, offset, count); }
        catch (Exception e) when (IsIoError(e)) { throw translate(e); }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (IsIoError(e)) { throw translate(e); }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        try { inner.Write(buffer, offset, count); }
        catch (Exception e) when (IsIoError(e)) { throw translate(e); }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try { await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (IsIoError(e)) { throw translate(e); }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    // The S3 SDK reports a body whose MD5 does not match its ETag as an AmazonClientException while reading.
    private static bool IsIoError(Exception e) => e is IOException or UnauthorizedAccessException or HttpRequestException or Amazon.Runtime.AmazonClientException;

    public override void SetLength(long value) => throw new NotSupportedException();
}
