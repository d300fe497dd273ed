using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Erebor.Protection.Banks;

/// <summary>How <see cref="S3Bank.TryCreateAsync"/> makes a create-if-absent.</summary>
public enum S3ConditionalWrites
{
    /// <summary>Find out once per bank: a conditional PUT (If-None-Match: *) of an existing probe object must fail with 412.</summary>
    Auto,

    /// <summary>The server honours If-None-Match: * on PUT (AWS S3 since 2024, MinIO, Ceph RGW recent).</summary>
    Supported,

    /// <summary>Write-then-read-back-verify (see <see cref="S3Bank"/>).</summary>
    Unsupported,
}

/// <summary>Tuning for <see cref="S3Bank"/>.</summary>
public sealed record S3BankOptions
{
    /// <summary>
    /// Objects up to this size are one PutObject; larger ones a multipart upload with parts of this
    /// size. It is also the writer's memory bound (one part buffer). S3 requires parts of 5 MiB or more.
    /// </summary>
    public int PartSizeBytes { get; init; } = 8 * 1024 * 1024;

    public S3ConditionalWrites ConditionalWrites { get; init; } = S3ConditionalWrites.Auto;

    /// <summary>Fallback create-if-absent: how long to wait between the PUT and the read-back.</summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How <see cref="S3Bank.ListFoldersAsync"/> finds folders: a delimiter listing (one page per 1000
    /// folders; what S3, MinIO and Ceph do right), or a full listing of every key below the prefix,
    /// for servers whose delimiter listing misses folders that hold only subfolders (s3rver 3.7).
    /// </summary>
    public bool DelimiterListing { get; init; } = true;

    public int MaxErrorRetry { get; init; } = 2;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// A bank in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, s3rver), every key under an optional
/// prefix. An object up to <see cref="S3BankOptions.PartSizeBytes"/> is written with a single
/// PutObject when the writer commits; a larger one as a multipart upload that only becomes an
/// object on CompleteMultipartUpload (aborted when the writer is disposed uncommitted), so no partial
/// object ever exists under a final key. Path-style addressing, so local servers work.
/// </summary>
/// <remarks>
/// Create-if-absent (the lease): a PUT with <c>If-None-Match: *</c> where the server honours it,
/// detected once per bank (<see cref="S3ConditionalWrites.Auto"/>). Servers that ignore the header
/// fall back to write-then-read-back-verify: HEAD (absent), PUT content unique to the caller, then
/// twice waits <see cref="S3BankOptions.SettleDelay"/>, GET and compare; of racers the last PUT wins
/// and the others see foreign content. A PUT delayed by more than two settle delays after a rival's
/// can still let both appear to win: the fallback narrows the race, only a conditional PUT closes it.
/// </remarks>
public sealed class S3Bank : IBank
{
    private readonly AmazonS3Client _client;
    private readonly string _endpoint;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly S3BankOptions _options;
    private readonly TimeProvider _time;
    private S3ConditionalWrites _conditional;

    public S3Bank(string endpoint, string bucket, string? prefix, string region, string accessKey, string secretKey, S3BankOptions? options = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        ArgumentNullException.ThrowIfNull(accessKey);
        ArgumentNullException.ThrowIfNull(secretKey);
        _endpoint = endpoint.TrimEnd('/');
        _bucket = bucket;
        _prefix = string.IsNullOrEmpty(prefix) ? string.Empty : prefix.Trim('/') + "/";
        if (_prefix.Length > 0) { BankKeys.Validate(_prefix, folder: true); }
        _options = options ?? new S3BankOptions();
        if (_options.PartSizeBytes < 64 * 1024) { throw new ArgumentOutOfRangeException(nameof(options), _options.PartSizeBytes, "S3 part size below 64 KiB"); }
        _time = time ?? TimeProvider.System;
        _conditional = _options.ConditionalWrites;
        var config = new AmazonS3Config
        {
            ServiceURL = _endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = string.IsNullOrEmpty(region) ? "us-east-1" : region,
            UseHttp = _endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase),
            MaxErrorRetry = _options.MaxErrorRetry,
            Timeout = _options.Timeout,
            ConnectTimeout = _options.ConnectTimeout,
            IgnoreConfiguredEndpointUrls = true,
            // Local S3 servers do not all understand the SDK's default flexible checksums (aws-chunked trailers).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config);
    }

