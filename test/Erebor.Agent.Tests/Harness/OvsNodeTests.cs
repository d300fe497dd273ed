using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;

namespace Erebor.Agent.Tests.Harness;

[Trait("Category", "Integration")]
public sealed class OvsNodeTests
{
    private static readonly WorkloadOptions Vm1 = new() { Mac = "02:00:00:00:01:10", Ipv4Cidr = "10.0.1.10/24", Gateway = "10.0.1.1" };
    private static readonly WorkloadOptions Vm2 = new() { Mac = "02:00:00:00:01:11", Ipv4Cidr = "10.0.1.11/24", Gateway = "10.0.1.1" };

    [Fact]
    public async Task Two_nodes_side_by_side_each_switch_their_workloads_with_a_normal_flow()
    {
        // Both nodes use the same bridge name, port names and addresses: they must not see each other.
        var starts = new[] { OvsNode.StartAsync("harness-a"), OvsNode.StartAsync("harness-b") };
        await using var nodeA = await starts[0];
        await using var nodeB = await starts[1];

        foreach (var node in new[] { nodeA, nodeB })
        {
            var vm1 = await node.AddWorkloadAsync("vm1", Vm1);
            await node.AddWorkloadAsync("vm2", Vm2);
            await node.OfctlAsync("add-flow", node.BridgeName, "priority=0,actions=NORMAL");

            var ping = await vm1.PingAsync("10.0.1.11");

            ping.AllReceived.Should().BeTrue(ping.Output);
            ping.Ttl.Should().Be(64, "switched, not routed");
            ping.RttAvg.Should().BeGreaterThan(TimeSpan.Zero);
        }

        nodeA.NetworkNamespace.Should().NotBe(nodeB.NetworkNamespace);
        (await nodeA.OfctlAsync("dump-flows", nodeA.BridgeName)).Should().Contain("actions=NORMAL");
    }

    [Fact]
    public async Task A_bridge_is_created_as_requested_and_workload_ports_carry_their_identity()
    {
        await using var node = await OvsNode.StartAsync("harness-ids");
        var workload = await node.AddWorkloadAsync("vm1", Vm1 with
        {
            OfPortRequest = 7,
            IfaceId = "default/vm1",
            ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = "default/blue" },
        });

        (await node.OfPortAsync(workload.PortName)).Should().Be(7);
        var externalIds = await node.VsctlAsync("get", "Interface", workload.PortName, "external_ids");
        externalIds.Should().Contain("iface-id=\"default/vm1\"")
            .And.Contain("attached-mac=\"02:00:00:00:01:10\"")
            .And.Contain("\"erebor.io/subnet\"=\"default/blue\"");
        (await node.VsctlAsync("get", "Bridge", node.BridgeName, "datapath_type", "fail_mode", "protocols", "other_config:disable-in-band"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("netdev", "secure", "[OpenFlow13]", "\"true\"");
        var root = (await node.VsctlAsync("get", "Open_vSwitch", ".", "ovs_version", "external_ids:system-id")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        root[0].Should().MatchRegex(@"^""\d+\.\d+\.\d+""$", "set like ovs-ctl does");
        root[1].Trim('"').Should().Be(node.Name);
        (await workload.Ipv4AddressAsync()).Should().Be("10.0.1.10");
        await workload.FlushAddressesAsync();
        (await workload.Ipv4AddressAsync()).Should().BeNull();
    }

    [Fact]
    public async Task A_killed_vswitchd_stops_forwarding_and_a_restarted_one_needs_its_flows_again()
    {
        await using var node = await OvsNode.StartAsync("harness-kill");
        var vm1 = await node.AddWorkloadAsync("vm1", Vm1);
        var vm2 = await node.AddWorkloadAsync("vm2", Vm2);
        var ofport = await node.OfPortAsync(vm2.PortName);
        await node.OfctlAsync("add-flow", node.BridgeName, "priority=0,actions=NORMAL");
        (await vm1.PingAsync("10.0.1.11")).AllReceived.Should().BeTrue();

        var killedPid = node.VswitchdPid;
        await node.KillVswitchdAsync();

        node.VswitchdPid.Should().BeNull();
        Directory.Exists($"/proc/{killedPid}").Should().BeFalse();
        (await vm1.PingAsync("10.0.1.11", count: 2, timeoutSeconds: 2)).Received.Should().Be(0);

        await node.StartVswitchdAsync();

        (await node.OfctlAsync("dump-flows", node.BridgeName)).Should().NotContain("actions=", "flows live only in ovs-vswitchd");
        (await node.OfPortAsync(vm2.PortName)).Should().Be(ofport, "the database keeps the port");
        await node.OfctlAsync("add-flow", node.BridgeName, "priority=0,actions=NORMAL");
        (await vm1.PingAsync("10.0.1.11")).AllReceived.Should().BeTrue();

        await node.RestartVswitchdAsync();
        (await node.OfctlAsync("dump-flows", node.BridgeName)).Should().NotContain("actions=");
    }

    [Fact]
    public async Task Dispose_leaves_no_namespace_device_process_or_directory_behind()
    {
        var node = await OvsNode.StartAsync("harness-dispose");
        var workload = await node.AddWorkloadAsync("vm1", Vm1 with { PortName = "dispose-" + Guid.NewGuid().ToString("N")[..6] });
        var pids = new[] { node.VswitchdPid, node.OvsdbServerPid };
        pids.Should().NotContainNulls();

        await node.DisposeAsync();
        await node.DisposeAsync();

        var namespaces = await ProcessRunner.RunCheckedAsync("ip", "netns", "list");
        namespaces.Should().NotContain(node.NetworkNamespace).And.NotContain(workload.NetworkNamespace);
        (await ProcessRunner.RunCheckedAsync("ip", "link", "show")).Should().NotContain(workload.PortName);
        pids.Should().OnlyContain(pid => !Directory.Exists($"/proc/{pid}"));
        Directory.Exists(node.RootDirectory).Should().BeFalse("pid files, sockets, database and logs live there");
    }

    [Fact]
    public async Task A_start_that_fails_half_way_removes_what_it_created()
    {
        var tempRoot = Path.Combine(Path.GetTempPath(), "erebor-ovs-failing-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var options = new OvsNodeOptions { TempRoot = tempRoot, DatapathType = "no-such-datapath", StartTimeout = TimeSpan.FromSeconds(3) };

            // unique per run, as other test processes may run this test at the same time
            var name = "fail-" + Guid.NewGuid().ToString("N")[..8];
            var start = () => OvsNode.StartAsync(name, options);

            await start.Should().ThrowAsync<Exception>();
            Directory.EnumerateFileSystemEntries(tempRoot).Should().BeEmpty();
            (await ProcessRunner.RunCheckedAsync("ip", "netns", "list")).Should().NotContain(name + "-");
        }
        finally
        {
            Directory.Delete(tempRoot, recursive: true);
        }
    }
}
