using Erebor.Domain.Networking;
using Erebor.Harness.Ovs;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;

using Xunit.Abstractions;

namespace Erebor.OpenFlow.Tests;

/// <summary>
/// The codec and connection against a real ovs-vswitchd (userspace datapath, private instance per
/// test), with ovs-ofctl as the independent reader of what was installed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class OvsIntegrationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private OvsNode _node = null!;
    private OpenFlowConnection _connection = null!;

    public async Task InitializeAsync()
    {
        _node = await OvsNode.StartAsync("of");
        _connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix(_node.BridgeMgmtSocket));
        await _connection.WaitForSwitchAsync().WaitAsync(Patience);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Features_reply_names_the_bridge_datapath()
    {
        var features = await _connection.WaitForSwitchAsync();
        var show = await _node.OfctlAsync("show", _node.BridgeName);

        show.Should().Contain($"dpid:{features.DatapathId:x16}");
        features.TableCount.Should().Be(254);
        var description = await _connection.SendRequestAsync<DescReply>(new DescRequest());
        description.Hardware.Should().Be("Open vSwitch");
        description.Software.Should().StartWith("3.");
    }

    [Fact]
    public async Task Installed_flows_read_back_the_same_through_ovs_ofctl_and_our_flow_stats()
    {
        var flows = new List<OpenFlowMessage>
        {
            Samples.ArpResponder,
            new FlowMod { TableId = 0, Priority = 100, Cookie = 0x10, Match = Match.Create().InPort(1), Instructions = [new WriteMetadataInstruction(0x5, 0xff), new GotoTableInstruction(10)] },
            new FlowMod { TableId = 0, Priority = 0, Cookie = 0x11, Instructions = [new ApplyActionsInstruction([OutputAction.ToController()])] },
            new FlowMod
            {
                TableId = 40, Priority = 100, Cookie = 0x12, IdleTimeout = 300,
                Match = Match.Create().EthType(EtherTypes.IPv4).Ipv4Dst(Ipv4Address.Parse("10.0.2.10")),
                Instructions = [new ApplyActionsInstruction([new SetFieldAction(OxmField.EthSrc, 0x02000000aa02), new SetFieldAction(OxmField.EthDst, 0x020000000210), new DecNwTtlAction(), new OutputAction(3)])],
            },
            new FlowMod
            {
                TableId = 40, Priority = 200, Cookie = 0x14,
                Match = Match.Create().EthType(EtherTypes.IPv4).IpTtl(1),
                Instructions = [new ApplyActionsInstruction([OutputAction.ToController()])],
            },
            new FlowMod
            {
                TableId = 20, Priority = 100, Cookie = 0x13,
                Match = Match.Create().EthType(EtherTypes.IPv4).IpProto(IpProtocols.Udp).UdpSrc(68).UdpDst(67).Reg(0, 7),
                Instructions = [new ApplyActionsInstruction([new NoteAction([0x64, 0x68, 0x63, 0x70]), new Controller2Action { MaxLength = 1500, UserData = [1, 2] }, new ResubmitAction(30)])],
            },
        };

        (await _connection.SendBatchAsync(flows).WaitAsync(Patience)).Should().BeEmpty();

        var dump = await _node.OfctlAsync("dump-flows", _node.BridgeName);
        output.WriteLine(dump);
        dump.Should().Contain("cookie=0xe000000000000001").And.Contain("table=10").And.Contain("priority=100,arp,arp_tpa=10.0.1.1,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:00:00:00:aa:01->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0x2000000aa01->NXM_NX_ARP_SHA[],load:0xa000101->NXM_OF_ARP_SPA[],IN_PORT");
        dump.Should().Contain("priority=100,in_port=1 actions=write_metadata:0x5/0xff,goto_table:10");
        dump.Should().Contain("priority=0 actions=CONTROLLER:65535");
        dump.Should().Contain("idle_timeout=300, priority=100,ip,nw_dst=10.0.2.10 actions=set_field:02:00:00:00:aa:02->eth_src,set_field:02:00:00:00:02:10->eth_dst,dec_ttl,output:3");
        dump.Should().Contain("priority=200,ip,nw_ttl=1 actions=CONTROLLER:65535");
        dump.Should().Contain("priority=100,udp,reg0=0x7,tp_src=68,tp_dst=67 actions=note:64.68.63.70.00.00,controller(max_len=1500,userdata=01.02),resubmit(,30)");

        // Our decoder reads OVS's encoding of the same flows back into what we sent.
        var stats = await _connection.SendRequestAsync<FlowStatsReply>(new FlowStatsRequest());
        stats.Entries.Should().HaveCount(flows.Count);
        foreach (var flow in flows.Cast<FlowMod>())
        {
            var installed = stats.Entries.Single(s => s.Cookie == flow.Cookie);
            installed.TableId.Should().Be(flow.TableId);
            installed.Priority.Should().Be(flow.Priority);
            installed.IdleTimeout.Should().Be(flow.IdleTimeout);
            installed.Match.Fields.Should().BeEquivalentTo(flow.Match.Fields, "cookie 0x{0:x}", flow.Cookie);
            installed.Instructions.Should().Equal(flow.Instructions, "cookie 0x{0:x}", flow.Cookie);
        }
    }

    [Fact]
    public async Task A_flow_ovs_rejects_comes_back_as_a_decoded_error_naming_the_flow()
    {
        var flows = new List<OpenFlowMessage>
        {
            new FlowMod { TableId = 1, Instructions = [new GotoTableInstruction(2)] },
            new FlowMod { TableId = 10, Priority = 7, Instructions = [new GotoTableInstruction(5)] }, // goto_table must go forward
            new FlowMod { TableId = 2, Instructions = [new ApplyActionsInstruction([new GroupAction(99)])] }, // no group 99
        };

        var failures = await _connection.SendBatchAsync(flows).WaitAsync(Patience);

        output.WriteLine(string.Join("\n", failures));
        failures.Select(f => f.Index).Should().Equal(1, 2);
        failures[0].Error.Name.Should().Be("OFPBIC_BAD_TABLE_ID");
        failures[0].Error.FailedRequest.Should().NotBeNull();
        failures[1].Error.Name.Should().Be("OFPBAC_BAD_OUT_GROUP");
        (await _node.OfctlAsync("dump-flows", _node.BridgeName)).Should().Contain("table=1").And.NotContain("table=10").And.NotContain("group:99");

        var xid = await _connection.SendAsync(flows[1]);
        var error = await NextEventAsync<SwitchMessage>(e => e.Message is ErrorMessage);
        error.Xid.Should().Be(xid);

        var unknownMeter = await FluentActions.Awaiting(() => _connection.SendRequestAsync<MeterConfigReply>(new MeterConfigRequest(12345678))).Should().ThrowAsync<OpenFlowErrorException>();
        unknownMeter.Which.Error.Name.Should().Be("OFPMMFC_UNKNOWN_METER");
    }

    [Fact]
    public async Task Port_status_arrives_when_a_port_is_added()
    {
        // On the management socket OVS treats us as a "service" connection, which gets no
        // asynchronous messages until it sets a non-zero miss_send_len.
        await _connection.SendAsync(new SetConfig(FragmentHandling.Normal, OfpControllerMaxLength.NoBuffer));
        await _connection.BarrierAsync();

        await _node.VsctlAsync("add-port", _node.BridgeName, "p1", "--", "set", "Interface", "p1", "type=internal", "ofport_request=7");

        var status = (PortStatus)(await NextEventAsync<SwitchMessage>(e => e.Message is PortStatus { Reason: PortStatusReason.Add })).Message;
        status.Port.Name.Should().Be("p1");
        status.Port.PortNumber.Should().Be(7);
        var ports = await _connection.SendRequestAsync<PortDescReply>(new PortDescRequest());
        ports.Entries.Select(p => p.Name).Should().Contain(["p1", _node.BridgeName]);
        (await _connection.SendRequestAsync<PortStatsReply>(new PortStatsRequest(7))).Entries.Should().ContainSingle().Which.PortNumber.Should().Be(7);
    }

    [Fact]
    public async Task Groups_and_meters_are_installed_and_read_back()
    {
        var group = new GroupMod(GroupModCommand.Add, GroupType.Select, 1, [new Bucket([new OutputAction(1)]) { Weight = 10 }, new Bucket([new OutputAction(2)]) { Weight = 20 }]);
        var meter = new MeterMod(MeterModCommand.Add, MeterFlags.Pktps | MeterFlags.Burst | MeterFlags.Stats, 1, [new MeterBand(MeterBandType.Drop, 1000, 100)]);
        var flow = new FlowMod { TableId = 20, Instructions = [new MeterInstruction(1), new ApplyActionsInstruction([new GroupAction(1)])] };

        (await _connection.SendBatchAsync([group, meter, flow]).WaitAsync(Patience)).Should().BeEmpty();

        (await _node.OfctlAsync("dump-groups", _node.BridgeName)).Should().Contain("group_id=1,type=select,bucket=weight:10,actions=output:1,bucket=weight:20,actions=output:2");
        (await _node.OfctlAsync("dump-meters", _node.BridgeName)).Should().Contain("meter=1 pktps burst stats bands=").And.Contain("type=drop rate=1000 burst_size=100");
        var groups = await _connection.SendRequestAsync<GroupDescReply>(new GroupDescRequest());
        groups.Entries.Should().ContainSingle().Which.Should().Be(new GroupDescription(GroupType.Select, 1, group.Buckets));
        (await _connection.SendRequestAsync<GroupStatsReply>(new GroupStatsRequest())).Entries.Should().ContainSingle().Which.ReferenceCount.Should().Be(1);
        var meters = await _connection.SendRequestAsync<MeterConfigReply>(new MeterConfigRequest());
        meters.Entries.Should().ContainSingle().Which.Should().Be(new MeterConfig(meter.Flags, 1, meter.Bands));
        (await _connection.SendRequestAsync<MeterStatsReply>(new MeterStatsRequest())).Entries.Should().ContainSingle().Which.FlowCount.Should().Be(1);
        (await _connection.SendRequestAsync<TableStatsReply>(new TableStatsRequest())).Entries.Single(t => t.TableId == 20).ActiveCount.Should().Be(1);
    }

    [Fact]
    public async Task A_bundle_of_10k_flows_is_committed_in_full_and_dumped_back_across_multipart_replies()
    {
        var flows = ManyFlows(10_000, table: 40);

        await _connection.CommitBundleAsync(flows).WaitAsync(Patience);

        var aggregate = await _connection.SendRequestAsync<AggregateStatsReply>(new AggregateStatsRequest { TableId = 40 });
        aggregate.FlowCount.Should().Be(10_000);
        CountFlows(await _node.OfctlAsync("dump-flows", _node.BridgeName)).Should().Be(10_000);
        var stats = await _connection.SendRequestAsync<FlowStatsReply>(new FlowStatsRequest { TableId = 40 });
        stats.Entries.Select(f => f.Cookie).Should().BeEquivalentTo(flows.Cast<FlowMod>().Select(f => f.Cookie));
    }

    [Fact]
    public async Task A_bundle_with_one_bad_flow_is_rejected_atomically_naming_that_flow()
    {
        await _connection.CommitBundleAsync(ManyFlows(10, table: 30)).WaitAsync(Patience);
        var flows = ManyFlows(1000, table: 40);
        flows[617] = new FlowMod { TableId = 40, Priority = 5, Instructions = [new GotoTableInstruction(3)] }; // backwards goto

        var thrown = await FluentActions.Awaiting(() => _connection.CommitBundleAsync(flows).WaitAsync(Patience)).Should().ThrowAsync<OpenFlowBundleException>();

        output.WriteLine(thrown.Which.Message);
        thrown.Which.Failures.Should().ContainSingle().Which.Index.Should().Be(617);
        thrown.Which.Failures[0].Error.Name.Should().Be("OFPBIC_BAD_TABLE_ID");
        var dump = await _node.OfctlAsync("dump-flows", _node.BridgeName);
        CountFlows(dump).Should().Be(10, "nothing of the rejected bundle may be applied");
        dump.Should().NotContain("table=40");
    }

    [Fact]
    public async Task A_bundle_that_fails_at_commit_time_is_rolled_back_naming_the_flow()
    {
        // OFPFF_CHECK_OVERLAP is only checked when the bundle is applied, not when messages are added.
        await _connection.CommitBundleAsync([new FlowMod { TableId = 5, Priority = 9, Match = Match.Create().InPort(1) }]).WaitAsync(Patience);
        var flows = ManyFlows(100, table: 6);
        flows[42] = new FlowMod { TableId = 5, Priority = 9, Flags = FlowModFlags.CheckOverlap, Match = Match.Create().EthType(EtherTypes.IPv4) };

        var thrown = await FluentActions.Awaiting(() => _connection.CommitBundleAsync(flows).WaitAsync(Patience)).Should().ThrowAsync<OpenFlowBundleException>();

        output.WriteLine(thrown.Which.Message);
        thrown.Which.BundleError!.Name.Should().Be("OFPBFC_MSG_FAILED");
        thrown.Which.Failures.Should().ContainSingle().Which.Index.Should().Be(42);
        thrown.Which.Failures[0].Error.Name.Should().Be("OFPFMFC_OVERLAP");
        CountFlows(await _node.OfctlAsync("dump-flows", _node.BridgeName)).Should().Be(1);
    }

    [Fact]
    public async Task Ovs_connects_to_a_listening_controller_and_sends_packet_ins()
    {
        var path = Path.Combine(_node.RunDirectory, "ctl.sock");
        await using var controller = OpenFlowConnection.Start(OpenFlowEndpoint.ListenUnix(path));
        await _node.VsctlAsync("set-controller", _node.BridgeName, "unix:" + path, "--", "set", "controller", _node.BridgeName, "max_backoff=1000");
        var features = await controller.WaitForSwitchAsync().WaitAsync(Patience);
        features.DatapathId.Should().Be((await _connection.WaitForSwitchAsync()).DatapathId);

        // A packet sent from "the controller port" with actions=CONTROLLER comes back to every controller as a PACKET_IN.
        var frame = "ffffffffffff020000000110080600010800060400010200000001100a00010a0000000000000a000101";
        await _node.OfctlAsync("packet-out", _node.BridgeName, $"in_port=controller packet={frame} actions=controller");

        PacketIn? packetIn = null;
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var item in controller.ReadEventsAsync(cts.Token))
        {
            if (item is SwitchMessage { Message: PacketIn received }) { packetIn = received; break; }
        }

        packetIn!.Reason.Should().Be(PacketInReason.Action);
        Convert.ToHexString(packetIn.Data.AsSpan()).Should().BeEquivalentTo(frame);
        packetIn.InPort.Should().Be(OfpPort.Controller);
    }

    [Fact]
    public async Task A_bundle_of_100k_flows_installs_every_one_of_them()
    {
        // Correctness only; how fast this is compared with ovs-ofctl is `make bench-flows`.
        const int count = 100_000;
        var flows = ManyFlows(count, table: 20);

        await _connection.CommitBundleAsync(flows).WaitAsync(TimeSpan.FromMinutes(3));

        (await _connection.SendRequestAsync<AggregateStatsReply>(new AggregateStatsRequest())).FlowCount.Should().Be(count);
        (await _node.OfctlAsync("dump-aggregate", _node.BridgeName)).Should().Contain($"flow_count={count}");
        var last = await _node.OfctlAsync("dump-flows", _node.BridgeName, $"table=20,ip,nw_dst={new Ipv4Address(0x0a000000u + count - 1)}");
        last.Should().Contain($"cookie=0x{0x1000_0000UL + count - 1:x}").And.Contain("priority=100").And.Contain("dec_ttl").And.Contain("output:3");
    }

    /// <summary>The flows of the design notes' benchmark: a /32 route each, rewriting MACs, dec_ttl, output.</summary>
    private static List<OpenFlowMessage> ManyFlows(int count, byte table) =>
        [.. Enumerable.Range(0, count).Select(i => (OpenFlowMessage)new FlowMod
        {
            TableId = table,
            Priority = 100,
            Cookie = 0x1000_0000UL + (ulong)i,
            Match = Match.Create().EthType(EtherTypes.IPv4).Ipv4Dst(new Ipv4Address(0x0a000000u + (uint)i)),
            Instructions = [new ApplyActionsInstruction([new SetFieldAction(OxmField.EthSrc, 0x02000000aa01), new SetFieldAction(OxmField.EthDst, 0x020000000110), new DecNwTtlAction(), new OutputAction(3)])],
        })];

    private static int CountFlows(string dump) => dump.Split('\n').Count(line => line.Contains("cookie="));

    private async Task<T> NextEventAsync<T>(Func<T, bool> where)
        where T : OpenFlowEvent
    {
        using var cts = new CancellationTokenSource(Patience);
        await foreach (var item in _connection.ReadEventsAsync(cts.Token))
        {
            if (item is T match && where(match)) { return match; }
        }

        throw new InvalidOperationException("event stream ended");
    }
}
