namespace Erebor.Packets;

/// <summary>The EtherTypes this library reads or writes (IEEE registry); any other value passes through as a number.</summary>
public enum EtherType : ushort
{
    Ipv4 = 0x0800,
    Arp = 0x0806,
    Vlan = 0x8100,
    Ipv6 = 0x86DD,
}

/// <summary>IPv4 protocol numbers (IANA) the agent handles; any other value passes through as a number.</summary>
public enum IpProtocol : byte
{
    Icmp = 1,
    Tcp = 6,
    Udp = 17,
}
