using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Xunit.Abstractions;
using static Erebor.Agent.Tests.Integration.DhcpHelpers;

namespace Erebor.Agent.Tests.Integration;

[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed class DhcpClientTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Udhcpc_gets_address_and_options_renews_across_an_agent_restart_and_release_frees_the_address()
    {
        var net = await NetworkAsync(fixture, "10.60.0.0/24");
        await using var node = await OvsNode.StartAsync("dhcpu");
        await using var vm1 = await DhcpWorkloadAsync(node, "vm1", net, "02:00:00:60:00:10");
        await using var vm2 = await DhcpWorkloadAsync(node, "vm2", net, "02:00:00:60:00:11");
        var agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node);
        try
        {
            await using var client = await Udhcpc.StartAsync(vm1);
            var bound = await client.WaitForEventAsync("bound");
            var ip = bound["ip"];
            output.WriteLine($"vm1 bound: {string.Join(' ', bound.Where(kv => kv.Key is "ip" or "mask" or "router" or "dns" or "domain" or "staticroutes" or "mtu" or "serverid" or "lease" or "hostname").Select(kv => $"{kv.Key}={kv.Value}"))}");
            InCidr(ip, net.Block).Should().BeTrue($"{ip} must be in this node's block {net.Block}");
            ip.Should().NotBe(net.Gateway).And.NotBe("10.60.0.0").And.NotBe("10.60.0.2").And.NotBe("10.60.0.3").And.NotBe("10.60.0.4");
            bound["mask"].Should().Be("24");
            bound["router"].Should().Be(net.Gateway);
            bound["dns"].Should().Be("10.60.0.53 9.9.9.9");
            bound["domain"].Should().Be("tenant.example");
            bound["serverid"].Should().Be(net.Gateway);
            bound["lease"].Should().Be("600");
            bound["mtu"].Should().Be("1400");
            bound["staticroutes"].Should().Be($"192.168.0.0/16 10.60.0.100 0.0.0.0/0 {net.Gateway}");
            var routes = (await vm1.ExecAsync("ip", "-4", "route")).StdOut;
            routes.Should().Contain("192.168.0.0/16 via 10.60.0.100").And.Contain($"default via {net.Gateway}");
            LeaseFile(agent.StateDirectory).Should().Contain($"\"{ip}\"");

            // The ARP responder now answers for the DHCP'd address.
            await Eventually.UntilAsync(() => node.OfctlAsync("dump-flows", node.BridgeName, "table=10"), f => f.Contains($"arp_tpa={ip}", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "an ARP responder flow for the leased address");

            var metrics = await agent.MetricsAsync();
            metrics.Should().Contain($"erebor_agent_dhcp_leases{{state=\"in_use\",subnet=\"{net.Namespace}/net\"}} 1")
                .And.MatchRegex(@"erebor_agent_dhcp_messages_total\{direction=""out"",type=""ack""\} [1-9]");

            await client.SignalAsync("USR1");
            (await client.WaitForEventAsync("renew"))["ip"].Should().Be(ip, "renew keeps the address");

            // Agent restart with the same state directory: the lease is honoured (renew is ACKed, not NAKed).
            agent.Kill();
            agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node, stateDirectory: agent.StateDirectory);
            await client.SignalAsync("USR1");
            (await client.WaitForEventAsync("renew", occurrence: 2))["ip"].Should().Be(ip, "the restarted agent honours the lease");
            client.Events().Should().NotContain(e => e.Event == "nak");

            // A second client never gets an address in use.
            await using (var second = await Udhcpc.StartAsync(vm2, exitAfterLease: true))
            {
                var other = (await second.WaitForEventAsync("bound"))["ip"];
                other.Should().NotBe(ip);
                InCidr(other, net.Block).Should().BeTrue();
            }

            // RELEASE frees the address: gone from leases.json, and offered again.
            await client.SignalAsync("USR2");
            await Eventually.UntilAsync(() => Task.FromResult(LeaseFile(agent.StateDirectory)), f => !f.Contains($"\"{ip}\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the released lease to leave leases.json");
            await using var third = await DhcpWorkloadAsync(node, "vm3", net, "02:00:00:60:00:12");
            await using var again = await Udhcpc.StartAsync(third, exitAfterLease: true);
            (await again.WaitForEventAsync("bound"))["ip"].Should().Be(ip, "the released address is the lowest free one and is offered again");
        }
        finally
        {
            output.WriteLine(agent.OutputTail());
            await agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_departed_ports_lease_is_freed_when_the_grace_period_after_its_departure_ends_without_further_dhcp_traffic()
    {
        var grace = TimeSpan.FromSeconds(3);
        var net = await NetworkAsync(fixture, "10.64.0.0/24");
        await using var node = await OvsNode.StartAsync("dhcpgrace");
        var vm1 = await DhcpWorkloadAsync(node, "vm1", net, "02:00:00:64:00:10");
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node, extraArgs: ["--dhcp-grace-seconds", grace.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        try
        {
            string ip;
            await using (var client = await Udhcpc.StartAsync(vm1, exitAfterLease: true)) { ip = (await client.WaitForEventAsync("bound"))["ip"]; }
            var inUse = $"erebor_agent_dhcp_leases{{state=\"in_use\",subnet=\"{net.Namespace}/net\"}}";
            (await agent.MetricsAsync()).Should().Contain(inUse + " 1");
            var packetIns = DhcpPacketIns(await agent.MetricsAsync());

            // The port leaves br-int and nothing else happens on the node: no DHCP message starts the clock.
            var departure = System.Diagnostics.Stopwatch.StartNew();
            await vm1.DisposeAsync();
            await Eventually.UntilAsync(() => Task.FromResult(LeaseFile(agent.StateDirectory)), f => !f.Contains($"\"{ip}\"", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the departed port's lease to leave leases.json");
            output.WriteLine($"lease of {ip} freed {departure.Elapsed.TotalSeconds:F1} s after the port left (grace {grace.TotalSeconds} s)");
            departure.Elapsed.Should().BeGreaterThanOrEqualTo(grace, "the address is held for the grace period");
            var metrics = await agent.MetricsAsync();
            metrics.Should().Contain(inUse + " 0");
            DhcpPacketIns(metrics).Should().Be(packetIns, "no DHCP traffic in between");

            // Freed means leasable: a new port gets the address (the lowest free one).
            await using var vm2 = await DhcpWorkloadAsync(node, "vm2", net, "02:00:00:64:00:11");
            await using var second = await Udhcpc.StartAsync(vm2, exitAfterLease: true);
            (await second.WaitForEventAsync("bound"))["ip"].Should().Be(ip);
        }
        finally
        {
            output.WriteLine(agent.OutputTail());
            await vm1.DisposeAsync();
        }
    }

    [Fact]
    public async Task Dhclient_gets_address_mask_gateway_dns_and_classless_routes_and_keeps_the_address_on_reboot()
    {
        var net = await NetworkAsync(fixture, "10.61.0.0/24");
        await using var node = await OvsNode.StartAsync("dhcpd");
        await using var vm1 = await DhcpWorkloadAsync(node, "vm1", net, "02:00:00:61:00:10");
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node);
        var dir = Directory.CreateTempSubdirectory("erebor-dhclient-").FullName;
        try
        {
            var conf = Path.Combine(dir, "dhclient.conf");
            await File.WriteAllTextAsync(conf, """
                option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
                request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name, host-name, interface-mtu, rfc3442-classless-static-routes;
                """);
            var script = Path.Combine(dir, "script.sh");
            // Records each reason's environment and configures the address (the RELEASE goes out by unicast from it).
            await File.WriteAllTextAsync(script, """
                #!/bin/sh
                env | sort > "$(dirname "$0")/$reason.env"
                case "$reason" in
                  BOUND|REBOOT|RENEW|REBIND) ip addr flush dev "$interface"; ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
                esac
                exit 0
                """);
            if (OperatingSystem.IsLinux()) { File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
            string[] args = ["-1", "-v", "-cf", conf, "-sf", script, "-lf", Path.Combine(dir, "leases"), "-pf", Path.Combine(dir, "pid"), Workload.Interface];

            // dhclient without -d goes to the background once bound; its pid file says which process to stop.
            var first = await vm1.ExecAsync("dhclient", args);
            first.ExitCode.Should().Be(0, first.StdErr);
            var env = Env(Path.Combine(dir, "BOUND.env"));
            var ip = env["new_ip_address"];
            output.WriteLine(File.ReadAllText(Path.Combine(dir, "leases")));
            InCidr(ip, net.Block).Should().BeTrue($"{ip} in {net.Block}");
            env["new_subnet_mask"].Should().Be("255.255.255.0");
            env["new_routers"].Should().Be(net.Gateway);
            env["new_domain_name_servers"].Should().Be("10.61.0.53 9.9.9.9");
            env["new_domain_name"].Should().Be("tenant.example");
            env["new_interface_mtu"].Should().Be("1400");
            env["new_dhcp_server_identifier"].Should().Be(net.Gateway);
            env["new_rfc3442_classless_static_routes"].Should().Be($"16 192 168 10 61 0 100 0 {net.Gateway.Replace('.', ' ')}");
            var lease = await File.ReadAllTextAsync(Path.Combine(dir, "leases"));
            lease.Should().Contain($"fixed-address {ip};").And.Contain($"option routers {net.Gateway};");
            await StopDhclientAsync(dir);

            // A second run starts from the lease file: INIT-REBOOT, ACKed with the same address.
            var reboot = await vm1.ExecAsync("dhclient", args);
            reboot.ExitCode.Should().Be(0, reboot.StdErr);
            Env(Path.Combine(dir, "REBOOT.env"))["new_ip_address"].Should().Be(ip);
            await StopDhclientAsync(dir);

            // dhclient -r sends a RELEASE.
            var release = await vm1.ExecAsync("dhclient", ["-r", .. args]);
            release.ExitCode.Should().Be(0, release.StdErr);
            await Eventually.UntilAsync(() => Task.FromResult(LeaseFile(agent.StateDirectory)), f => !f.Contains($"\"{ip}\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the released lease to leave leases.json");
        }
        finally
        {
            await StopDhclientAsync(dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static IReadOnlyDictionary<string, string> Env(string file) =>
        File.ReadAllLines(file).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim('\''));

    /// <summary>Stops the dhclient this test started (by its pid file), if it is running.</summary>
    private static async Task StopDhclientAsync(string dir)
    {
        var pidFile = Path.Combine(dir, "pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) { return; }
        await ProcessRunner.RunAsync("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Delete(pidFile);
    }
}
