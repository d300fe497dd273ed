namespace Erebor.Ovsdb;

/// <summary>
/// OVSDB's JSON-RPC has no framing: messages are JSON objects written back to back. This buffer
/// accepts bytes as they arrive and hands out each complete top-level object. The scan position is
/// kept between calls, so a large message arriving in many reads is scanned once.
/// </summary>
internal sealed class JsonTextSplitter
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start; // first byte of the message being assembled
    private int _scanned; // bytes after _start already scanned
    private int _end;
    private int _depth;
    private bool _inString;
    private bool _escaped;

    /// <summary>Free space to receive into; call <see cref="Advance"/> with the byte count written.</summary>
    public Memory<byte> GetFreeSpace()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length) { Array.Resize(ref _buffer, _buffer.Length * 2); }
        return _buffer.AsMemory(_end);
    }

    public void Advance(int count) => _end += count;

    /// <summary>The next complete message, or false when more bytes are needed.</summary>
    public bool TryTake(out ReadOnlyMemory<byte> message)
    {
        for (var i = _start + _scanned; i < _end; i++)
        {
            var b = _buffer[i];
            if (_inString)
            {
                if (_escaped) { _escaped = false; }
                else if (b == '\\') { _escaped = true; }
                else if (b == '"') { _inString = false; }
                continue;
            }

            switch (b)
            {
                case (byte)'"' when _depth > 0:
                    _inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    _depth++;
                    break;
                case (byte)'}' or (byte)']':
                    if (--_depth < 0) { throw new OvsdbProtocolException("unbalanced JSON from the peer"); }
                    if (_depth == 0)
                    {
                        message = _buffer.AsMemory(_start, i + 1 - _start);
                        _start = i + 1;
                        _scanned = 0;
                        return true;
                    }

                    break;
                case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' when _depth == 0:
                    _start = i + 1; // whitespace between messages
                    break;
                default:
                    if (_depth == 0) { throw new OvsdbProtocolException($"unexpected byte 0x{b:x2} between JSON-RPC messages"); }
                    break;
            }
        }

        _scanned = _end - _start;
        message = default;
        return false;
    }
}
