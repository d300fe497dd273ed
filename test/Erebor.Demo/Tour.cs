using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Erebor.Agent.Apps;
using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Erebor.Harness.Prometheus;

namespace Erebor.Demo;

/// <summary>
/// The story `make demo` tells, one method per step: a control plane, the operator, the samples,
/// two simulated nodes with an agent each, VMs leasing addresses by DHCP, pings within and across
/// subnets and nodes, then what Kubernetes and the data plane show. Everything started is handed
/// to <see cref="Cleanup"/> at once, so an interrupted or failed tour leaves nothing behind.
/// </summary>
internal sealed partial class Tour(Narrator narrator, Cleanup cleanup, CancellationToken ct)
{
    private const string Namespace = "demo";
    private const string UnderlayNetwork = "192.168.50";
    private const int PingCount = 5;

    private static readonly string[] NodeNames = ["node-1", "node-2"];

    // Frontend VMs on both nodes, a backend VM on node-2: every kind of path has a pair.
    private static readonly (string Name, int Node, string Subnet, string Mac)[] VmPlan =
    [
        ("fe-1", 0, "frontend", "02:00:00:10:01:11"),
        ("fe-2", 1, "frontend", "02:00:00:10:01:12"),
        ("be-2", 1, "backend", "02:00:00:10:02:12"),
    ];

    private readonly List<SimulatedNode> _nodes = [];
    private readonly List<Vm> _vms = [];
    private IControlPlane? _cluster;
    private OperatorProcess? _operator;

    private IControlPlane Cluster => _cluster ?? throw new InvalidOperationException("the control plane is not started");

    public async Task RunAsync()
    {
        await StartControlPlaneAsync();
        await StartOperatorAsync();
        await ApplySamplesAsync();
        await StartNodesAsync();
        await LeaseAddressesAsync();
        await LearnRemotePortsAsync();
        await PingAsync();
        await ShowResourcesAsync();
        await ShowDataPlaneAsync();
    }

    /// <summary>Where to look around by hand while the demo waits for Ctrl-C.</summary>
    public void SayHowToLookAround()
    {
        narrator.Say($"look around: export KUBECONFIG={Cluster.KubeconfigPath}; kubectl get erebor -A");
        foreach (var node in _nodes)
        {
            narrator.Say($"  {node.Name}: . {node.Ovs.EnvFilePath}; ovs-ofctl -O OpenFlow13 dump-flows {node.Ovs.BridgeName}   (agent metrics {node.Agent.MetricsUrl}metrics)");
        }

        foreach (var vm in _vms)
        {
            narrator.Say($"  {vm.Name}: ip netns exec {vm.Workload.NetworkNamespace} ping {_vms.First(v => v != vm).Address}");
        }
    }

    /// <summary>The last output of the processes the demo started, for a failed tour.</summary>
    public void ShowProcessOutput()
    {
        if (_operator is not null) { Console.Error.WriteLine($"--- erebor-operator output (tail)\n{_operator.OutputTail()}"); }
        foreach (var node in _nodes) { Console.Error.WriteLine($"--- erebor-agent {node.Name} output (tail)\n{node.Agent.OutputTail()}"); }
    }

    private void Step(string title)
    {
        ct.ThrowIfCancellationRequested();
        narrator.Step(title);
    }

    private async Task StartControlPlaneAsync()
    {
        Step("a local control plane: etcd and kube-apiserver 1.20 on loopback ports");
        _cluster = cleanup.Own(await ControlPlanes.StartAsync(ct: ct), "the control plane (etcd, kube-apiserver, their data)");
        narrator.Say($"API server {Cluster.ApiServerUrl}; kubeconfig {Cluster.KubeconfigPath}");
        narrator.Say("kubectl apply -f crds/");
        await EreborInstallation.InstallCrdsAsync(Cluster);
        foreach (var node in NodeNames)
        {
            await Cluster.ApplyAsync($"apiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\n  labels: {{erebor.io/simulated: \"true\"}}\n");
        }

        narrator.Explain($"the API server serves Erebor's kinds, and knows two Nodes ({string.Join(", ", NodeNames)}); there is no kubelet, the nodes are simulated below");
    }

