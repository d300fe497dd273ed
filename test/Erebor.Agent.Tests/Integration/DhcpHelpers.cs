using System.Globalization;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Erebor.Harness.Prometheus;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Agent.Tests.Integration;

/// <summary>A Subnet served by DHCP on one simulated node, as the DHCP tests need it.</summary>
public sealed record DhcpNetwork(string Namespace, string Node, string Cidr, string Gateway, string GatewayMac, string Block);

/// <summary>Shared set-up and client drivers of the DHCP integration tests.</summary>
public static class DhcpHelpers
{
    /// <summary>
    /// A Node object (the operator gives blocks only to Nodes that exist), a Subnet with DHCP
    /// options and a Router on it; waits until the Subnet has a block for the node. The Nodes of
    /// earlier tests stay in the shared cluster and each takes a block of every new Subnet too, so
    /// the blocks are small (/28: 16 of them) and the Subnet stays Ready with many tests run.
    /// </summary>
    public static async Task<DhcpNetwork> NetworkAsync(AgentClusterFixture fixture, string cidr, bool dhcp = true)
    {
        var id = Guid.NewGuid().ToString("N")[..6];
        var ns = "dhcp-" + id;
        var node = "node-" + id;
        var prefix = cidr[..cidr.LastIndexOf('.')];
        await fixture.Cluster.ApplyAsync($"apiVersion: v1\nkind: Node\nmetadata: {{name: {node}}}\n");
        await fixture.Cluster.KubectlCheckedAsync("create", "namespace", ns);
        await fixture.Cluster.ApplyAsync($$"""
            apiVersion: erebor.io/v1alpha1
            kind: Subnet
            metadata: {name: net, namespace: {{ns}}}
            spec:
              cidr: {{cidr}}
              nodeBlockPrefixLength: 28
              reservedRanges: ["{{prefix}}.2-{{prefix}}.4"]
              dhcp:
                enabled: {{(dhcp ? "true" : "false")}}
                dnsServers: ["{{prefix}}.53", "9.9.9.9"]
                domain: tenant.example
                leaseSeconds: 600
                mtu: 1400
                staticRoutes: [{destination: 192.168.0.0/16, nextHop: "{{prefix}}.100"}]
            """);
        await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Router\nmetadata: {{name: r, namespace: {ns}}}\nspec: {{interfaces: [{{subnet: net}}]}}\n");
        var router = await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1Router>(ns, "r"), r => r is not null && Conditions.IsTrue(r.Status.Conditions, "Ready"), TimeSpan.FromSeconds(30), "router Ready");
        var subnet = await Eventually.UntilAsync(() => fixture.Api.GetAsync<V1Alpha1Subnet>(ns, "net"), s => s is not null && s.Status.NodeBlocks.Any(b => b.Node == node), TimeSpan.FromSeconds(30), "a block for the node");
        var gateway = router!.Status.Interfaces.Single();
        return new DhcpNetwork(ns, node, cidr, gateway.Ip!, gateway.Mac!, subnet!.Status.NodeBlocks.Single(b => b.Node == node).Cidr);
    }

    /// <summary>A workload with no address: it gets one by DHCP.</summary>
    public static Task<Workload> DhcpWorkloadAsync(OvsNode node, string name, DhcpNetwork network, string mac) =>
        node.AddWorkloadAsync(name, new WorkloadOptions { Mac = mac, ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{network.Namespace}/net" } });

    public static bool InCidr(string ip, string cidr) => Ipv4Cidr.Parse(cidr).Contains(Ipv4Address.Parse(ip));

    /// <summary>The leases of an agent's state directory (snapshot plus journal) as leases.json would hold them.</summary>
    public static string LeaseFile(string stateDirectory) => Erebor.Agent.Apps.Dhcp.LeaseFile.Serialize(LeaseJournal.Load(stateDirectory).Table);

    public static long DhcpPacketIns(string metrics) => (long)Exposition.Sum(metrics, "erebor_agent_packet_ins_total", ("app", "dhcp"));
}

/// <summary>
/// busybox udhcpc in a workload, in the foreground: its script records every event's environment
/// (one file per event, numbered) and configures the address and routes it was given, so tests
/// can assert on both the options and the namespace's routing table. SIGUSR1 renews, SIGUSR2 releases.
/// </summary>
public sealed class Udhcpc : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private Udhcpc(BackgroundProcess process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public static async Task<Udhcpc> StartAsync(Workload workload, bool exitAfterLease = false)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("erebor-udhcpc-").FullName;
        var script = Path.Combine(dir, "script.sh");
        await File.WriteAllTextAsync(script, """
            #!/bin/sh
            dir=$(dirname "$0")
            n=$(ls "$dir" | grep -c '\.env$')
            # written aside and renamed: the test polls for *.env and must never read a half-written one
            env | sort > "$dir/event.tmp" && mv "$dir/event.tmp" "$dir/$(printf %03d "$n")-$1.env"
            case "$1" in
              deconfig) ip addr flush dev "$interface" ;;
              bound|renew)
                ip addr flush dev "$interface"
                ip addr add "$ip/$mask" dev "$interface"
                set -- $staticroutes
                while [ $# -ge 2 ]; do ip route replace "$1" via "$2" dev "$interface"; shift 2; done
                ;;
            esac
            exit 0
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        if (OperatingSystem.IsLinux()) { File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
        string[] args = ["udhcpc", "-i", Workload.Interface, "-f", "-t", "10", "-T", "1", "-A", "1", "-s", script, "-p", Path.Combine(dir, "pid"), "-O", "staticroutes", "-O", "mtu", "-x", "hostname:" + workload.Name];
        if (exitAfterLease) { args = [.. args, "-q", "-n"]; }
        var process = BackgroundProcess.Start($"udhcpc-{workload.Name}", "busybox", args, new ProcessOptions { NetworkNamespace = workload.NetworkNamespace });
        return new Udhcpc(process, dir);
    }

    public bool HasExited => _process.HasExited;

    public string OutputTail() => _process.OutputTail();

    /// <summary>The environments of the script's events so far, in order.</summary>
    public IReadOnlyList<(string Event, IReadOnlyDictionary<string, string> Env)> Events() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.env").Order(StringComparer.Ordinal).Select(f =>
        {
            var name = Path.GetFileNameWithoutExtension(f);
            var env = File.ReadAllLines(f).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            return (name[(name.IndexOf('-', StringComparison.Ordinal) + 1)..], (IReadOnlyDictionary<string, string>)env);
        })];

    public async Task<IReadOnlyDictionary<string, string>> WaitForEventAsync(string name, int occurrence = 1, int timeoutSeconds = 20) =>
        (await Eventually.UntilAsync(() => Task.FromResult(Events()), e => e.Count(x => x.Event == name) >= occurrence, TimeSpan.FromSeconds(timeoutSeconds), $"udhcpc event {name} #{occurrence}; output:\n{OutputTail()}"))
            .Where(e => e.Event == name).ElementAt(occurrence - 1).Env;

    public Task SignalAsync(string signal) => ProcessRunner.RunCheckedAsync("kill", "-" + signal, _process.Pid.ToString(CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
