using System.Globalization;
using System.Text.Json;

using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Dhcp;
using Erebor.Harness.Operator;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Erebor.Packets;

namespace Erebor.Bench;

/// <summary>
/// make bench-dhcp: DORA transactions per second and latency of our agent, dnsmasq and kea-dhcp4
/// serving the same subnet to the same clients on one node (real control plane, operator, OVS and
/// agent). <c>clients</c> workloads are ports of one Subnet, each a DHCP client with its own MAC;
/// one more port holds a static address for the tenant servers. With DHCP enabled on the Subnet
/// our agent answers (PACKET_IN/PACKET_OUT); with it disabled the agent only switches, and dnsmasq
/// or kea-dhcp4 in the server's namespace answers, as in DhcpIsolationTests. The load generator
/// (<see cref="DhcpLoadGenerator"/>) is the same for all three: one AF_PACKET socket per client
/// port, closed loop, DORA then RELEASE. Rounds interleave the servers so that a change in the
/// machine's load (other work on it) does not favour one of them.
/// </summary>
public static class DhcpBenchmark
{
    private const string Namespace = "bench-dhcp";
    private const string NodeName = "bench-dhcp-node";
    private const string Cidr = "10.90.0.0/24";
    private const string Gateway = "10.90.0.1";
    private const string ServerIp = "10.90.0.2";
    private const string PoolStart = "10.90.0.100";
    private const string PoolEnd = "10.90.0.250";
    private const int LeaseSeconds = 600;
    private const uint BenchPacketInRate = 100_000;

    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(1);

    public sealed record ServerResult(
        string Server,
        double TpsMedian,
        IReadOnlyList<double> TpsPerRound,
        double P50Ms,
        double P90Ms,
        double P99Ms,
        double MaxMs,
        long Completed,
        long TimedOut,
        long Failed);

    public sealed record Result(
        double OursTps,
        double DnsmasqTps,
        double KeaTps,
        double OursP50Ms,
        double OursP99Ms,
        double DnsmasqP50Ms,
        double DnsmasqP99Ms,
        double KeaP50Ms,
        double KeaP99Ms,
        double OursToDnsmasqTps,
        double OursToKeaTps,
        double OursP99ToFastestP99,
        bool TargetMet,
        string Target,
        LoadShape Load,
        IReadOnlyList<ServerResult> Servers,
        IReadOnlyDictionary<string, string> Configurations,
        string Topology,
        double LoadAverageAtStart,
        Machine Machine);

    public sealed record LoadShape(int Clients, int Concurrency, int Rounds, double SecondsPerRound, double WarmupSeconds, double ReplyTimeoutSeconds, string Transaction, string Latency, string Tps);

