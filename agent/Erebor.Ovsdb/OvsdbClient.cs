using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Erebor.Ovsdb;

public sealed record OvsdbClientOptions
{
    /// <summary><c>unix:/path/db.sock</c> or <c>tcp:host:port</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>First reconnect delay; doubles per failed attempt up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle time after which the client sends an echo; a server that stays silent for
    /// another interval is treated as gone. Zero disables (a unix socket reports a dead server anyway).</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>The tables and columns one monitor watches; no columns means all of them.</summary>
public sealed record MonitoredTable(string Table, params IReadOnlyList<string> Columns);

/// <summary>RFC 7047 <c>table-updates</c> (monitor version 1): <c>{table: {uuid: {"old": row, "new": row}}}</c>.
/// <see cref="IsInitial"/> marks the full contents sent when a monitor is (re-)established: after a
/// reconnect it replaces everything the consumer knew, so changes made meanwhile are not lost.</summary>
public sealed record MonitorUpdate(bool IsInitial, JsonElement TableUpdates);

/// <summary>
/// An OVSDB (RFC 7047) JSON-RPC client that stays connected: it reconnects with exponential backoff
/// and re-establishes every monitor, whose consumer then gets fresh initial contents.
/// Requests made while disconnected wait for the connection (bounded by their cancellation token);
/// requests in flight when it drops fail with <see cref="OvsdbConnectionException"/>.
/// </summary>
public sealed partial class OvsdbClient : IAsyncDisposable
{
    private readonly OvsdbEndpoint _endpoint;
    private readonly OvsdbClientOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MonitorRegistration> _monitors = [];
    private TaskCompletionSource<JsonRpcSession> _connected = NewConnectionSignal();
    private JsonRpcSession? _current;
    private Task _connectionLoop = Task.CompletedTask;
    private long _nextMonitorId;
    private int _disposed;

    private OvsdbClient(OvsdbClientOptions options, ILogger logger)
    {
        _endpoint = OvsdbEndpoint.Parse(options.Endpoint);
        _options = options;
        _logger = logger;
    }

