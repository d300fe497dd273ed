using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;

namespace Erebor.OpenFlow.Tests;

/// <summary>Messages shared by the OVS-oracle, round-trip and truncation tests.</summary>
internal static class Samples
{
    public static readonly MacAddress RouterMac = MacAddress.Parse("02:00:00:00:aa:01");
    public static readonly Ipv4Address RouterIp = Ipv4Address.Parse("10.0.1.1");

    /// <summary>
    /// The OVS "ARP responder" from the OVS docs, as Erebor installs it: turn an ARP request for the
    /// router IP into the reply and send it back where it came from.
    /// </summary>
    public static FlowMod ArpResponder => new()
    {
        TableId = 10,
        Priority = 100,
        Cookie = 0xe0000000_00000001,
        Match = Match.Create().EthType(EtherTypes.Arp).ArpOp(1).ArpTpa(RouterIp),
        Instructions =
        [
            new ApplyActionsInstruction(
            [
                RegMoveAction.Whole(OxmField.EthSrc, OxmField.EthDst),
                new SetFieldAction(OxmField.EthSrc, RouterMac.Value),
                new SetFieldAction(OxmField.ArpOp, 2),
                RegMoveAction.Whole(OxmField.ArpSha, OxmField.ArpTha),
                RegMoveAction.Whole(OxmField.ArpSpa, OxmField.ArpTpa),
                new RegLoadAction(NxmSubfield.Whole(OxmField.ArpSha), RouterMac.Value),
                new RegLoadAction(NxmSubfield.Whole(OxmField.ArpSpa), RouterIp.Value),
                new OutputAction(OfpPort.InPort),
            ]),
        ],
    };

    /// <summary>
    /// A flow using every modelled match field (with masks where allowed) and every instruction,
    /// except in_phy_port: OVS rejects it in a match (OFPBMC_BAD_FIELD); it is covered by the round-trip tests.
    /// </summary>
    public static FlowMod EverythingFlow => new()
    {
        Command = FlowModCommand.ModifyStrict,
        TableId = 40,
        Priority = 1000,
        Cookie = 0x0102030405060708,
        CookieMask = 0xffffffff00000000,
        IdleTimeout = 30,
        HardTimeout = 300,
        Flags = FlowModFlags.SendFlowRemoved | FlowModFlags.ResetCounts,
        Match = Match.Create()
            .InPort(1).Metadata(0x10, 0xff)
            .EthDst(MacAddress.Parse("02:00:00:00:00:01")).EthSrc(MacAddress.Parse("02:00:00:00:00:00"), MacAddress.Parse("ff:ff:ff:00:00:00"))
            .EthType(EtherTypes.IPv4).VlanVid(100).VlanPcp(3).IpDscp(10).IpEcn(1).IpProto(IpProtocols.Udp).IpTtl(64)
            .Ipv4Src(Ipv4Address.Parse("10.0.0.0"), 8).Ipv4Dst(Ipv4Address.Parse("10.0.1.10"))
            .UdpSrc(68).UdpDst(67)
            .TunnelId(0x1234).Reg(0, 7).Reg(15, 0x100, 0xff00)
            .TunIpv4Src(Ipv4Address.Parse("192.168.0.1")).TunIpv4Dst(Ipv4Address.Parse("192.168.0.2")),
        Instructions =
        [
            new MeterInstruction(1),
            new ApplyActionsInstruction(
            [
                new PushVlanAction(),
                new SetFieldAction(OxmField.VlanVid, 0x1000 | 5),
                new PopVlanAction(),
                new DecNwTtlAction(),
                new SetNwTtlAction(64),
                new SetFieldAction(OxmField.Reg(3), 42),
                new RegLoadAction(new NxmSubfield(OxmField.Reg(4), 8, 8), 0xab),
                new RegMoveAction(new NxmSubfield(OxmField.Reg(1), 0, 16), new NxmSubfield(OxmField.Metadata, 16, 16)),
                new NoteAction([0x65, 0x72, 0x65, 0x62, 0x6f, 0x72]),
                new ResubmitAction(50),
                new GroupAction(7),
                OutputAction.ToController(128),
                new Controller2Action { MaxLength = 256, Reason = PacketInReason.NoMatch, ControllerId = 3, UserData = [1, 2, 3, 4, 5], Pause = true },
            ]),
            new ClearActionsInstruction(),
            new WriteActionsInstruction([new OutputAction(2)]),
            new WriteMetadataInstruction(0x1, 0xff),
            new GotoTableInstruction(50),
        ],
    };

