using System.Globalization;
using System.Text.RegularExpressions;
using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Processes;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // like the demo it runs: network namespaces and Open vSwitch

namespace Erebor.Demo.Tests;

/// <summary>
/// `make demo` end to end: the real demo binary, with --exit, against a real control plane, real
/// Open vSwitch nodes and real DHCP clients. What it prints is what a user reads, so the test
/// reads the same lines; afterwards, whether it finished or was interrupted, no process or
/// namespace it named may remain.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DemoTests(ITestOutputHelper output)
{
    /// <summary>Each Subnet's CIDR by name, from config/samples, which the demo applies.</summary>
    private static Dictionary<string, Ipv4Cidr> SampleSubnetCidrs()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepositoryPaths.Samples, "erebor.io_v1alpha1_subnet.yaml"))) { yaml.Load(reader); }
        return yaml.Documents.Select(d => d.RootNode).ToDictionary(
            subnet => subnet["metadata"]["name"].ToString(),
            subnet => Ipv4Cidr.Parse(subnet["spec"]["cidr"].ToString()));
    }

    [Fact]
    public async Task The_tour_leases_every_vm_an_address_of_its_nodes_block_pings_every_path_and_leaves_nothing_behind()
    {
        var demo = await ProcessRunner.RunAsync(Path.Combine(AppContext.BaseDirectory, "erebor-demo"), ["--exit"], new ProcessOptions { Timeout = TimeSpan.FromMinutes(3) });
        output.WriteLine(demo.StdOut);
        output.WriteLine(demo.StdErr);

        demo.ExitCode.Should().Be(0, "every step held");
        demo.StdOut.Should().NotContain("PROBLEM");

        var subnetCidrs = SampleSubnetCidrs();
        var leases = LeaseLine().Matches(demo.StdOut).ToDictionary(m => m.Groups["vm"].Value);
        leases.Keys.Should().BeEquivalentTo("fe-1", "fe-2", "be-2");
        foreach (var (vm, lease) in leases)
        {
            var ip = Ipv4Address.Parse(lease.Groups["ip"].Value);
            subnetCidrs[lease.Groups["subnet"].Value].Contains(ip).Should().BeTrue($"{vm} leased {ip} in its subnet {lease.Groups["subnet"].Value}");
            lease.Groups["blockNode"].Value.Should().Be(lease.Groups["node"].Value, $"{vm} leases from its own node's block");
            Ipv4Cidr.Parse(lease.Groups["block"].Value).Contains(ip).Should().BeTrue();
        }

        leases.Values.Select(l => l.Groups["node"].Value).Distinct().Should().HaveCount(2, "VMs run on both nodes");

        string[] paths = ["same subnet across nodes", "across subnets on node-2", "across subnets and nodes"];
        var pings = PingLine().Matches(demo.StdOut).ToDictionary(m => m.Groups["path"].Value);
        pings.Keys.Should().BeEquivalentTo(paths);
        foreach (var ping in pings.Values)
        {
            int.Parse(ping.Groups["received"].Value, CultureInfo.InvariantCulture).Should().Be(int.Parse(ping.Groups["sent"].Value, CultureInfo.InvariantCulture), ping.Value);
            int.Parse(ping.Groups["sent"].Value, CultureInfo.InvariantCulture).Should().BePositive();
        }

        await ShouldHaveLeftNothingBehindAsync(demo.StdOut, expectedNamespaces: 5);
    }

    [Fact]
    public async Task Ctrl_c_in_the_middle_of_the_tour_stops_and_removes_everything_started_so_far()
    {
        await using var demo = BackgroundProcess.Start("demo", Path.Combine(AppContext.BaseDirectory, "erebor-demo"), []);
        var firstLease = new TaskCompletionSource();
        demo.Line += line =>
        {
            output.WriteLine(line);
            if (LeaseLine().IsMatch(line)) { firstLease.TrySetResult(); }
        };
        await firstLease.Task.WaitAsync(TimeSpan.FromMinutes(2));

        await ProcessRunner.RunCheckedAsync("kill", "-INT", demo.Pid.ToString(CultureInfo.InvariantCulture));
        await demo.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        demo.ExitCode.Should().Be(0, "an interrupted demo is not a failed one");
        var said = demo.OutputTail();
        said.Should().Contain("interrupted").And.Contain("cleaned up").And.NotContain("PROBLEM");
        said.Should().NotContain("all set", "the tour stopped at its next step, before its end (without --exit it never says \"tour complete\")");
        await ShouldHaveLeftNothingBehindAsync(said, expectedNamespaces: 3);
    }

    /// <summary>No process the demo named (by pid) runs and no network namespace it named exists.</summary>
    private static async Task ShouldHaveLeftNothingBehindAsync(string said, int expectedNamespaces)
    {
        var pids = Pid().Matches(said).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToList();
        pids.Should().HaveCountGreaterThanOrEqualTo(7, "an operator, and ovsdb-server, ovs-vswitchd and an agent per node");
        pids.Where(pid => Directory.Exists($"/proc/{pid}")).Should().BeEmpty("the demo stops every process it started");

        var namespaces = NetworkNamespace().Matches(said).Select(m => m.Groups[1].Value).Distinct().ToList();
        namespaces.Should().HaveCountGreaterThanOrEqualTo(expectedNamespaces, "a namespace per node and per VM it reached");
        var left = await ProcessRunner.RunCheckedAsync("ip", "netns", "list");
        namespaces.Where(ns => Regex.IsMatch(left, $@"^{Regex.Escape(ns)}\b", RegexOptions.Multiline)).Should().BeEmpty("the demo removes every namespace it created");
    }

    // fe-1 on node-1 (frontend) leased 10.10.1.10/24 from node-1's block 10.10.1.0/26; gateway ...
    [GeneratedRegex(@"(?<vm>\S+) on (?<node>\S+) \((?<subnet>\w+)\) leased (?<ip>[\d.]+)/\d+ from (?<blockNode>\S+)'s block (?<block>\S+);")]
    private static partial Regex LeaseLine();

    // ping fe-1 (node-1) -> fe-2 (node-2) 10.10.1.64, same subnet across nodes: 5/5 replies, ...
    [GeneratedRegex(@"ping \S+ \(\S+\) -> \S+ \(\S+\) [\d.]+, (?<path>[^:]+): (?<received>\d+)/(?<sent>\d+) replies")]
    private static partial Regex PingLine();

    [GeneratedRegex(@"\bpid (\d+)")]
    private static partial Regex Pid();

    [GeneratedRegex(@"network namespace (\S+?)[\])]?(?:\s|$)")]
    private static partial Regex NetworkNamespace();
}
