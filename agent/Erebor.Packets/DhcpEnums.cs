namespace Erebor.Packets;

/// <summary>The BOOTP op field: who sent the message.</summary>
public enum DhcpOperation : byte
{
    BootRequest = 1,
    BootReply = 2,
}

/// <summary>The BOOTP flags field; RFC 2131 defines only the broadcast bit, the rest must be zero.</summary>
[Flags]
public enum DhcpFlags : ushort
{
    None = 0,

    /// <summary>The client cannot receive unicast IP before it has an address: reply by broadcast.</summary>
    Broadcast = 0x8000,
}

/// <summary>Option 53, the DHCP message type (RFC 2132 §9.6).</summary>
public enum DhcpMessageType : byte
{
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}

/// <summary>Option codes (RFC 2132 and successors) the agent reads or writes; others pass through as numbers.</summary>
public enum DhcpOptionCode : byte
{
    Pad = 0,
    SubnetMask = 1,
    Routers = 3,
    DomainNameServers = 6,
    HostName = 12,
    DomainName = 15,
    InterfaceMtu = 26,
    RequestedAddress = 50,
    LeaseTime = 51,
    OptionOverload = 52,
    MessageType = 53,
    ServerIdentifier = 54,
    ParameterRequestList = 55,
    Message = 56,
    MaxMessageSize = 57,
    RenewalTime = 58,
    RebindingTime = 59,
    ClientIdentifier = 61,
    RelayAgentInformation = 82,
    ClasslessStaticRoutes = 121,
    End = 255,
}
