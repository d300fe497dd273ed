using System.Text;
using Erebor.Domain.Networking;
using Erebor.Packets;

namespace Erebor.Agent.Apps.Dhcp;

/// <summary>Everything the protocol logic needs about where a request came from.</summary>
public sealed record DhcpRequestContext(Segment Segment, SegmentDhcp Dhcp, AddressScope Scope, LocalPort Port, Ipv4Address ServerId, DateTimeOffset Now);

/// <summary>The server's answer to one message: the reply (null when it stays silent), whether leases changed (persist), and a word for logs/metrics.</summary>
public sealed record DhcpDecision(DhcpMessage? Reply, bool LeasesChanged, string Outcome);

/// <summary>
/// The DHCP server's protocol logic (RFC 2131), pure: a request, the lease table and the
/// segment's configuration in, a reply and lease changes out. The packet plumbing is elsewhere.
/// </summary>
public static class DhcpServer
{
    public static DhcpDecision Handle(DhcpMessage request, DhcpRequestContext context, LeaseTable leases)
    {
        if (request.Operation != DhcpOperation.BootRequest || request.ClientMac is null)
        {
            return new(null, false, "ignored: not an Ethernet BOOTREQUEST");
        }

        var port = context.Port.Identity;
        var mac = context.Port.Mac;
        var pruned = leases.Prune(context.Now);
        var decision = request.MessageType switch
        {
            DhcpMessageType.Discover => Discover(request, context, leases, port, mac),
            DhcpMessageType.Request => Request(request, context, leases, port, mac),
            DhcpMessageType.Release => Release(request, context, leases, port, mac),
            DhcpMessageType.Decline => Decline(request, context, leases, port, mac),
            DhcpMessageType.Inform => Inform(request, context),
            _ => new(null, false, $"ignored: message type {request.MessageType}"),
        };
        return pruned && !decision.LeasesChanged ? decision with { LeasesChanged = true } : decision;
    }

    private static DhcpDecision Discover(DhcpMessage request, DhcpRequestContext context, LeaseTable leases, string port, MacAddress mac)
    {
        var before = leases.Find(context.Segment.Name, port, mac);
        if (leases.Offer(context.Scope, port, mac, request.Options.RequestedAddress, context.Now) is not { } ip)
        {
            return new(null, false, "exhausted");
        }

        var reply = WithConfiguration(request.CreateReply(DhcpMessageType.Offer, context.ServerId) with { YourAddress = ip }, request, context, withLease: true);
        // An offer is only held in memory; it is persisted once bound (the client retries otherwise).
        return new(reply, before?.State == LeaseState.Bound && before.Ip != ip, "offer");
    }

    private static DhcpDecision Request(DhcpMessage request, DhcpRequestContext context, LeaseTable leases, string port, MacAddress mac)
    {
        var segment = context.Segment.Name;
        Ipv4Address wanted;
        string state;
        if (request.Options.ServerIdentifier is { } serverId)
        {
            // SELECTING: the client answers one server's OFFER; if it is not ours, our offer is withdrawn.
            if (serverId != context.ServerId)
            {
                var dropped = leases.Find(segment, port, mac) is { State: LeaseState.Offered } && leases.Release(segment, port, mac);
                return new(null, dropped, "another server selected");
            }

            if (request.Options.RequestedAddress is not { } requested) { return Nak(request, context, "REQUEST in SELECTING without a requested address"); }
            wanted = requested;
            state = "selecting";
        }
        else if (request.ClientAddress == default)
        {
            // INIT-REBOOT: the client remembers an address and asks to keep it.
            if (request.Options.RequestedAddress is not { } requested) { return new(null, false, "ignored: REQUEST without server id, ciaddr or requested address"); }
            wanted = requested;
            state = "init-reboot";
        }
        else
        {
            // RENEWING (unicast) or REBINDING (broadcast): ciaddr is the address the client holds.
            wanted = request.ClientAddress;
            state = "renewing";
        }

        if (!context.Segment.Cidr.Contains(wanted)) { return Nak(request, context, $"{wanted} is not on this network ({context.Segment.Cidr})"); }
        var held = leases.Find(segment, port, mac);
        if (held is not null && held.Ip != wanted && state != "selecting")
        {
            return Nak(request, context, $"{wanted} is not this client's address");
        }

        var hostName = ClientHostName(request, context);
        if (!leases.Bind(context.Scope, port, mac, wanted, context.Dhcp.LeaseSeconds, context.Now, hostName))
        {
            return Nak(request, context, $"{wanted} cannot be leased to this client");
        }

        var reply = WithConfiguration(request.CreateReply(DhcpMessageType.Ack, context.ServerId) with { YourAddress = wanted, ClientAddress = request.ClientAddress }, request, context, withLease: true);
        return new(reply, true, "ack-" + state);
    }