    private async Task StartOperatorAsync()
    {
        Step("the operator: leader election, admission webhook, controllers, /metrics");
        _operator = await OperatorProcess.StartAsync(Cluster, new OperatorProcessOptions { Identity = "demo-operator" }, ct);
        cleanup.Own(_operator, $"erebor-operator (pid {_operator.Pid})");
        narrator.Say($"erebor-operator pid {_operator.Pid}, metrics {_operator.MetricsUrl}metrics");
        narrator.Explain("it holds the Lease erebor-system/erebor-operator, so only it reconciles, and registered its validating webhook with the API server");
    }

    private async Task ApplySamplesAsync()
    {
        Step("kubectl apply -k config/samples: two Subnets and a Router in namespace demo");
        narrator.Show(await Cluster.KubectlCheckedAsync("apply", "-k", RepositoryPaths.Samples));
        await Eventually.UntilAsync(() => NotYetAsync(item => ConditionIsTrue(item, "Ready")), notReady => notReady.Count == 0, TimeSpan.FromSeconds(60), "the samples to be Ready");
        foreach (var (subnet, blocks) in await NodeBlocksAsync())
        {
            narrator.Say($"Subnet {subnet}: {string.Join(", ", blocks.Select(b => $"{b.Node} holds {b.Block}"))}");
        }

        narrator.Explain("the operator split each Subnet into per-node blocks (status.nodeBlocks) and gave the Router a MAC per interface; all Ready");

        narrator.Say("a Subnet with host bits in its CIDR is refused by the webhook, with a precise message:");
        narrator.Show(await RefusalAsync("apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {name: typo, namespace: demo}\nspec: {cidr: 10.10.3.1/24}\n"));
        narrator.Explain("the CRD schema checks shapes; the operator's webhook checks meaning and says how to fix it");
    }

    private async Task StartNodesAsync()
    {
        Step("two simulated nodes: each an Open vSwitch (userspace datapath) in its own network namespace, with its Erebor agent");
        var nodes = await TwoNodes.StartAsync(Cluster, "demo-node", UnderlayNetwork, NodeNames[0], NodeNames[1], ct: ct);
        cleanup.Own(nodes, "the two nodes (their agents, the underlay, Open vSwitch and VMs)");
        _nodes.AddRange([
            new SimulatedNode(NodeNames[0], nodes.Node1, nodes.Agent1, nodes.Underlay.LeftEndpoint),
            new SimulatedNode(NodeNames[1], nodes.Node2, nodes.Agent2, nodes.Underlay.RightEndpoint)]);
        foreach (var node in _nodes)
        {
            narrator.Say($"{node.Name}: ovsdb-server pid {node.Ovs.OvsdbServerPid}, ovs-vswitchd pid {node.Ovs.VswitchdPid} in network namespace {node.Ovs.NetworkNamespace}");
            var flows = FlowCount().Match(await node.Ovs.OfctlAsync("dump-aggregate", node.Ovs.BridgeName)).Groups[1].Value;
            narrator.Say($"{node.Name}: erebor-agent pid {node.Agent.Pid} --tunnel-ip {node.TunnelEndpoint} programmed {node.Ovs.BridgeName} with {flows} flows; metrics {node.Agent.MetricsUrl}metrics");
        }

        narrator.Say($"underlay: a veth between the two namespaces, bridge {Underlay.Bridge} on each; tunnel endpoints {_nodes[0].TunnelEndpoint} ({_nodes[0].Name}) and {_nodes[1].TunnelEndpoint} ({_nodes[1].Name})");
        narrator.Explain("each agent set up br-int over OVSDB, installed its whole pipeline in one OpenFlow bundle, and added a geneve tunnel port on its endpoint");
    }

