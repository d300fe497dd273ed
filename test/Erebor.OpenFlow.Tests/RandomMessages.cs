using Erebor.Domain.Collections;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;

namespace Erebor.OpenFlow.Tests;

/// <summary>Random but valid messages of every modelled type, reproducible from a seed.</summary>
internal sealed class RandomMessages(int seed)
{
    private static readonly OxmField[] Fields =
    [
        OxmField.InPort, OxmField.InPhyPort, OxmField.Metadata, OxmField.EthDst, OxmField.EthSrc, OxmField.EthType, OxmField.VlanVid, OxmField.VlanPcp,
        OxmField.IpDscp, OxmField.IpEcn, OxmField.IpProto, OxmField.Ipv4Src, OxmField.Ipv4Dst, OxmField.TcpSrc, OxmField.TcpDst, OxmField.UdpSrc,
        OxmField.UdpDst, OxmField.IcmpV4Type, OxmField.IcmpV4Code, OxmField.ArpOp, OxmField.ArpSpa, OxmField.ArpTpa, OxmField.ArpSha, OxmField.ArpTha,
        OxmField.TunnelId, OxmField.Reg(0), OxmField.Reg(7), OxmField.Reg(15), OxmField.TunIpv4Src, OxmField.TunIpv4Dst,
        OxmField.IpTtl,
    ];

    /// <summary>Standard action types this codec does not model (copy_ttl_out, set_queue, ...): they must survive as unknown actions.</summary>
    private static readonly ushort[] UnmodeledActionTypes = [11, 12, 15, 16, 19, 20, 21, 26, 27];

    private readonly Random _random = new(seed);

    public OpenFlowMessage Next() => _random.Next(37) switch
    {
        0 => new Hello(List(() => (uint)_random.NextInt64(0, uint.MaxValue + 1L), 3)),
        1 => Error(),
        2 => new EchoRequest(Bytes(40)),
        3 => new EchoReply(Bytes(40)),
        4 => new FeaturesReply(U64(), U32(), U8(), U8(), (SwitchCapabilities)U32()),
        5 => new SetConfig((FragmentHandling)_random.Next(3), U16()),
        6 => new GetConfigReply((FragmentHandling)_random.Next(3), U16()),
        7 => FlowMod(),
        8 => new GroupMod((GroupModCommand)_random.Next(3), (GroupType)_random.Next(4), U32(), List(Bucket, 3)),
        9 => new MeterMod((MeterModCommand)_random.Next(3), (MeterFlags)_random.Next(16), U32(), List(Band, 3)),
        10 => new PacketIn { BufferId = U32(), TotalLength = U16(), Reason = (PacketInReason)_random.Next(3), TableId = U8(), Cookie = U64(), Match = Match(), Data = Bytes(100) },
        11 => new PacketOut { BufferId = U32(), InPort = U32(), Actions = Actions(), Data = Bytes(100) },
        12 => new FlowRemoved { Cookie = U64(), Priority = U16(), Reason = (FlowRemovedReason)_random.Next(5), TableId = U8(), DurationSec = U32(), DurationNsec = U32(), IdleTimeout = U16(), HardTimeout = U16(), PacketCount = U64(), ByteCount = U64(), Match = Match() },
        13 => new PortStatus((PortStatusReason)_random.Next(3), Port()),
        14 => new RoleRequest((ControllerRole)_random.Next(4), U64()),
        15 => new RoleReply((ControllerRole)_random.Next(4), U64()),
        16 => new SetAsync(Async()),
        17 => new GetAsyncReply(Async()),
        18 => new FlowStatsRequest { TableId = U8(), OutPort = U32(), OutGroup = U32(), Cookie = U64(), CookieMask = U64(), Match = Match(), Flags = Flags() },
        19 => new AggregateStatsRequest { TableId = U8(), OutPort = U32(), Cookie = U64(), Match = Match() },
        20 => new FlowStatsReply { Flags = Flags(), Entries = List(FlowStats, 3) },
        21 => new AggregateStatsReply(U64(), U64(), U32()),
        22 => new TableStatsReply { Entries = List(() => new TableStats(U8(), U32(), U64(), U64()), 4) },
        23 => new PortStatsReply { Entries = List(() => new PortStats { PortNumber = U32(), RxPackets = U64(), TxBytes = U64(), Collisions = U64(), DurationSec = U32() }, 3) },
        24 => new PortDescReply { Entries = List(Port, 3) },
        25 => new GroupStatsReply { Entries = List(() => new GroupStats(U32(), U32(), U64(), U64(), U32(), U32(), List(Counter, 3)), 3) },
        26 => new GroupDescReply { Entries = List(() => new GroupDescription((GroupType)_random.Next(4), U32(), List(Bucket, 3)), 3) },
        27 => new MeterStatsReply { Entries = List(() => new MeterStats(U32(), U32(), U64(), U64(), U32(), U32(), List(Counter, 3)), 3) },
        28 => new MeterConfigReply { Entries = List(() => new MeterConfig((MeterFlags)_random.Next(16), U32(), List(Band, 3)), 3) },
        29 => new PortStatsRequest(U32()),
        30 => new GroupStatsRequest(U32()),
        31 => new MeterConfigRequest(U32()),
        32 => new DescReply(Text(30), Text(30), Text(30), Text(20), Text(30)),
        33 => new BundleControl(U32(), (BundleControlType)_random.Next(8), (BundleFlags)_random.Next(4)),
        34 => new BundleAdd(U32(), (BundleFlags)_random.Next(4), _random.Next(2) == 0 ? FlowMod() : new GroupMod(GroupModCommand.Add, GroupType.All, U32(), List(Bucket, 2))),
        35 => new ExperimenterMessage(OfpExperimenter.Nicira, U32(), Bytes(16)),
        _ => new MeterStatsRequest(U32()),
    };

