using System.Runtime.Versioning;

using Erebor.Domain.Networking;
using Erebor.Harness.Processes;

namespace Erebor.Packets.Tests.RealClients;

/// <summary>
/// The oracle: real DHCP clients and the Linux kernel read what this library builds, and this
/// library reads what they send. busybox udhcpc and ISC dhclient run in a namespace of the test's
/// own; <see cref="AgentStandIn"/> answers them through a packet socket on the other end of a veth.
/// Transmit checksum offload stays on: both clients and the stand-in write whole frames through
/// packet sockets, so every checksum on the wire is the sender's own.
/// </summary>
[Trait("Category", "Integration")]
[SupportedOSPlatform("linux")]
public sealed class RealClientTests
{
    private static readonly MacAddress WorkloadMac = MacAddress.Parse("02:00:00:99:00:10");
    private static readonly Lease Lease = new(Ipv4Address.Parse("10.99.0.50"), Ipv4Cidr.Parse("10.99.0.0/24"), Ipv4Address.Parse("10.99.0.1"), MacAddress.Parse("02:00:00:99:aa:01"));
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Udhcpc_discover_parses_and_the_client_binds_to_our_offer(bool requestBroadcast)
    {
        await using var link = await NamespacedLink.CreateAsync(WorkloadMac);
        using var scratch = new ScratchDirectory("ebpk-udhcpc-");
        var script = scratch.WriteScript("udhcpc.sh", $$"""
            #!/bin/sh
            env | sort > "{{scratch.Path}}/$1.env"
            case "$1" in
              deconfig) ip -4 addr flush dev "$interface" ;;
              bound|renew) ip addr add "$ip/$mask" dev "$interface" ;;
            esac
            """);
        var standIn = new AgentStandIn(link.Socket, Lease);

        var result = await standIn.ServeWhileAsync(() => ProcessRunner.RunAsync(
            "busybox",
            ["udhcpc", "-i", NamespacedLink.WorkloadInterface, "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", script,
             "-x", "hostname:oracle-udhcpc", "-O", "staticroutes", "-O", "mtu", .. requestBroadcast ? new[] { "-B" } : []],
            link.InWorkload with { Timeout = ClientTimeout }));

        result.ExitCode.Should().Be(0, $"udhcpc should obtain the lease and exit (-q); it said:\n{result.StdErr}{result.StdOut}");
        var (discover, request) = DiscoverAndRequest(standIn);
        discover.Message.Options.ClientIdentifier.Should().Equal([0x01, .. WorkloadMac.ToBytes()], "udhcpc sends its MAC as client id unless -C");
        discover.Message.Options.HostName.Should().Be("oracle-udhcpc");
        discover.Message.Options.ParameterRequestList.Should().Contain([DhcpOptionCode.SubnetMask, DhcpOptionCode.Routers, DhcpOptionCode.DomainNameServers, DhcpOptionCode.ClasslessStaticRoutes, DhcpOptionCode.InterfaceMtu]);
        discover.Message.IsBroadcast.Should().Be(requestBroadcast);
        request.Message.Options.HostName.Should().Be("oracle-udhcpc");

        var bound = scratch.ReadEnvironment("bound.env");
        bound.Should().Contain(new Dictionary<string, string>
        {
            ["ip"] = Lease.Address.ToString(),
            ["subnet"] = "255.255.255.0",
            ["router"] = Lease.Gateway.ToString(),
            ["serverid"] = Lease.Gateway.ToString(),
            ["dns"] = Lease.DnsServer.ToString(),
            ["domain"] = Lease.DomainName,
            ["mtu"] = Lease.Mtu.ToString(null, null),
            ["lease"] = Lease.LeaseSeconds.ToString(null, null),
            // busybox prints option 121 as "destination/width router" pairs.
            ["staticroutes"] = $"0.0.0.0/0 {Lease.Gateway} {Lease.ExtraRoute.Destination} {Lease.ExtraRoute.Router}",
        });
        (await link.WorkloadAddressesAsync()).Should().Contain($"inet {Lease.Address}/24");
    }

