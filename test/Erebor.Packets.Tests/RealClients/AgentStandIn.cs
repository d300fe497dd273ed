using System.Collections.Concurrent;

using Erebor.Domain.Networking;
using Erebor.Harness.Ovs;

namespace Erebor.Packets.Tests.RealClients;

/// <summary>
/// Answers a workload the way the agent will, with this library's parsers and builders only: DHCP
/// (one lease on offer), ARP for the gateway, ICMP echo to the gateway, and ICMP errors for two
/// documentation prefixes, so that the real client's and the kernel's reactions judge the bytes.
/// </summary>
internal sealed class AgentStandIn(LinkLayerSocket socket, Lease lease)
{
    /// <summary>Echo requests into this prefix get "destination net unreachable" from the gateway.</summary>
    public static readonly Ipv4Cidr UnreachableNet = Ipv4Cidr.Parse("192.0.2.0/24");

    /// <summary>Echo requests into this prefix get "time to live exceeded" from the gateway.</summary>
    public static readonly Ipv4Cidr ExpiringNet = Ipv4Cidr.Parse("198.51.100.0/24");

    /// <summary>Every DHCP message the client sent, parsed, in order.</summary>
    public ConcurrentQueue<DhcpFrame> ClientMessages { get; } = new();

    /// <summary>Answers until <paramref name="clientRun"/> completes, and returns what it returned.</summary>
    public async Task<T> ServeWhileAsync<T>(Func<Task<T>> clientRun)
    {
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(() => RunAsync(stop.Token));
        try
        {
            return await clientRun();
        }
        finally
        {
            await stop.CancelAsync();
            await serving;
        }
    }

    public Task ServeWhileAsync(Func<Task> clientRun) => ServeWhileAsync(async () =>
    {
        await clientRun();
        return true;
    });

    private async Task RunAsync(CancellationToken ct)
    {
        var reply = new byte[1514];
        while (await socket.ReceiveAsync(ct) is { } frame)
        {
            var length = Answer(frame, reply);
            if (length > 0) { socket.Send(reply.AsSpan(0, length)); }
        }
    }

    private int Answer(ReadOnlySpan<byte> frame, Span<byte> reply)
    {
        if (!EthernetFrame.TryParse(frame, out var ethernet) || ethernet.Source == lease.GatewayMac) { return 0; }

        if (ethernet.EtherType == EtherType.Arp)
        {
            return ArpPacket.TryParse(ethernet.Payload, out var arp) && arp.Operation == ArpOperation.Request && arp.TargetIp == lease.Gateway
                ? Frames.WriteArp(reply, ArpPacket.ReplyTo(arp, lease.GatewayMac))
                : 0;
        }

        if (DhcpFrame.TryParse(frame, out var dhcp) && dhcp.Message.Operation == DhcpOperation.BootRequest)
        {
            ClientMessages.Enqueue(dhcp);
            return AnswerDhcp(dhcp, reply);
        }

        return Ipv4Packet.TryParse(ethernet.Payload, out var ip) && ip.Protocol == IpProtocol.Icmp
            ? AnswerIcmp(ethernet.Header, ip, reply)
            : 0;
    }

    private int AnswerDhcp(DhcpFrame request, Span<byte> reply)
    {
        var message = request.Message;
        var answer = message.MessageType switch
        {
            DhcpMessageType.Discover => Grant(message, DhcpMessageType.Offer),
            DhcpMessageType.Request when message.Options.ServerIdentifier is null || message.Options.ServerIdentifier == lease.Gateway =>
                (message.Options.RequestedAddress ?? message.ClientAddress) == lease.Address ? Grant(message, DhcpMessageType.Ack) : Refuse(message),
            _ => null,
        };
        if (answer is null) { return 0; }

        var to = DhcpReplyDestination.For(message, request.Ethernet.Source, answer);
        return Frames.WriteDhcpReply(reply, answer, to, lease.GatewayMac, lease.Gateway);
    }

    private DhcpMessage Grant(DhcpMessage request, DhcpMessageType type)
    {
        var reply = request.CreateReply(type, lease.Gateway);
        return reply with { ClientAddress = type == DhcpMessageType.Ack ? request.ClientAddress : default, YourAddress = lease.Address, Options = lease.Options(reply.Options) };
    }

    private DhcpMessage Refuse(DhcpMessage request)
    {
        var nak = request.CreateReply(DhcpMessageType.Nak, lease.Gateway);
        return nak with { Options = nak.Options with { Message = $"{request.Options.RequestedAddress} is not yours" } };
    }

    private int AnswerIcmp(EthernetHeader received, Ipv4Packet ip, Span<byte> reply)
    {
        if (!Icmpv4Message.TryParse(ip.Payload, out var icmp) || icmp.Type != Icmpv4Type.EchoRequest) { return 0; }

        var back = new EthernetHeader(received.Source, lease.GatewayMac);
        if (ip.Destination == lease.Gateway)
        {
            return Frames.WriteIcmpEchoReply(reply, back, new Ipv4Header(lease.Gateway, ip.Source), icmp.Identifier, icmp.SequenceNumber, icmp.Body);
        }

        var fromGateway = new Ipv4Header(lease.Gateway, ip.Source);
        if (UnreachableNet.Contains(ip.Destination))
        {
            return Frames.WriteIcmpError(reply, back, fromGateway, Icmpv4Type.DestinationUnreachable, (byte)DestinationUnreachableCode.NetUnreachable, ip.Datagram);
        }

        return ExpiringNet.Contains(ip.Destination)
            ? Frames.WriteIcmpError(reply, back, fromGateway, Icmpv4Type.TimeExceeded, (byte)TimeExceededCode.TimeToLiveExceededInTransit, ip.Datagram)
            : 0;
    }
}

/// <summary>The one lease the stand-in offers, and the gateway that serves it.</summary>
internal sealed record Lease(Ipv4Address Address, Ipv4Cidr Subnet, Ipv4Address Gateway, MacAddress GatewayMac)
{
    public static readonly Ipv4Address DnsServer = Ipv4Address.Parse("10.99.0.53");
    public const string DomainName = "erebor.test";
    public const uint LeaseSeconds = 600;
    public const ushort Mtu = 1400;
    public static readonly ClasslessStaticRoute ExtraRoute = new(Ipv4Cidr.Parse("192.168.77.0/24"), Ipv4Address.Parse("10.99.0.254"));

    /// <summary>What the agent would put in an OFFER or ACK, after option 53 and 54 that the reply already has.</summary>
    public DhcpOptions Options(DhcpOptions reply) => reply with
    {
        LeaseTimeSeconds = LeaseSeconds,
        RenewalTimeSeconds = LeaseSeconds / 2,
        RebindingTimeSeconds = LeaseSeconds * 7 / 8,
        SubnetMask = Subnet.Mask,
        Routers = [Gateway],
        DomainNameServers = [DnsServer],
        DomainName = DomainName,
        InterfaceMtu = Mtu,
        // A client that takes option 121 ignores option 3 (RFC 3442), so the default route goes in here too.
        ClasslessStaticRoutes = [new(Ipv4Cidr.Parse("0.0.0.0/0"), Gateway), ExtraRoute],
    };
}