    public Match Match()
    {
        var match = Matching.Match.Any;
        foreach (var field in Fields)
        {
            if (_random.Next(4) != 0) { continue; }
            // Prerequisites precede their dependants in Fields; values are not checked, since
            // random flow mods are deletes, for which the encoder does not enforce prerequisites.
            if (field.Prerequisite is { } required && match.Find(required) is null) { continue; }

            var value = Value(field);
            ulong? mask = field.Maskable && _random.Next(2) == 0 ? Value(field) : null;
            match = match.With(field, value, mask);
        }

        if (_random.Next(5) == 0)
        {
            // An IPv6 source address (OXM field 26, 16 bytes), which the codec keeps as raw bytes.
            match = match with { UnmodeledOxm = EquatableArray.Create((ReadOnlySpan<byte>)[0x80, 0x00, 0x34, 0x10, .. Bytes(16, exact: true)]) };
        }

        return match;
    }

    private FlowMod FlowMod() => new()
    {
        // Prerequisites are only enforced for add/modify, and random matches do not honour them.
        Command = _random.Next(2) == 0 ? FlowModCommand.Delete : FlowModCommand.DeleteStrict,
        Cookie = U64(),
        CookieMask = U64(),
        TableId = U8(),
        IdleTimeout = U16(),
        HardTimeout = U16(),
        Priority = U16(),
        BufferId = U32(),
        OutPort = U32(),
        OutGroup = U32(),
        Flags = (FlowModFlags)_random.Next(32),
        Match = Match(),
        Instructions = List(Instruction, 4),
    };

    private FlowStats FlowStats() => new()
    {
        TableId = U8(),
        DurationSec = U32(),
        DurationNsec = U32(),
        Priority = U16(),
        IdleTimeout = U16(),
        HardTimeout = U16(),
        Flags = (FlowModFlags)_random.Next(32),
        Cookie = U64(),
        PacketCount = U64(),
        ByteCount = U64(),
        Match = Match(),
        Instructions = List(Instruction, 3),
    };

    private Instruction Instruction() => _random.Next(7) switch
    {
        0 => new GotoTableInstruction(U8()),
        1 => new WriteMetadataInstruction(U64(), U64()),
        2 => new ApplyActionsInstruction(Actions()),
        3 => new WriteActionsInstruction(Actions()),
        4 => new ClearActionsInstruction(),
        5 => new MeterInstruction(U32()),
        _ => new UnknownInstruction(0xffff, Bytes(4 + (8 * _random.Next(3)), exact: true)),
    };

