using System.Buffers.Binary;

using Erebor.Domain.Networking;

namespace Erebor.Packets;

public enum ArpOperation : ushort
{
    Request = 1,
    Reply = 2,
}

/// <summary>
/// An ARP packet for Ethernet and IPv4 (RFC 826): hardware type 1, protocol type 0x0800, address
/// lengths 6 and 4. Other combinations are rejected, because nothing else runs over br-int.
/// </summary>
public readonly record struct ArpPacket(ArpOperation Operation, MacAddress SenderMac, Ipv4Address SenderIp, MacAddress TargetMac, Ipv4Address TargetIp)
{
    public const int Length = 28;
    private const ushort EthernetHardwareType = 1;

    /// <summary>True for a gratuitous ARP (RFC 5227 announcement): the sender announces its own address.</summary>
    public bool IsGratuitous => SenderIp == TargetIp;

    /// <summary>A request asking who has <paramref name="targetIp"/>; the target MAC is zero, as RFC 5227 recommends.</summary>
    public static ArpPacket Request(MacAddress senderMac, Ipv4Address senderIp, Ipv4Address targetIp) =>
        new(ArpOperation.Request, senderMac, senderIp, default, targetIp);

    /// <summary>The answer to <paramref name="request"/>: its target IP is at <paramref name="answeredMac"/>.</summary>
    public static ArpPacket ReplyTo(ArpPacket request, MacAddress answeredMac) =>
        new(ArpOperation.Reply, answeredMac, request.TargetIp, request.SenderMac, request.SenderIp);

    public static ArpPacket Parse(ReadOnlySpan<byte> packet) =>
        Decode(packet, out var parsed) is { } problem ? throw new PacketDecodeException(problem) : parsed;

    public static bool TryParse(ReadOnlySpan<byte> packet, out ArpPacket parsed) => Decode(packet, out parsed) is null;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, EthernetHardwareType);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)EtherType.Ipv4);
        destination[4] = MacAddress.ByteLength;
        destination[5] = Ipv4Address.ByteLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Operation);
        SenderMac.WriteBytes(destination[8..]);
        SenderIp.WriteBytes(destination[14..]);
        TargetMac.WriteBytes(destination[18..]);
        TargetIp.WriteBytes(destination[24..]);
    }

    private static string? Decode(ReadOnlySpan<byte> packet, out ArpPacket parsed)
    {
        parsed = default;
        // Bytes after the 28 are Ethernet padding.
        if (packet.Length < Length) { return $"an Ethernet/IPv4 ARP packet is {Length} bytes, got {packet.Length}"; }

        var hardwareType = BinaryPrimitives.ReadUInt16BigEndian(packet);
        var protocolType = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (hardwareType != EthernetHardwareType || protocolType != (ushort)EtherType.Ipv4 || packet[4] != MacAddress.ByteLength || packet[5] != Ipv4Address.ByteLength)
        {
            return $"ARP for hardware type {hardwareType}, protocol 0x{protocolType:X4}, address lengths {packet[4]}/{packet[5]} is not Ethernet/IPv4";
        }

        parsed = new ArpPacket(
            (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(packet[6..]),
            MacAddress.FromBytes(packet[8..14]),
            Ipv4Address.FromBytes(packet[14..18]),
            MacAddress.FromBytes(packet[18..24]),
            Ipv4Address.FromBytes(packet[24..28]));
        return null;
    }
}