    private async Task LeaseAddressesAsync()
    {
        Step("three VMs (network namespaces on veths) ask for addresses by DHCP; the agent on their own node answers");
        var blocks = await NodeBlocksAsync();
        foreach (var (name, nodeIndex, subnet, mac) in VmPlan)
        {
            var node = _nodes[nodeIndex];
            var workload = await node.Ovs.AddWorkloadAsync(name, new WorkloadOptions
            {
                Mac = mac,
                ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{Namespace}/{subnet}" },
            });
            cleanup.Own(workload, $"VM {name} (network namespace {workload.NetworkNamespace})");
            var lease = await RequestLeaseAsync(workload, node.Ovs.RootDirectory);
            var vm = new Vm(name, node, subnet, workload, lease);
            _vms.Add(vm);

            var block = lease.BlockIn(blocks.GetValueOrDefault(subnet, []));
            var from = block is { } b ? $"from {b.Node}'s block {b.Block}" : "from no node's block";
            string[] options = [$"gateway {lease.Router}", lease.Dns.Length > 0 ? $"dns {lease.Dns}" : string.Empty, lease.Domain.Length > 0 ? $"domain {lease.Domain}" : string.Empty];
            narrator.Say($"{name} on {node.Name} ({subnet}) leased {lease.Ip}/{lease.PrefixLength} {from}; {string.Join(", ", options.Where(o => o.Length > 0))}   [network namespace {workload.NetworkNamespace}]");
            if (block?.Node != node.Name) { narrator.Problem($"{name} on {node.Name} got {lease.Ip}, which is not in {node.Name}'s block of {subnet}"); }
        }

        narrator.Explain("each DISCOVER/REQUEST reached the node's agent as a PACKET_IN (table 20, metered per port); the agent leased from its own node's block and kept the lease on the node: no DHCP server, no API call on the way");
    }

    /// <summary>busybox udhcpc, once, in the VM (its script in <paramref name="directory"/>, which the node removes): the lease, or throws with what the client said.</summary>
    private static async Task<DhcpLease> RequestLeaseAsync(Workload workload, string directory)
    {
        var script = Path.Combine(directory, "udhcpc.sh");
        await File.WriteAllTextAsync(script, DhcpLease.ClientScript);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var result = await workload.ExecAsync("busybox", "udhcpc", "-i", Workload.Interface, "-q", "-n", "-t", "5", "-T", "1", "-s", script);
        return DhcpLease.Find(result.StdOut) ?? throw new InvalidOperationException($"{workload.Name} got no DHCP lease (udhcpc exited {result.ExitCode}): {result.StdOut}{result.StdErr}");
    }

    private async Task LearnRemotePortsAsync()
    {
        Step("l2population: each agent learns the other node's ports from its NodeAgent object, not by flooding");
        foreach (var node in _nodes)
        {
            foreach (var other in _nodes.Where(n => n != node))
            {
                var expected = _vms.Count(vm => vm.Node == other);
                await Eventually.UntilAsync(
                    async () => Exposition.Sum(await node.Agent.MetricsAsync(ct), "erebor_agent_remote_ports", ("node", other.Name)),
                    ports => ports >= expected,
                    TimeSpan.FromSeconds(30),
                    $"{node.Name} to learn {expected} ports of {other.Name}");
                var names = string.Join(", ", _vms.Where(vm => vm.Node == other).Select(vm => $"{vm.Name} {vm.Address}"));
                narrator.Say($"{node.Name} tunnels to {other.Name} ({other.TunnelEndpoint}) for {expected} ports: {names}");
            }
        }

        narrator.Explain("each agent reports its ports in its NodeAgent's status; the others install ARP answers and L2/L3 flows for them pointing into the tunnel");
    }

    private async Task PingAsync()
    {
        Step("pings: same subnet across nodes, across subnets on one node, across subnets and nodes");
        var (fe1, fe2, be2) = (VmNamed("fe-1"), VmNamed("fe-2"), VmNamed("be-2"));
        await PingAsync(fe1, fe2, "same subnet across nodes", 64,
            $"L2: {fe1.Node.Name} answered fe-1's ARP for fe-2 itself and sent the frames through the geneve tunnel to {fe2.Node.Name}");

        await PingAsync(fe2, be2, $"across subnets on {fe2.Node.Name}", 63,
            $"L3 on the node, no network node: the first packet went to {fe2.Node.Name}'s agent, which installed a /32 flow in table 40 (router MAC as source, TTL one lower); the rest never left OVS (the first packet's detour is the max RTT)");
        await PingAsync(fe1, be2, "across subnets and nodes", 63,
            $"{fe1.Node.Name} routed the first packet straight into the tunnel to be-2's node, and {be2.Node.Name} routed the replies back: one hop each way");
    }

