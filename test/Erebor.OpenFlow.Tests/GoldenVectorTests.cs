using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;

namespace Erebor.OpenFlow.Tests;

/// <summary>
/// Expected bytes written by hand from the OpenFlow 1.3.5 structure layouts (and, for extensions,
/// OVS's nicira-ext.h and ONF extension 230), one vector per message type. Each vector lists the
/// fields in wire order, separated by spaces, with "|" between structures; the comment above it
/// names the structure. The same encodings are independently checked by OVS in <see cref="OvsOracleTests"/>.
/// Every frame starts with ofp_header: version 04, type, 16-bit total length, 32-bit xid (here 0x2a).
/// </summary>
public class GoldenVectorTests
{
    public static TheoryData<string, OpenFlowMessage, string> Vectors => new()
    {
        // ofp_hello + one ofp_hello_elem_versionbitmap: type 1, length 8, bitmap with bit 4 (= 1.3) set.
        { "hello", Hello.OpenFlow13Only, "04 00 0010 0000002a | 0001 0008 00000010" },

        // ofp_error_msg: type 4 (BAD_MATCH), code 9 (BAD_PREREQ), data = the failed request's header.
        { "error", new ErrorMessage(OfpErrorType.BadMatch, 9, [0x04, 0x0e, 0x00, 0x48, 0x00, 0x00, 0x00, 0x07]), "04 01 0014 0000002a | 0004 0009 | 040e0048 00000007" },

        // ofp_error_experimenter_msg: type 0xffff, exp_code 2313 = 0x0909 (OFPBFC_MSG_FAILED), experimenter ONF.
        { "experimenter error", new ErrorMessage(OfpErrorType.Experimenter, 2313, default, OfpExperimenter.Onf), "04 01 0010 0000002a | ffff 0909 4f4e4600" },

        // Echo request/reply: header plus arbitrary payload.
        { "echo request", new EchoRequest([0x61, 0x62]), "04 02 000a 0000002a | 6162" },
        { "echo reply", new EchoReply(), "04 03 0008 0000002a" },

        { "features request", new FeaturesRequest(), "04 05 0008 0000002a" },

        // ofp_switch_features: datapath_id, n_buffers, n_tables, auxiliary_id, pad(2), capabilities
        // (FLOW|TABLE|PORT|GROUP|QUEUE stats = 1+2+4+8+64 = 0x4f), reserved.
        {
            "features reply",
            new FeaturesReply(0xabc, 0, 254, 0, SwitchCapabilities.FlowStats | SwitchCapabilities.TableStats | SwitchCapabilities.PortStats | SwitchCapabilities.GroupStats | SwitchCapabilities.QueueStats),
            "04 06 0020 0000002a | 0000000000000abc 00000000 fe 00 0000 0000004f 00000000"
        },

        // ofp_switch_config: flags (0 = normal fragments), miss_send_len.
        { "get config request", new GetConfigRequest(), "04 07 0008 0000002a" },
        { "get config reply", new GetConfigReply(FragmentHandling.Normal, 128), "04 08 000c 0000002a | 0000 0080" },
        { "set config", new SetConfig(FragmentHandling.Drop, 0xffff), "04 09 000c 0000002a | 0001 ffff" },

        // ofp_flow_mod: cookie, cookie_mask, table_id 10, command ADD, idle, hard, priority 100,
        // buffer_id NO_BUFFER, out_port ANY, out_group ANY, flags, pad(2)
        // | ofp_match: type OXM, length 4+8=12, OXM in_port (0x8000, field 0, len 4) = 3, pad to 16
        // | ofp_instruction_goto_table: type 1, len 8, table 20, pad(3).
        {
            "flow mod",
            new FlowMod { TableId = 10, Priority = 100, Cookie = 1, Match = Match.Create().InPort(3), Instructions = [new GotoTableInstruction(20)] },
            "04 0e 0048 0000002a | 0000000000000001 0000000000000000 0a 00 0000 0000 0064 ffffffff ffffffff ffffffff 0000 0000"
            + " | 0001 000c 80000004 00000003 00000000 | 0001 0008 14 000000"
        },

        // FLOW_MOD whose match mixes OXM and NXM: eth_type (0x8000, field 5 -> 0x0a00, len 2) = 0x0800 and
        // NXM_NX_IP_TTL (class 0x0001, field 29 -> 0x3a00, len 1) = 1; match length 4+6+5 = 15, padded to 16; no instructions.
        {
            "flow mod matching ip_ttl",
            new FlowMod { TableId = 40, Priority = 200, Match = Match.Create().EthType(EtherTypes.IPv4).IpTtl(1) },
            "04 0e 0040 0000002a | 0000000000000000 0000000000000000 28 00 0000 0000 00c8 ffffffff ffffffff ffffffff 0000 0000"
            + " | 0001 000f 80000a02 0800 00013a01 01 00"
        },

        // FLOW_MOD apply_actions (type 4, len 8+24+24, pad 4) with Nicira actions:
        // nx_action_reg_move: 0xffff, len 24, vendor 0x2320, subtype 6, n_bits 48, src_ofs 0, dst_ofs 0,
        //   src OXM eth_src header (0x8000, field 4 -> 4<<9 = 0x0800, len 6) = 80000806, dst eth_dst 80000606;
        // nx_action_reg_load: subtype 7, ofs_nbits = 0<<6 | (16-1) = 0x000f, dst arp_op (field 21 -> 0x2a00, len 2) = 80002a02, value 2.
        // The match is empty: type 1, length 4, padded to 8.
        {
            "flow mod with nicira actions",
            new FlowMod { Match = Match.Any, Instructions = [new ApplyActionsInstruction([RegMoveAction.Whole(OxmField.EthSrc, OxmField.EthDst), new RegLoadAction(NxmSubfield.Whole(OxmField.ArpOp), 2)])] },
            "04 0e 0070 0000002a | 0000000000000000 0000000000000000 00 00 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000 | 0001 0004 00000000"
            + " | 0004 0038 00000000 | ffff 0018 00002320 0006 0030 0000 0000 80000806 80000606 | ffff 0018 00002320 0007 000f 80002a02 0000000000000002"
        },

        // ofp_group_mod: command ADD, type SELECT, pad, group_id 1 | ofp_bucket: len 32, weight 10,
        // watch_port ANY, watch_group ANY, pad(4) | ofp_action_output: type 0, len 16, port 3, max_len 0, pad(6).
        {
            "group mod",
            new GroupMod(GroupModCommand.Add, GroupType.Select, 1, [new Bucket([new OutputAction(3)]) { Weight = 10 }]),
            "04 0f 0030 0000002a | 0000 01 00 00000001 | 0020 000a ffffffff ffffffff 00000000 | 0000 0010 00000003 0000 000000000000"
        },

        // ofp_meter_mod: command ADD, flags PKTPS|BURST|STATS = 2+4+8, meter_id 1
        // | ofp_meter_band_drop: type 1, len 16, rate 1000, burst 100, pad(4)
        // | ofp_meter_band_dscp_remark: type 2, len 16, rate 2000, burst 0, prec_level 1, pad(3).
        {
            "meter mod",
            new MeterMod(MeterModCommand.Add, MeterFlags.Pktps | MeterFlags.Burst | MeterFlags.Stats, 1, [new MeterBand(MeterBandType.Drop, 1000, 100), new MeterBand(MeterBandType.DscpRemark, 2000, 0, 1)]),
            "04 1d 0030 0000002a | 0000 000e 00000001 | 0001 0010 000003e8 00000064 00000000 | 0002 0010 000007d0 00000000 01 000000"
        },

        // ofp_packet_in: buffer_id NO_BUFFER, total_len 4, reason ACTION, table_id 20, cookie 0xff
        // | match with in_port=1 (12 bytes, padded to 16) | pad(2) | frame data.
        {
            "packet in",
            new PacketIn { TotalLength = 4, Reason = PacketInReason.Action, TableId = 20, Cookie = 0xff, Match = Match.Create().InPort(1), Data = [0xde, 0xad, 0xbe, 0xef] },
            "04 0a 002e 0000002a | ffffffff 0004 01 14 00000000000000ff | 0001 000c 80000004 00000001 00000000 | 0000 | deadbeef"
        },

        // ofp_packet_out: buffer_id NO_BUFFER, in_port CONTROLLER, actions_len 16, pad(6) | output:2 | data.
        {
            "packet out",
            new PacketOut { Actions = [new OutputAction(2)], Data = [0x01, 0x02] },
            "04 0d 002a 0000002a | ffffffff fffffffd 0010 000000000000 | 0000 0010 00000002 0000 000000000000 | 0102"
        },

        // PACKET_OUT whose actions are the other Nicira actions (nx_action_header: 0xffff, len, vendor 0x2320, subtype):
        // nx_action_controller2 (subtype 37 = 0x25, pad(6)) with one property MAX_LEN (type 0), which OVS
        //   pads to 32 bits: length 8, value 1500 = 0x05dc, 2 zero bytes;
        // nx_action_resubmit_table (subtype 14): in_port 0xfff8 (keep), table 30, pad(3);
        // nx_action_note (subtype 8): the note "a", zero-padded to a 16-byte action.
        {
            "packet out with nicira actions",
            new PacketOut { Actions = [new Controller2Action { MaxLength = 1500 }, new ResubmitAction(30), new NoteAction([0x61])] },
            "04 0d 0050 0000002a | ffffffff fffffffd 0038 000000000000"
            + " | ffff 0018 00002320 0025 000000000000 0000 0008 05dc 0000 | ffff 0010 00002320 000e fff8 1e 000000 | ffff 0010 00002320 0008 61 0000000000"
        },

        // ofp_flow_removed: cookie, priority 100, reason IDLE_TIMEOUT, table 10, duration 5 s 0 ns,
        // idle 10, hard 0, packet_count 2, byte_count 128 | empty match.
        {
            "flow removed",
            new FlowRemoved { Cookie = 1, Priority = 100, Reason = FlowRemovedReason.IdleTimeout, TableId = 10, DurationSec = 5, IdleTimeout = 10, PacketCount = 2, ByteCount = 128 },
            "04 0b 0038 0000002a | 0000000000000001 0064 00 0a 00000005 00000000 000a 0000 0000000000000002 0000000000000080 | 0001 0004 00000000"
        },

        // ofp_port_status: reason ADD, pad(7) | ofp_port: port_no 5, pad(4), hw_addr, pad(2),
        // name "p1" NUL-padded to 16, config, state LIVE (4), curr/advertised/supported/peer,
        // curr_speed 10 Gb/s = 10,000,000 kb/s = 0x989680, max_speed.
        {
            "port status",
            new PortStatus(PortStatusReason.Add, new PortDescription(5, MacAddress.Parse("02:00:00:00:00:05"), "p1", PortConfig.None, PortState.Live, CurrentSpeedKbps: 10_000_000)),
            "04 0c 0050 0000002a | 00 00000000000000 | 00000005 00000000 020000000005 0000 70310000000000000000000000000000"
            + " 00000000 00000004 00000000 00000000 00000000 00000000 00989680 00000000"
        },

        { "barrier request", new BarrierRequest(), "04 14 0008 0000002a" },
        { "barrier reply", new BarrierReply(), "04 15 0008 0000002a" },

        // ofp_role_request: role MASTER (2), pad(4), generation_id.
        { "role request", new RoleRequest(ControllerRole.Master, 1), "04 18 0018 0000002a | 00000002 00000000 0000000000000001" },
        { "role reply", new RoleReply(ControllerRole.Equal, 0), "04 19 0018 0000002a | 00000001 00000000 0000000000000000" },

        // ofp_async_config: packet_in_mask[2], port_status_mask[2], flow_removed_mask[2].
        { "get async request", new GetAsyncRequest(), "04 1a 0008 0000002a" },
        {
            "set async",
            new SetAsync(new AsyncConfig(new AsyncMask(7, 0), new AsyncMask(7, 7), new AsyncMask(15, 0))),
            "04 1c 0020 0000002a | 00000007 00000000 | 00000007 00000007 | 0000000f 00000000"
        },
        {
            "get async reply",
            new GetAsyncReply(new AsyncConfig(new AsyncMask(1, 0), new AsyncMask(0, 0), new AsyncMask(0, 0))),
            "04 1b 0020 0000002a | 00000001 00000000 | 00000000 00000000 | 00000000 00000000"
        },

        // ofp_multipart_request: type, flags, pad(4), body.
        { "desc request", new DescRequest(), "04 12 0010 0000002a | 0000 0000 00000000" },

        // FLOW request body (ofp_flow_stats_request): table_id ALL, pad(3), out_port ANY, out_group ANY,
        // pad(4), cookie, cookie_mask | empty match.
        {
            "flow stats request",
            new FlowStatsRequest(),
            "04 12 0038 0000002a | 0001 0000 00000000 | ff 000000 ffffffff ffffffff 00000000 0000000000000000 0000000000000000 | 0001 0004 00000000"
        },
        {
            "aggregate request",
            new AggregateStatsRequest { TableId = 3, Cookie = 0x100, CookieMask = 0xf00 },
            "04 12 0038 0000002a | 0002 0000 00000000 | 03 000000 ffffffff ffffffff 00000000 0000000000000100 0000000000000f00 | 0001 0004 00000000"
        },
        { "table stats request", new TableStatsRequest(), "04 12 0010 0000002a | 0003 0000 00000000" },
        { "port stats request", new PortStatsRequest(), "04 12 0018 0000002a | 0004 0000 00000000 | ffffffff 00000000" },
        { "group stats request", new GroupStatsRequest(), "04 12 0018 0000002a | 0006 0000 00000000 | fffffffc 00000000" },
        { "group desc request", new GroupDescRequest(), "04 12 0010 0000002a | 0007 0000 00000000" },
        { "meter stats request", new MeterStatsRequest(), "04 12 0018 0000002a | 0009 0000 00000000 | ffffffff 00000000" },
        { "meter config request", new MeterConfigRequest(1), "04 12 0018 0000002a | 000a 0000 00000000 | 00000001 00000000" },
        { "port desc request", new PortDescRequest(), "04 12 0010 0000002a | 000d 0000 00000000" },

        // ofp_multipart_reply with flags MORE (1) | ofp_flow_stats: length 56, table 10, pad, duration
        // 3 s 0 ns, priority 100, idle, hard, flags, pad(4), cookie 7, packets 1, bytes 60 | empty match.
        {
            "flow stats reply",
            new FlowStatsReply { Flags = MultipartFlags.More, Entries = [new FlowStats { TableId = 10, DurationSec = 3, Priority = 100, Cookie = 7, PacketCount = 1, ByteCount = 60 }] },
            "04 13 0048 0000002a | 0001 0001 00000000 | 0038 0a 00 00000003 00000000 0064 0000 0000 0000 00000000 0000000000000007 0000000000000001 000000000000003c | 0001 0004 00000000"
        },

        // ofp_aggregate_stats_reply: packet_count, byte_count, flow_count, pad(4).
        { "aggregate reply", new AggregateStatsReply(10, 1024, 3), "04 13 0028 0000002a | 0002 0000 00000000 | 000000000000000a 0000000000000400 00000003 00000000" },

        // ofp_table_stats: table_id, pad(3), active_count, lookup_count, matched_count.
        { "table stats reply", new TableStatsReply { Entries = [new TableStats(0, 3, 100, 90)] }, "04 13 0028 0000002a | 0003 0000 00000000 | 00 000000 00000003 0000000000000064 000000000000005a" },

        // ofp_port_stats: port_no, pad(4), 12 counters, duration_sec, duration_nsec.
        {
            "port stats reply",
            new PortStatsReply { Entries = [new PortStats { PortNumber = 1, RxPackets = 10, TxPackets = 20, DurationSec = 9 }] },
            "04 13 0080 0000002a | 0004 0000 00000000 | 00000001 00000000 000000000000000a 0000000000000014" + string.Concat(Enumerable.Repeat(" 0000000000000000", 10)) + " 00000009 00000000"
        },

        // ofp_port (64 bytes) as in PORT_STATUS, here LOCAL (0xfffffffe) named "br-int".
        {
            "port desc reply",
            new PortDescReply { Entries = [new PortDescription(OfpPort.Local, MacAddress.Parse("02:00:00:00:00:ff"), "br-int", PortConfig.PortDown, PortState.LinkDown)] },
            "04 13 0050 0000002a | 000d 0000 00000000 | fffffffe 00000000 0200000000ff 0000 62722d696e7400000000000000000000"
            + " 00000001 00000001 00000000 00000000 00000000 00000000 00000000 00000000"
        },

        // ofp_group_stats: length 56, pad(2), group_id, ref_count, pad(4), packet_count, byte_count,
        // duration | one ofp_bucket_counter: packet_count, byte_count.
        {
            "group stats reply",
            new GroupStatsReply { Entries = [new GroupStats(1, 2, 30, 3000, 4, 5, [new PacketByteCounter(10, 1000)])] },
            "04 13 0048 0000002a | 0006 0000 00000000 | 0038 0000 00000001 00000002 00000000 000000000000001e 0000000000000bb8 00000004 00000005 | 000000000000000a 00000000000003e8"
        },

        // ofp_group_desc: length 40, type ALL, pad, group_id | bucket with output:3.
        {
            "group desc reply",
            new GroupDescReply { Entries = [new GroupDescription(GroupType.All, 1, [new Bucket([new OutputAction(3)])])] },
            "04 13 0038 0000002a | 0007 0000 00000000 | 0028 00 00 00000001 | 0020 0000 ffffffff ffffffff 00000000 | 0000 0010 00000003 0000 000000000000"
        },

        // ofp_meter_stats: meter_id, len 56, pad(6), flow_count, packet_in_count, byte_in_count, duration | one band counter.
        {
            "meter stats reply",
            new MeterStatsReply { Entries = [new MeterStats(1, 2, 30, 3000, 4, 5, [new PacketByteCounter(1, 64)])] },
            "04 13 0048 0000002a | 0009 0000 00000000 | 00000001 0038 000000000000 00000002 000000000000001e 0000000000000bb8 00000004 00000005 | 0000000000000001 0000000000000040"
        },

        // ofp_meter_config: length 24, flags PKTPS, meter_id | drop band rate 100 burst 10.
        {
            "meter config reply",
            new MeterConfigReply { Entries = [new MeterConfig(MeterFlags.Pktps, 1, [new MeterBand(MeterBandType.Drop, 100, 10)])] },
            "04 13 0028 0000002a | 000a 0000 00000000 | 0018 0002 00000001 | 0001 0010 00000064 0000000a 00000000"
        },

        // ofp_desc: four 256-byte strings and a 32-byte serial number, NUL-padded.
        {
            "desc reply",
            new DescReply("a", "b", "c", "d", "e"),
            "04 13 0430 0000002a | 0000 0000 00000000 | 61" + new string('0', 510) + " 62" + new string('0', 510) + " 63" + new string('0', 510) + " 64" + new string('0', 62) + " 65" + new string('0', 510)
        },

        // ONF extension 230 for OF1.3: ofp_experimenter_header (experimenter 0x4f4e4600, exp_type 2300 = 0x08fc)
        // | bundle_id, type OPEN_REQUEST (0), flags ATOMIC|ORDERED (3).
        { "bundle control", new BundleControl(1, BundleControlType.OpenRequest, BundleFlags.Atomic | BundleFlags.Ordered), "04 04 0018 0000002a | 4f4e4600 000008fc | 00000001 0000 0003" },

        // exp_type 2301 = 0x08fd | bundle_id, pad(2), flags | the wrapped FLOW_MOD (delete all, table ALL)
        // with the same xid as the outer message.
        {
            "bundle add",
            new BundleAdd(1, BundleFlags.Atomic, new FlowMod { Command = FlowModCommand.Delete, TableId = OfpTable.All }),
            "04 04 0050 0000002a | 4f4e4600 000008fd | 00000001 0000 0001"
            + " | 04 0e 0038 0000002a 0000000000000000 0000000000000000 ff 03 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000 0001 0004 00000000"
        },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encodes_to_the_hand_derived_bytes(string name, OpenFlowMessage message, string expectedHex)
    {
        Convert.ToHexString(OpenFlowCodec.Encode(message, 0x2a)).Should().Be(Hex(expectedHex), name);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Decodes_the_hand_derived_bytes(string name, OpenFlowMessage message, string expectedHex)
    {
        var frame = OpenFlowCodec.Decode(Convert.FromHexString(Hex(expectedHex)));

        frame.Xid.Should().Be(0x2a, name);
        frame.Message.Should().Be(message, name);
    }

    [Fact]
    public void Ipv4_and_mac_helpers_encode_in_network_order()
    {
        var match = Match.Create().EthType(EtherTypes.IPv4).Ipv4Dst(Ipv4Address.Parse("10.0.1.0"), 24).EthDst(MacAddress.Parse("02:00:00:00:aa:01"));

        // OXM ipv4_dst with mask: class 0x8000, field 12 (<<9 = 0x1800) | has-mask 0x100, length 8.
        Convert.ToHexString(OpenFlowCodec.Encode(new FlowMod { Match = match }, 0)).Should().Contain(Hex("80001908 0a000100 ffffff00 | 80000606 02000000aa01"));
    }

    [Fact]
    public void Move_and_load_with_the_nxm_field_headers_ovs_uses_decode_to_the_same_fields()
    {
        // What OVS sends back in a flow dump for move:eth_src->eth_dst and load:...->arp_sha: NXM
        // headers NXM_OF_ETH_SRC (class 0, field 2, len 6) = 00000406, NXM_OF_ETH_DST = 00000206,
        // NXM_NX_ARP_SHA (class 1, field 17 -> 17<<9 = 0x2200, len 6) = 00012206.
        var frame = Hex("04 0d 0048 00000001 | ffffffff fffffffd 0030 000000000000"
            + " | ffff 0018 00002320 0006 0030 0000 0000 00000406 00000206 | ffff 0018 00002320 0007 002f 00012206 000002000000aa01");

        var packetOut = (PacketOut)OpenFlowCodec.Decode(Convert.FromHexString(frame)).Message;

        packetOut.Actions.Should().Equal(
            RegMoveAction.Whole(OxmField.EthSrc, OxmField.EthDst),
            new RegLoadAction(NxmSubfield.Whole(OxmField.ArpSha), 0x02000000aa01));
    }

    private static string Hex(string spaced) => spaced.Replace(" ", string.Empty).Replace("|", string.Empty).ToUpperInvariant();
}
