namespace Erebor.OpenFlow.Matching;

/// <summary>
/// A match field this codec models: its OXM class and number, its width in bytes (at most 8, so
/// every value fits a ulong), whether the switch accepts a mask for it, and the OpenFlow 1.3
/// prerequisite it has. One instance exists per field, so reference equality is field equality.
/// Fields outside this table still round-trip, as raw bytes (<see cref="Match.UnmodeledOxm"/>).
/// </summary>
public sealed class OxmField
{
    public const ushort OpenFlowBasicClass = 0x8000;

    /// <summary>Nicira extensible match class 1 (NXM_NX_*), where OVS keeps registers and tunnel fields.</summary>
    public const ushort NiciraClass = 0x0001;

    private static readonly Dictionary<uint, OxmField> ByClassAndNumber = [];
    private static readonly OxmField[] Registers = new OxmField[16];

    public static readonly OxmField InPort = Define("in_port", OpenFlowBasicClass, 0, 4, maskable: false);
    public static readonly OxmField InPhyPort = Define("in_phy_port", OpenFlowBasicClass, 1, 4, maskable: false, InPort);
    public static readonly OxmField Metadata = Define("metadata", OpenFlowBasicClass, 2, 8, maskable: true);
    public static readonly OxmField EthDst = Define("eth_dst", OpenFlowBasicClass, 3, 6, maskable: true);
    public static readonly OxmField EthSrc = Define("eth_src", OpenFlowBasicClass, 4, 6, maskable: true);
    public static readonly OxmField EthType = Define("eth_type", OpenFlowBasicClass, 5, 2, maskable: false);
    public static readonly OxmField VlanVid = Define("vlan_vid", OpenFlowBasicClass, 6, 2, maskable: true);
    public static readonly OxmField VlanPcp = Define("vlan_pcp", OpenFlowBasicClass, 7, 1, maskable: false, VlanVid);
    public static readonly OxmField IpDscp = Define("ip_dscp", OpenFlowBasicClass, 8, 1, maskable: false, EthType, EtherTypes.IPv4, EtherTypes.IPv6);
    public static readonly OxmField IpEcn = Define("ip_ecn", OpenFlowBasicClass, 9, 1, maskable: false, EthType, EtherTypes.IPv4, EtherTypes.IPv6);
    public static readonly OxmField IpProto = Define("ip_proto", OpenFlowBasicClass, 10, 1, maskable: false, EthType, EtherTypes.IPv4, EtherTypes.IPv6);
    public static readonly OxmField Ipv4Src = Define("ipv4_src", OpenFlowBasicClass, 11, 4, maskable: true, EthType, EtherTypes.IPv4);
    public static readonly OxmField Ipv4Dst = Define("ipv4_dst", OpenFlowBasicClass, 12, 4, maskable: true, EthType, EtherTypes.IPv4);
    public static readonly OxmField TcpSrc = Define("tcp_src", OpenFlowBasicClass, 13, 2, maskable: false, IpProto, IpProtocols.Tcp);
    public static readonly OxmField TcpDst = Define("tcp_dst", OpenFlowBasicClass, 14, 2, maskable: false, IpProto, IpProtocols.Tcp);
    public static readonly OxmField UdpSrc = Define("udp_src", OpenFlowBasicClass, 15, 2, maskable: false, IpProto, IpProtocols.Udp);
    public static readonly OxmField UdpDst = Define("udp_dst", OpenFlowBasicClass, 16, 2, maskable: false, IpProto, IpProtocols.Udp);
    public static readonly OxmField IcmpV4Type = Define("icmpv4_type", OpenFlowBasicClass, 19, 1, maskable: false, IpProto, IpProtocols.Icmp);
    public static readonly OxmField IcmpV4Code = Define("icmpv4_code", OpenFlowBasicClass, 20, 1, maskable: false, IpProto, IpProtocols.Icmp);
    public static readonly OxmField ArpOp = Define("arp_op", OpenFlowBasicClass, 21, 2, maskable: false, EthType, EtherTypes.Arp);
    public static readonly OxmField ArpSpa = Define("arp_spa", OpenFlowBasicClass, 22, 4, maskable: true, EthType, EtherTypes.Arp);
    public static readonly OxmField ArpTpa = Define("arp_tpa", OpenFlowBasicClass, 23, 4, maskable: true, EthType, EtherTypes.Arp);
    public static readonly OxmField ArpSha = Define("arp_sha", OpenFlowBasicClass, 24, 6, maskable: true, EthType, EtherTypes.Arp);
    public static readonly OxmField ArpTha = Define("arp_tha", OpenFlowBasicClass, 25, 6, maskable: true, EthType, EtherTypes.Arp);
    public static readonly OxmField TunnelId = Define("tunnel_id", OpenFlowBasicClass, 38, 8, maskable: true);
    public static readonly OxmField TunIpv4Src = Define("tun_ipv4_src", NiciraClass, 31, 4, maskable: true);
    public static readonly OxmField TunIpv4Dst = Define("tun_ipv4_dst", NiciraClass, 32, 4, maskable: true);

