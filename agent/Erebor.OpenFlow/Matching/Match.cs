using System.Buffers.Binary;

using Erebor.Domain.Collections;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Matching;

/// <summary>
/// An OXM match (ofp_match with type OFPMT_OXM). Immutable; build it fluently:
/// <c>Match.Create().InPort(3).EthType(EtherTypes.IPv4).Ipv4Dst(Ipv4Address.Parse("10.0.0.1"))</c>.
/// Prerequisites (eth_type before ipv4_dst and so on) are the caller's job; encoding a FLOW_MOD
/// checks them and names the missing one.
/// </summary>
public sealed record Match
{
    private const ushort OxmMatchType = 1;

    /// <summary>Matches every packet.</summary>
    public static Match Any { get; } = new();

    public EquatableArray<OxmEntry> Fields { get; init; }

    /// <summary>OXM TLVs (header and payload) of fields this codec does not model, kept verbatim so they round-trip.</summary>
    public EquatableArray<byte> UnmodeledOxm { get; init; }

    public static Match Create() => Any;

    public Match InPort(uint port) => With(OxmField.InPort, port);

    public Match InPhyPort(uint port) => With(OxmField.InPhyPort, port);

    public Match Metadata(ulong value, ulong? mask = null) => With(OxmField.Metadata, value, mask);

    public Match EthDst(MacAddress mac, MacAddress? mask = null) => With(OxmField.EthDst, mac.Value, mask?.Value);

    public Match EthSrc(MacAddress mac, MacAddress? mask = null) => With(OxmField.EthSrc, mac.Value, mask?.Value);

    public Match EthType(ushort etherType) => With(OxmField.EthType, etherType);

    /// <summary>A VLAN id; sets OFPVID_PRESENT (0x1000) as OpenFlow 1.3 requires for tagged packets.</summary>
    public Match VlanVid(ushort vid) => With(OxmField.VlanVid, (ulong)(vid | VlanPresent));

    /// <summary>Only packets without an 802.1Q tag (vlan_vid = OFPVID_NONE).</summary>
    public Match NoVlan() => With(OxmField.VlanVid, 0);

    public Match VlanPcp(byte pcp) => With(OxmField.VlanPcp, pcp);

    public Match IpDscp(byte dscp) => With(OxmField.IpDscp, dscp);

    public Match IpEcn(byte ecn) => With(OxmField.IpEcn, ecn);

    public Match IpProto(byte protocol) => With(OxmField.IpProto, protocol);

    public Match IpTtl(byte ttl) => With(OxmField.IpTtl, ttl);

    public Match Ipv4Src(Ipv4Address address, int prefixLength = 32) => WithIpv4(OxmField.Ipv4Src, address, prefixLength);

    public Match Ipv4Src(Ipv4Cidr cidr) => WithIpv4(OxmField.Ipv4Src, cidr.Network, cidr.PrefixLength);

    public Match Ipv4Dst(Ipv4Address address, int prefixLength = 32) => WithIpv4(OxmField.Ipv4Dst, address, prefixLength);

    public Match Ipv4Dst(Ipv4Cidr cidr) => WithIpv4(OxmField.Ipv4Dst, cidr.Network, cidr.PrefixLength);

    public Match TcpSrc(ushort port) => With(OxmField.TcpSrc, port);

    public Match TcpDst(ushort port) => With(OxmField.TcpDst, port);

    public Match UdpSrc(ushort port) => With(OxmField.UdpSrc, port);

    public Match UdpDst(ushort port) => With(OxmField.UdpDst, port);

    public Match IcmpV4Type(byte type) => With(OxmField.IcmpV4Type, type);

    public Match IcmpV4Code(byte code) => With(OxmField.IcmpV4Code, code);

    public Match ArpOp(ushort op) => With(OxmField.ArpOp, op);

    public Match ArpSpa(Ipv4Address address, int prefixLength = 32) => WithIpv4(OxmField.ArpSpa, address, prefixLength);

    public Match ArpSpa(Ipv4Cidr cidr) => WithIpv4(OxmField.ArpSpa, cidr.Network, cidr.PrefixLength);

    public Match ArpTpa(Ipv4Address address, int prefixLength = 32) => WithIpv4(OxmField.ArpTpa, address, prefixLength);

    public Match ArpTpa(Ipv4Cidr cidr) => WithIpv4(OxmField.ArpTpa, cidr.Network, cidr.PrefixLength);

    public Match ArpSha(MacAddress mac) => With(OxmField.ArpSha, mac.Value);

    public Match ArpTha(MacAddress mac) => With(OxmField.ArpTha, mac.Value);

    public Match TunnelId(ulong id, ulong? mask = null) => With(OxmField.TunnelId, id, mask);

    public Match Reg(int index, uint value, uint? mask = null) => With(OxmField.Reg(index), value, mask);

    public Match TunIpv4Src(Ipv4Address address, int prefixLength = 32) => WithIpv4(OxmField.TunIpv4Src, address, prefixLength);

    public Match TunIpv4Src(Ipv4Cidr cidr) => WithIpv4(OxmField.TunIpv4Src, cidr.Network, cidr.PrefixLength);

