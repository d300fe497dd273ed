using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;

namespace Erebor.Ovsdb;

/// <summary>
/// One JSON-RPC 1.0 connection to an OVSDB server: correlates replies to requests by id, answers the
/// server's <c>echo</c> probes, probes an idle server itself, and passes notifications on. It lives
/// until the connection drops; <see cref="OvsdbClient"/> then makes a new one.
/// </summary>
internal sealed partial class JsonRpcSession : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly Action<JsonRpcSession, string, JsonElement> _onNotification;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, PendingCall> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly TimeSpan _probeInterval;
    private Task _completion = Task.CompletedTask;
    private long _nextId;
    private long _lastReceivedAt = Environment.TickCount64;

    private sealed record PendingCall(string Method, TaskCompletionSource<JsonElement> Reply, Action<JsonElement>? OnResultInReceiveLoop);

    /// <param name="onNotification">Called on the receive loop for every notification (method, params).</param>
    /// <param name="probeInterval">After this long without traffic send an echo; no reply within another interval drops the connection. Zero disables.</param>
    public JsonRpcSession(Stream stream, Action<JsonRpcSession, string, JsonElement> onNotification, TimeSpan probeInterval, ILogger logger)
    {
        _stream = stream;
        _onNotification = onNotification;
        _probeInterval = probeInterval;
        _logger = logger;
    }

    /// <summary>Completes when the connection has ended, for whatever reason.</summary>
    public Task Completion => _completion;

    public void Start()
    {
        var receiving = ReceiveLoopAsync();
        _completion = _probeInterval > TimeSpan.Zero ? Task.WhenAll(receiving, ProbeLoopAsync()) : receiving;
    }

    /// <param name="onResultInReceiveLoop">Runs on the receive loop before any later message is handled,
    /// so that e.g. a monitor's initial contents are applied before its first update.</param>
    public async Task<JsonElement> CallAsync(string method, JsonArray parameters, Action<JsonElement>? onResultInReceiveLoop, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _nextId);
        var call = new PendingCall(method, new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously), onResultInReceiveLoop);
        _pending[id] = call;
        try
        {
            if (_closed.IsCancellationRequested) { throw new OvsdbConnectionException($"connection closed before {method} was sent"); }
            await SendAsync(new JsonObject { ["method"] = method, ["params"] = parameters, ["id"] = id }, ct);
            return await call.Reply.Task.WaitAsync(ct);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Closes the connection; pending calls fail with <see cref="OvsdbConnectionException"/>.</summary>
    public void Abort() => _closed.Cancel();

    public async ValueTask DisposeAsync()
    {
        Abort();
        await _stream.DisposeAsync();
        try { await _completion; }
        catch (Exception) { /* the receive loop reports its own end */ }
        // _closed and _writeLock stay undisposed: a caller racing the disconnect must get an
        // OvsdbConnectionException, not an ObjectDisposedException (neither holds a handle).
        FailPending();
    }

    private async Task ReceiveLoopAsync()
    {
        var splitter = new JsonTextSplitter();
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(splitter.GetFreeSpace(), _closed.Token);
                if (read == 0) { LogClosedByPeer(); return; }
                Interlocked.Exchange(ref _lastReceivedAt, Environment.TickCount64);
                splitter.Advance(read);
                while (splitter.TryTake(out var message)) { await DispatchAsync(message); }
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested)
        {
            // Abort() or disposal
        }
        catch (Exception e) when (e is IOException or JsonException or OvsdbProtocolException or ObjectDisposedException)
        {
            LogReceiveFailed(e);
        }
        finally
        {
            Abort();
            FailPending();
        }
    }

    private async Task DispatchAsync(ReadOnlyMemory<byte> message)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var id = root.TryGetProperty("id", out var idElement) ? idElement : default;
        if (root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String)
        {
            var parameters = root.TryGetProperty("params", out var p) ? p : default;
            await HandleRequestAsync(method.GetString()!, parameters, id);
            return;
        }

        if (id.ValueKind != JsonValueKind.Number || !_pending.TryRemove(id.GetInt64(), out var call))
        {
            LogUnexpectedReply(root.GetRawText());
            return;
        }

        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
        {
            call.Reply.TrySetException(new OvsdbRpcException(call.Method, error.Clone()));
            return;
        }

        var result = root.GetProperty("result").Clone();
        try { call.OnResultInReceiveLoop?.Invoke(result); }
        catch (Exception e)
        {
            call.Reply.TrySetException(e);
            return;
        }

        call.Reply.TrySetResult(result);
    }

    private async Task HandleRequestAsync(string method, JsonElement parameters, JsonElement id)
    {
        var isRequest = id.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
        if (method == "echo" && isRequest)
        {
            await SendAsync(new JsonObject { ["result"] = JsonNode.Parse(parameters.GetRawText()), ["error"] = null, ["id"] = JsonNode.Parse(id.GetRawText()) }, _closed.Token);
            return;
        }

        if (isRequest)
        {
            await SendAsync(new JsonObject { ["result"] = null, ["error"] = "unknown method", ["id"] = JsonNode.Parse(id.GetRawText()) }, _closed.Token);
            return;
        }

        _onNotification(this, method, parameters);
    }

    private async Task ProbeLoopAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(_probeInterval, _closed.Token);
                var idle = TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastReceivedAt));
                if (idle < _probeInterval) { continue; }
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closed.Token);
                timeout.CancelAfter(_probeInterval);
                try { await CallAsync("echo", [], null, timeout.Token); }
                catch (OperationCanceledException) when (!_closed.IsCancellationRequested)
                {
                    LogProbeUnanswered(_probeInterval);
                    Abort();
                }
            }
        }
        catch (OperationCanceledException) { /* closed */ }
        catch (OvsdbConnectionException) { /* closed while probing */ }
    }

    private async Task SendAsync(JsonObject message, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) { message.WriteTo(writer); }
        await _writeLock.WaitAsync(ct);
        try
        {
            await _stream.WriteAsync(buffer.WrittenMemory, ct);
            await _stream.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Abort();
            throw new OvsdbConnectionException($"sending {message["method"]?.ToString() ?? "a reply"} failed", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void FailPending()
    {
        foreach (var (id, call) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                call.Reply.TrySetException(new OvsdbConnectionException($"connection closed before the reply to {call.Method}"));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OVSDB server closed the connection")]
    private partial void LogClosedByPeer();

    [LoggerMessage(Level = LogLevel.Warning, Message = "OVSDB connection failed")]
    private partial void LogReceiveFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OVSDB reply to no pending request: {Message}")]
    private partial void LogUnexpectedReply(string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OVSDB server did not answer an echo within {Interval}; reconnecting")]
    private partial void LogProbeUnanswered(TimeSpan interval);
}