    private static DhcpDecision Release(DhcpMessage request, DhcpRequestContext context, LeaseTable leases, string port, MacAddress mac) =>
        leases.Release(context.Segment.Name, port, mac, request.ClientAddress) ? new(null, true, "released") : new(null, false, "release of an unknown lease");

    private static DhcpDecision Decline(DhcpMessage request, DhcpRequestContext context, LeaseTable leases, string port, MacAddress mac)
    {
        if (request.Options.RequestedAddress is not { } ip || !context.Scope.IsLeasable(ip)) { return new(null, false, "decline of an address not ours"); }
        leases.Decline(context.Segment.Name, port, mac, ip, context.Now);
        return new(null, true, "declined");
    }

    private static DhcpDecision Inform(DhcpMessage request, DhcpRequestContext context)
    {
        // RFC 2131 §3.4: configuration only, no lease time, no yiaddr.
        var reply = WithConfiguration(request.CreateReply(DhcpMessageType.Ack, context.ServerId) with { ClientAddress = request.ClientAddress }, request, context, withLease: false);
        return new(reply, false, "inform");
    }

    private static DhcpDecision Nak(DhcpMessage request, DhcpRequestContext context, string why)
    {
        var reply = request.CreateReply(DhcpMessageType.Nak, context.ServerId);
        return new(reply with { Options = reply.Options with { Message = why } }, false, "nak");
    }

    /// <summary>The Subnet's options: mask, router, DNS, domain, host name, MTU, classless routes, and the lease times.</summary>
    public static DhcpMessage WithConfiguration(DhcpMessage reply, DhcpMessage request, DhcpRequestContext context, bool withLease)
    {
        var dhcp = context.Dhcp;
        var gateway = context.Segment.Gateway;
        var routes = dhcp.StaticRoutes.Count == 0
            ? []
            // RFC 3442: a client given option 121 ignores option 3, so the default route goes in too.
            : dhcp.StaticRoutes.Select(r => new ClasslessStaticRoute(r.Destination, r.NextHop)).Append(new ClasslessStaticRoute(new Ipv4Cidr(new Ipv4Address(0), 0), gateway)).ToArray();
        return reply with
        {
            Options = reply.Options with
            {
                LeaseTimeSeconds = withLease ? dhcp.LeaseSeconds : null,
                RenewalTimeSeconds = withLease ? dhcp.LeaseSeconds / 2 : null,
                RebindingTimeSeconds = withLease ? (uint)(dhcp.LeaseSeconds * 7UL / 8) : null,
                SubnetMask = context.Segment.Cidr.Mask,
                Routers = [gateway],
                DomainNameServers = [.. dhcp.DnsServers],
                DomainName = dhcp.Domain,
                HostName = ClientHostName(request, context),
                InterfaceMtu = dhcp.Mtu,
                ClasslessStaticRoutes = [.. routes],
            },
        };
    }

    /// <summary>The client's own host name (option 12) when it sent one, else one made from the port's identity.</summary>
    public static string ClientHostName(DhcpMessage request, DhcpRequestContext context)
    {
        if (request.Options.HostName is { Length: > 0 } own) { return own; }
        var name = new StringBuilder();
        foreach (var c in context.Port.Identity.ToLowerInvariant())
        {
            name.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-');
        }

        var text = name.ToString().Trim('-');
        return text.Length == 0 ? "port" : text[..Math.Min(63, text.Length)];
    }
}