    /// <summary>NXM_NX_IP_TTL: OpenFlow 1.3 has no TTL match, OVS has this one (ovs-ofctl shows it as nw_ttl); it takes no mask.</summary>
    public static readonly OxmField IpTtl = Define("ip_ttl", NiciraClass, 29, 1, maskable: false, EthType, EtherTypes.IPv4, EtherTypes.IPv6);

    /// <summary>The original Nicira match class 0 (NXM_OF_*), which OVS still uses in move/load actions.</summary>
    private const ushort NiciraOpenFlowClass = 0x0000;

    static OxmField()
    {
        for (var i = 0; i < Registers.Length; i++)
        {
            Registers[i] = Define($"reg{i}", NiciraClass, (byte)i, 4, maskable: true);
        }

        // NXM names for the same fields, with the same width and meaning: OVS encodes the fields of
        // NXAST_REG_MOVE/REG_LOAD this way even in OpenFlow 1.3 (e.g. NXM_OF_ETH_SRC, NXM_NX_ARP_SHA).
        // Decoding accepts them; encoding always uses the OXM form above.
        Alias(NiciraOpenFlowClass, 1, EthDst);
        Alias(NiciraOpenFlowClass, 2, EthSrc);
        Alias(NiciraOpenFlowClass, 3, EthType);
        Alias(NiciraOpenFlowClass, 6, IpProto);
        Alias(NiciraOpenFlowClass, 7, Ipv4Src);
        Alias(NiciraOpenFlowClass, 8, Ipv4Dst);
        Alias(NiciraOpenFlowClass, 9, TcpSrc);
        Alias(NiciraOpenFlowClass, 10, TcpDst);
        Alias(NiciraOpenFlowClass, 11, UdpSrc);
        Alias(NiciraOpenFlowClass, 12, UdpDst);
        Alias(NiciraOpenFlowClass, 13, IcmpV4Type);
        Alias(NiciraOpenFlowClass, 14, IcmpV4Code);
        Alias(NiciraOpenFlowClass, 15, ArpOp);
        Alias(NiciraOpenFlowClass, 16, ArpSpa);
        Alias(NiciraOpenFlowClass, 17, ArpTpa);
        Alias(NiciraClass, 16, TunnelId);
        Alias(NiciraClass, 17, ArpSha);
        Alias(NiciraClass, 18, ArpTha);
    }

    private OxmField(string name, ushort oxmClass, byte number, byte width, bool maskable, OxmField? prerequisite, ulong[] prerequisiteValues)
    {
        Name = name;
        OxmClass = oxmClass;
        Number = number;
        Width = width;
        Maskable = maskable;
        Prerequisite = prerequisite;
        PrerequisiteValues = prerequisiteValues;
    }

    /// <summary>The OVS/OpenFlow name, e.g. "eth_dst", "reg3".</summary>
    public string Name { get; }

    public ushort OxmClass { get; }

    public byte Number { get; }

    /// <summary>Value width in bytes.</summary>
    public byte Width { get; }

    public int Bits => Width * 8;

    public bool Maskable { get; }

    /// <summary>The field that must be matched for this one to be meaningful (OpenFlow 1.3 §7.2.3.8).</summary>
    public OxmField? Prerequisite { get; }

    /// <summary>Values the prerequisite must have; empty means any value.</summary>
    internal ulong[] PrerequisiteValues { get; }

    public ulong AllOnes => Width == 8 ? ulong.MaxValue : (1UL << (Width * 8)) - 1;

    /// <summary>NXM_NX_REG0 .. NXM_NX_REG15: OVS's 32-bit scratch registers.</summary>
    public static OxmField Reg(int index) => Registers[index];

    /// <summary>The 32-bit header naming this field: class, number, has-mask bit and payload length.</summary>
    public uint Header(bool hasMask) =>
        ((uint)OxmClass << 16) | ((uint)Number << 9) | (hasMask ? 0x100u : 0u) | (uint)(hasMask ? Width * 2 : Width);

    /// <summary>The modelled field a header (OXM, or one of the NXM aliases) names, ignoring its has-mask bit and length.</summary>
    internal static OxmField? Find(uint header) => ByClassAndNumber.GetValueOrDefault(header >> 9);

    public override string ToString() => Name;

    private static void Alias(ushort nxmClass, byte number, OxmField field) => ByClassAndNumber.Add(((uint)nxmClass << 7) | number, field);

    private static OxmField Define(string name, ushort oxmClass, byte number, byte width, bool maskable, OxmField? prerequisite = null, params ulong[] prerequisiteValues)
    {
        var field = new OxmField(name, oxmClass, number, width, maskable, prerequisite, prerequisiteValues);
        ByClassAndNumber.Add(((uint)oxmClass << 7) | number, field);
        return field;
    }
}

public static class EtherTypes
{
    public const ushort IPv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Vlan = 0x8100;
    public const ushort IPv6 = 0x86dd;
}

public static class IpProtocols
{
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
}
