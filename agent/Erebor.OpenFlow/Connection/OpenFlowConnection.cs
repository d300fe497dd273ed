using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

using Erebor.OpenFlow.Messages;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Erebor.OpenFlow.Connection;

/// <summary>
/// A controller's connection to one switch, kept up for as long as this object lives: it connects
/// (or listens, for punix:/ptcp:), negotiates OpenFlow 1.3, reads FEATURES, keeps the connection
/// alive with echoes, and reconnects with exponential backoff. Every (re)connection is reported
/// as <see cref="SwitchConnected"/> so the caller can replay its state.
/// <code>
/// await using var connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix("/run/openvswitch/br-int.mgmt"));
/// var features = await connection.WaitForSwitchAsync(ct);
/// await connection.CommitBundleAsync(flowMods, ct: ct);
/// </code>
/// </summary>
public sealed class OpenFlowConnection : IAsyncDisposable
{
    private readonly Channel<OpenFlowEvent> _events = Channel.CreateUnbounded<OpenFlowEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _sessionLock = new();
    private readonly Socket? _listener;
    private readonly Task _run;
    private OpenFlowSession? _session;
    private TaskCompletionSource<FeaturesReply> _nextSwitch = NewSwitchSignal();
    private long _lastXid;
    private int _lastBundleId;
    private int _queuedPacketIns;

    private OpenFlowConnection(OpenFlowEndpoint endpoint, OpenFlowConnectionOptions options, ILoggerFactory loggerFactory)
    {
        Endpoint = endpoint;
        Options = options;
        Logger = loggerFactory.CreateLogger<OpenFlowConnection>();
        Metrics = new OpenFlowMetrics(options.MeterFactory);
        if (endpoint.Listens) { _listener = Listen(endpoint); }
        _run = Task.Run(RunAsync);
    }

    public OpenFlowEndpoint Endpoint { get; }

    /// <summary>The current switch's FEATURES_REPLY, or null while disconnected.</summary>
    public FeaturesReply? Features => _session?.Features;

    public bool IsConnected => _session is not null;

    internal OpenFlowConnectionOptions Options { get; }

    internal ILogger Logger { get; }

    internal OpenFlowMetrics Metrics { get; }

    /// <summary>Starts connecting (or listening) in the background; a listening socket exists when this returns.</summary>
    public static OpenFlowConnection Start(OpenFlowEndpoint endpoint, OpenFlowConnectionOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new OpenFlowConnection(endpoint, options ?? new OpenFlowConnectionOptions(), loggerFactory ?? NullLoggerFactory.Instance);
    }

    /// <summary>Waits until a switch is connected and returns its features.</summary>
    public Task<FeaturesReply> WaitForSwitchAsync(CancellationToken ct = default)
    {
        lock (_sessionLock)
        {
            return _session is { } session ? Task.FromResult(session.Features) : _nextSwitch.Task.WaitAsync(ct);
        }
    }

