using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

using Erebor.Domain.Networking;
using Erebor.Harness;
using Erebor.Harness.Ovs;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;

using Match = Erebor.OpenFlow.Matching.Match;

namespace Erebor.Bench;

/// <summary>
/// Installing N distinct flows into an OVS bridge through our controller (one OpenFlow bundle) against
/// `ovs-ofctl --bundle add-flows` with the same flows, each on a fresh bridge of the same type, plus the
/// round trip of a single flow-mod.
/// </summary>
public static partial class FlowInstallBenchmark
{
    private const string Table = "40";
    private const byte TableId = 40;
    private const ushort Priority = 100;
    private const ulong CookieBase = 0x1000_0000;
    private const uint FirstDestination = 0x0a000000; // 10.0.0.0, one /32 route per flow
    private const uint OutputPort = 3;
    private static readonly MacAddress RouterMac = MacAddress.Parse("02:00:00:00:aa:01");
    private static readonly MacAddress NextHopMac = MacAddress.Parse("02:00:00:00:01:10");
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    private static readonly OvsNodeOptions BridgeOptions = new()
    {
        DatapathType = "netdev",
        Protocols = "OpenFlow13",
        // ovs-ofctl runs under the node's tool timeout: 100k flows need more than the default.
        StartTimeout = TimeSpan.FromMinutes(5),
    };

    public sealed record Result(
        string Benchmark,
        string Bridge,
        string OvsVersion,
        string FlowTemplate,
        string OursTimed,
        string OvsOfctlTimed,
        string Check,
        int Repetitions,
        IReadOnlyList<SizeResult> Sizes,
        LatencyResult SingleFlowModLatency,
        double LoadAverageAtStart,
        double LoadAverageAtEnd,
        Machine Machine);

    /// <param name="Ratio">ovs_ofctl_seconds / ours_seconds (medians): how many times faster ours is.</param>
    public sealed record SizeResult(
        int Flows,
        double OursSeconds,
        double OvsOfctlSeconds,
        double Ratio,
        double OursBestSeconds,
        double OvsOfctlBestSeconds,
        double OursFlowsPerSecond,
        double OvsOfctlFlowsPerSecond,
        double OursConnectSeconds,
        IReadOnlyList<double> OursRepetitionsSeconds,
        IReadOnlyList<double> OvsOfctlRepetitionsSeconds);

    public sealed record LatencyResult(
        int Samples,
        int Warmup,
        double OursFlowModBarrierMedianMs,
        double OursFlowModBarrierP99Ms,
        double OvsOfctlAddFlowIncludingProcessSpawnMedianMs,
        double OvsOfctlAddFlowIncludingProcessSpawnP99Ms);

    public static async Task<Result> RunAsync(IReadOnlyList<int> sizes, int repetitions, int latencySamples, Action<string> say)
    {
        var loadAtStart = Machine.LoadAverage();
        var version = "unknown";
        await using (var warm = await OvsNode.StartAsync("bfw", BridgeOptions))
        {
            version = OvsVersionPattern().Match(await warm.OfctlAsync("--version")).Groups["version"].Value;
            say($"warm-up: a 1000-flow bundle on a throwaway bridge (JIT), Open vSwitch {version}");
            await using var connection = await ConnectAsync(warm);
            await connection.CommitBundleAsync(FlowMods(1000)).WaitAsync(InstallTimeout);
        }

        var results = new List<SizeResult>();
        foreach (var size in sizes)
        {
            var flows = FlowMods(size);
            var file = Path.GetTempFileName();
            await File.WriteAllLinesAsync(file, Enumerable.Range(0, size).Select(FlowText));
            try
            {
                var ours = new List<double>();
                var connects = new List<double>();
                var ofctl = new List<double>();
                for (var round = 1; round <= repetitions; round++)
                {
                    var (seconds, connect) = await OursAsync(flows);
                    ours.Add(seconds);
                    connects.Add(connect);
                    var theirs = await OvsOfctlAsync(file, size);
                    ofctl.Add(theirs);
                    say($"{size} flows, round {round}/{repetitions}: ours {seconds:F3} s (+ {connect * 1000:F1} ms connect), ovs-ofctl --bundle add-flows {theirs:F3} s");
                }

                var result = new SizeResult(
                    size,
                    Median(ours),
                    Median(ofctl),
                    Median(ofctl) / Median(ours),
                    ours.Min(),
                    ofctl.Min(),
                    size / Median(ours),
                    size / Median(ofctl),
                    Median(connects),
                    ours,
                    ofctl);
                say($"{size} flows, median: ours {result.OursSeconds:F3} s, ovs-ofctl {result.OvsOfctlSeconds:F3} s, ratio {result.Ratio:F2}");
                results.Add(result);
            }
            finally
            {
                File.Delete(file);
            }
        }

        var latency = await LatencyAsync(latencySamples, say);
        return new Result(
            "flow-install",
            $"fresh ovs-vswitchd + bridge per measurement (test/Erebor.Harness/Ovs), datapath_type={BridgeOptions.DatapathType}, protocols={BridgeOptions.Protocols}",
            version,
            $"table={Table},cookie=0x{CookieBase:x}+i,priority={Priority},ip,nw_dst=10.0.0.0+i,actions=set_field:{RouterMac}->eth_src,set_field:{NextHopMac}->eth_dst,dec_ttl,output:{OutputPort}",
            "CommitBundleAsync on an already connected controller (unix socket to BRIDGE.mgmt): encode, open, N adds, barrier, commit, commit reply. "
                + "Building the FlowMod records is not timed; connect + handshake is reported apart as ours_connect_seconds.",
            "the whole `ovs-ofctl -O OpenFlow13 --bundle add-flows br-int FILE` process: spawn, connect, parse the file (written beforehand), bundle, exit",
            "after each install, untimed: `ovs-ofctl dump-aggregate` must report flow_count = flows",
            repetitions,
            results,
            latency,
            loadAtStart,
            Machine.LoadAverage(),
            Machine.Current());
    }