    public static PortDescription Port5 => new(5, MacAddress.Parse("02:00:00:00:00:05"), "vm1-ovs", PortConfig.None, PortState.Live, CurrentSpeedKbps: 10_000_000);

    /// <summary>At least one message of every modelled type.</summary>
    public static IReadOnlyList<(string Name, OpenFlowMessage Message)> All =>
    [
        ("hello", Hello.OpenFlow13Only),
        ("error", new ErrorMessage(OfpErrorType.BadMatch, 9, [0x04, 0x0e, 0x00, 0x48, 0x00, 0x00, 0x00, 0x07])),
        ("error-bundle", new ErrorMessage(OfpErrorType.Experimenter, 2313, default, OfpExperimenter.Onf)),
        ("echo-request", new EchoRequest([1, 2, 3])),
        ("echo-reply", new EchoReply([1, 2, 3])),
        ("features-request", new FeaturesRequest()),
        ("features-reply", new FeaturesReply(0xabc, 0, 254, 0, SwitchCapabilities.FlowStats | SwitchCapabilities.TableStats | SwitchCapabilities.PortStats | SwitchCapabilities.GroupStats | SwitchCapabilities.QueueStats)),
        ("get-config-request", new GetConfigRequest()),
        ("get-config-reply", new GetConfigReply(FragmentHandling.Normal, 128)),
        ("set-config", new SetConfig(FragmentHandling.Normal, OfpControllerMaxLength.NoBuffer)),
        ("flow-mod-arp-responder", ArpResponder),
        ("flow-mod-everything", EverythingFlow),
        ("flow-mod-delete-all", new FlowMod { Command = FlowModCommand.Delete, TableId = OfpTable.All }),
        ("flow-mod-delete-cookie", new FlowMod { Command = FlowModCommand.DeleteStrict, TableId = 3, Cookie = 0x5, CookieMask = 0xff, OutPort = 4, OutGroup = 9, Match = Match.Create().InPort(4) }),
        ("flow-mod-modify", new FlowMod { Command = FlowModCommand.Modify, TableId = 1, Match = Match.Create().EthType(EtherTypes.Arp).ArpSpa(Ipv4Address.Parse("10.0.0.0"), 24).ArpSha(MacAddress.Parse("02:00:00:00:00:09")).ArpTha(MacAddress.Parse("02:00:00:00:00:0a")), Instructions = [new GotoTableInstruction(2)] }),
        ("flow-mod-tcp-icmp", new FlowMod { Match = Match.Create().EthType(EtherTypes.IPv4).IpProto(IpProtocols.Tcp).TcpSrc(1000).TcpDst(80), Instructions = [new ApplyActionsInstruction([new OutputAction(OfpPort.Normal)])] }),
        ("flow-mod-icmp", new FlowMod { Match = Match.Create().EthType(EtherTypes.IPv4).IpProto(IpProtocols.Icmp).IcmpV4Type(8).IcmpV4Code(0).NoVlan(), Instructions = [new ApplyActionsInstruction([new OutputAction(OfpPort.Flood), new OutputAction(OfpPort.Local)])] }),
        ("group-mod", new GroupMod(GroupModCommand.Add, GroupType.Select, 1, [new Bucket([new OutputAction(3)]) { Weight = 10 }, new Bucket([new OutputAction(4)]) { Weight = 20 }])),
        ("group-mod-ff", new GroupMod(GroupModCommand.Modify, GroupType.FastFailover, 2, [new Bucket([new OutputAction(3)]) { WatchPort = 3 }])),
        ("group-mod-delete", new GroupMod(GroupModCommand.Delete, GroupType.All, OfpGroup.All)),
        ("meter-mod", new MeterMod(MeterModCommand.Add, MeterFlags.Pktps | MeterFlags.Burst | MeterFlags.Stats, 1, [new MeterBand(MeterBandType.Drop, 1000, 100), new MeterBand(MeterBandType.DscpRemark, 2000, 10, 1)])),
        ("meter-mod-kbps", new MeterMod(MeterModCommand.Modify, MeterFlags.Kbps, 2, [new MeterBand(MeterBandType.Drop, 10000)])),
        ("packet-in", new PacketIn { TotalLength = 4, Reason = PacketInReason.Action, TableId = 20, Cookie = 0xff, Match = Match.Create().InPort(1).Reg(0, 5).Metadata(9), Data = [0xde, 0xad, 0xbe, 0xef] }),
        ("packet-out", new PacketOut { InPort = OfpPort.Controller, Actions = [new OutputAction(2)], Data = [1, 2] }),
        ("flow-removed", new FlowRemoved { Cookie = 1, Priority = 100, Reason = FlowRemovedReason.IdleTimeout, TableId = 10, DurationSec = 5, IdleTimeout = 10, PacketCount = 2, ByteCount = 128, Match = Match.Create().EthType(EtherTypes.IPv4).Ipv4Dst(Ipv4Address.Parse("10.0.1.10")) }),
        ("port-status", new PortStatus(PortStatusReason.Add, Port5)),
        ("barrier-request", new BarrierRequest()),
        ("barrier-reply", new BarrierReply()),
        ("role-request", new RoleRequest(ControllerRole.Master, 1)),
        ("role-reply", new RoleReply(ControllerRole.Slave, 2)),
        ("get-async-request", new GetAsyncRequest()),
        ("get-async-reply", new GetAsyncReply(new AsyncConfig(new AsyncMask(7, 0), new AsyncMask(7, 7), new AsyncMask(15, 0)))),
        ("set-async", new SetAsync(new AsyncConfig(new AsyncMask(7, 0), new AsyncMask(7, 7), new AsyncMask(15, 0)))),
        ("desc-request", new DescRequest()),
        ("desc-reply", new DescReply("Nicira, Inc.", "Open vSwitch", "3.1.0", "None", "br-int")),
        ("flow-stats-request", new FlowStatsRequest { TableId = 10, Match = Match.Create().InPort(1) }),
        ("flow-stats-reply", new FlowStatsReply { Entries = [new FlowStats { TableId = 10, Priority = 100, DurationSec = 3, Cookie = 7, PacketCount = 1, ByteCount = 60, Match = ArpResponder.Match, Instructions = ArpResponder.Instructions }, new FlowStats { TableId = 0, Priority = 0, Instructions = [new GotoTableInstruction(10)] }] }),
        ("aggregate-request", new AggregateStatsRequest { Cookie = 0x100, CookieMask = 0xf00 }),
        ("aggregate-reply", new AggregateStatsReply(10, 1024, 3)),
        ("table-stats-request", new TableStatsRequest()),
        ("table-stats-reply", new TableStatsReply { Entries = [new TableStats(0, 3, 100, 90), new TableStats(1, 0, 10, 0)] }),
        ("port-stats-request", new PortStatsRequest()),
        ("port-stats-reply", new PortStatsReply { Entries = [new PortStats { PortNumber = 1, RxPackets = 10, TxPackets = 20, RxBytes = 1000, TxBytes = 2000, DurationSec = 9 }] }),
        ("port-desc-request", new PortDescRequest()),
        ("port-desc-reply", new PortDescReply { Entries = [Port5, new PortDescription(OfpPort.Local, MacAddress.Parse("02:00:00:00:00:ff"), "br-int", PortConfig.PortDown, PortState.LinkDown)] }),
        ("group-stats-request", new GroupStatsRequest()),
        ("group-stats-reply", new GroupStatsReply { Entries = [new GroupStats(1, 2, 30, 3000, 4, 5, [new PacketByteCounter(10, 1000), new PacketByteCounter(20, 2000)])] }),
        ("group-desc-request", new GroupDescRequest()),
        ("group-desc-reply", new GroupDescReply { Entries = [new GroupDescription(GroupType.All, 1, [new Bucket([new OutputAction(3)])])] }),
        ("meter-stats-request", new MeterStatsRequest()),
        ("meter-stats-reply", new MeterStatsReply { Entries = [new MeterStats(1, 2, 30, 3000, 4, 5, [new PacketByteCounter(1, 64)])] }),
        ("meter-config-request", new MeterConfigRequest(1)),
        ("meter-config-reply", new MeterConfigReply { Entries = [new MeterConfig(MeterFlags.Pktps, 1, [new MeterBand(MeterBandType.Drop, 100, 10)])] }),
        ("bundle-open", new BundleControl(1, BundleControlType.OpenRequest, BundleFlags.Atomic | BundleFlags.Ordered)),
        ("bundle-commit-reply", new BundleControl(1, BundleControlType.CommitReply, BundleFlags.Atomic)),
        ("bundle-add", new BundleAdd(1, BundleFlags.Atomic | BundleFlags.Ordered, ArpResponder)),
        ("bundle-add-group", new BundleAdd(1, BundleFlags.Atomic, new GroupMod(GroupModCommand.Add, GroupType.Indirect, 3, [new Bucket([new OutputAction(1)])]))),
    ];
}
