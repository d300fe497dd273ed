using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>Where a DHCP server's reply goes: Ethernet and IP destination and UDP port.</summary>
public readonly record struct DhcpReplyDestination(MacAddress EthernetDestination, Ipv4Address IpDestination, ushort UdpPort)
{
    public static readonly Ipv4Address LimitedBroadcast = new(0xFFFF_FFFF);

    /// <summary>
    /// RFC 2131 §4.1, in its order: a request that came through a relay (giaddr set) is answered
    /// to the relay's server port, through the MAC the request came from; a NAK otherwise always
    /// goes to broadcast; a client that has an address (ciaddr set) gets unicast there; a client that
    /// asked for broadcast, or whose chaddr is no Ethernet address to unicast to, gets broadcast;
    /// anyone else gets unicast to chaddr and yiaddr (the client accepts it before configuring the address).
    /// </summary>
    /// <param name="request">The client's message as received.</param>
    /// <param name="requestSource">The Ethernet source of the frame that carried <paramref name="request"/>: the relay, when there is one.</param>
    /// <param name="reply">The server's answer (its type and yiaddr matter).</param>
    public static DhcpReplyDestination For(DhcpMessage request, MacAddress requestSource, DhcpMessage reply)
    {
        if (request.RelayAgentAddress != default)
        {
            return new DhcpReplyDestination(requestSource, request.RelayAgentAddress, DhcpMessage.ServerPort);
        }

        var broadcast = new DhcpReplyDestination(EthernetHeader.Broadcast, LimitedBroadcast, DhcpMessage.ClientPort);
        if (reply.MessageType == DhcpMessageType.Nak) { return broadcast; }
        if (request.ClientMac is not { } clientMac) { return broadcast; }
        if (request.ClientAddress != default) { return new DhcpReplyDestination(clientMac, request.ClientAddress, DhcpMessage.ClientPort); }
        if (request.IsBroadcast) { return broadcast; }
        return new DhcpReplyDestination(clientMac, reply.YourAddress, DhcpMessage.ClientPort);
    }
}