    private static async Task<(double Seconds, double ConnectSeconds)> OursAsync(IReadOnlyList<OpenFlowMessage> flows)
    {
        await using var node = await OvsNode.StartAsync("bfo", BridgeOptions);
        var connecting = Stopwatch.StartNew();
        await using var connection = await ConnectAsync(node);
        var connect = connecting.Elapsed.TotalSeconds;

        var clock = Stopwatch.StartNew();
        await connection.CommitBundleAsync(flows).WaitAsync(InstallTimeout);
        var seconds = clock.Elapsed.TotalSeconds;

        await CheckFlowCountAsync(node, flows.Count);
        return (seconds, connect);
    }

    private static async Task<double> OvsOfctlAsync(string file, int count)
    {
        await using var node = await OvsNode.StartAsync("bfc", BridgeOptions);
        var clock = Stopwatch.StartNew();
        await node.OfctlAsync("--bundle", "add-flows", node.BridgeName, file);
        var seconds = clock.Elapsed.TotalSeconds;

        await CheckFlowCountAsync(node, count);
        return seconds;
    }

    /// <summary>One flow-mod followed by a barrier, waiting for the barrier reply; the same flow through `ovs-ofctl add-flow` (which also waits for a barrier).</summary>
    private static async Task<LatencyResult> LatencyAsync(int samples, Action<string> say)
    {
        const int warmup = 100;
        await using var node = await OvsNode.StartAsync("bfl", BridgeOptions);
        await using var connection = await ConnectAsync(node);
        var ours = new List<double>(samples);
        for (var i = 0; i < warmup + samples; i++)
        {
            var clock = Stopwatch.StartNew();
            await connection.SendAsync(Flow(i));
            await connection.BarrierAsync();
            if (i >= warmup) { ours.Add(clock.Elapsed.TotalMilliseconds); }
        }

        var ofctl = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var flow = FlowText(warmup + samples + i);
            var clock = Stopwatch.StartNew();
            await node.OfctlAsync("add-flow", node.BridgeName, flow);
            ofctl.Add(clock.Elapsed.TotalMilliseconds);
        }

        await CheckFlowCountAsync(node, warmup + (2 * samples));
        ours.Sort();
        ofctl.Sort();
        var result = new LatencyResult(samples, warmup, Median(ours), LatencySummary.Percentile(ours, 0.99), Median(ofctl), LatencySummary.Percentile(ofctl, 0.99));
        say($"single flow-mod + barrier over {samples}: ours median {result.OursFlowModBarrierMedianMs:F3} ms p99 {result.OursFlowModBarrierP99Ms:F3} ms; "
            + $"ovs-ofctl add-flow (process spawn included) median {result.OvsOfctlAddFlowIncludingProcessSpawnMedianMs:F2} ms p99 {result.OvsOfctlAddFlowIncludingProcessSpawnP99Ms:F2} ms");
        return result;
    }

    private static async Task<OpenFlowConnection> ConnectAsync(OvsNode node)
    {
        var connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix(node.BridgeMgmtSocket));
        try
        {
            await connection.WaitForSwitchAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task CheckFlowCountAsync(OvsNode node, int expected)
    {
        var aggregate = await node.OfctlAsync("dump-aggregate", node.BridgeName);
        var match = FlowCountPattern().Match(aggregate);
        var actual = match.Success ? int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture) : -1;
        if (actual != expected)
        {
            throw new InvalidOperationException($"expected {expected} flows on {node.Name}, ovs-ofctl dump-aggregate says: {aggregate.Trim()}");
        }
    }

    private static List<OpenFlowMessage> FlowMods(int count) => [.. Enumerable.Range(0, count).Select(i => (OpenFlowMessage)Flow(i))];

    private static FlowMod Flow(int i) => new()
    {
        TableId = TableId,
        Priority = Priority,
        Cookie = CookieBase + (ulong)i,
        Match = Match.Create().EthType(EtherTypes.IPv4).Ipv4Dst(Destination(i)),
        Instructions =
        [
            new ApplyActionsInstruction(
            [
                new SetFieldAction(OxmField.EthSrc, RouterMac.Value),
                new SetFieldAction(OxmField.EthDst, NextHopMac.Value),
                new DecNwTtlAction(),
                new OutputAction(OutputPort),
            ]),
        ],
    };

    /// <summary>The same flow as <see cref="Flow"/> in ovs-ofctl's syntax.</summary>
    private static string FlowText(int i) => string.Create(CultureInfo.InvariantCulture,
        $"table={Table},cookie=0x{CookieBase + (ulong)i:x},priority={Priority},ip,nw_dst={Destination(i)},actions=set_field:{RouterMac}->eth_src,set_field:{NextHopMac}->eth_dst,dec_ttl,output:{OutputPort}");

    private static Ipv4Address Destination(int i) => new(FirstDestination + (uint)i);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    [GeneratedRegex(@"flow_count=(?<count>\d+)")]
    private static partial Regex FlowCountPattern();

    [GeneratedRegex(@"Open vSwitch\)\s+(?<version>\S+)")]
    private static partial Regex OvsVersionPattern();
}