    public static async Task<Result> RunAsync(int clients, int rounds, TimeSpan measured, Action<string> say)
    {
        var loadAtStart = Machine.LoadAverage();
        say("starting the control plane, the operator and one OVS node");
        await using var cluster = await ControlPlanes.StartAsync();
        await EreborInstallation.InstallCrdsAsync(cluster);
        await using var op = await OperatorProcess.StartAsync(cluster);
        await cluster.ApplyAsync($"apiVersion: v1\nkind: Node\nmetadata: {{name: {NodeName}}}\n");
        await cluster.KubectlCheckedAsync("create", "namespace", Namespace);
        await ApplySubnetAsync(cluster, dhcp: true);

        await using var node = await OvsNode.StartAsync("bdhcp");
        var workloads = new List<Workload>();
        var sockets = new List<LinkLayerSocket>();
        var scratch = Directory.CreateTempSubdirectory("erebor-bench-dhcp-").FullName;
        try
        {
            var server = await node.AddWorkloadAsync("srv", new WorkloadOptions
            {
                Mac = "02:00:00:90:ff:fe", // outside the clients' range 02:00:00:90:00:00..
                Ipv4Cidr = $"{ServerIp}/24",
                ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{Namespace}/net", ["erebor.io/ip"] = ServerIp },
            });
            workloads.Add(server);
            var load = new List<DhcpLoadClient>();
            for (var i = 0; i < clients; i++)
            {
                var mac = MacAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"02:00:00:90:{i / 256:x2}:{i % 256:x2}"));
                var workload = await node.AddWorkloadAsync(string.Create(CultureInfo.InvariantCulture, $"c{i}"), new WorkloadOptions
                {
                    Mac = mac.ToString(),
                    ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = $"{Namespace}/net" },
                });
                workloads.Add(workload);
                var socket = LinkLayerSocket.Open(workload.NetworkNamespace, Workload.Interface, DhcpMessage.ClientPort);
                sockets.Add(socket);
                load.Add(new DhcpLoadClient(socket, mac));
            }

            string[] agentArgs = ["--dhcp-rate", Invariant(BenchPacketInRate), "--dhcp-port-rate", Invariant(BenchPacketInRate)];
            say($"{clients} client ports and a server port up; starting the agent with {string.Join(' ', agentArgs)}");
            await using var agent = await AgentProcess.StartAsync(cluster, node, nodeName: NodeName, extraArgs: agentArgs);

            var dnsmasqArgs = DnsmasqArguments(scratch);
            var keaConfig = Path.Combine(scratch, "kea-dhcp4.json");
            await File.WriteAllTextAsync(keaConfig, KeaConfiguration(scratch));
            var results = new Dictionary<string, List<DhcpLoadResult>> { ["ours"] = [], ["dnsmasq"] = [], ["kea"] = [] };
            for (var round = 1; round <= rounds; round++)
            {
                await SetDhcpAsync(cluster, node, enabled: true, clients);
                results["ours"].Add(await MeasureAsync("ours", round, load, measured, say));

                await SetDhcpAsync(cluster, node, enabled: false, clients);
                await using (var dnsmasq = BackgroundProcess.Start("dnsmasq", "/usr/sbin/dnsmasq", dnsmasqArgs, new ProcessOptions { NetworkNamespace = server.NetworkNamespace }))
                {
                    results["dnsmasq"].Add(await MeasureAsync("dnsmasq", round, load, measured, say, dnsmasq));
                }

                File.Delete(Path.Combine(scratch, "kea-leases4.csv"));
                await using (var kea = BackgroundProcess.Start("kea-dhcp4", "/usr/sbin/kea-dhcp4", ["-c", keaConfig], new ProcessOptions
                {
                    NetworkNamespace = server.NetworkNamespace,
                    Environment = new Dictionary<string, string> { ["KEA_PIDFILE_DIR"] = scratch, ["KEA_LOCKFILE_DIR"] = scratch },
                }))
                {
                    results["kea"].Add(await MeasureAsync("kea", round, load, measured, say, kea));
                }
            }

            var servers = results.Select(r => Summarize(r.Key, r.Value)).ToList();
            var ours = servers.Single(s => s.Server == "ours");
            var dnsmasqResult = servers.Single(s => s.Server == "dnsmasq");
            var keaResult = servers.Single(s => s.Server == "kea");
            var fastestP99 = servers.Min(s => s.P99Ms);
            var p99Ratio = Math.Round(ours.P99Ms / fastestP99, 2);
            var targetMet = ours.TpsMedian >= dnsmasqResult.TpsMedian && p99Ratio <= 2;
            say($"ours {ours.TpsMedian:F0}/s p99 {ours.P99Ms:F2} ms; dnsmasq {dnsmasqResult.TpsMedian:F0}/s p99 {dnsmasqResult.P99Ms:F2} ms; kea {keaResult.TpsMedian:F0}/s p99 {keaResult.P99Ms:F2} ms; target {(targetMet ? "met" : "NOT met")}");
            return new Result(
                ours.TpsMedian,
                dnsmasqResult.TpsMedian,
                keaResult.TpsMedian,
                ours.P50Ms,
                ours.P99Ms,
                dnsmasqResult.P50Ms,
                dnsmasqResult.P99Ms,
                keaResult.P50Ms,
                keaResult.P99Ms,
                Math.Round(ours.TpsMedian / dnsmasqResult.TpsMedian, 2),
                Math.Round(ours.TpsMedian / keaResult.TpsMedian, 2),
                p99Ratio,
                targetMet,
                "ours_tps >= dnsmasq_tps and ours_p99_ms <= 2 x the lowest p99 of the three",
                new LoadShape(
                    clients,
                    clients,
                    rounds,
                    measured.TotalSeconds,
                    Warmup.TotalSeconds,
                    ReplyTimeout.TotalSeconds,
                    "DISCOVER, OFFER, REQUEST, ACK, then RELEASE and start over at once (closed loop, one exchange in flight per client, unicast replies: no broadcast flag)",
                    "DISCOVER sent to ACK received, per exchange; percentiles over every exchange of all rounds",
                    "exchanges completed in the measured window / its length, per round; the median round is reported"),
                servers,
                new Dictionary<string, string>
                {
                    ["ours"] = $"erebor-agent {string.Join(' ', agentArgs)} (defaults 1000 and 20 packets/s: a few honest clients per port never reach them, a load generator with thousands of exchanges per port would); Subnet dhcp.enabled=true, leaseSeconds {LeaseSeconds}; lease changes appended to a journal before each ACK (the fsync follows, not awaited), group-committed, snapshot rewritten every 1000 appends",
                    ["dnsmasq"] = "dnsmasq " + string.Join(' ', dnsmasqArgs.Select(a => a.Replace(scratch, "<tmp>", StringComparison.Ordinal))) + " (--no-ping: the others do not ping an address before offering it; dnsmasq fsyncs its lease file before each reply)",
                    ["kea"] = "kea-dhcp4 " + KeaConfiguration("<tmp>").ReplaceLineEndings(" ") + " (defaults otherwise: single-threaded, memfile appends without fsync)",
                },
                $"one OVS node (userspace datapath) and one agent; {clients} client ports plus one server port on one Subnet {Cidr}; DHCP enabled on it: our agent answers; disabled: the agent only switches and the server in the server port's namespace answers (DISCOVERs and REQUESTs are broadcast to every port of the subnet, then dropped by a BPF filter on the client sockets)",
                loadAtStart,
                Machine.Current());
        }
        finally
        {
            foreach (var socket in sockets) { socket.Dispose(); }
            foreach (var w in workloads) { await w.DisposeAsync(); }
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<DhcpLoadResult> MeasureAsync(string server, int round, IReadOnlyList<DhcpLoadClient> load, TimeSpan measured, Action<string> say, BackgroundProcess? process = null)
    {
        // The server is up when one client gets a lease (kea and dnsmasq take a moment to open their sockets).
        var ready = await Eventually.UntilAsync(() => DhcpLoadGenerator.TryOneAsync(load[0], ReplyTimeout), ok => ok || process is { HasExited: true }, TimeSpan.FromSeconds(20), $"{server} to answer a first DORA");
        if (!ready) { throw new InvalidOperationException($"{server} exited: {process!.OutputTail()}"); }
        var result = await DhcpLoadGenerator.RunAsync(load, Warmup, measured, ReplyTimeout);
        var latency = result.Completed > 0 ? LatencySummary.Of(result.LatenciesMs) : null;
        say($"round {round} {server}: {result.TransactionsPerSecond:F0} DORA/s, p50 {latency?.P50:F2} ms, p99 {latency?.P99:F2} ms, {result.TimedOut} timed out, {result.Failed} NAKed");
        if (process is { HasExited: true }) { throw new InvalidOperationException($"{server} exited during the run: {process.OutputTail()}"); }
        return result;
    }

    private static ServerResult Summarize(string server, IReadOnlyList<DhcpLoadResult> rounds)
    {
        var latency = LatencySummary.Of(rounds.SelectMany(r => r.LatenciesMs));
        var tps = rounds.Select(r => Math.Round(r.TransactionsPerSecond, 1)).ToList();
        return new ServerResult(
            server,
            LatencySummary.Percentile([.. tps.Order()], 0.5),
            tps,
            Math.Round(latency.P50, 3),
            Math.Round(latency.P90, 3),
            Math.Round(latency.P99, 3),
            Math.Round(latency.Max, 3),
            rounds.Sum(r => r.Completed),
            rounds.Sum(r => r.TimedOut),
            rounds.Sum(r => r.Failed));
    }

    private static Task ApplySubnetAsync(IControlPlane cluster, bool dhcp) => cluster.ApplyAsync($$"""
        apiVersion: erebor.io/v1alpha1
        kind: Subnet
        metadata: {name: net, namespace: {{Namespace}}}
        spec:
          cidr: {{Cidr}}
          nodeBlockPrefixLength: 25
          dhcp: {enabled: {{(dhcp ? "true" : "false")}}, leaseSeconds: {{LeaseSeconds}}, dnsServers: ["{{Gateway}}"]}
        """);

    /// <summary>Turns DHCP on the Subnet on or off and waits until the agent's table 20 says so.</summary>
    private static async Task SetDhcpAsync(IControlPlane cluster, OvsNode node, bool enabled, int clients)
    {
        await ApplySubnetAsync(cluster, enabled);
        await Eventually.UntilAsync(
            () => node.OfctlAsync("dump-flows", node.BridgeName, "table=20"),
            flows => enabled ? CountOf(flows, "tp_src=68") >= clients : CountOf(flows, "tp_src=68") == 0,
            TimeSpan.FromSeconds(60),
            $"the DHCP flows to be {(enabled ? "installed" : "removed")}");

        static int CountOf(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));
    }

    private static string[] DnsmasqArguments(string scratch) =>
    [
        "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=eth0", "--bind-interfaces", "--no-ping",
        $"--dhcp-range={PoolStart},{PoolEnd},255.255.255.0,{LeaseSeconds}", $"--dhcp-option=option:router,{Gateway}", $"--dhcp-option=option:dns-server,{Gateway}",
        $"--dhcp-leasefile={scratch}/dnsmasq.leases", $"--pid-file={scratch}/dnsmasq.pid",
    ];

    private static string KeaConfiguration(string scratch) => JsonSerializer.Serialize<object>(new Dictionary<string, object>
    {
        ["Dhcp4"] = new Dictionary<string, object>
        {
            ["interfaces-config"] = new Dictionary<string, object> { ["interfaces"] = new[] { "eth0" }, ["dhcp-socket-type"] = "raw" },
            ["lease-database"] = new Dictionary<string, object> { ["type"] = "memfile", ["persist"] = true, ["name"] = $"{scratch}/kea-leases4.csv", ["lfc-interval"] = 0 },
            ["valid-lifetime"] = LeaseSeconds,
            ["subnet4"] = new[]
            {
                new Dictionary<string, object>
                {
                    ["id"] = 1,
                    ["subnet"] = Cidr,
                    ["pools"] = new[] { new Dictionary<string, object> { ["pool"] = $"{PoolStart} - {PoolEnd}" } },
                    ["option-data"] = new[] { new Dictionary<string, object> { ["name"] = "routers", ["data"] = Gateway }, new Dictionary<string, object> { ["name"] = "domain-name-servers", ["data"] = Gateway } },
                },
            },
            ["loggers"] = new[] { new Dictionary<string, object> { ["name"] = "kea-dhcp4", ["output_options"] = new[] { new Dictionary<string, object> { ["output"] = "stdout" } }, ["severity"] = "WARN" } },
        },
    }, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static string Invariant(uint value) => value.ToString(CultureInfo.InvariantCulture);
}