    /// <summary>Starts the client and waits for the first connection (it keeps retrying until <paramref name="ct"/> is cancelled).</summary>
    public static async Task<OvsdbClient> ConnectAsync(OvsdbClientOptions options, ILogger<OvsdbClient>? logger = null, CancellationToken ct = default)
    {
        var client = new OvsdbClient(options, (ILogger?)logger ?? NullLogger.Instance);
        client._connectionLoop = client.ConnectionLoopAsync();
        try
        {
            await client.WaitConnectedAsync(ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public string Endpoint => _endpoint.Text;

    public bool IsConnected
    {
        get { lock (_gate) { return _connected.Task.IsCompletedSuccessfully; } }
    }

    /// <summary>Raised after each (re)connection, once monitors are re-established. Runs on the connection loop: do not block.</summary>
    public event Action? Connected;

    /// <summary>Raised when an established connection ends.</summary>
    public event Action? Disconnected;

    public async Task<IReadOnlyList<string>> ListDbsAsync(CancellationToken ct = default)
    {
        var result = await CallAsync("list_dbs", [], ct);
        return [.. result.EnumerateArray().Select(db => db.GetString()!)];
    }

    public Task<JsonElement> GetSchemaAsync(string database, CancellationToken ct = default) => CallAsync("get_schema", [database], ct);

    /// <summary>Runs the operations atomically and returns one result per operation;
    /// throws <see cref="OvsdbTransactionException"/> when an operation or the commit failed.</summary>
    public async Task<IReadOnlyList<JsonElement>> TransactAsync(string database, IEnumerable<JsonObject> operations, CancellationToken ct = default)
    {
        var ops = operations.ToList();
        var result = await CallAsync("transact", [database, .. ops], ct);
        var results = result.EnumerateArray().ToList();
        for (var i = 0; i < results.Count; i++)
        {
            if (results[i].ValueKind == JsonValueKind.Object && results[i].TryGetProperty("error", out var error))
            {
                var details = results[i].TryGetProperty("details", out var d) ? d.GetString() : null;
                throw new OvsdbTransactionException(i, error.GetString() ?? error.GetRawText(), details);
            }
        }

        return results.Count == ops.Count ? results : throw new OvsdbProtocolException($"transact returned {results.Count} results for {ops.Count} operations");
    }

    /// <summary>
    /// Starts a monitor and returns once <paramref name="onUpdate"/> has seen the initial contents.
    /// <paramref name="onUpdate"/> runs on the receive loop, in order, and must not block; it is called
    /// again with <see cref="MonitorUpdate.IsInitial"/> after every reconnect.
    /// </summary>
    public async Task<OvsdbMonitor> MonitorAsync(string database, IEnumerable<MonitoredTable> tables, Action<MonitorUpdate> onUpdate, CancellationToken ct = default)
    {
        var requests = new JsonObject();
        foreach (var table in tables)
        {
            requests[table.Table] = table.Columns.Count == 0
                ? new JsonObject()
                : new JsonObject { ["columns"] = new JsonArray([.. table.Columns.Select(c => (JsonNode?)c)]) };
        }

        var id = "monitor-" + Interlocked.Increment(ref _nextMonitorId).ToString(CultureInfo.InvariantCulture);
        var registration = new MonitorRegistration(id, database, requests, onUpdate);
        lock (_gate) { _monitors.Add(id, registration); }
        try
        {
            while (!registration.Established.Task.IsCompleted)
            {
                var session = await WaitConnectedAsync(ct);
                try { await EstablishAsync(registration, session, ct); }
                catch (OvsdbConnectionException)
                {
                    // the next connection re-establishes it (or the next round of this loop does)
                }
            }

            await registration.Established.Task.WaitAsync(ct);
            return new OvsdbMonitor(this, id);
        }
        catch
        {
            lock (_gate) { _monitors.Remove(id); }
            throw;
        }
    }

    internal async Task CancelMonitorAsync(string id)
    {
        JsonRpcSession? session;
        lock (_gate)
        {
            if (!_monitors.Remove(id, out var registration)) { return; }
            session = registration.Session == _current ? _current : null;
        }

        if (session is null) { return; }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try { await session.CallAsync("cancel", [id], null, timeout.Token); }
        catch (Exception e) when (e is OvsdbConnectionException or OvsdbRpcException or OperationCanceledException)
        {
            // the monitor ends with the connection anyway
        }
    }

    /// <summary>Any JSON-RPC method; returns its result or throws <see cref="OvsdbRpcException"/>.</summary>
    public async Task<JsonElement> CallAsync(string method, JsonArray parameters, CancellationToken ct = default)
    {
        var session = await WaitConnectedAsync(ct);
        return await session.CallAsync(method, parameters, null, ct);
    }

    private async Task<JsonRpcSession> WaitConnectedAsync(CancellationToken ct)
    {
        Task<JsonRpcSession> connected;
        lock (_gate) { connected = _connected.Task; }
        return await connected.WaitAsync(ct);
    }

    /// <summary>Sends the monitor request for <paramref name="registration"/> on <paramref name="session"/> unless that already happened,
    /// so that the connection loop and <see cref="MonitorAsync"/> never both send it.</summary>
    private async Task EstablishAsync(MonitorRegistration registration, JsonRpcSession session, CancellationToken ct)
    {
        lock (_gate)
        {
            if (registration.Session == session || !_monitors.ContainsKey(registration.Id)) { return; }
            registration.Session = session;
        }

        try
        {
            await session.CallAsync("monitor", [registration.Database, registration.Id, registration.Requests.DeepClone()],
                initial => Deliver(registration, new MonitorUpdate(IsInitial: true, initial)), ct);
        }
        catch (OvsdbRpcException e)
        {
            // e.g. an unknown table: retrying will not help
            lock (_gate) { _monitors.Remove(registration.Id); }
            registration.Established.TrySetException(e);
        }
    }

    private void Deliver(MonitorRegistration registration, MonitorUpdate update)
    {
        try { registration.OnUpdate(update); }
        catch (Exception e)
        {
            LogHandlerFailed(e, registration.Id);
        }

        if (update.IsInitial) { registration.Established.TrySetResult(); }
    }

    private void OnNotification(JsonRpcSession session, string method, JsonElement parameters)
    {
        if (method != "update" || parameters.ValueKind != JsonValueKind.Array || parameters.GetArrayLength() != 2) { return; }
        MonitorRegistration? registration;
        lock (_gate)
        {
            _monitors.TryGetValue(parameters[0].GetString() ?? "", out registration);
            if (registration?.Session != session) { return; }
        }

        Deliver(registration, new MonitorUpdate(IsInitial: false, parameters[1].Clone()));
    }

    private async Task ConnectionLoopAsync()
    {
        var backoff = _options.MinBackoff;
        while (!_stopping.IsCancellationRequested)
        {
            JsonRpcSession? session = null;
            var wasConnected = false;
            try
            {
                using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                connectTimeout.CancelAfter(_options.ConnectTimeout);
                var stream = await _endpoint.ConnectAsync(connectTimeout.Token);
                session = new JsonRpcSession(stream, OnNotification, _options.ProbeInterval, _logger);
                session.Start();

                MonitorRegistration[] monitors;
                lock (_gate) { monitors = [.. _monitors.Values]; }
                foreach (var monitor in monitors) { await EstablishAsync(monitor, session, _stopping.Token); }

                lock (_gate)
                {
                    _current = session;
                    _connected.TrySetResult(session);
                }

                wasConnected = true;
                backoff = _options.MinBackoff;
                LogConnected(_endpoint.Text, monitors.Length);
                Raise(Connected, nameof(Connected));
                await session.Completion;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // disposal
            }
            catch (Exception e)
            {
                // Whatever went wrong, the loop must survive it: reconnecting is the recovery.
                LogConnectionFailed(_endpoint.Text, backoff, e.Message);
            }
            finally
            {
                lock (_gate)
                {
                    _current = null;
                    if (_connected.Task.IsCompleted) { _connected = NewConnectionSignal(); }
                }

                if (session is not null) { await session.DisposeAsync(); }
            }

            if (wasConnected)
            {
                LogDisconnected(_endpoint.Text);
                Raise(Disconnected, nameof(Disconnected));
            }

            try { await Task.Delay(backoff, _stopping.Token); }
            catch (OperationCanceledException) { break; }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) { return; }
        await _stopping.CancelAsync();
        JsonRpcSession? current;
        lock (_gate) { current = _current; }
        current?.Abort();
        await _connectionLoop;
        lock (_gate) { _connected.TrySetException(new ObjectDisposedException(nameof(OvsdbClient))); }
        _stopping.Dispose();
    }

    /// <summary>A throwing handler must not tear down a healthy connection.</summary>
    private void Raise(Action? handlers, string name)
    {
        try { handlers?.Invoke(); }
        catch (Exception e) { LogHandlerFailed(e, name); }
    }

    private static TaskCompletionSource<JsonRpcSession> NewConnectionSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class MonitorRegistration(string id, string database, JsonObject requests, Action<MonitorUpdate> onUpdate)
    {
        public string Id { get; } = id;
        public string Database { get; } = database;
        public JsonObject Requests { get; } = requests;
        public Action<MonitorUpdate> OnUpdate { get; } = onUpdate;

        /// <summary>The connection its monitor request was last sent on (guarded by the client's lock).</summary>
        public JsonRpcSession? Session { get; set; }

        public TaskCompletionSource Established { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to OVSDB {Endpoint}; {Monitors} monitor(s) re-established")]
    private partial void LogConnected(string endpoint, int monitors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from OVSDB {Endpoint}; reconnecting")]
    private partial void LogDisconnected(string endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OVSDB connection to {Endpoint} failed, retrying in {Backoff}: {Reason}")]
    private partial void LogConnectionFailed(string endpoint, TimeSpan backoff, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "OVSDB client handler {Handler} threw")]
    private partial void LogHandlerFailed(Exception exception, string handler);
}

/// <summary>A running monitor; disposing it cancels it on the server.</summary>
public sealed class OvsdbMonitor : IAsyncDisposable
{
    private readonly OvsdbClient _client;

    internal OvsdbMonitor(OvsdbClient client, string id)
    {
        _client = client;
        Id = id;
    }

    public string Id { get; }

    public async ValueTask DisposeAsync() => await _client.CancelMonitorAsync(Id);
}
