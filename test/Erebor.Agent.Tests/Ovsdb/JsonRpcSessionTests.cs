using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

using Erebor.Ovsdb;

using Microsoft.Extensions.Logging.Abstractions;

namespace Erebor.Agent.Tests.Ovsdb;

/// <summary>The JSON-RPC layer against a scripted server on a unix socket.</summary>
public sealed class JsonRpcSessionTests : IAsyncLifetime
{
    private readonly string _socketPath = Path.Combine(Path.GetTempPath(), $"erebor-jsonrpc-{Guid.NewGuid():N}.sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Channel<(string Method, string Params)> _notifications = Channel.CreateUnbounded<(string, string)>();
    private readonly JsonTextSplitter _fromClient = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(10));
    private Socket _server = null!;
    private JsonRpcSession _session = null!;

    public async Task InitializeAsync()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        _listener.Listen();
        var connecting = OvsdbEndpoint.Parse("unix:" + _socketPath).ConnectAsync(_timeout.Token);
        _server = await _listener.AcceptAsync(_timeout.Token);
        _session = new JsonRpcSession(await connecting, (_, method, parameters) => _notifications.Writer.TryWrite((method, parameters.GetRawText())), TimeSpan.Zero, NullLogger.Instance);
        _session.Start();
    }

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _server.Dispose();
        _listener.Dispose();
        File.Delete(_socketPath);
        _timeout.Dispose();
    }

    [Fact]
    public async Task Correlates_replies_by_id_answers_echo_and_passes_notifications_on()
    {
        var listDbs = _session.CallAsync("list_dbs", [], null, _timeout.Token);
        var getSchema = _session.CallAsync("get_schema", ["Open_vSwitch"], null, _timeout.Token);
        var requests = new[] { await ReceiveAsync(), await ReceiveAsync() };
        requests.Select(r => r.GetProperty("method").GetString()).Should().Equal("list_dbs", "get_schema");
        var ids = requests.Select(r => r.GetProperty("id").GetInt64()).ToArray();

        // Replies in reverse order, with an echo probe and a notification in between, split mid-message.
        await SendAsync($$"""{"id":{{ids[1]}},"result":{"name":"Open_vSwitch"},"error":null}{"id":"echo","method":"echo","params":["pi""");
        await SendAsync($$"""ng"]} {"method":"update","params":["m1",{}],"id":null}{"id":{{ids[0]}},"result":["Open_vSwitch","_Server"],"error":null}""");

        (await getSchema).GetProperty("name").GetString().Should().Be("Open_vSwitch");
        (await listDbs).EnumerateArray().Select(db => db.GetString()).Should().Equal("Open_vSwitch", "_Server");
        (await ReceiveAsync()).GetRawText().Should().Be("""{"result":["ping"],"error":null,"id":"echo"}""");
        (await _notifications.Reader.ReadAsync(_timeout.Token)).Should().Be(("update", """["m1",{}]"""));
    }

    [Fact]
    public async Task Turns_an_error_reply_into_an_rpc_exception()
    {
        var call = _session.CallAsync("monitor", ["Nope", "m", new System.Text.Json.Nodes.JsonObject()], null, _timeout.Token);
        var id = (await ReceiveAsync()).GetProperty("id").GetInt64();

        await SendAsync($$"""{"id":{{id}},"result":null,"error":"unknown database"}""");

        (await call.Awaiting(c => c).Should().ThrowAsync<OvsdbRpcException>()).Which.Error.GetString().Should().Be("unknown database");
    }

    [Fact]
    public async Task Fails_calls_in_flight_when_the_server_goes_away()
    {
        var call = _session.CallAsync("transact", ["Open_vSwitch"], null, _timeout.Token);
        await ReceiveAsync();

        _server.Close();

        await call.Awaiting(c => c).Should().ThrowAsync<OvsdbConnectionException>();
        await _session.Completion.WaitAsync(_timeout.Token);
        await _session.Awaiting(s => s.CallAsync("list_dbs", [], null, _timeout.Token)).Should().ThrowAsync<OvsdbConnectionException>();
    }

    private async Task SendAsync(string text) => await _server.SendAsync(Encoding.UTF8.GetBytes(text), _timeout.Token);

    private async Task<JsonElement> ReceiveAsync()
    {
        while (true)
        {
            if (_fromClient.TryTake(out var message)) { return JsonDocument.Parse(message.ToArray()).RootElement; }
            var free = _fromClient.GetFreeSpace();
            var read = await _server.ReceiveAsync(free, _timeout.Token);
            if (read == 0) { throw new EndOfStreamException(); }
            _fromClient.Advance(read);
        }
    }
}