    public string Location => $"s3://{_bucket}/{_prefix} at {_endpoint}";

    /// <summary>How create-if-absent works on this server (after the first conditional create or probe: never Auto).</summary>
    public S3ConditionalWrites ConditionalWrites => _conditional;

    public Task<IBankObjectWriter> OpenWriteAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IBankObjectWriter>(new S3ObjectWriter(this, key));
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _bucket, Key = _prefix + key }, ct).ConfigureAwait(false);
            return new ResponseStream(response, e => Translate(e, "reading", key));
        }
        catch (ArgumentException e) when (e.Source?.StartsWith("AWSSDK", StringComparison.Ordinal) == true)
        {
            // The SDK could not parse the response (seen: an empty ETag from a server racing two PUTs of the key).
            throw new BankException(BankFailure.Other, $"S3 reading '{key}' in {Location}: malformed response: {e.Message}", e);
        }
        catch (Exception e) when (IsBankError(e, ct))
        {
            throw Translate(e, "reading", key);
        }
    }

    public async Task<BankObjectInfo?> StatAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        try
        {
            var meta = await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = _prefix + key }, ct).ConfigureAwait(false);
            return new BankObjectInfo(key, meta.ContentLength, meta.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime()) : _time.GetUtcNow());
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
        {
            // A HEAD has no body: a missing bucket also answers a bare 404. Tell the two apart.
            await EnsureBucketAsync(ct).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (IsBankError(e, ct))
        {
            throw Translate(e, "checking", key);
        }
    }

    public async IAsyncEnumerable<BankObjectInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        BankKeys.Validate(prefix.EndsWith('/') ? prefix[..^1] : prefix, allowEmpty: true);
        string? token = null;
        do
        {
            ListObjectsV2Response page = await ListPageAsync(prefix, null, token, ct).ConfigureAwait(false);
            foreach (var item in page.S3Objects ?? [])
            {
                var key = item.Key[_prefix.Length..];
                if (prefix.Length == 0 && key.StartsWith(FilesystemBank.ProbeFolder + "/", StringComparison.Ordinal)) { continue; }
                yield return new BankObjectInfo(key, item.Size ?? 0, item.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime()) : _time.GetUtcNow());
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public async IAsyncEnumerable<string> ListFoldersAsync(string prefix, [EnumeratorCancellation] CancellationToken ct)
    {
        if (prefix.Length > 0) { BankKeys.Validate(prefix, folder: true); }
        if (!_options.DelimiterListing)
        {
            var seen = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var item in ListAsync(prefix, ct).ConfigureAwait(false))
            {
                var rest = item.Key[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0) { seen.Add(rest[..slash]); }
            }

            foreach (var name in seen) { yield return name; }
            yield break;
        }

        string? token = null;
        do
        {
            var page = await ListPageAsync(prefix, "/", token, ct).ConfigureAwait(false);
            foreach (var common in page.CommonPrefixes ?? [])
            {
                var name = common[(_prefix.Length + prefix.Length)..].TrimEnd('/');
                if (prefix.Length == 0 && name == FilesystemBank.ProbeFolder) { continue; }
                if (name.Length > 0) { yield return name; }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        BankKeys.Validate(key);
        try
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _prefix + key }, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchKey")
        {
            // Deleting a missing object is not an error.
        }
        catch (Exception e) when (IsBankError(e, ct))
        {
            throw Translate(e, "deleting", key);
        }
    }

    public async Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        BankKeys.Validate(key);
        if (_conditional == S3ConditionalWrites.Auto) { _conditional = await DetectConditionalWritesAsync(ct).ConfigureAwait(false); }
        if (_conditional == S3ConditionalWrites.Supported)
        {
            try
            {
                await PutAsync(key, content, ifNoneMatch: true, ct).ConfigureAwait(false);
                return true;
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                return false;
            }
            catch (Exception e) when (IsBankError(e, ct))
            {
                throw Translate(e, "creating", key);
            }
        }

        if (await StatAsync(key, ct).ConfigureAwait(false) is not null) { return false; }
        try
        {
            await PutAsync(key, content, ifNoneMatch: false, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBankError(e, ct))
        {
            throw Translate(e, "creating", key);
        }

        // Read back twice, a settle delay apart: a racer's PUT that lands after our first read-back
        // is still caught by the second.
        for (var check = 0; check < 2; check++)
        {
            if (!await ReadBackMatchesAsync(key, content, ct).ConfigureAwait(false)) { return false; }
        }

        return true;
    }

    private async Task<bool> ReadBackMatchesAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await Task.Delay(_options.SettleDelay, _time, ct).ConfigureAwait(false);
            try
            {
                var stored = await this.TryReadAllBytesAsync(key, ct).ConfigureAwait(false);
                return stored is not null && stored.AsSpan().SequenceEqual(content.Span);
            }
            catch (BankException e) when (e.Failure == BankFailure.Other && attempt < 3)
            {
                // A racing PUT of the same key can make a read fail; read again after settling.
            }
        }
    }

    public Task<LeaseAttempt> TryAcquireLeaseAsync(string key, string holder, TimeSpan duration, CancellationToken ct) =>
        LeaseProtocol.TryAcquireAsync(this, _time, key, holder, duration, ct);

    public Task<BankLease> RenewLeaseAsync(BankLease lease, TimeSpan duration, CancellationToken ct) =>
        LeaseProtocol.RenewAsync(this, _time, lease, duration, ct);

    public Task ReleaseLeaseAsync(BankLease lease, CancellationToken ct) => LeaseProtocol.ReleaseAsync(this, lease, ct);

    public Task<LeaseRecord?> ReadLeaseAsync(string key, CancellationToken ct) => LeaseProtocol.ReadAsync(this, key, ct);

    public async Task<BankProbeResult> ProbeAsync(CancellationToken ct)
    {
        try
        {
            await ListPageAsync(string.Empty, null, null, ct, maxKeys: 1).ConfigureAwait(false);
        }
        catch (BankException e)
        {
            return new BankProbeResult(Location, e.Failure is BankFailure.BankNotFound or BankFailure.AccessDenied, false, null, e.Failure, e.Message);
        }

        var key = $"{FilesystemBank.ProbeFolder}/{Guid.NewGuid():N}";
        try
        {
            await this.WriteAsync(key, "erebor bank probe"u8.ToArray(), ct).ConfigureAwait(false);
            await DeleteAsync(key, ct).ConfigureAwait(false);
            if (_conditional == S3ConditionalWrites.Auto) { _conditional = await DetectConditionalWritesAsync(ct).ConfigureAwait(false); }
            return new BankProbeResult(Location, true, true, null, null, null);
        }
        catch (BankException e)
        {
            return new BankProbeResult(Location, true, false, null, e.Failure, e.Message);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<ListObjectsV2Response> ListPageAsync(string prefix, string? delimiter, string? token, CancellationToken ct, int? maxKeys = null)
    {
        try
        {
            var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix + prefix, Delimiter = delimiter, ContinuationToken = token };
            if (maxKeys is { } max) { request.MaxKeys = max; }
            return await _client.ListObjectsV2Async(request, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBankError(e, ct))
        {
            throw Translate(e, "listing", prefix);
        }
    }

    private async Task EnsureBucketAsync(CancellationToken ct) => await ListPageAsync(string.Empty, null, null, ct, maxKeys: 1).ConfigureAwait(false);

    private async Task PutAsync(string key, ReadOnlyMemory<byte> content, bool ifNoneMatch, CancellationToken ct)
    {
        using var body = new MemoryStream(content.ToArray(), writable: false);
        var request = new PutObjectRequest { BucketName = _bucket, Key = _prefix + key, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false };
        if (ifNoneMatch) { request.IfNoneMatch = "*"; }
        await _client.PutObjectAsync(request, ct).ConfigureAwait(false);
    }

    private async Task<S3ConditionalWrites> DetectConditionalWritesAsync(CancellationToken ct)
    {
        var key = $"{FilesystemBank.ProbeFolder}/conditional-{Guid.NewGuid():N}";
        try
        {
            await PutAsync(key, "first"u8.ToArray(), ifNoneMatch: true, ct).ConfigureAwait(false);
            try
            {
                await PutAsync(key, "second"u8.ToArray(), ifNoneMatch: true, ct).ConfigureAwait(false);
                return S3ConditionalWrites.Unsupported; // the header was ignored: the object was overwritten
            }
            catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
            {
                return S3ConditionalWrites.Supported;
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.BadRequest)
        {
            return S3ConditionalWrites.Unsupported; // the server rejects the header
        }
        catch (Exception e) when (IsBankError(e, ct))
        {
            throw Translate(e, "creating", key);
        }
        finally
        {
            try { await DeleteAsync(key, CancellationToken.None).ConfigureAwait(false); }
            catch (BankException) { /* best effort */ }
        }
    }

    private static bool IsBankError(Exception e, CancellationToken ct) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or TimeoutException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    internal BankException Translate(Exception e, string action, string key)
    {
        if (e is BankException bank) { return bank; }
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return new BankException(BankFailure.Unreachable, $"S3 endpoint {_endpoint} unreachable: {Describe(socket.SocketErrorCode)}", e);
            }
        }

        if (e is AmazonS3Exception s3)
        {
            var code = s3.ErrorCode ?? string.Empty;
            var status = (int)s3.StatusCode;
            if (code == "NoSuchBucket")
            {
                return new BankException(BankFailure.BankNotFound, $"bucket '{_bucket}' does not exist at S3 endpoint {_endpoint}", e);
            }

            if (code == "NoSuchKey" || (status == 404 && action is "reading" or "checking"))
            {
                return new BankException(BankFailure.ObjectNotFound, $"object '{key}' not found in {Location}", e);
            }

            if (code is "AccessDenied" or "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "AllAccessDisabled" || status == 403)
            {
                return new BankException(BankFailure.AccessDenied, $"S3 endpoint {_endpoint} refused access to bucket '{_bucket}' ({action} '{key}'): {code}: {s3.Message}", e);
            }

            if (status == 507 || code is "XMinioStorageFull" or "QuotaExceeded" or "InsufficientStorage" or "StorageFull")
            {
                return new BankException(BankFailure.Full, $"bank full: {code} ({Location}, {action} '{key}'): {s3.Message}", e);
            }

            return new BankException(BankFailure.Other, $"S3 {action} '{key}' in {Location} failed: {code} (HTTP {status}): {s3.Message}", e);
        }

        if (e is HttpRequestException or TimeoutException or OperationCanceledException)
        {
            return new BankException(BankFailure.Unreachable, $"S3 endpoint {_endpoint} unreachable: {(e is HttpRequestException ? e.Message : "timed out")}", e);
        }

        return new BankException(BankFailure.Other, $"S3 {action} '{key}' in {Location} failed: {e.Message}", e);
    }

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
        SocketError.TimedOut => "connection timed out",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to host",
        SocketError.ConnectionReset => "connection reset",
        _ => error.ToString(),
    };

    /// <summary>
    /// Buffers one part (<see cref="S3BankOptions.PartSizeBytes"/>, pooled) at a time: a whole small
    /// object becomes one PutObject at commit; a large one a multipart upload started when the first
    /// part fills.
    /// </summary>
    private sealed class S3ObjectWriter : IBankObjectWriter
    {
        private readonly S3Bank _bank;
        private readonly string _key;
        private readonly PartStream _stream;
        private readonly List<PartETag> _parts = [];
        private byte[] _buffer;
        private int _filled;
        private long _total;
        private string? _uploadId;
        private bool _committed;
        private bool _disposed;

        public S3ObjectWriter(S3Bank bank, string key)
        {
            _bank = bank;
            _key = key;
            _buffer = ArrayPool<byte>.Shared.Rent(bank._options.PartSizeBytes);
            _stream = new PartStream(this);
        }

        public Stream Stream => _stream;

        private string FullKey => _bank._prefix + _key;

        public async Task<BankObjectInfo> CommitAsync(CancellationToken ct)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed) { throw new InvalidOperationException($"object '{_key}' is already committed"); }
            try
            {
                if (_uploadId is null)
                {
                    using var body = new MemoryStream(_buffer, 0, _filled, writable: false);
                    await _bank._client.PutObjectAsync(new PutObjectRequest { BucketName = _bank._bucket, Key = FullKey, InputStream = body, AutoCloseStream = false, UseChunkEncoding = false }, ct).ConfigureAwait(false);
                }
                else
                {
                    if (_filled > 0 || _parts.Count == 0) { await UploadPartAsync(ct).ConfigureAwait(false); }
                    await _bank._client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _bank._bucket, Key = FullKey, UploadId = _uploadId, PartETags = _parts }, ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (IsBankError(e, ct))
            {
                throw _bank.Translate(e, "writing", _key);
            }

            _committed = true;
            return new BankObjectInfo(_key, _total, _bank._time.GetUtcNow());
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed) { return; }
            _disposed = true;
            if (!_committed && _uploadId is not null)
            {
                try
                {
                    await _bank._client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bank._bucket, Key = FullKey, UploadId = _uploadId }).ConfigureAwait(false);
                }
                catch (Exception e) when (IsBankError(e, CancellationToken.None))
                {
                    // Best effort: an unfinished upload never shows as an object; bucket lifecycle rules reap it.
                }
            }

            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        internal async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed) { throw new InvalidOperationException($"object '{_key}' is already committed"); }
            var partSize = _bank._options.PartSizeBytes;
            while (data.Length > 0)
            {
                if (_filled == partSize)
                {
                    try
                    {
                        if (_uploadId is null)
                        {
                            var started = await _bank._client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bank._bucket, Key = FullKey }, ct).ConfigureAwait(false);
                            _uploadId = started.UploadId;
                        }

                        await UploadPartAsync(ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsBankError(e, ct))
                    {
                        throw _bank.Translate(e, "writing", _key);
                    }
                }

                var n = Math.Min(partSize - _filled, data.Length);
                data.Span[..n].CopyTo(_buffer.AsSpan(_filled));
                _filled += n;
                _total += n;
                data = data[n..];
            }
        }

        private async Task UploadPartAsync(CancellationToken ct)
        {
            using var body = new MemoryStream(_buffer, 0, _filled, writable: false);
            var number = _parts.Count + 1;
            var response = await _bank._client.UploadPartAsync(new UploadPartRequest
            {
                BucketName = _bank._bucket,
                Key = FullKey,
                UploadId = _uploadId,
                PartNumber = number,
                PartSize = _filled,
                InputStream = body,
                UseChunkEncoding = false,
            }, ct).ConfigureAwait(false);
            _parts.Add(new PartETag(number, response.ETag));
            _filled = 0;
        }
    }

    private sealed class PartStream(S3ObjectWriter writer) : Stream
    {
        private long _position;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _position;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await writer.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            _position += buffer.Length;
        }
    }

    /// <summary>The body of a GetObject; disposing it disposes the response.</summary>
    private sealed class ResponseStream(GetObjectResponse response, Func<Exception, Exception> translate) : Stream
    {
        private readonly TranslatingStream _inner = new(response.ResponseStream, translate);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) { response.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
