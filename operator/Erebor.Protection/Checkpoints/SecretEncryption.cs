using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Erebor.Protection.Checkpoints;

/// <summary>
/// The 32-byte AES-256 key Secrets are encrypted with (from the Kubernetes Secret the
/// ProtectionProvider names). Its <see cref="Fingerprint"/> (first 8 bytes of
/// HMAC-SHA256(key, "erebor-bank-key-fingerprint-v1"), hex) is stored with every encrypted object so
/// a wrong key is reported as such, not as corruption; it reveals nothing about the key.
/// </summary>
public sealed class BankEncryptionKey
{
    private readonly byte[] _key;

    public BankEncryptionKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32) { throw new ArgumentException($"the bank encryption key must be 32 bytes (AES-256), got {key.Length}", nameof(key)); }
        _key = key.ToArray();
        Fingerprint = Convert.ToHexStringLower(HMACSHA256.HashData(_key, "erebor-bank-key-fingerprint-v1"u8)[..8]);
    }

    /// <summary>16 hex characters identifying the key.</summary>
    public string Fingerprint { get; }

    internal byte[] FingerprintBytes => Convert.FromHexString(Fingerprint);

    internal byte[] DeriveObjectKey(ReadOnlySpan<byte> salt) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, salt.ToArray(), "erebor-bank-object-v1"u8.ToArray());

    public static BankEncryptionKey Generate() => new(RandomNumberGenerator.GetBytes(32));
}

/// <summary>Why an encrypted object could not be decrypted.</summary>
public enum DecryptionFailure
{
    /// <summary>Encrypted with another key (the fingerprints differ).</summary>
    WrongKey,

    /// <summary>The object is encrypted and no key was given.</summary>
    NoKey,

    /// <summary>Authentication failed: modified, truncated, reordered or moved data.</summary>
    Tampered,

    /// <summary>Not an encrypted object of a format version this operator reads.</summary>
    Format,
}

/// <summary>The wrong key, a tampered or a truncated encrypted object: never garbage, always this.</summary>
public sealed class CheckpointDecryptionException(DecryptionFailure failure, string message, Exception? inner = null) : IOException(message, inner)
{
    public DecryptionFailure Failure { get; } = failure;
}

/// <summary>
/// The encrypted object format (<c>.json.enc</c>), version 1:
/// <code>
/// header (36 bytes): "EREBENC" 0x01 | key fingerprint (8) | salt (16, random) | chunk size (uint32 BE)
/// chunk i:           ciphertext (chunk size bytes, or fewer in the final chunk) | GCM tag (16)
/// </code>
/// Per object key = HKDF-SHA256(bank key, salt, "erebor-bank-object-v1"); nonce of chunk i = 4 zero
/// bytes | uint64 BE i (unique because the key is per object); associated data = header | context
/// (UTF-8: checkpoint uid and resource identity, binding the data to where it belongs) | uint64 BE i |
/// final flag (1 for the last chunk). Every full chunk is non-final; the final chunk is shorter than a
/// full one (an empty final chunk follows plaintext that is a multiple of the chunk size), so
/// truncation, reordering, moving an object elsewhere or appending are all authentication failures.
/// Memory: one chunk (64 KiB by default) whatever the object's size.
/// </summary>
internal static class SecretEncryption
{
    public const int HeaderSize = 36;
    public const int TagSize = 16;
    public const int DefaultChunkSize = 64 * 1024;
    private static readonly byte[] Magic = "EREBENC\u0001"u8.ToArray();

    public static Stream Encrypt(Stream destination, BankEncryptionKey key, string context, int chunkSize = DefaultChunkSize) =>
        new EncryptingStream(destination, key, context, chunkSize);

