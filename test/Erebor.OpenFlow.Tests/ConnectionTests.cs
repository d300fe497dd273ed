using System.Diagnostics.Metrics;
using System.Text;

using Erebor.Domain.Collections;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;

namespace Erebor.OpenFlow.Tests;

/// <summary>The connection against the scripted <see cref="FakeSwitch"/>: handshake, correlation, errors, keepalive, reconnect, bundles.</summary>
public sealed class ConnectionTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly OpenFlowConnectionOptions FastOptions = new()
    {
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        HandshakeTimeout = TimeSpan.FromSeconds(5),
    };

    private readonly FakeSwitch _switch = FakeSwitch.Listen(FakeSwitch.TempSocketPath());
    private OpenFlowConnection? _connection;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_connection is not null) { await _connection.DisposeAsync(); }
        await _switch.DisposeAsync();
    }

    [Fact]
    public async Task Handshake_negotiates_1_3_and_reads_the_datapath_id()
    {
        var features = await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        features.DatapathId.Should().Be(FakeSwitch.DatapathId);
        _connection!.IsConnected.Should().BeTrue();
        (await _switch.NextReceivedAsync<Hello>()).Message.Should().Be(Hello.OpenFlow13Only);
        await _switch.NextReceivedAsync<FeaturesRequest>();
    }

    [Fact]
    public async Task A_switch_without_1_3_gets_hello_failed_and_no_connection()
    {
        _switch.HelloToSend = new Hello([1u << 1]); // OpenFlow 1.0 only

        Connect();
        var error = (ErrorMessage)(await _switch.NextReceivedAsync<ErrorMessage>()).Message;

        error.ErrorType.Should().Be(OfpErrorType.HelloFailed);
        Encoding.ASCII.GetString(error.Data.AsSpan()).Should().Contain("OpenFlow 1.3 (0x04) only").And.Contain("offered 0x01");
        _connection!.IsConnected.Should().BeFalse();
    }

    [Fact]
    public async Task Multipart_replies_split_with_MORE_are_joined_into_one()
    {
        _switch.Respond = frame => frame.Message is FlowStatsRequest
            ?
            [
                (frame.Xid, new FlowStatsReply { Flags = MultipartFlags.More, Entries = [new FlowStats { Cookie = 1 }, new FlowStats { Cookie = 2 }] }),
                (frame.Xid, new FlowStatsReply { Flags = MultipartFlags.More, Entries = [new FlowStats { Cookie = 3 }] }),
                (frame.Xid, new FlowStatsReply { Entries = [new FlowStats { Cookie = 4 }] }),
            ]
            : null;
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        var reply = await _connection!.SendRequestAsync<FlowStatsReply>(new FlowStatsRequest());

        reply.Entries.Select(f => f.Cookie).Should().Equal(1UL, 2UL, 3UL, 4UL);
        reply.Flags.Should().Be(MultipartFlags.None);
    }

    [Fact]
    public async Task An_error_reply_throws_with_the_decoded_error_and_the_request()
    {
        _switch.Respond = frame => frame.Message is RoleRequest ? [(frame.Xid, new ErrorMessage(OfpErrorType.RoleRequestFailed, 0))] : null;
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        var request = new RoleRequest(ControllerRole.Master, 1);
        var thrown = await FluentActions.Awaiting(() => _connection!.SendRequestAsync<RoleReply>(request)).Should().ThrowAsync<OpenFlowErrorException>();

        thrown.Which.Error.Name.Should().Be("OFPRRFC_STALE");
        thrown.Which.Request.Should().Be(request);
        thrown.Which.Message.Should().Contain("RoleRequest").And.Contain("stale generation id");
    }

    [Fact]
    public async Task An_error_for_a_fire_and_forget_message_arrives_as_an_event_with_its_xid()
    {
        _switch.Respond = frame => frame.Message is FlowMod ? [(frame.Xid, new ErrorMessage(OfpErrorType.FlowModFailed, 1))] : null;
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        var xid = await _connection!.SendAsync(new FlowMod());
        var error = await NextEventAsync<SwitchMessage>(e => e.Message is ErrorMessage);

        error.Xid.Should().Be(xid);
        ((ErrorMessage)error.Message).Name.Should().Be("OFPFMFC_TABLE_FULL");
    }

    [Fact]
    public async Task Asynchronous_messages_and_connection_changes_arrive_in_order_as_events()
    {
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        await _switch.SendAsync(new PacketIn { Reason = PacketInReason.NoMatch, Match = Match.Create().InPort(3), Data = [1, 2, 3] });
        await _switch.SendAsync(new PortStatus(PortStatusReason.Delete, Samples.Port5));

        var events = new List<OpenFlowEvent>();
        await foreach (var item in _connection!.ReadEventsAsync().WithCancellation(new CancellationTokenSource(Patience).Token))
        {
            events.Add(item);
            if (events.Count == 3) { break; }
        }

        events[0].Should().BeOfType<SwitchConnected>().Which.Features.DatapathId.Should().Be(FakeSwitch.DatapathId);
        ((PacketIn)((SwitchMessage)events[1]).Message).InPort.Should().Be(3);
        ((SwitchMessage)events[2]).Message.Should().Be(new PortStatus(PortStatusReason.Delete, Samples.Port5));
    }

    [Fact]
    public async Task The_connection_answers_the_switchs_echo_requests()
    {
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        await _switch.SendAsync(new EchoRequest([9, 9]), 77);
        var reply = await _switch.NextReceivedAsync<EchoReply>();

        reply.Should().Be(new OpenFlowFrame(77, new EchoReply([9, 9])));
    }

    [Fact]
    public async Task A_silent_switch_is_dropped_after_an_unanswered_echo_and_the_connection_comes_back()
    {
        _switch.AnswerEchoes = false;
        await Connect(FastOptions with { EchoInterval = TimeSpan.FromMilliseconds(200), EchoTimeout = TimeSpan.FromMilliseconds(300) }).WaitForSwitchAsync().WaitAsync(Patience);

        var down = await NextEventAsync<SwitchDisconnected>();
        _switch.AnswerEchoes = true;
        var up = await NextEventAsync<SwitchConnected>();

        down.Reason.Should().Contain("echo");
        up.Features.DatapathId.Should().Be(FakeSwitch.DatapathId);
    }

    [Fact]
    public async Task Reconnects_with_backoff_when_the_switch_restarts_and_fails_pending_requests()
    {
        _switch.Respond = frame => frame.Message is DescRequest ? [] : null; // never answered
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);
        var pending = _connection!.SendRequestAsync<DescReply>(new DescRequest());

        _switch.DropConnections();

        await FluentActions.Awaiting(() => pending).Should().ThrowAsync<OpenFlowConnectionException>();
        await NextEventAsync<SwitchDisconnected>();
        await NextEventAsync<SwitchConnected>();
        (await _connection.WaitForSwitchAsync().WaitAsync(Patience)).DatapathId.Should().Be(FakeSwitch.DatapathId);
    }

    [Fact]
    public async Task Keeps_trying_until_the_switch_appears()
    {
        var path = FakeSwitch.TempSocketPath();
        await using var connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix(path), FastOptions);
        await Task.Delay(300);

        await using var late = FakeSwitch.Listen(path);

        (await connection.WaitForSwitchAsync().WaitAsync(Patience)).DatapathId.Should().Be(FakeSwitch.DatapathId);
    }

    [Fact]
    public async Task Listens_for_a_switch_that_connects_to_us()
    {
        var path = FakeSwitch.TempSocketPath();
        await using var connection = OpenFlowConnection.Start(OpenFlowEndpoint.ListenUnix(path), FastOptions);

        await using var fake = await FakeSwitch.ConnectAsync(path);

        (await connection.WaitForSwitchAsync().WaitAsync(Patience)).DatapathId.Should().Be(FakeSwitch.DatapathId);
        await connection.BarrierAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task A_batch_reports_rejected_messages_by_index_after_a_barrier()
    {
        _switch.Respond = frame => frame.Message is FlowMod { Priority: 13 } ? [(frame.Xid, new ErrorMessage(OfpErrorType.BadMatch, 9))] : null;
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);
        var flows = Enumerable.Range(10, 10).Select(p => (OpenFlowMessage)new FlowMod { Priority = (ushort)p }).ToList();

        var failures = await _connection!.SendBatchAsync(flows).WaitAsync(Patience);

        failures.Should().ContainSingle().Which.Should().Be(new MessageFailure(3, flows[3], new ErrorMessage(OfpErrorType.BadMatch, 9)));
    }

    [Fact]
    public async Task A_bundle_is_opened_filled_and_committed()
    {
        _switch.Respond = BundleSwitch(rejectPriority: null);
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);
        var flows = Enumerable.Range(1, 100).Select(p => (OpenFlowMessage)new FlowMod { Priority = (ushort)p }).ToList();

        await _connection!.CommitBundleAsync(flows).WaitAsync(Patience);

        var open = (BundleControl)(await _switch.NextReceivedAsync<BundleControl>()).Message;
        open.ControlType.Should().Be(BundleControlType.OpenRequest);
        open.Flags.Should().Be(BundleFlags.Atomic | BundleFlags.Ordered);
        var added = new List<OpenFlowMessage>();
        for (var i = 0; i < flows.Count; i++) { added.Add(((BundleAdd)(await _switch.NextReceivedAsync<BundleAdd>()).Message).Message); }
        added.Should().Equal(flows);
        ((BundleControl)(await _switch.NextReceivedAsync<BundleControl>()).Message).ControlType.Should().Be(BundleControlType.CommitRequest);
    }

    [Fact]
    public async Task A_bundle_with_a_rejected_message_is_discarded_and_names_the_message()
    {
        _switch.Respond = BundleSwitch(rejectPriority: 42);
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);
        var flows = Enumerable.Range(1, 100).Select(p => (OpenFlowMessage)new FlowMod { Priority = (ushort)p }).ToList();

        var thrown = await FluentActions.Awaiting(() => _connection!.CommitBundleAsync(flows).WaitAsync(Patience)).Should().ThrowAsync<OpenFlowBundleException>();

        thrown.Which.Failures.Should().ContainSingle().Which.Index.Should().Be(41);
        thrown.Which.Message.Should().Contain("#41").And.Contain("OFPBAC_BAD_OUT_PORT");
        var controls = new List<BundleControlType>();
        while (_switch.Received.Reader.TryRead(out var frame))
        {
            if (frame.Message is BundleControl control) { controls.Add(control.ControlType); }
        }

        controls.Should().Equal(BundleControlType.OpenRequest, BundleControlType.DiscardRequest);
    }

    [Fact]
    public async Task A_failed_commit_is_reported_with_the_bundle_error()
    {
        _switch.Respond = frame => frame.Message switch
        {
            BundleControl { ControlType: BundleControlType.CommitRequest } => [(frame.Xid, new ErrorMessage(OfpErrorType.Experimenter, 2313, default, OfpExperimenter.Onf))],
            BundleControl open => [(frame.Xid, open with { ControlType = open.ControlType + 1 })],
            _ => null,
        };
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        var thrown = await FluentActions.Awaiting(() => _connection!.CommitBundleAsync([new FlowMod()]).WaitAsync(Patience)).Should().ThrowAsync<OpenFlowBundleException>();

        thrown.Which.BundleError!.Name.Should().Be("OFPBFC_MSG_FAILED");
    }

    [Fact]
    public async Task Senders_wait_while_the_send_queue_is_full()
    {
        await Connect(FastOptions with { SendQueueCapacity = 2, EchoInterval = TimeSpan.FromMinutes(1) }).WaitForSwitchAsync().WaitAsync(Patience);
        _switch.Reading = new TaskCompletionSource();
        var big = new PacketOut { Actions = [new OutputAction(1)], Data = EquatableArray.Create(new byte[60_000]) };

        // Socket buffers absorb the first messages; then the write loop blocks and the queue fills.
        var sends = new List<Task>();
        for (var i = 0; i < 200; i++) { sends.Add(_connection!.SendAsync(big).AsTask()); }
        await Task.Delay(500);
        sends.Should().Contain(s => !s.IsCompleted, "the queue holds only 2 messages and the switch is not reading");

        _switch.Reading.SetResult();

        await Task.WhenAll(sends).WaitAsync(Patience);
    }

    [Fact]
    public async Task Messages_that_cannot_be_encoded_fail_in_the_caller()
    {
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        var badFlow = new FlowMod { Match = Match.Create().TcpDst(80) };

        await FluentActions.Awaiting(() => _connection!.SendAsync(badFlow).AsTask()).Should().ThrowAsync<ArgumentException>().WithMessage("*tcp_dst requires ip_proto*");
        await _connection!.BarrierAsync().WaitAsync(Patience);
    }

    [Fact]
    public async Task Sending_while_disconnected_says_so()
    {
        await using var connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix(FakeSwitch.TempSocketPath()), FastOptions);

        await FluentActions.Awaiting(() => connection.SendAsync(new BarrierRequest()).AsTask()).Should().ThrowAsync<OpenFlowConnectionException>().WithMessage("not connected*");
    }

    [Fact]
    public async Task Counters_are_published_on_the_Erebor_OpenFlow_meter()
    {
        var measurements = new List<(string Instrument, long Value, string? Type)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Erebor.OpenFlow") { l.EnableMeasurementEvents(instrument); }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? type = null;
            foreach (var tag in tags) { if (tag.Key == "type") { type = (string?)tag.Value; } }
            lock (measurements) { measurements.Add((instrument.Name, value, type)); }
        });
        listener.Start();
        _switch.Respond = BundleSwitch(rejectPriority: null);
        await Connect().WaitForSwitchAsync().WaitAsync(Patience);

        await _connection!.CommitBundleAsync([new FlowMod(), new FlowMod()]).WaitAsync(Patience);

        lock (measurements)
        {
            measurements.Should().Contain(("erebor.openflow.flow_mods.sent", 1, null));
            measurements.Where(m => m.Instrument == "erebor.openflow.flow_mods.sent").Sum(m => m.Value).Should().BeGreaterThanOrEqualTo(2);
            measurements.Should().Contain(("erebor.openflow.messages.sent", 1, "Experimenter"));
            measurements.Should().Contain(("erebor.openflow.messages.received", 1, "FeaturesReply"));
        }
    }

    /// <summary>A switch that implements bundle control and rejects, at add time, the FLOW_MOD with a given priority.</summary>
    private static Func<OpenFlowFrame, IEnumerable<(uint, OpenFlowMessage)>?> BundleSwitch(int? rejectPriority) => frame => frame.Message switch
    {
        BundleControl control => [(frame.Xid, control with { ControlType = control.ControlType + 1 })],
        BundleAdd { Message: FlowMod flow } when flow.Priority == rejectPriority => [(frame.Xid, new ErrorMessage(OfpErrorType.BadAction, 4))],
        BundleAdd => [],
        _ => null,
    };

    private OpenFlowConnection Connect(OpenFlowConnectionOptions? options = null) =>
        _connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix(_switch.SocketPath), options ?? FastOptions);

    private async Task<T> NextEventAsync<T>(Func<T, bool>? where = null)
        where T : OpenFlowEvent
    {
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var item in _connection!.ReadEventsAsync(cts.Token))
        {
            if (item is T match && (where is null || where(match))) { return match; }
        }

        throw new InvalidOperationException("event stream ended");
    }
}