    [Fact]
    public async Task Dhclient_discover_parses_and_the_client_binds_to_our_offer()
    {
        await using var link = await NamespacedLink.CreateAsync(WorkloadMac);
        using var scratch = new ScratchDirectory("ebpk-dhclient-");
        var script = scratch.WriteScript("dhclient.sh", $$"""
            #!/bin/sh
            env | sort > "{{scratch.Path}}/$reason.env"
            case "$reason" in
              BOUND|RENEW|REBOOT) ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
            esac
            """);
        var config = scratch.Write("dhclient.conf", """
            option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
            send host-name "oracle-dhclient";
            send dhcp-client-identifier = hardware;
            request subnet-mask, routers, domain-name-servers, domain-name, interface-mtu, rfc3442-classless-static-routes;
            """);
        var standIn = new AgentStandIn(link.Socket, Lease);

        await standIn.ServeWhileAsync(async () =>
        {
            // -d keeps dhclient in the foreground, so it is ours to stop once bound; -lf/-pf keep it off the host's files.
            await using var dhclient = BackgroundProcess.Start("dhclient", "dhclient",
                ["-d", "-1", "-4", "-v", "-cf", config, "-sf", script, "-lf", scratch.File("leases"), "-pf", scratch.File("pid"), NamespacedLink.WorkloadInterface],
                link.InWorkload);
            var deadline = DateTime.UtcNow + ClientTimeout;
            while (!File.Exists(scratch.File("BOUND.env")) && !dhclient.HasExited && DateTime.UtcNow < deadline) { await Task.Delay(100); }
            File.Exists(scratch.File("BOUND.env")).Should().BeTrue($"dhclient should reach BOUND; it said:\n{dhclient.OutputTail()}");
        });

        var (discover, _) = DiscoverAndRequest(standIn);
        discover.Message.Options.ClientIdentifier.Should().Equal([0x01, .. WorkloadMac.ToBytes()]);
        discover.Message.Options.HostName.Should().Be("oracle-dhclient");
        discover.Message.Options.ParameterRequestList.Should().Contain([DhcpOptionCode.SubnetMask, DhcpOptionCode.Routers, DhcpOptionCode.DomainNameServers, DhcpOptionCode.DomainName, DhcpOptionCode.InterfaceMtu, DhcpOptionCode.ClasslessStaticRoutes]);

        scratch.ReadEnvironment("BOUND.env").Should().Contain(new Dictionary<string, string>
        {
            ["new_ip_address"] = Lease.Address.ToString(),
            ["new_subnet_mask"] = "255.255.255.0",
            ["new_routers"] = Lease.Gateway.ToString(),
            ["new_dhcp_server_identifier"] = Lease.Gateway.ToString(),
            ["new_domain_name_servers"] = Lease.DnsServer.ToString(),
            ["new_domain_name"] = Lease.DomainName,
            ["new_interface_mtu"] = Lease.Mtu.ToString(null, null),
            ["new_dhcp_lease_time"] = Lease.LeaseSeconds.ToString(null, null),
            ["new_dhcp_renewal_time"] = (Lease.LeaseSeconds / 2).ToString(null, null),
            // dhclient prints option 121 as its raw bytes: width, significant octets, router, per route.
            ["new_rfc3442_classless_static_routes"] = "0 10 99 0 1 24 192 168 77 10 99 0 254",
        });
        (await link.WorkloadAddressesAsync()).Should().Contain($"inet {Lease.Address}/24");
    }

    [Fact]
    public async Task Kernel_accepts_our_arp_echo_reply_and_icmp_errors()
    {
        await using var link = await NamespacedLink.CreateAsync(WorkloadMac);
        await ProcessRunner.RunCheckedAsync("ip", ["addr", "add", $"{Lease.Address}/24", "dev", NamespacedLink.WorkloadInterface], link.InWorkload);
        await ProcessRunner.RunCheckedAsync("ip", ["route", "add", "default", "via", Lease.Gateway.ToString()], link.InWorkload);
        var standIn = new AgentStandIn(link.Socket, Lease);

        var (echo, unreachable, expired) = await standIn.ServeWhileAsync(async () => (
            await Ping(link, Lease.Gateway),
            await Ping(link, AgentStandIn.UnreachableNet.Network + 1),
            await Ping(link, AgentStandIn.ExpiringNet.Network + 1)));

        echo.ExitCode.Should().Be(0, $"the gateway's echo reply should arrive; ping said:\n{echo.StdOut}{echo.StdErr}");
        (await ProcessRunner.RunCheckedAsync("ip", ["neigh", "show", Lease.Gateway.ToString()], link.InWorkload)).Should().Contain($"lladdr {Lease.GatewayMac}");
        // The kernel hands an ICMP error to ping only if its checksum holds and the quoted header and echo id match ping's.
        unreachable.StdOut.Should().Contain($"From {Lease.Gateway} icmp_seq=1 Destination Net Unreachable");
        expired.StdOut.Should().Contain($"From {Lease.Gateway} icmp_seq=1 Time to live exceeded");
    }

    private static Task<ProcessResult> Ping(NamespacedLink link, Ipv4Address target) =>
        ProcessRunner.RunAsync("ping", ["-n", "-c", "1", "-W", "2", target.ToString()], link.InWorkload);

    /// <summary>The client's first DISCOVER and REQUEST, checked for what every client must send.</summary>
    private static (DhcpFrame Discover, DhcpFrame Request) DiscoverAndRequest(AgentStandIn standIn)
    {
        var messages = standIn.ClientMessages.ToList();
        var discover = messages.First(m => m.Message.MessageType == DhcpMessageType.Discover);
        discover.Ethernet.Source.Should().Be(WorkloadMac);
        discover.Ethernet.Destination.Should().Be(EthernetHeader.Broadcast);
        (discover.SourceAddress, discover.DestinationAddress).Should().Be((default(Ipv4Address), DhcpReplyDestination.LimitedBroadcast));
        (discover.SourcePort, discover.DestinationPort).Should().Be((DhcpMessage.ClientPort, DhcpMessage.ServerPort));
        discover.Message.ClientMac.Should().Be(WorkloadMac);

        var request = messages.First(m => m.Message.MessageType == DhcpMessageType.Request);
        request.Message.TransactionId.Should().Be(discover.Message.TransactionId, "a REQUEST answering an OFFER keeps the DISCOVER's xid");
        request.Message.Options.RequestedAddress.Should().Be(Lease.Address);
        request.Message.Options.ServerIdentifier.Should().Be(Lease.Gateway);
        return (discover, request);
    }
}
