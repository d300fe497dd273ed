using System.Globalization;

using Erebor.Agent.Apps;
using Erebor.Harness;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Erebor.Harness.Prometheus;

using Xunit.Abstractions;

namespace Erebor.Agent.Tests.Integration;

/// <summary>The agent's /metrics as a real Prometheus server scrapes them, checked against what Open vSwitch reports.</summary>
[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed class PrometheusScrapeTests(AgentClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Prometheus_scrapes_erebor_agent_flows_equal_to_ovs_flow_counts_per_table()
    {
        var (ns, gateway) = await fixture.NetworkAsync("10.53.0.0/24");
        await using var node = await OvsNode.StartAsync("prom");
        await using var vm1 = await AgentClusterFixture.WorkloadAsync(node, "vm1", ns, "02:00:00:53:00:10", "10.53.0.10/24", gateway.Ip);
        await using var vm2 = await AgentClusterFixture.WorkloadAsync(node, "vm2", ns, "02:00:00:53:00:11", "10.53.0.11/24", gateway.Ip);
        await using var agent = await AgentProcess.StartAsync(fixture.Cluster, node);
        await Eventually.UntilAsync(() => node.OfctlAsync("dump-flows", node.BridgeName, "table=10"), f => f.Contains("arp_tpa=10.53.0.11", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "flows for both ports");

        await using var prometheus = await PrometheusServer.StartAsync([new ScrapeTarget("erebor-agent", agent.MetricsUrl)]);
        output.WriteLine($"prometheus {prometheus.Url} (pid {prometheus.Pid}) scraping {agent.MetricsUrl}");
        await Eventually.UntilAsync(() => prometheus.QueryAsync("up{job=\"erebor-agent\"}"), up => up.Count == 1 && up[0].Value == 1, TimeSpan.FromSeconds(30), "Prometheus to scrape the agent successfully");
        (await prometheus.TargetsAsync()).Should().ContainSingle(t => t.Job == "erebor-agent").Which.Health.Should().Be("up");

        // The agent polls table stats every 2 s and Prometheus scrapes every 1 s: wait for both to catch up.
        var (ovs, scraped) = await Eventually.UntilAsync(
            async () => (Ovs: await FlowCounts.PerTableAsync(node), Scraped: await prometheus.QueryAsync("erebor_agent_flows")),
            x => SameCounts(x.Ovs, x.Scraped),
            TimeSpan.FromSeconds(30), "erebor_agent_flows in Prometheus to equal dump-aggregate per table", TimeSpan.FromMilliseconds(500));
        foreach (var (table, count) in ovs) { output.WriteLine($"{table}: ovs {count}, prometheus {scraped.FirstOrDefault(s => s.Label("table") == table)?.Value.ToString(CultureInfo.InvariantCulture) ?? "-"}"); }

        ovs["Classifier"].Should().BeGreaterThan(1, "each port has its classifier flow besides the miss");
        ovs["ArpResponder"].Should().BeGreaterThan(1, "the gateway and each port have responder flows");
        ovs["L2Lookup"].Should().BeGreaterThan(1, "each port's MAC has an L2 flow");
        foreach (var table in Pipeline.Tables.Where(t => ovs[t.Name] > 0))
        {
            var sample = scraped.Should().ContainSingle(s => s.Label("table") == table.Name, $"table {table.Name} has {ovs[table.Name]} flows").Subject;
            sample.Value.Should().Be(ovs[table.Name], $"erebor_agent_flows{{table=\"{table.Name}\"}} must equal dump-aggregate table={table.Id}");
            sample.Label("table_id").Should().Be(table.Id.ToString(CultureInfo.InvariantCulture));
            sample.Label("job").Should().Be("erebor-agent");
        }

        scraped.Select(s => s.Label("table")).Should().OnlyContain(name => ovs.ContainsKey(name) && ovs[name] > 0, "no series for tables OVS has no flows in");
        scraped.Sum(s => s.Value).Should().Be(await FlowCounts.TotalAsync(node), "every flow on br-int is in a pipeline table");

        var metrics = await agent.MetricsAsync();
        var promtool = await ProcessRunner.RunAsync("promtool", ["check", "metrics"], new ProcessOptions { StandardInput = metrics });
        promtool.ExitCode.Should().Be(0, promtool.StdOut + promtool.StdErr);
        (promtool.StdOut + promtool.StdErr).Trim().Should().BeEmpty("promtool reports lint problems on its output");
    }

    private static bool SameCounts(Dictionary<string, long> ovs, IReadOnlyList<PrometheusSample> scraped) =>
        ovs.All(t => t.Value == 0
            ? scraped.All(s => s.Label("table") != t.Key || s.Value == 0)
            : scraped.Count(s => s.Label("table") == t.Key && s.Value == t.Value) == 1)
        && scraped.All(s => ovs.ContainsKey(s.Label("table")));
}
