using System.Globalization;
using System.Text.RegularExpressions;

using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Ovs;
using Erebor.Harness.Prometheus;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Bench;

/// <summary>
/// make bench-l3: the reactive L3 app on one node (real control plane, operator, OVS, agent).
/// Two Subnets joined by a Router, <c>ports</c> workloads split across them, <c>pairs</c> of them
/// (one in each subnet) talking. Measures the RTT of the first ping of a pair (both directions'
/// first packets go through the agent) against steady-state pings once the /32 flows exist, and
/// counts the flows the reactive app installed against what proactive routing would install.
/// </summary>
public static partial class L3Benchmark
{
    public sealed record Result(
        int Ports,
        int ActivePairs,
        double FirstPacketRttMsMedian,
        double FirstPacketRttMsMax,
        double SteadyRttMsMedian,
        double SteadyRttMsP99,
        int SteadyPingsPerPair,
        long L3PacketIns,
        long ReactiveFlows,
        long ProactivePerDestinationFlows,
        long ProactiveFullMeshFlows,
        string Note,
        Machine Machine);

    public static async Task<Result> RunAsync(int ports, int pairs, Action<string> say)
    {
        if (ports < 2 * pairs) { throw new ArgumentException($"{pairs} pairs need at least {2 * pairs} ports"); }
        say("starting the control plane, the operator and one OVS node");
        await using var cluster = await ControlPlanes.StartAsync();
        await EreborInstallation.InstallCrdsAsync(cluster);
        await using var op = await OperatorProcess.StartAsync(cluster);
        using var api = new KubeApi(KubeConfig.FromFile(cluster.KubeconfigPath));
        const string ns = "bench-l3";
        await cluster.KubectlCheckedAsync("create", "namespace", ns);
        await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {{name: a, namespace: {ns}}}\nspec: {{cidr: 10.70.0.0/24}}\n");
        await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {{name: b, namespace: {ns}}}\nspec: {{cidr: 10.71.0.0/24}}\n");
        await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Router\nmetadata: {{name: r, namespace: {ns}}}\nspec: {{interfaces: [{{subnet: a}}, {{subnet: b}}]}}\n");
        var router = await Eventually.UntilAsync(() => api.GetAsync<V1Alpha1Router>(ns, "r"), r => r is not null && Conditions.IsTrue(r.Status.Conditions, "Ready") && r.Status.Interfaces.Count == 2, TimeSpan.FromSeconds(60), "router Ready");
        var gatewayA = router!.Status.Interfaces.Single(i => i.Subnet == "a").Ip;
        var gatewayB = router.Status.Interfaces.Single(i => i.Subnet == "b").Ip;

        await using var node = await OvsNode.StartAsync("bl3");
        var workloads = new List<Workload>();
        try
        {
            var perSubnet = (ports + 1) / 2;
            for (var i = 0; i < ports; i++)
            {
                var inA = i < perSubnet;
                var index = inA ? i : i - perSubnet;
                var prefix = inA ? "10.70.0" : "10.71.0";
                workloads.Add(await node.AddWorkloadAsync((inA ? "a" : "b") + index.ToString(CultureInfo.InvariantCulture), new WorkloadOptions
                {
                    Mac = string.Create(CultureInfo.InvariantCulture, $"02:00:00:{(inA ? 0x70 : 0x71):x2}:00:{10 + index:x2}"),
                    Ipv4Cidr = string.Create(CultureInfo.InvariantCulture, $"{prefix}.{10 + index}/24"),
                    Gateway = inA ? gatewayA : gatewayB,
                    ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{ns}/{(inA ? "a" : "b")}", ["erebor.io/ip"] = string.Create(CultureInfo.InvariantCulture, $"{prefix}.{10 + index}") },
                }));
            }

            say($"{ports} workloads up; starting the agent");
            await using var agent = await AgentProcess.StartAsync(cluster, node, extraArgs: ["--l3-idle-seconds", "300"]);
            await Eventually.UntilAsync(() => node.OfctlAsync("dump-flows", node.BridgeName, "table=10"), f => ArpTargets().Matches(f).Select(m => m.Value).Distinct().Count() >= ports, TimeSpan.FromSeconds(60), "every port wired");

            var packetInsBefore = L3PacketIns(await agent.MetricsAsync());
            var first = new List<double>();
            var steady = new List<double>();
            const int steadyCount = 200;
            for (var p = 0; p < pairs; p++)
            {
                var from = workloads[p];
                var to = string.Create(CultureInfo.InvariantCulture, $"10.71.0.{10 + p}");
                var one = await from.PingAsync(to, count: 1, timeoutSeconds: 5);
                if (one.RttAvg is not { } rtt) { throw new InvalidOperationException($"first ping {from.Name} -> {to} got no reply: {one.Output}"); }
                first.Add(rtt.TotalMilliseconds);
                var result = await from.ExecAsync("ping", "-n", "-c", steadyCount.ToString(CultureInfo.InvariantCulture), "-i", "0.005", "-w", "30", to);
                steady.AddRange(RttField().Matches(result.StdOut).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
                say($"pair {p}: first {rtt.TotalMilliseconds:F3} ms, steady median {Median(steady):F3} ms so far");
            }

            var packetIns = L3PacketIns(await agent.MetricsAsync()) - packetInsBefore;
            var reactive = (await node.OfctlAsync("dump-flows", node.BridgeName, "table=40")).Split('\n').Count(l => l.Contains("nw_dst=", StringComparison.Ordinal));
            // Proactive per destination (Dragonflow's proactive L3): one /32 per port per other segment of the router.
            long perDestination = ports;
            // Proactive full mesh: one flow per ordered cross-subnet pair of ports.
            long fullMesh = 2L * perSubnet * (ports - perSubnet);
            first.Sort();
            steady.Sort();
            return new Result(
                ports,
                pairs,
                Math.Round(Median(first), 3),
                Math.Round(first[^1], 3),
                Math.Round(Median(steady), 3),
                Math.Round(steady[(int)Math.Min(steady.Count - 1, Math.Ceiling(steady.Count * 0.99) - 1)], 3),
                steadyCount,
                packetIns,
                reactive,
                perDestination,
                fullMesh,
                "first packet: vm -> table 40 miss -> agent (PACKET_IN, FLOW_MOD + PACKET_OUT) -> vm, and the reply's first packet the same way back; steady: /32 flows only",
                Machine.Current());
        }
        finally
        {
            foreach (var w in workloads) { await w.DisposeAsync(); }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    private static long L3PacketIns(string metrics) => (long)Exposition.Sum(metrics, "erebor_agent_packet_ins_total", ("app", "l3"));

    [GeneratedRegex(@"arp_tpa=10\.7[01]\.0\.\d+\b")]
    private static partial Regex ArpTargets();

    [GeneratedRegex(@"time=([0-9.]+) ms")]
    private static partial Regex RttField();
}
