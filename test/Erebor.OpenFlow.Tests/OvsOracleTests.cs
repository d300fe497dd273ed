using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Tests;

/// <summary>
/// Every sample message is encoded and handed to <c>ovs-ofctl ofp-print</c>; OVS must decode it
/// without complaint and print what we meant. No switch is needed, only the ovs-ofctl binary.
/// </summary>
public class OvsOracleTests
{
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["hello"] = ["OFPT_HELLO (OF1.3)", "version bitmap: 0x04"],
        ["error"] = ["OFPT_ERROR (OF1.3)", "OFPBMC_BAD_PREREQ", "OFPT_FLOW_MOD"],
        ["error-bundle"] = ["OFPT_ERROR (OF1.3)", "OFPBFC_MSG_FAILED"],
        ["echo-request"] = ["OFPT_ECHO_REQUEST (OF1.3)", "3 bytes of payload"],
        ["echo-reply"] = ["OFPT_ECHO_REPLY (OF1.3)", "3 bytes of payload"],
        ["features-request"] = ["OFPT_FEATURES_REQUEST (OF1.3)"],
        ["features-reply"] = ["dpid:0000000000000abc", "n_tables:254, n_buffers:0", "capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS"],
        ["get-config-request"] = ["OFPT_GET_CONFIG_REQUEST (OF1.3)"],
        ["get-config-reply"] = ["frags=normal miss_send_len=128"],
        ["set-config"] = ["OFPT_SET_CONFIG (OF1.3)", "frags=normal miss_send_len=65535"],
        ["flow-mod-arp-responder"] =
        [
            "ADD table:10 priority=100,arp,arp_tpa=10.0.1.1,arp_op=1 cookie:0xe000000000000001",
            "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:00:00:00:aa:01->eth_src,set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                + "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],load:0x2000000aa01->NXM_NX_ARP_SHA[],load:0xa000101->NXM_OF_ARP_SPA[],IN_PORT",
        ],
        ["flow-mod-everything"] =
        [
            "MOD_STRICT table:40 priority=1000,udp,reg0=0x7,reg15=0x100/0xff00,tun_id=0x1234,tun_src=192.168.0.1,tun_dst=192.168.0.2,metadata=0x10/0xff,in_port=1,"
                + "dl_vlan=100,dl_vlan_pcp=3,dl_src=02:00:00:00:00:00/ff:ff:ff:00:00:00,dl_dst=02:00:00:00:00:01,nw_src=10.0.0.0/8,nw_dst=10.0.1.10,nw_tos=40,nw_ecn=1,nw_ttl=64,tp_src=68,tp_dst=67",
            "cookie:0x102030405060708/0xffffffff00000000 idle:30 hard:300 send_flow_rem reset_counts",
            "actions=meter:1,push_vlan:0x8100,set_field:4101->vlan_vid,pop_vlan,dec_ttl,mod_nw_ttl:64,set_field:0x2a->reg3,load:0xab->NXM_NX_REG4[8..15],"
                + "move:NXM_NX_REG1[0..15]->OXM_OF_METADATA[16..31],note:65.72.65.62.6f.72,resubmit(,50),group:7,CONTROLLER:128,"
                + "controller(reason=no_match,max_len=256,id=3,userdata=01.02.03.04.05,pause),clear_actions,write_actions(output:2),write_metadata:0x1/0xff,goto_table:50",
        ],
        ["flow-mod-delete-all"] = ["DEL table:255 actions=drop"],
        ["flow-mod-delete-cookie"] = ["DEL_STRICT table:3 in_port=4 cookie:0x5/0xff out_port:4"],
        ["flow-mod-modify"] = ["MOD table:1 arp,arp_spa=10.0.0.0/24,arp_sha=02:00:00:00:00:09,arp_tha=02:00:00:00:00:0a actions=goto_table:2"],
        ["flow-mod-tcp-icmp"] = ["ADD tcp,tp_src=1000,tp_dst=80 actions=NORMAL"],
        ["flow-mod-icmp"] = ["ADD icmp,vlan_tci=0x0000/0x1fff,icmp_type=8,icmp_code=0 actions=FLOOD,LOCAL"],
        ["group-mod"] = ["ADD group_id=1,type=select,bucket=weight:10,actions=output:3,bucket=weight:20,actions=output:4"],
        ["group-mod-ff"] = ["MOD group_id=2,type=ff,bucket=watch_port:3,actions=output:3"],
        ["group-mod-delete"] = ["DEL group_id=4294967292,type=all"],
        ["meter-mod"] = ["ADD meter=1 pktps burst stats bands=", "type=drop rate=1000 burst_size=100", "type=dscp_remark rate=2000 burst_size=10 prec_level=1"],
        ["meter-mod-kbps"] = ["MOD meter=2 kbps bands=", "type=drop rate=10000"],
        ["packet-in"] = ["OFPT_PACKET_IN (OF1.3)", "table_id=20 cookie=0xff total_len=4 reg0=0x5,metadata=0x9,in_port=1 (via action) data_len=4 (unbuffered)"],
        ["packet-out"] = ["in_port=CONTROLLER actions=output:2 data_len=2"],
        ["flow-removed"] = ["priority=100,ip,nw_dst=10.0.1.10 reason=idle table_id=10 cookie:0x1 duration5s idle10 pkts2 bytes128"],
        ["port-status"] = ["ADD: 5(vm1-ovs): addr:02:00:00:00:00:05", "state:      LIVE", "speed: 10000 Mbps now"],
        ["barrier-request"] = ["OFPT_BARRIER_REQUEST (OF1.3)"],
        ["barrier-reply"] = ["OFPT_BARRIER_REPLY (OF1.3)"],
        ["role-request"] = ["OFPT_ROLE_REQUEST (OF1.3)", "role=primary generation_id=1"],
        ["role-reply"] = ["OFPT_ROLE_REPLY (OF1.3)", "role=secondary generation_id=2"],
        ["get-async-request"] = ["OFPT_GET_ASYNC_REQUEST (OF1.3)"],
        ["get-async-reply"] = ["OFPT_GET_ASYNC_REPLY (OF1.3)", "PACKET_IN: no_match action invalid_ttl", "FLOW_REMOVED: idle hard delete group_delete"],
        ["set-async"] = ["OFPT_SET_ASYNC (OF1.3)", "PACKET_IN: no_match action invalid_ttl", "PORT_STATUS: add delete modify"],
        ["desc-request"] = ["OFPST_DESC request (OF1.3)"],
        ["desc-reply"] = ["Manufacturer: Nicira, Inc.", "Hardware: Open vSwitch", "Software: 3.1.0", "Serial Num: None", "DP Description: br-int"],
        ["flow-stats-request"] = ["OFPST_FLOW request (OF1.3) (xid=0x7): table=10 in_port=1"],
        ["flow-stats-reply"] =
        [
            "cookie=0x7, duration=3s, table=10, n_packets=1, n_bytes=60, priority=100,arp,arp_tpa=10.0.1.1,arp_op=1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
            "cookie=0x0, duration=0s, table=0, n_packets=0, n_bytes=0, priority=0 actions=goto_table:10",
        ],
        ["aggregate-request"] = ["OFPST_AGGREGATE request (OF1.3)"],
        ["aggregate-reply"] = ["packet_count=10 byte_count=1024 flow_count=3"],
        ["table-stats-request"] = ["OFPST_TABLE request (OF1.3)"],
        ["table-stats-reply"] = ["table 0:", "active=3, lookup=100, matched=90", "table 1:", "active=0, lookup=10, matched=0"],
        ["port-stats-request"] = ["OFPST_PORT request (OF1.3) (xid=0x7): port_no=ANY"],
        ["port-stats-reply"] = ["port  1: rx pkts=10, bytes=1000", "tx pkts=20, bytes=2000", "duration=9s"],
        ["port-desc-request"] = ["OFPST_PORT_DESC request (OF1.3) (xid=0x7): port=ANY"],
        ["port-desc-reply"] = ["5(vm1-ovs): addr:02:00:00:00:00:05", "LOCAL(br-int): addr:02:00:00:00:00:ff", "config:     PORT_DOWN", "state:      LINK_DOWN"],
        ["group-stats-request"] = ["OFPST_GROUP request (OF1.3) (xid=0x7): group_id=ALL"],
        ["group-stats-reply"] = ["group_id=1,duration=4.000000005s,ref_count=2,packet_count=30,byte_count=3000,bucket0:packet_count=10,byte_count=1000,bucket1:packet_count=20,byte_count=2000"],
        ["group-desc-request"] = ["OFPST_GROUP_DESC request (OF1.3) (xid=0x7): group_id=ALL"],
        ["group-desc-reply"] = ["group_id=1,type=all,bucket=actions=output:3"],
        ["meter-stats-request"] = ["OFPST_METER request (OF1.3) (xid=0x7): meter=all"],
        ["meter-stats-reply"] = ["meter:1 flow_count:2 packet_in_count:30 byte_in_count:3000 duration:4.000000005s bands:", "0: packet_count:1 byte_count:64"],
        ["meter-config-request"] = ["OFPST_METER_CONFIG request (OF1.3) (xid=0x7): meter=1"],
        ["meter-config-reply"] = ["meter=1 pktps bands=", "type=drop rate=100"],
        ["bundle-open"] = ["ONFT_BUNDLE_CONTROL (OF1.3)", "bundle_id=0x1 type=OPEN_REQUEST flags=atomic ordered"],
        ["bundle-commit-reply"] = ["ONFT_BUNDLE_CONTROL (OF1.3)", "bundle_id=0x1 type=COMMIT_REPLY flags=atomic"],
        ["bundle-add"] = ["ONFT_BUNDLE_ADD_MESSAGE (OF1.3)", "bundle_id=0x1 flags=atomic ordered", "OFPT_FLOW_MOD (OF1.3) (xid=0x7): ADD table:10 priority=100,arp,arp_tpa=10.0.1.1,arp_op=1"],
        ["bundle-add-group"] = ["ONFT_BUNDLE_ADD_MESSAGE (OF1.3)", "bundle_id=0x1 flags=atomic", "ADD group_id=3,type=indirect,bucket=actions=output:1"],
    };

    public static TheoryData<string> SampleNames => new(Samples.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(SampleNames))]
    public async Task Ovs_decodes_our_encoding_as_intended(string name)
    {
        var message = Samples.All.Single(s => s.Name == name).Message;

        var printed = await OfpPrint.DecodeAsync(OpenFlowCodec.Encode(message, 7));

        printed.Should().NotContain("decode error").And.NotContain("***only uses").And.NotContain("bad ");
        Expected.Should().ContainKey(name, "every sample needs an expectation");
        foreach (var text in Expected[name]) { printed.Should().Contain(text); }
    }

    [Fact]
    public void Every_message_type_the_codec_models_has_a_sample()
    {
        var modelled = typeof(OpenFlowMessage).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(OpenFlowMessage)) && !t.IsAbstract && t.IsPublic && t.Name is not ("UnknownMessage" or "ExperimenterMessage"));

        modelled.Should().BeSubsetOf(Samples.All.Select(s => s.Message.GetType()));
    }
}
