using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

using Erebor.Domain.Collections;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Connection;

/// <summary>
/// One live transport connection to a switch, after a successful handshake: a read loop that
/// routes replies by xid, a write loop that coalesces queued frames into large socket writes, and
/// an echo keepalive. <see cref="OpenFlowConnection"/> creates a new session after every reconnect.
/// </summary>
internal sealed class OpenFlowSession
{
    private const int WriteBatchSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly FrameReader _reader;
    private readonly OpenFlowConnection _owner;
    private readonly Channel<OutgoingFrame> _outgoing = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { SingleReader = true });

    // Back-pressure: one slot per queued frame the caller sent. Frames the read loop sends itself
    // (echo replies) take no slot, because the read loop must never wait: OVS stops reading from
    // a controller whose replies pile up, and waiting here would then deadlock both sides.
    private readonly SemaphoreSlim _sendSlots;
    private readonly ConcurrentDictionary<uint, PendingRequest> _pending = new();
    private readonly List<BatchTracker> _batches = [];
    private readonly List<OpenFlowFrame> _receivedDuringHandshake = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastReceived = Environment.TickCount64;

    private OpenFlowSession(Socket socket, OpenFlowConnection owner)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new FrameReader(_stream);
        _owner = owner;
        _sendSlots = new SemaphoreSlim(owner.Options.SendQueueCapacity, owner.Options.SendQueueCapacity);
    }

    public FeaturesReply Features { get; private set; } = null!;

    /// <summary>Completes with the reason once the session is closed.</summary>
    public Task<string> Closed => _closed.Task;

    /// <summary>HELLO (1.3 only) and FEATURES; the session's loops start with <see cref="Start"/>.</summary>
    public static async Task<OpenFlowSession> EstablishAsync(Socket socket, OpenFlowConnection owner, CancellationToken ct)
    {
        var session = new OpenFlowSession(socket, owner);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(owner.Options.HandshakeTimeout);
        try
        {
            await session.HandshakeAsync(timeout.Token);
            return session;
        }
        catch (Exception error)
        {
            session.Close("handshake failed");
            session._reader.Dispose();
            if (error is OperationCanceledException && !ct.IsCancellationRequested)
            {
                throw new OpenFlowConnectionException($"no OpenFlow handshake with {owner.Endpoint} within {owner.Options.HandshakeTimeout}");
            }

            throw;
        }
    }

    /// <summary>Starts the loops; messages that arrived during the handshake are delivered first.</summary>
    public void Start()
    {
        foreach (var frame in _receivedDuringHandshake) { Dispatch(frame); }
        _receivedDuringHandshake.Clear();
        _ = ReadLoopAsync();
        _ = WriteLoopAsync();
        _ = KeepAliveLoopAsync();
    }

    /// <summary>
    /// Encodes <paramref name="message"/> now (so a message that cannot be encoded fails here, in
    /// the caller) and queues it, waiting while the send queue is full.
    /// </summary>
    public async ValueTask EnqueueAsync(OpenFlowMessage message, uint xid, CancellationToken ct)
    {
        var frame = Encode(message, xid, holdsSlot: true);
        try
        {
            if (!_sendSlots.Wait(0))
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
                await _sendSlots.WaitAsync(linked.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer);
            throw Lost();
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer);
            throw;
        }

        if (!_outgoing.Writer.TryWrite(frame))
        {
            ArrayPool<byte>.Shared.Return(frame.Buffer);
            _sendSlots.Release();
            throw Lost();
        }
    }

    public async Task<OpenFlowMessage> RequestAsync(OpenFlowMessage request, TimeSpan timeout, CancellationToken ct)
    {
        var xid = _owner.NextXid();
        var pending = new PendingRequest(request, xid);
        _pending[xid] = pending;
        try
        {
            await EnqueueAsync(request, xid, ct);
            return await pending.Reply.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no reply to {request.Type} (xid {xid}) from {_owner.Endpoint} within {timeout}");
        }
        finally
        {
            _pending.TryRemove(xid, out _);
        }
    }

    /// <summary>Routes errors for xids first..first+count-1 to a tracker instead of the event stream.</summary>
    public BatchTracker Track(uint firstXid, IReadOnlyList<OpenFlowMessage> messages)
    {
        var tracker = new BatchTracker(firstXid, messages);
        lock (_batches) { _batches.Add(tracker); }
        return tracker;
    }

    public void Untrack(BatchTracker tracker)
    {
        lock (_batches) { _batches.Remove(tracker); }
    }

    public void Close(string reason)
    {
        if (!_closed.TrySetResult(reason)) { return; }
        _stop.Cancel();
        _outgoing.Writer.TryComplete();
        try { _socket.Shutdown(SocketShutdown.Both); }
        catch (SocketException) { /* already gone */ }

        _socket.Dispose();
        foreach (var pending in _pending.Values) { pending.Fail(Lost()); }
    }

    private OpenFlowConnectionException Lost() =>
        new($"connection to {_owner.Endpoint} lost: {(_closed.Task.IsCompleted ? _closed.Task.Result : "closing")}");

    private async Task HandshakeAsync(CancellationToken ct)
    {
        await WriteDirectAsync(Hello.OpenFlow13Only, _owner.NextXid(), ct);
        var hello = await ReadHandshakeFrameAsync(ct);
        switch (hello.Message)
        {
            case ErrorMessage error:
                throw new OpenFlowConnectionException($"switch at {_owner.Endpoint} refused the connection: {error.Describe()}");
            case Hello theirs when theirs.VersionBitmap.Count > 0 ? theirs.Supports(OpenFlowCodec.Version13) : hello.Version >= OpenFlowCodec.Version13:
                break;
            case Hello theirs:
                var offered = theirs.VersionBitmap.Count > 0 ? theirs.Versions.Select(v => $"0x{v:x2}") : [$"0x{hello.Version:x2}"];
                var text = $"Erebor speaks OpenFlow 1.3 (0x04) only; the switch offered {string.Join(", ", offered)}";
                await WriteDirectAsync(new ErrorMessage(OfpErrorType.HelloFailed, 0, EquatableArray.Create(Encoding.ASCII.GetBytes(text))), hello.Xid, ct);
                throw new OpenFlowConnectionException($"{text} ({_owner.Endpoint})");
            default:
                throw new OpenFlowConnectionException($"switch at {_owner.Endpoint} sent {hello.Message.Type} before HELLO");
        }

        var featuresXid = _owner.NextXid();
        await WriteDirectAsync(new FeaturesRequest(), featuresXid, ct);
        while (true)
        {
            var frame = await ReadHandshakeFrameAsync(ct);
            switch (frame.Message)
            {
                case FeaturesReply features when frame.Xid == featuresXid:
                    Features = features;
                    return;
                case ErrorMessage error when frame.Xid == featuresXid:
                    throw new OpenFlowConnectionException($"switch at {_owner.Endpoint} rejected FEATURES_REQUEST: {error.Describe()}");
                case EchoRequest echo:
                    await WriteDirectAsync(new EchoReply(echo.Data), frame.Xid, ct);
                    break;
                default:
                    _receivedDuringHandshake.Add(frame);
                    break;
            }
        }
    }

    private async Task<OpenFlowFrame> ReadHandshakeFrameAsync(CancellationToken ct)
    {
        var frame = await _reader.ReadFrameAsync(ct);
        if (frame.IsEmpty) { throw new OpenFlowConnectionException($"switch at {_owner.Endpoint} closed the connection during the handshake"); }
        OpenFlowFrame decoded;
        try
        {
            decoded = OpenFlowCodec.Decode(frame.Span);
        }
        catch (OpenFlowDecodeException error)
        {
            throw new OpenFlowConnectionException($"undecodable message from {_owner.Endpoint} during the handshake", error);
        }

        _owner.Metrics.Received(decoded.Message);
        return decoded;
    }

    private async Task WriteDirectAsync(OpenFlowMessage message, uint xid, CancellationToken ct)
    {
        await _stream.WriteAsync(OpenFlowCodec.Encode(message, xid), ct);
        _owner.Metrics.Sent(message.Type, carriesFlowMod: false);
    }

    private async Task ReadLoopAsync()
    {
        var reason = "switch closed the connection";
        try
        {
            while (true)
            {
                var frame = await _reader.ReadFrameAsync(_stop.Token);
                if (frame.IsEmpty) { break; }
                Interlocked.Exchange(ref _lastReceived, Environment.TickCount64);
                OpenFlowFrame decoded;
                try
                {
                    decoded = OpenFlowCodec.Decode(frame.Span);
                }
                catch (OpenFlowDecodeException error)
                {
                    // The frame boundary is still known, so only this message is lost; a request
                    // waiting for it learns why.
                    var xid = BinaryPrimitives.ReadUInt32BigEndian(frame.Span[4..]);
                    Log.UndecodableMessage(_owner.Logger, _owner.Endpoint.Text, frame.Span[1], xid, error);
                    if (_pending.TryRemove(xid, out var pending)) { pending.Fail(error); }
                    continue;
                }

                _owner.Metrics.Received(decoded.Message);
                Dispatch(decoded);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            reason = "closed";
        }
        catch (Exception error)
        {
            reason = error is IOException or SocketException ? error.Message : $"{error.GetType().Name}: {error.Message}";
        }
        finally
        {
            Close(reason);
            _reader.Dispose();
        }
    }

    private void Dispatch(OpenFlowFrame frame)
    {
        var (xid, message) = (frame.Xid, frame.Message);
        if (message is EchoRequest echo)
        {
            var reply = Encode(new EchoReply(echo.Data), xid, holdsSlot: false);
            if (!_outgoing.Writer.TryWrite(reply)) { Release(reply); }
            return;
        }

        if (_pending.TryGetValue(xid, out var pending))
        {
            if (pending.Accept(message)) { _pending.TryRemove(xid, out _); }
            return;
        }

        if (message is ErrorMessage error)
        {
            lock (_batches)
            {
                foreach (var batch in _batches)
                {
                    if (batch.TryRecord(xid, error)) { return; }
                }
            }

            Log.UnsolicitedError(_owner.Logger, _owner.Endpoint.Text, xid, error.Describe());
        }

        _owner.Publish(new SwitchMessage(xid, message));
    }

    private async Task WriteLoopAsync()
    {
        var batch = ArrayPool<byte>.Shared.Rent(WriteBatchSize);
        var reader = _outgoing.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                var used = 0;
                while (reader.TryRead(out var frame))
                {
                    if (used + frame.Length > batch.Length)
                    {
                        await _stream.WriteAsync(batch.AsMemory(0, used), _stop.Token);
                        used = 0;
                    }

                    frame.Buffer.AsSpan(0, frame.Length).CopyTo(batch.AsSpan(used));
                    used += frame.Length;
                    Release(frame);
                    _owner.Metrics.Sent(frame.Type, frame.CarriesFlowMod);
                }

                await _stream.WriteAsync(batch.AsMemory(0, used), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            Close($"write failed: {error.Message}");
        }
        finally
        {
            while (reader.TryRead(out var unsent)) { Release(unsent); }
            ArrayPool<byte>.Shared.Return(batch);
        }
    }

    private async Task KeepAliveLoopAsync()
    {
        var interval = _owner.Options.EchoInterval;
        using var timer = new PeriodicTimer(interval / 4);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                if (Environment.TickCount64 - Interlocked.Read(ref _lastReceived) < interval.TotalMilliseconds) { continue; }
                await RequestAsync(new EchoRequest(), _owner.Options.EchoTimeout, _stop.Token);
            }
        }
        catch (TimeoutException)
        {
            Close($"no reply to an echo request within {_owner.Options.EchoTimeout}");
        }
        catch (Exception error) when (error is OperationCanceledException or OpenFlowConnectionException)
        {
            // the session is closing anyway
        }
    }

    private void Release(OutgoingFrame frame)
    {
        ArrayPool<byte>.Shared.Return(frame.Buffer);
        if (frame.HoldsSlot) { _sendSlots.Release(); }
    }

    private static OutgoingFrame Encode(OpenFlowMessage message, uint xid, bool holdsSlot)
    {
        var length = OpenFlowCodec.GetEncodedLength(message);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var writer = new WireWriter(buffer);
            OpenFlowCodec.Write(ref writer, message, xid, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        var carriesFlowMod = message is FlowMod or BundleAdd { Message: FlowMod };
        return new OutgoingFrame(buffer, length, message.Type, carriesFlowMod, holdsSlot);
    }

    /// <summary>An encoded frame in a pooled buffer, waiting for the write loop.</summary>
    private readonly record struct OutgoingFrame(byte[] Buffer, int Length, OfpType Type, bool CarriesFlowMod, bool HoldsSlot);
}