    private async Task PingAsync(Vm from, Vm to, string path, int expectedTtl, string explanation)
    {
        var ping = await from.Workload.PingAsync(to.Address, count: PingCount, intervalSeconds: 0.2, timeoutSeconds: 10);
        var rtt = ping is { RttMin: { } min, RttAvg: { } avg, RttMax: { } max }
            ? string.Join('/', new[] { min, avg, max }.Select(t => t.TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture))) + " ms"
            : "-";
        narrator.Say($"ping {from} -> {to} {to.Address}, {path}: {ping.Received}/{ping.Transmitted} replies, ttl {ping.Ttl}, rtt min/avg/max {rtt}");
        if (!ping.AllReceived) { narrator.Problem($"{from.Name} -> {to.Name}: {ping.Received} of {ping.Transmitted} replies\n{ping.Output}"); }
        else if (ping.Ttl != expectedTtl) { narrator.Problem($"{from.Name} -> {to.Name}: ttl {ping.Ttl}, expected {expectedTtl}"); }

        narrator.Explain(explanation);
    }

    private async Task ShowResourcesAsync()
    {
        Step("what Kubernetes shows: kubectl get erebor -A -o wide");
        var leases = _vms.GroupBy(vm => vm.Subnet).ToDictionary(g => g.Key, g => g.Count());
        await Eventually.UntilAsync(
            () => NotYetAsync(item => ConditionIsTrue(item, "Programmed") && (item.GetProperty("kind").GetString() != "Subnet" || LeasedOf(item) == leases.GetValueOrDefault(NameOf(item)))),
            behind => behind.Count == 0,
            TimeSpan.FromSeconds(60),
            "every Subnet and Router to be Programmed on both nodes, with the VMs' leases counted");
        narrator.Show(await Cluster.KubectlCheckedAsync("get", "erebor", "-A", "-o", "wide"));
        narrator.Explain("each agent reports in its NodeAgent what it installed and leased; the operator sums that up on each Subnet and Router: programmed on 2/2 nodes, leases counted");
        narrator.Say("kubectl describe subnet frontend -n demo");
        narrator.Show(KubectlText.WithoutManagedFields(await Cluster.KubectlCheckedAsync("describe", "subnet", "frontend", "-n", Namespace)));
        narrator.Explain("blocks per node, addresses used and available, conditions with reasons and the events: what an operator needs, without reading logs");
    }

    private async Task ShowDataPlaneAsync()
    {
        Step("the data plane: flows per table and PACKET_INs, from each agent's /metrics");
        var metrics = new List<string>();
        foreach (var node in _nodes) { metrics.Add(await node.Agent.MetricsAsync(ct)); }

        var header = string.Concat(_nodes.Select(n => $"{n.Name,10}"));
        narrator.Show($"{"flows in table",-28}{header}");
        foreach (var table in Pipeline.Tables)
        {
            narrator.Show($"{$"{table.Id,2} {table.Name}",-28}{Row(m => Exposition.Sum(m, "erebor_agent_flows", ("table", table.Name)))}");
        }

        narrator.Show($"{"PACKET_INs by app",-28}{header}");
        foreach (var app in Enum.GetValues<AppId>().Select(a => a.ToString().ToLowerInvariant()))
        {
            if (metrics.Any(m => Exposition.Sum(m, "erebor_agent_packet_ins_total", ("app", app)) > 0))
            {
                narrator.Show($"{"  " + app,-28}{Row(m => Exposition.Sum(m, "erebor_agent_packet_ins_total", ("app", app)))}");
            }
        }

        narrator.Show($"{"tunnel packets sent",-28}{Row(m => Exposition.Sum(m, "erebor_agent_tunnel_packets_total", ("direction", "tx")))}");

        narrator.Explain("PACKET_INs come from DHCP and from the first packet of each routed destination only; the /32 flows then carry the rest inside OVS");
        foreach (var node in _nodes)
        {
            narrator.Say($"{node.Name}: the reactive /32 flows in table {Pipeline.L3Forwarding.Id} (ovs-ofctl dump-flows {node.Ovs.BridgeName} table={Pipeline.L3Forwarding.Id})");
            var routes = (await node.Ovs.OfctlAsync("dump-flows", node.Ovs.BridgeName, $"table={Pipeline.L3Forwarding.Id}")).Split('\n').Where(f => f.Contains("nw_dst=", StringComparison.Ordinal)).ToList();
            narrator.Show(routes.Count > 0 ? string.Join('\n', routes) : "(none: this node routed nothing)");
        }

        narrator.Explain("one /32 per destination the node routed to, removed when idle (--l3-idle-seconds): reactive, so only what is used is installed");

        string Row(Func<string, double> value) => string.Concat(metrics.Select(m => $"{value(m),10:0}"));
    }

    private Vm VmNamed(string name) => _vms.Single(vm => vm.Name == name);

    /// <summary>Each Subnet's per-node blocks from its status.</summary>
    private async Task<Dictionary<string, List<(string Node, Ipv4Cidr Block)>>> NodeBlocksAsync()
    {
        using var doc = JsonDocument.Parse(await Cluster.KubectlCheckedAsync("get", "subnets", "-n", Namespace, "-o", "json"));
        var blocks = new Dictionary<string, List<(string Node, Ipv4Cidr Block)>>(StringComparer.Ordinal);
        foreach (var subnet in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            var list = new List<(string Node, Ipv4Cidr Block)>();
            if (subnet.TryGetProperty("status", out var status) && status.TryGetProperty("nodeBlocks", out var nodeBlocks))
            {
                list.AddRange(nodeBlocks.EnumerateArray().Select(b => (b.GetProperty("node").GetString() ?? string.Empty, Ipv4Cidr.Parse(b.GetProperty("cidr").GetString() ?? string.Empty))));
            }

            blocks[NameOf(subnet)] = list;
        }

        return blocks;
    }

    /// <summary>The demo's Subnets and Routers that are not yet <paramref name="done"/>, as "kind/name".</summary>
    private async Task<List<string>> NotYetAsync(Func<JsonElement, bool> done)
    {
        using var doc = JsonDocument.Parse(await Cluster.KubectlCheckedAsync("get", "subnets,routers", "-n", Namespace, "-o", "json"));
        return doc.RootElement.GetProperty("items").EnumerateArray()
            .Where(item => !done(item))
            .Select(item => $"{item.GetProperty("kind").GetString()}/{NameOf(item)}")
            .ToList();
    }

    private static bool ConditionIsTrue(JsonElement item, string type) =>
        item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
        && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == type && c.GetProperty("status").GetString() == "True");

    private static long LeasedOf(JsonElement subnet) =>
        subnet.TryGetProperty("status", out var status) && status.TryGetProperty("addresses", out var addresses) && addresses.TryGetProperty("leased", out var leased)
            ? leased.GetInt64()
            : 0;

    private static string NameOf(JsonElement item) => item.GetProperty("metadata").GetProperty("name").GetString() ?? string.Empty;

    [GeneratedRegex(@"flow_count=(\d+)")]
    private static partial Regex FlowCount();

    /// <summary>What kubectl says when the webhook refuses <paramref name="manifest"/>.</summary>
    private async Task<string> RefusalAsync(string manifest)
    {
        try
        {
            await Cluster.ApplyAsync(manifest);
            narrator.Problem("the webhook accepted an invalid Subnet");
            return string.Empty;
        }
        catch (ProcessFailedException e)
        {
            return e.Result.StdErr;
        }
    }
}