    private EquatableArray<OfpAction> Actions() => List(Action, 6);

    private OfpAction Action()
    {
        var field = Fields[_random.Next(Fields.Length)];
        var other = Fields[_random.Next(Fields.Length)];
        switch (_random.Next(14))
        {
            case 0: return new OutputAction(U32(), U16());
            case 1: return new GroupAction(U32());
            case 2: return new SetFieldAction(field, Value(field));
            case 3: return new PushVlanAction(U16());
            case 4: return new PopVlanAction();
            case 5: return new DecNwTtlAction();
            case 6: return new SetNwTtlAction(U8());
            case 7:
                var bits = _random.Next(1, Math.Min(field.Bits, other.Bits) + 1);
                return new RegMoveAction(new NxmSubfield(field, _random.Next(field.Bits - bits + 1), bits), new NxmSubfield(other, _random.Next(other.Bits - bits + 1), bits));
            case 8:
                var loadBits = _random.Next(1, field.Bits + 1);
                return new RegLoadAction(new NxmSubfield(field, _random.Next(field.Bits - loadBits + 1), loadBits), U64() >> (64 - loadBits));
            case 9: return new ResubmitAction(U8(), U16());
            case 10:
                var note = Bytes(20);
                return new NoteAction(note.Count > 0 && note[^1] == 0 ? EquatableArray.Create(note.AsSpan()[..^1]) : note);
            case 11:
                return new Controller2Action { MaxLength = U16(), Reason = (PacketInReason)_random.Next(3), ControllerId = U16(), UserData = Bytes(12), Pause = _random.Next(2) == 0 };
            default: return new UnknownAction(UnmodeledActionTypes[_random.Next(UnmodeledActionTypes.Length)], Bytes(4 + (8 * _random.Next(3)), exact: true));
        }
    }

    private Bucket Bucket() => new(Actions()) { Weight = U16(), WatchPort = U32(), WatchGroup = U32() };

    private MeterBand Band() =>
        _random.Next(2) == 0 ? new MeterBand(MeterBandType.Drop, U32(), U32()) : new MeterBand(MeterBandType.DscpRemark, U32(), U32(), U8());

    private PacketByteCounter Counter() => new(U64(), U64());

    private PortDescription Port() =>
        new(U32(), new MacAddress(U64() & MacAddress.MaxValue), Text(15), (PortConfig)U32(), (PortState)U32(), U32(), U32(), U32(), U32(), U32(), U32());

    private AsyncConfig Async() => new(new AsyncMask(U32(), U32()), new AsyncMask(U32(), U32()), new AsyncMask(U32(), U32()));

    private MultipartFlags Flags() => (MultipartFlags)_random.Next(2);

    private ErrorMessage Error() =>
        _random.Next(2) == 0
            ? new ErrorMessage((OfpErrorType)_random.Next(14), (ushort)_random.Next(16), Bytes(64))
            : new ErrorMessage(OfpErrorType.Experimenter, U16(), Bytes(64), _random.Next(2) == 0 ? OfpExperimenter.Nicira : OfpExperimenter.Onf);

    private ulong Value(OxmField field) => U64() & field.AllOnes;

    private EquatableArray<T> List<T>(Func<T> next, int max)
    {
        var count = _random.Next(max + 1);
        var items = new T[count];
        for (var i = 0; i < count; i++) { items[i] = next(); }
        return EquatableArray.Create<T>(items);
    }

    private EquatableArray<byte> Bytes(int max, bool exact = false)
    {
        var bytes = new byte[exact ? max : _random.Next(max + 1)];
        _random.NextBytes(bytes);
        return EquatableArray.Create<byte>(bytes);
    }

    private string Text(int max) => new([.. Enumerable.Range(0, _random.Next(max + 1)).Select(_ => (char)_random.Next(0x20, 0x7f))]);

    private byte U8() => (byte)_random.Next(256);

    private ushort U16() => (ushort)_random.Next(65536);

    private uint U32() => (uint)_random.NextInt64(0, uint.MaxValue + 1L);

    private ulong U64() => (ulong)_random.NextInt64() ^ ((ulong)_random.Next(2) << 63);
}