    /// <summary>
    /// Connection changes and messages the switch sends on its own, in arrival order. Read it
    /// continuously (one reader): PACKET_INs beyond <see cref="OpenFlowConnectionOptions.MaxQueuedPacketIns"/>
    /// waiting here are dropped and counted.
    /// </summary>
    public async IAsyncEnumerable<OpenFlowEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        var reader = _events.Reader;
        while (await reader.WaitToReadAsync(ct))
        {
            while (reader.TryRead(out var item))
            {
                if (item is SwitchMessage { Message: PacketIn }) { Interlocked.Decrement(ref _queuedPacketIns); }
                yield return item;
            }
        }
    }

    /// <summary>
    /// Queues a message without waiting for any reply, waiting only while the send queue is full.
    /// Returns the xid it was sent with: an ERROR for it arrives as a <see cref="SwitchMessage"/> with that xid.
    /// </summary>
    public async ValueTask<uint> SendAsync(OpenFlowMessage message, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var xid = NextXid();
        await CurrentSession().EnqueueAsync(message, xid, ct);
        return xid;
    }

    /// <summary>
    /// Sends a request (a message the switch answers: BARRIER, ECHO, FEATURES, GET_CONFIG, ROLE,
    /// GET_ASYNC, multipart, bundle control) and returns its reply; for multipart requests, all
    /// parts joined into one. An OFPT_ERROR reply throws <see cref="OpenFlowErrorException"/>; no
    /// reply within <see cref="OpenFlowConnectionOptions.RequestTimeout"/> throws <see cref="TimeoutException"/>.
    /// </summary>
    public async Task<TReply> SendRequestAsync<TReply>(OpenFlowMessage request, CancellationToken ct = default)
        where TReply : OpenFlowMessage
    {
        ArgumentNullException.ThrowIfNull(request);
        var reply = await CurrentSession().RequestAsync(request, Options.RequestTimeout, ct);
        return reply as TReply ?? throw new OpenFlowConnectionException($"switch answered {request.Type} with {reply.Type}, expected {typeof(TReply).Name}");
    }

    /// <summary>Returns once the switch has processed everything sent before (and reported its errors).</summary>
    public Task BarrierAsync(CancellationToken ct = default) => SendRequestAsync<BarrierReply>(new BarrierRequest(), ct);

    /// <summary>
    /// Sends <paramref name="messages"/> pipelined, then a barrier; returns the ones the switch
    /// rejected, by index. Not atomic: the others are applied. Use <see cref="CommitBundleAsync"/> for all-or-nothing.
    /// </summary>
    public async Task<IReadOnlyList<MessageFailure>> SendBatchAsync(IReadOnlyList<OpenFlowMessage> messages, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var session = CurrentSession();
        var firstXid = ReserveXids(messages.Count);
        var tracker = session.Track(firstXid, messages);
        try
        {
            for (var i = 0; i < messages.Count; i++) { await session.EnqueueAsync(messages[i], unchecked(firstXid + (uint)i), ct); }
            await session.RequestAsync(new BarrierRequest(), Options.RequestTimeout, ct);
            return tracker.Failures;
        }
        finally
        {
            session.Untrack(tracker);
        }
    }

    /// <summary>
    /// Applies <paramref name="messages"/> (FLOW_MODs, GROUP_MODs...) as one OpenFlow bundle: open,
    /// add all pipelined, commit. With <see cref="BundleFlags.Atomic"/> either all apply or none
    /// does; on failure <see cref="OpenFlowBundleException"/> names the rejected messages by index.
    /// </summary>
    public async Task CommitBundleAsync(IReadOnlyList<OpenFlowMessage> messages, BundleFlags flags = BundleFlags.Atomic | BundleFlags.Ordered, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var session = CurrentSession();
        var bundleId = (uint)Interlocked.Increment(ref _lastBundleId);
        var started = Stopwatch.GetTimestamp();
        var firstXid = ReserveXids(messages.Count);
        var tracker = session.Track(firstXid, messages);
        var committed = false;
        try
        {
            var open = session.RequestAsync(new BundleControl(bundleId, BundleControlType.OpenRequest, flags), Options.RequestTimeout, ct);
            try
            {
                for (var i = 0; i < messages.Count; i++)
                {
                    await session.EnqueueAsync(new BundleAdd(bundleId, flags, messages[i]), unchecked(firstXid + (uint)i), ct);
                }

                // OVS checks each message when it is added and leaves a rejected one out of the
                // bundle, so committing after such an error would apply the rest: not atomic. The
                // barrier makes every add-time error arrive before we decide to commit.
                await session.RequestAsync(new BarrierRequest(), Options.RequestTimeout, ct);
            }
            catch
            {
                _ = open.ContinueWith(static failed => failed.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                throw;
            }

            try
            {
                await open;
            }
            catch (OpenFlowErrorException openError)
            {
                throw new OpenFlowBundleException(bundleId, messages.Count, [], openError.Error);
            }
            if (tracker.Failures is { Count: > 0 } rejected)
            {
                await DiscardAsync(session, bundleId, flags);
                throw new OpenFlowBundleException(bundleId, messages.Count, rejected, null);
            }

            try
            {
                await session.RequestAsync(new BundleControl(bundleId, BundleControlType.CommitRequest, flags), Options.BundleCommitTimeout, ct);
            }
            catch (OpenFlowErrorException commitError)
            {
                throw new OpenFlowBundleException(bundleId, messages.Count, tracker.Failures, commitError.Error);
            }

            committed = true;
            Log.BundleCommitted(Logger, bundleId, messages.Count, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            session.Untrack(tracker);
            Metrics.BundleCommitted(Stopwatch.GetElapsedTime(started), committed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) { return; }
        await _disposed.CancelAsync();
        _listener?.Dispose();
        try { await _run; }
        catch (OperationCanceledException) { /* stopping */ }

        if (_listener is not null && Endpoint.Address is UnixDomainSocketEndPoint unix) { File.Delete(unix.ToString()); }
        _nextSwitch.TrySetException(new ObjectDisposedException(nameof(OpenFlowConnection)));
        _events.Writer.TryComplete();
        _disposed.Dispose();
    }

    internal uint NextXid() => unchecked((uint)Interlocked.Increment(ref _lastXid));

    /// <summary>Reserves <paramref name="count"/> consecutive xids and returns the first.</summary>
    internal uint ReserveXids(int count) => unchecked((uint)(Interlocked.Add(ref _lastXid, count) - count + 1));

    internal void Publish(OpenFlowEvent item)
    {
        if (item is SwitchMessage { Message: PacketIn } && Interlocked.Increment(ref _queuedPacketIns) > Options.MaxQueuedPacketIns)
        {
            Interlocked.Decrement(ref _queuedPacketIns);
            Metrics.PacketInDropped();
            return;
        }

        _events.Writer.TryWrite(item);
    }

    private OpenFlowSession CurrentSession() =>
        _session ?? throw new OpenFlowConnectionException($"not connected to the switch at {Endpoint}");

    private static async Task DiscardAsync(OpenFlowSession session, uint bundleId, BundleFlags flags)
    {
        try
        {
            await session.RequestAsync(new BundleControl(bundleId, BundleControlType.DiscardRequest, flags), TimeSpan.FromSeconds(10), CancellationToken.None);
        }
        catch (Exception error) when (error is OpenFlowErrorException or OpenFlowConnectionException or TimeoutException)
        {
            // The switch may already have dropped the bundle; nothing was applied either way.
        }
    }

    private async Task RunAsync()
    {
        var stop = _disposed.Token;
        var delay = Options.ReconnectInitialDelay;
        while (!stop.IsCancellationRequested)
        {
            OpenFlowSession session;
            try
            {
                var socket = _listener is null ? await ConnectAsync(stop) : await _listener.AcceptAsync(stop);
                session = await OpenFlowSession.EstablishAsync(socket, this, stop);
            }
            catch (Exception error) when (!stop.IsCancellationRequested)
            {
                // Whatever went wrong (refused, reset, garbage, a peer without 1.3), a later attempt may work.
                Log.ConnectFailed(Logger, Endpoint.Text, delay, error);
                if (!await DelayAsync(delay, stop)) { break; }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Options.ReconnectMaxDelay.Ticks));
                continue;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                break;
            }

            delay = Options.ReconnectInitialDelay;
            await RunSessionAsync(session, stop);
        }
    }

    /// <summary>False when <paramref name="stop"/> ended the wait early.</summary>
    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RunSessionAsync(OpenFlowSession session, CancellationToken stop)
    {
        TaskCompletionSource<FeaturesReply> connected;
        lock (_sessionLock)
        {
            _session = session;
            connected = _nextSwitch;
        }

        Metrics.Connected();
        Log.Connected(Logger, Endpoint.Text, session.Features.DatapathId, session.Features.TableCount);
        _events.Writer.TryWrite(new SwitchConnected(session.Features));
        session.Start();
        connected.TrySetResult(session.Features);

        using (stop.Register(static s => ((OpenFlowSession)s!).Close("connection disposed"), session))
        {
            var reason = await session.Closed;
            lock (_sessionLock)
            {
                _session = null;
                _nextSwitch = NewSwitchSignal();
            }

            Log.Disconnected(Logger, Endpoint.Text, reason);
            _events.Writer.TryWrite(new SwitchDisconnected(reason));
        }
    }

    private async Task<Socket> ConnectAsync(CancellationToken stop)
    {
        var socket = Endpoint.CreateSocket();
        try
        {
            await socket.ConnectAsync(Endpoint.Address, stop);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private Socket Listen(OpenFlowEndpoint endpoint)
    {
        // A socket file left by an earlier run of this controller would make bind fail.
        if (endpoint.Address is UnixDomainSocketEndPoint unix && File.Exists(unix.ToString())) { File.Delete(unix.ToString()); }
        var listener = endpoint.CreateSocket();
        try
        {
            listener.Bind(endpoint.Address);
            listener.Listen(1);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        Log.Listening(Logger, endpoint.Text);
        return listener;
    }

    private static TaskCompletionSource<FeaturesReply> NewSwitchSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
