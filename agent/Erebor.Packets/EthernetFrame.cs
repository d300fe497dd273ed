using System.Buffers.Binary;

using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// The addressing of an Ethernet II frame: what a builder needs besides the payload, whose own type
/// decides the EtherType.
/// </summary>
public readonly record struct EthernetHeader(MacAddress Destination, MacAddress Source, VlanTag? Vlan = null)
{
    public const int UntaggedLength = 14;
    public const int VlanTagLength = 4;

    /// <summary>The smallest frame Ethernet carries, without the 4-byte FCS; builders pad shorter frames with zeros.</summary>
    public const int MinimumFrameLength = 60;

    public static readonly MacAddress Broadcast = new(0xFFFF_FFFF_FFFF);

    public int Length => UntaggedLength + (Vlan is null ? 0 : VlanTagLength);

    /// <summary>Writes the header with <paramref name="etherType"/>; returns its length.</summary>
    public int WriteTo(Span<byte> destination, EtherType etherType)
    {
        Destination.WriteBytes(destination);
        Source.WriteBytes(destination[6..]);
        var typeOffset = 12;
        if (Vlan is { } vlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[12..], (ushort)EtherType.Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(destination[14..], vlan.ControlInformation);
            typeOffset = 16;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[typeOffset..], (ushort)etherType);
        return typeOffset + 2;
    }
}

/// <summary>
/// A received Ethernet II frame, read in place: at most one 802.1Q tag, no FCS (OpenFlow PACKET_IN
/// and AF_PACKET deliver frames without it). <see cref="Payload"/> may end in padding up to the
/// 60-byte minimum; the layer above bounds itself by its own length field.
/// </summary>
public readonly ref struct EthernetFrame
{
    private EthernetFrame(EthernetHeader header, EtherType etherType, ReadOnlySpan<byte> payload)
    {
        Header = header;
        EtherType = etherType;
        Payload = payload;
    }

    public EthernetHeader Header { get; }

    public MacAddress Destination => Header.Destination;

    public MacAddress Source => Header.Source;

    public VlanTag? Vlan => Header.Vlan;

    /// <summary>The type of <see cref="Payload"/>: after the VLAN tag when there is one.</summary>
    public EtherType EtherType { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public static EthernetFrame Parse(ReadOnlySpan<byte> frame) =>
        Decode(frame, out var parsed) is { } problem ? throw new PacketDecodeException(problem) : parsed;

    public static bool TryParse(ReadOnlySpan<byte> frame, out EthernetFrame parsed) => Decode(frame, out parsed) is null;

    private static string? Decode(ReadOnlySpan<byte> frame, out EthernetFrame parsed)
    {
        parsed = default;
        if (frame.Length < EthernetHeader.UntaggedLength)
        {
            return $"an Ethernet frame needs {EthernetHeader.UntaggedLength} header bytes, got {frame.Length}";
        }

        var destination = MacAddress.FromBytes(frame[..6]);
        var source = MacAddress.FromBytes(frame[6..12]);
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        VlanTag? vlan = null;
        var payloadOffset = EthernetHeader.UntaggedLength;
        if (etherType == (ushort)EtherType.Vlan)
        {
            payloadOffset += EthernetHeader.VlanTagLength;
            if (frame.Length < payloadOffset) { return $"an 802.1Q-tagged Ethernet frame needs {payloadOffset} header bytes, got {frame.Length}"; }
            vlan = VlanTag.FromControlInformation(BinaryPrimitives.ReadUInt16BigEndian(frame[14..]));
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            if (etherType == (ushort)EtherType.Vlan) { return "the frame carries a second 802.1Q tag (Q-in-Q), which is not supported"; }
        }

        // Values up to 1500 are an IEEE 802.3 length, not a type: such frames carry LLC, never IP or ARP.
        if (etherType < 0x0600) { return $"the type/length field is {etherType}, an IEEE 802.3 length: not an Ethernet II frame"; }

        parsed = new EthernetFrame(new EthernetHeader(destination, source, vlan), (EtherType)etherType, frame[payloadOffset..]);
        return null;
    }
}
