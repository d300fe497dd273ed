using System.Net.Sockets;
using System.Threading.Channels;

using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Tests;

/// <summary>
/// A scripted in-process switch on a unix socket, for testing the connection without OVS. It
/// answers HELLO, FEATURES, ECHO and BARRIER itself; <see cref="Respond"/> decides everything else.
/// Messages are handled one at a time in arrival order, as a real switch does.
/// </summary>
internal sealed class FakeSwitch : IAsyncDisposable
{
    public const ulong DatapathId = 0xfeed;

    private readonly Socket? _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _connections = [];

    private FakeSwitch(string path, bool listen)
    {
        SocketPath = path;
        if (!listen) { return; }
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(4);
        _ = AcceptLoopAsync();
    }

    public string SocketPath { get; }

    /// <summary>Everything the controller sent, in order.</summary>
    public Channel<OpenFlowFrame> Received { get; } = Channel.CreateUnbounded<OpenFlowFrame>();

    /// <summary>Replies to a message the fake does not answer itself; null or empty = no reply.</summary>
    public Func<OpenFlowFrame, IEnumerable<(uint Xid, OpenFlowMessage Message)>?> Respond { get; set; } = _ => null;

    public Hello HelloToSend { get; set; } = Hello.OpenFlow13Only;

    public bool AnswerEchoes { get; set; } = true;

    /// <summary>While false the fake stops reading, so the controller's writes back up.</summary>
    public TaskCompletionSource Reading { get; set; } = CompletedSignal();

    public static FakeSwitch Listen(string path) => new(path, listen: true);

    /// <summary>Connects to a controller that listens on <paramref name="path"/> (OVS's "unix:" controller target).</summary>
    public static async Task<FakeSwitch> ConnectAsync(string path)
    {
        var fake = new FakeSwitch(path, listen: false);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        fake.Serve(socket);
        return fake;
    }

    public static string TempSocketPath() => Path.Combine(Path.GetTempPath(), $"of-{Guid.NewGuid():N}"[..20] + ".sock");

    public async Task SendAsync(OpenFlowMessage message, uint xid = 0)
    {
        Socket socket;
        lock (_connections) { socket = _connections[^1]; }
        await socket.SendAsync(OpenFlowCodec.Encode(message, xid));
    }

    /// <summary>Closes every accepted connection, as a restarting switch would.</summary>
    public void DropConnections()
    {
        lock (_connections)
        {
            foreach (var socket in _connections) { socket.Dispose(); }
            _connections.Clear();
        }
    }

    public async Task<OpenFlowFrame> NextReceivedAsync<T>(TimeSpan? timeout = null)
        where T : OpenFlowMessage
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var frame = await Received.Reader.ReadAsync(cts.Token);
            if (frame.Message is T) { return frame; }
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener?.Dispose();
        DropConnections();
        if (_listener is not null) { File.Delete(SocketPath); }
        return ValueTask.CompletedTask;
    }

    private static TaskCompletionSource CompletedSignal()
    {
        var signal = new TaskCompletionSource();
        signal.SetResult();
        return signal;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true) { Serve(await _listener!.AcceptAsync(_stop.Token)); }
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private void Serve(Socket socket)
    {
        lock (_connections) { _connections.Add(socket); }
        _ = ServeAsync(socket);
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            using var reader = new FrameReader(stream);
            await stream.WriteAsync(OpenFlowCodec.Encode(HelloToSend, 1));
            while (true)
            {
                await Reading.Task.WaitAsync(_stop.Token);
                var bytes = await reader.ReadFrameAsync(_stop.Token);
                if (bytes.IsEmpty) { return; }
                var frame = OpenFlowCodec.Decode(bytes.Span);
                Received.Writer.TryWrite(frame);
                IEnumerable<(uint Xid, OpenFlowMessage Message)>? replies = frame.Message switch
                {
                    FeaturesRequest => [(frame.Xid, new FeaturesReply(DatapathId, 0, 254, 0, SwitchCapabilities.FlowStats))],
                    EchoRequest echo => AnswerEchoes ? [(frame.Xid, new EchoReply(echo.Data))] : [],
                    _ => Respond(frame) ?? (frame.Message is BarrierRequest ? [(frame.Xid, new BarrierReply())] : []),
                };
                foreach (var (xid, reply) in replies) { await stream.WriteAsync(OpenFlowCodec.Encode(reply, xid)); }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}