    public Match TunIpv4Dst(Ipv4Address address, int prefixLength = 32) => WithIpv4(OxmField.TunIpv4Dst, address, prefixLength);

    public Match TunIpv4Dst(Ipv4Cidr cidr) => WithIpv4(OxmField.TunIpv4Dst, cidr.Network, cidr.PrefixLength);

    /// <summary>
    /// Adds any modelled field. A mask of all ones is dropped (it is an exact match, and OVS reports
    /// it that way); value bits outside the mask are cleared, as OXM requires.
    /// </summary>
    public Match With(OxmField field, ulong value, ulong? mask = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (value > field.AllOnes) { throw new ArgumentOutOfRangeException(nameof(value), $"0x{value:x} does not fit the {field.Width}-byte field {field.Name}"); }
        if (mask is { } m)
        {
            if (m > field.AllOnes) { throw new ArgumentOutOfRangeException(nameof(mask), $"mask 0x{m:x} does not fit the {field.Width}-byte field {field.Name}"); }
            if (m == field.AllOnes) { mask = null; }
            else if (!field.Maskable) { throw new ArgumentException($"{field.Name} cannot be masked in OpenFlow 1.3", nameof(mask)); }
            else { value &= m; }
        }

        if (Find(field) is not null) { throw new ArgumentException($"{field.Name} is already part of this match", nameof(field)); }
        return this with { Fields = [.. Fields, new OxmEntry(field, value, mask)] };
    }

    public OxmEntry? Find(OxmField field)
    {
        foreach (var entry in Fields.AsSpan())
        {
            if (ReferenceEquals(entry.Field, field)) { return entry; }
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field whose prerequisite is missing or different.</summary>
    public void CheckPrerequisites()
    {
        foreach (var entry in Fields.AsSpan())
        {
            if (entry.Field.Prerequisite is not { } required) { continue; }
            var found = Find(required);
            var allowed = entry.Field.PrerequisiteValues;
            if (found is null || (allowed.Length > 0 && (found.Value.Mask is not null || Array.IndexOf(allowed, found.Value.Value) < 0)))
            {
                var expected = allowed.Length == 0 ? string.Empty : "=" + string.Join(" or ", allowed.Select(v => $"0x{v:x}"));
                throw new ArgumentException($"match field {entry.Field.Name} requires {required.Name}{expected} (OpenFlow 1.3 prerequisite); match is {this}");
            }
        }
    }

    public override string ToString() =>
        Fields.Count == 0 && UnmodeledOxm.Count == 0 ? "any"
        : string.Join(",", Fields.Select(f => f.ToString())) + (UnmodeledOxm.Count == 0 ? string.Empty : $",unmodeled={UnmodeledOxm}");

    /// <summary>Length of the fields without trailing padding (the ofp_match length field).</summary>
    private int UnpaddedLength
    {
        get
        {
            var length = 4 + UnmodeledOxm.Count;
            foreach (var entry in Fields.AsSpan()) { length += entry.WireLength; }
            return length;
        }
    }

    internal int WireLength => Padding.To8(UnpaddedLength);

    internal void Write(ref WireWriter writer)
    {
        var length = UnpaddedLength;
        writer.U16(OxmMatchType);
        writer.U16((ushort)length);
        foreach (var entry in Fields.AsSpan()) { entry.Write(ref writer); }
        writer.Bytes(UnmodeledOxm.AsSpan());
        writer.Zeros(Padding.To8(length) - length);
    }

    internal static Match Read(ref WireReader reader)
    {
        var type = reader.U16();
        if (type != OxmMatchType) { throw new OpenFlowDecodeException($"match type {type} is not OXM (1); OpenFlow 1.3 only uses OXM"); }
        var length = reader.CheckLength(reader.U16(), 4, 4, "match");
        var body = reader.Slice(length - 4, "match");
        reader.Skip(Padding.To8(length) - length);
        if (body.IsEmpty) { return Any; }

        var fields = new List<OxmEntry>();
        List<byte>? unmodeled = null;
        Span<byte> headerBytes = stackalloc byte[4];
        while (!body.IsEmpty)
        {
            if (OxmEntry.TryRead(ref body, out var entry, out var header, out var payload))
            {
                fields.Add(entry);
                continue;
            }

            unmodeled ??= [];
            BinaryPrimitives.WriteUInt32BigEndian(headerBytes, header);
            unmodeled.AddRange(headerBytes);
            unmodeled.AddRange(payload);
        }

        return new Match
        {
            Fields = [.. fields],
            UnmodeledOxm = unmodeled is null ? default : [.. unmodeled],
        };
    }

    private const int VlanPresent = 0x1000;

    /// <summary>Host bits outside the prefix are cleared (see <see cref="With"/>).</summary>
    private Match WithIpv4(OxmField field, Ipv4Address address, int prefixLength)
    {
        // A /0 prefix would match nothing in particular: leave the field out instead.
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, Ipv4Cidr.MaxPrefixLength);
        var mask = (0xffff_ffffUL << (32 - prefixLength)) & 0xffff_ffffUL;
        return With(field, address.Value, mask);
    }
}
