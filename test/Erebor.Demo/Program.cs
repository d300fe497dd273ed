using System.Diagnostics;
using System.Text.Json;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Ovs;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")] // network namespaces and Open vSwitch

// `make demo`: the whole story on one machine, narrated. Ctrl-C (or --exit after the tour)
// stops everything this program started, by PID, and removes its temporary files.
var exitWhenShown = args.Contains("--exit");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var clock = Stopwatch.StartNew();
void Say(string message) => Console.WriteLine($"[demo {clock.Elapsed.TotalSeconds,6:F1}s] {message}");

IControlPlane? cluster = null;
OperatorProcess? operatorProcess = null;
OvsNode? ovs = null;
AgentProcess? agent = null;
var workloads = new List<Workload>();
try
{
    Say("starting a local control plane: etcd + kube-apiserver 1.20 on loopback ports");
    cluster = await ControlPlanes.StartAsync(ct: stop.Token);
    Say($"API server {cluster.ApiServerUrl}; to look around yourself: export KUBECONFIG={cluster.KubeconfigPath}");

    Say("installing Erebor's CRDs (kubectl apply -f crds/)");
    await EreborInstallation.InstallCrdsAsync(cluster);

    Say("registering two simulated nodes (Node objects; there is no kubelet here)");
    foreach (var node in new[] { "node-1", "node-2" })
    {
        await cluster.ApplyAsync($"apiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\n  labels: {{erebor.io/simulated: \"true\"}}\n");
    }

    Say("starting the operator (leader election, admission webhook, /metrics)");
    operatorProcess = await OperatorProcess.StartAsync(cluster, new OperatorProcessOptions { Identity = "demo-operator" }, stop.Token);
    Say($"operator ready; metrics at {operatorProcess.MetricsUrl}metrics");

    Say("applying config/samples (two Subnets and a Router in namespace demo)");
    Console.WriteLine(await cluster.KubectlCheckedAsync("apply", "-k", RepositoryPaths.Samples));

    Say("waiting for every sample to report Ready");
    await Eventually.UntilAsync(() => NotReadyAsync(cluster), notReady => notReady.Count == 0, TimeSpan.FromSeconds(60), "the samples to be Ready");

    Say("kubectl get erebor -A -o wide");
    Console.WriteLine(await cluster.KubectlCheckedAsync("get", "erebor", "-A", "-o", "wide"));
    Say("kubectl describe subnet frontend -n demo");
    Console.WriteLine(await cluster.KubectlCheckedAsync("describe", "subnet", "frontend", "-n", "demo"));

    Say("the webhook refuses a bad object with a precise message:");
    var bad = await ApplyStdinAsync(cluster, "apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {name: typo, namespace: demo}\nspec: {cidr: 10.10.3.1/24}\n");
    Console.WriteLine("  " + bad.Trim());

    Say("starting simulated node node-1: a private Open vSwitch (userspace datapath) in its own network namespace, and its Erebor agent");
    ovs = await OvsNode.StartAsync("demo-node1");
    agent = await AgentProcess.StartAsync(cluster, ovs, nodeName: "node-1", ct: stop.Token);
    Say($"agent programmed br-int: {(await ovs.OfctlAsync("dump-aggregate", ovs.BridgeName)).Trim()}");

    Say("attaching two VMs (network namespaces on veths), one per Subnet; they ask for addresses by DHCP");
    var dhcpScript = WriteDhcpScript();
    foreach (var (vm, subnet, mac) in new[] { ("vm-front", "frontend", "02:00:00:10:01:10"), ("vm-back", "backend", "02:00:00:10:02:10") })
    {
        var workload = await ovs.AddWorkloadAsync(vm, new WorkloadOptions { Mac = mac, ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"demo/{subnet}" } });
        workloads.Add(workload);
        var lease = await workload.ExecAsync("busybox", "udhcpc", "-i", "eth0", "-q", "-n", "-t", "5", "-T", "1", "-s", dhcpScript);
        if (lease.ExitCode != 0) { throw new InvalidOperationException($"{vm} got no DHCP lease: {lease.StdOut}{lease.StdErr}"); }
        Say($"{vm} on {subnet}: {(lease.StdErr + lease.StdOut).Split('\n').FirstOrDefault(l => l.Contains("obtained", StringComparison.Ordinal))?.Trim()}");
    }

    var backAddress = await workloads[1].Ipv4AddressAsync() ?? throw new InvalidOperationException("vm-back has no address");
    Say($"vm-front pings vm-back ({backAddress}) across subnets through demo-router (routed on the node, no network node)");
    var ping = await workloads[0].PingAsync(backAddress, count: 20, intervalSeconds: 0.05);
    Say($"{ping.Received}/{ping.Transmitted} replies, ttl {ping.Ttl} (one router hop), rtt avg {ping.RttAvg?.TotalMilliseconds:F2} ms");
    Say("routed flows the L3 app installed reactively (table 40):");
    Console.WriteLine(await ovs.OfctlAsync("dump-flows", ovs.BridgeName, "table=40"));
    Say("kubectl get nodeagents (the agent's heartbeat)");
    await Eventually.UntilAsync(() => cluster.KubectlCheckedAsync("get", "nodeagent", "node-1", "-o", "jsonpath={.status.openFlowConnected}"), c => c.Trim() == "true", TimeSpan.FromSeconds(30), "the NodeAgent heartbeat");
    Console.WriteLine(await cluster.KubectlCheckedAsync("get", "nodeagents", "-o", "wide"));
    Say("agent PACKET_IN counters (DHCP and the first packet of each routed flow only):");
    foreach (var line in (await agent.MetricsAsync()).Split('\n').Where(l => l.StartsWith("erebor_agent_packet_ins_total", StringComparison.Ordinal)))
    {
        Console.WriteLine("  " + line);
    }

    if (exitWhenShown)
    {
        Say("done (--exit); cleaning up");
        return 0;
    }

    Say("all set. Press Ctrl-C to stop and clean up.");
    await Task.Delay(Timeout.Infinite, stop.Token);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Say("stopping");
    return 0;
}
catch (Exception e)
{
    Say($"FAILED: {e.Message}");
    if (operatorProcess is not null) { Console.Error.WriteLine(operatorProcess.OutputTail()); }
    return 1;
}
finally
{
    foreach (var workload in workloads) { await workload.DisposeAsync(); }
    if (agent is not null) { await agent.DisposeAsync(); }
    if (ovs is not null) { await ovs.DisposeAsync(); }
    if (operatorProcess is not null) { await operatorProcess.DisposeAsync(); }
    if (cluster is not null) { await cluster.DisposeAsync(); }
    Say("cleaned up");
}