    /// <summary>Reads the header (checking format and key) and returns the plaintext stream.</summary>
    public static async Task<Stream> DecryptAsync(Stream source, BankEncryptionKey? key, string context, string what, CancellationToken ct)
    {
        var header = new byte[HeaderSize];
        var read = await source.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        if (read < HeaderSize) { throw new CheckpointDecryptionException(DecryptionFailure.Tampered, $"{what}: encrypted object is truncated ({read} bytes, the header alone is {HeaderSize})"); }
        if (!header.AsSpan(0, 7).SequenceEqual(Magic.AsSpan(0, 7))) { throw new CheckpointDecryptionException(DecryptionFailure.Format, $"{what}: not an Erebor encrypted object (bad magic)"); }
        if (header[7] != 1) { throw new CheckpointDecryptionException(DecryptionFailure.Format, $"{what}: encrypted object format version {header[7]} is not supported (this operator reads version 1)"); }
        var fingerprint = Convert.ToHexStringLower(header.AsSpan(8, 8));
        if (key is null) { throw new CheckpointDecryptionException(DecryptionFailure.NoKey, $"{what}: is encrypted (key fingerprint {fingerprint}) but no encryption key was given"); }
        if (fingerprint != key.Fingerprint)
        {
            throw new CheckpointDecryptionException(DecryptionFailure.WrongKey, $"{what}: wrong encryption key: the object was encrypted with key fingerprint {fingerprint}, the key given has fingerprint {key.Fingerprint}");
        }

        var chunkSize = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(32, 4));
        if (chunkSize is < 1024 or > 16 * 1024 * 1024) { throw new CheckpointDecryptionException(DecryptionFailure.Format, $"{what}: encrypted object has an invalid chunk size {chunkSize}"); }
        return new DecryptingStream(source, key, header, context, chunkSize, what);
    }

    private static byte[] Aad(byte[] header, byte[] context, long index, bool final)
    {
        var aad = new byte[header.Length + context.Length + 9];
        header.CopyTo(aad, 0);
        context.CopyTo(aad, header.Length);
        BinaryPrimitives.WriteInt64BigEndian(aad.AsSpan(header.Length + context.Length), index);
        aad[^1] = final ? (byte)1 : (byte)0;
        return aad;
    }

    private static void Nonce(Span<byte> nonce, long index)
    {
        nonce.Clear();
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
    }

    private sealed class EncryptingStream : Stream
    {
        private readonly Stream _destination;
        private readonly AesGcm _aes;
        private readonly byte[] _header = new byte[HeaderSize];
        private readonly byte[] _context;
        private readonly ChunkBuffers _buffers;
        private readonly int _chunkSize;
        private int _filled;
        private long _index;
        private bool _headerWritten;
        private bool _finished;

        public EncryptingStream(Stream destination, BankEncryptionKey key, string context, int chunkSize)
        {
            _destination = destination;
            Magic.CopyTo(_header, 0);
            key.FingerprintBytes.CopyTo(_header, 8);
            RandomNumberGenerator.Fill(_header.AsSpan(16, 16));
            BinaryPrimitives.WriteUInt32BigEndian(_header.AsSpan(32, 4), (uint)chunkSize);
            _aes = new AesGcm(key.DeriveObjectKey(_header.AsSpan(16, 16)), TagSize);
            _context = Encoding.UTF8.GetBytes(context);
            _chunkSize = chunkSize;
            _buffers = new ChunkBuffers(chunkSize);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_finished || _buffers.Returned, this);
            while (buffer.Length > 0)
            {
                if (_filled == _chunkSize) { await EmitAsync(final: false, cancellationToken).ConfigureAwait(false); }
                var n = Math.Min(_chunkSize - _filled, buffer.Length);
                buffer.Span[..n].CopyTo(_buffers.Plain.AsSpan(_filled));
                _filled += n;
                buffer = buffer[n..];
            }
        }

        /// <summary>Writes the final chunk; the destination then holds a complete encrypted object.</summary>
        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_finished) { return; }
            ObjectDisposedException.ThrowIf(_buffers.Returned, this);
            if (_filled == _chunkSize) { await EmitAsync(final: false, cancellationToken).ConfigureAwait(false); }
            await EmitAsync(final: true, cancellationToken).ConfigureAwait(false);
            _finished = true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
                _buffers.Return();
            }

            base.Dispose(disposing);
        }

        private async Task EmitAsync(bool final, CancellationToken ct)
        {
            if (!_headerWritten)
            {
                await _destination.WriteAsync(_header, ct).ConfigureAwait(false);
                _headerWritten = true;
            }

            Span<byte> nonce = stackalloc byte[12];
            Nonce(nonce, _index);
            var cipher = _buffers.Cipher;
            _aes.Encrypt(nonce, _buffers.Plain.AsSpan(0, _filled), cipher.AsSpan(0, _filled), cipher.AsSpan(_filled, TagSize), Aad(_header, _context, _index, final));
            await _destination.WriteAsync(cipher.AsMemory(0, _filled + TagSize), ct).ConfigureAwait(false);
            _index++;
            _filled = 0;
        }
    }

    private sealed class DecryptingStream : Stream
    {
        private readonly Stream _source;
        private readonly AesGcm _aes;
        private readonly byte[] _header;
        private readonly byte[] _context;
        private readonly ChunkBuffers _buffers;
        private readonly int _cipherLength;
        private readonly string _what;
        private int _plainOffset;
        private int _plainLength;
        private long _index;
        private bool _done;

        public DecryptingStream(Stream source, BankEncryptionKey key, byte[] header, string context, int chunkSize, string what)
        {
            _source = source;
            _header = header;
            _aes = new AesGcm(key.DeriveObjectKey(header.AsSpan(16, 16)), TagSize);
            _context = Encoding.UTF8.GetBytes(context);
            _buffers = new ChunkBuffers(chunkSize);
            _cipherLength = chunkSize + TagSize;
            _what = what;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_buffers.Returned, this);
            while (_plainOffset == _plainLength)
            {
                if (_done) { return 0; }
                await NextChunkAsync(cancellationToken).ConfigureAwait(false);
            }

            var n = Math.Min(buffer.Length, _plainLength - _plainOffset);
            _buffers.Plain.AsMemory(_plainOffset, n).CopyTo(buffer);
            _plainOffset += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _aes.Dispose();
                _source.Dispose();
                _buffers.Return();
            }

            base.Dispose(disposing);
        }

        private async Task NextChunkAsync(CancellationToken ct)
        {
            var cipher = _buffers.Cipher;
            var read = await _source.ReadAtLeastAsync(cipher.AsMemory(0, _cipherLength), _cipherLength, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (read < TagSize)
            {
                throw new CheckpointDecryptionException(DecryptionFailure.Tampered, $"{_what}: encrypted object is truncated at chunk {_index} (no final chunk)");
            }

            var final = read < _cipherLength;
            var length = read - TagSize;
            Span<byte> nonce = stackalloc byte[12];
            Nonce(nonce, _index);
            try
            {
                _aes.Decrypt(nonce, cipher.AsSpan(0, length), cipher.AsSpan(length, TagSize), _buffers.Plain.AsSpan(0, length), Aad(_header, _context, _index, final));
            }
            catch (AuthenticationTagMismatchException e)
            {
                throw new CheckpointDecryptionException(DecryptionFailure.Tampered, $"{_what}: authentication failed at chunk {_index}: the encrypted object was modified, truncated or moved", e);
            }

            if (final)
            {
                var extra = new byte[1];
                if (await _source.ReadAsync(extra, ct).ConfigureAwait(false) != 0)
                {
                    throw new CheckpointDecryptionException(DecryptionFailure.Tampered, $"{_what}: data after the final chunk {_index}");
                }

                _done = true;
            }

            _plainOffset = 0;
            _plainLength = length;
            _index++;
        }
    }

    /// <summary>
    /// A stream's plaintext and ciphertext chunk, rented (a run encrypts or decrypts thousands of
    /// small Secrets: two fresh 64 KiB arrays each were most of its garbage). The plaintext is
    /// cleared before it goes back to the pool.
    /// </summary>
    private sealed class ChunkBuffers(int chunkSize)
    {
        public byte[] Plain { get; } = ArrayPool<byte>.Shared.Rent(chunkSize);

        public byte[] Cipher { get; } = ArrayPool<byte>.Shared.Rent(chunkSize + TagSize);

        public bool Returned { get; private set; }

        public void Return()
        {
            if (Returned) { return; }
            Returned = true;
            ArrayPool<byte>.Shared.Return(Plain, clearArray: true);
            ArrayPool<byte>.Shared.Return(Cipher);
        }
    }
}
