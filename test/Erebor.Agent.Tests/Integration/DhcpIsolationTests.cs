using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Erebor.Harness.Prometheus;
using Erebor.Packets;
using Xunit.Abstractions;
using static Erebor.Agent.Tests.Integration.DhcpHelpers;

namespace Erebor.Agent.Tests.Integration;

/// <summary>DHCP where the agent must stay out of the way (a tenant's own server) or hold up under a flood.</summary>
[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed partial class DhcpIsolationTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task On_a_dhcp_disabled_subnet_the_tenants_dnsmasq_answers_and_the_agent_stays_silent()
    {
        var net = await NetworkAsync(fixture, "10.62.0.0/24", dhcp: false);
        await using var node = await OvsNode.StartAsync("dhcpoff");
        await using var server = await node.AddWorkloadAsync("srv", new WorkloadOptions
        {
            Mac = "02:00:00:62:00:0a",
            Ipv4Cidr = "10.62.0.10/24",
            ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{net.Namespace}/net", ["erebor.io/ip"] = "10.62.0.10" },
        });
        await using var client = await DhcpWorkloadAsync(node, "vm1", net, "02:00:00:62:00:10");
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node);
        var dir = Directory.CreateTempSubdirectory("erebor-dnsmasq-").FullName;
        var dnsmasq = BackgroundProcess.Start("dnsmasq", "/usr/sbin/dnsmasq",
        [
            "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces", "--log-dhcp",
            "--dhcp-range=10.62.0.100,10.62.0.150,255.255.255.0,10m", $"--dhcp-leasefile={dir}/leases", $"--pid-file={dir}/pid",
        ], new ProcessOptions { NetworkNamespace = server.NetworkNamespace });
        try
        {
            var before = DhcpPacketIns(await agent.MetricsAsync());
            await using var udhcpc = await Udhcpc.StartAsync(client, exitAfterLease: true);
            var bound = await udhcpc.WaitForEventAsync("bound");
            output.WriteLine($"bound {bound["ip"]} from {bound["serverid"]}");
            bound["serverid"].Should().Be("10.62.0.10", "the tenant's dnsmasq answered, not the agent (whose server id is the gateway)");
            InCidr(bound["ip"], "10.62.0.96/27").Should().BeTrue("dnsmasq's range");
            udhcpc.Events().Should().NotContain(e => e.Event != "deconfig" && e.Env.GetValueOrDefault("serverid") == net.Gateway);
            DhcpPacketIns(await agent.MetricsAsync()).Should().Be(before, "no DHCP PACKET_IN on a DHCP-disabled subnet");
            (await node.OfctlAsync("dump-flows", node.BridgeName, "table=20")).Should().NotContain("tp_src=68", "no DHCP flow for the disabled segment");
            LeaseFile(agent.StateDirectory).Should().NotContain(bound["ip"]);
        }
        finally
        {
            output.WriteLine(dnsmasq.OutputTail());
            await dnsmasq.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_port_flooding_10000_discovers_does_not_delay_another_ports_lease()
    {
        const int flood = 10_000;
        var net = await NetworkAsync(fixture, "10.63.0.0/24");
        await using var node = await OvsNode.StartAsync("dhcpflood");
        await using var flooder = await DhcpWorkloadAsync(node, "flood", net, "02:00:00:63:00:0f");
        await using var victim = await DhcpWorkloadAsync(node, "vm1", net, "02:00:00:63:00:10");
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node, nodeName: net.Node);

        var baseline = await LeaseTimeAsync(victim);
        await victim.FlushAddressesAsync();

        var frame = DiscoverFrame(MacAddress.Parse(flooder.Mac));
        // Bursts of 10,000 DISCOVERs as fast as AF_PACKET takes them, repeated until the victim is bound (at least one burst).
        var stop = Path.Combine(node.RootDirectory, "flood.stop");
        var script = """
            import os, socket, sys, time
            frame = bytes.fromhex(sys.argv[1]); n = int(sys.argv[2]); stop = sys.argv[3]
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
            print("started", flush=True); t = time.monotonic(); sent = 0; bursts = 0
            while bursts == 0 or not os.path.exists(stop):
                for i in range(n):
                    try: s.send(frame); sent += 1
                    except BlockingIOError: pass
                bursts += 1
            print(f"sent {sent} in {bursts} bursts of {n} in {time.monotonic() - t:.3f} s", flush=True)
            """;
        var sender = ProcessRunner.RunAsync("python3", ["-c", script, Convert.ToHexString(frame), flood.ToString(CultureInfo.InvariantCulture), stop], new ProcessOptions { NetworkNamespace = flooder.NetworkNamespace });
        await Task.Delay(300); // the interpreter is up and flooding
        var underFlood = await LeaseTimeAsync(victim);
        await File.WriteAllTextAsync(stop, string.Empty);
        var result = await sender;
        result.ExitCode.Should().Be(0, result.StdErr);
        await Task.Delay(1500); // flow and meter statistics refresh about every second
        var meters = await node.OfctlAsync("meter-stats", node.BridgeName);
        var dhcpInputs = DhcpPacketIns(await agent.MetricsAsync());
        output.WriteLine($"flooder: {result.StdOut.Trim()}; victim lease: {baseline.TotalMilliseconds:F0} ms without flood, {underFlood.TotalMilliseconds:F0} ms during the flood; DHCP PACKET_INs in all: {dhcpInputs}");
        output.WriteLine(string.Join('\n', MeterWithTraffic().Matches(meters).Select(m => m.Value.Trim())));

        result.StdOut.Should().MatchRegex(@"sent \d{5,} in");
        sender.IsCompleted.Should().BeTrue();
        dhcpInputs.Should().BeLessThan(flood / 10, "the per-port meter keeps the flood away from the agent");
        underFlood.Should().BeLessThan(baseline + TimeSpan.FromSeconds(1), "the stated bound: a flood delays another port's lease by less than one second");

        // The drops show on the agent's /metrics (the stats poll runs every 2 s), as the per-port DHCP scope.
        await Eventually.UntilAsync(() => agent.MetricsAsync(), m => Exposition.Sum(m, "erebor_agent_meter_dropped_packets_total", ("app", "dhcp"), ("scope", "port")) > 1000,
            TimeSpan.FromSeconds(10), "erebor_agent_meter_dropped_packets_total{app=dhcp,scope=port} to count the flood");
    }

    /// <summary>Time from starting udhcpc to the bound event (DISCOVER, OFFER, REQUEST, ACK).</summary>
    private static async Task<TimeSpan> LeaseTimeAsync(Workload workload)
    {
        var clock = Stopwatch.StartNew();
        await using var udhcpc = await Udhcpc.StartAsync(workload, exitAfterLease: true);
        await udhcpc.WaitForEventAsync("bound", timeoutSeconds: 30);
        return clock.Elapsed;
    }

    private static byte[] DiscoverFrame(MacAddress mac)
    {
        var discover = new DhcpMessage
        {
            Operation = DhcpOperation.BootRequest,
            TransactionId = 0x0f100d,
            ClientHardwareAddress = [.. mac.ToBytes()],
            Flags = DhcpFlags.Broadcast,
            Options = new DhcpOptions { MessageType = DhcpMessageType.Discover },
        };
        var ethernet = new EthernetHeader(MacAddress.Broadcast, mac);
        var frame = new byte[Frames.GetDhcpLength(ethernet, discover)];
        Frames.WriteDhcp(frame, ethernet, new Ipv4Header(new Ipv4Address(0), DhcpReplyDestination.LimitedBroadcast), DhcpMessage.ClientPort, DhcpMessage.ServerPort, discover);
        return frame;
    }

    [GeneratedRegex(@"meter:\d+ flow_count:\d+ packet_in_count:[1-9][^\n]*\n[^\n]*")]
    private static partial Regex MeterWithTraffic();
}