// A udhcpc script that configures what the lease says (busybox passes it in the environment).
static string WriteDhcpScript()
{
    var path = Path.Combine(Directory.CreateTempSubdirectory("erebor-demo-").FullName, "udhcpc.sh");
    File.WriteAllText(path, """
        #!/bin/sh
        case "$1" in
          bound|renew)
            ip addr flush dev "$interface"
            ip addr add "$ip/${mask:-24}" dev "$interface"
            [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
            ;;
        esac
        exit 0
        """);
    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    return path;
}

// Subnets and Routers whose Ready condition is not True, as "kind/namespace/name".
static async Task<List<string>> NotReadyAsync(IControlPlane cluster)
{
    var json = await cluster.KubectlCheckedAsync("get", "subnets,routers", "-A", "-o", "json");
    using var doc = JsonDocument.Parse(json);
    var notReady = new List<string>();
    foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
    {
        var ready = item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");
        if (!ready) { notReady.Add($"{item.GetProperty("kind").GetString()}/{item.GetProperty("metadata").GetProperty("name").GetString()}"); }
    }

    return notReady;
}

static async Task<string> ApplyStdinAsync(IControlPlane cluster, string manifest)
{
    try
    {
        return await cluster.ApplyAsync(manifest);
    }
    catch (Erebor.Harness.Processes.ProcessFailedException e)
    {
        return e.Result.StdErr;
    }
}
