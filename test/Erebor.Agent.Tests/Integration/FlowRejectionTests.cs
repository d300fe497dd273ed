using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

using Erebor.Agent.Apps;
using Erebor.Agent.Flows;
using Erebor.Domain.Networking;
using Erebor.Harness.Ovs;
using Erebor.Metrics;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;

using Microsoft.Extensions.Logging;

using Xunit.Abstractions;

using static Erebor.Agent.Apps.Flows;

using Match = Erebor.OpenFlow.Matching.Match;

namespace Erebor.Agent.Tests.Integration;

/// <summary>
/// <see cref="FlowSynchronizer"/> against a real ovs-vswitchd when one desired flow is one OVS
/// rejects: the rest is installed, the connection stays up, the bad flow is logged and counted
/// once, and not resent until it changes.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class FlowRejectionTests(ITestOutputHelper output)
{
    private const uint Segment = 7;
    private static readonly MacAddress PortMac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress RouterMac = MacAddress.Parse("02:00:00:00:00:fe");

    private static IReadOnlyList<FlowMod> GoodFlows { get; } =
    [
        Flow(Pipeline.Classifier, 0, Match.Any, AppId.Pipeline, 0),
        Flow(Pipeline.Classifier, 100, Match.Create().InPort(1), AppId.Classifier, 1, new WriteMetadataInstruction(SegmentMetadata(Segment)), GotoNext(Pipeline.Classifier)),
        Flow(Pipeline.ArpResponder, 0, Match.Any, AppId.Pipeline, 0, GotoNext(Pipeline.ArpResponder)),
        Flow(Pipeline.L2Lookup, 100, InSegment(Segment).EthDst(PortMac), AppId.L2, 1,
            new ApplyActionsInstruction([new SetFieldAction(OxmField.Reg(Pipeline.OutPortRegister), 1)]), Goto(Pipeline.Egress)),
        Flow(Pipeline.Egress, 100, Match.Create().Reg(Pipeline.OutPortRegister, 1), AppId.L2, 1, new ApplyActionsInstruction([new OutputAction(1)])),
    ];

    /// <summary>L3 lookup sending router-bound packets BACK to the ARP responder: OpenFlow only allows goto_table forward.</summary>
    private static FlowMod BadFlow { get; } = Flow(Pipeline.L3Lookup, 200, InSegment(Segment).EthDst(RouterMac), AppId.L3, 42, Goto(Pipeline.ArpResponder));

    /// <summary>The same flow (same table, priority and match) made valid: forward to L3 forwarding.</summary>
    private static FlowMod FixedFlow { get; } = BadFlow with { Instructions = [Goto(Pipeline.L3Forwarding)] };

    [Fact]
    public async Task A_flow_ovs_rejects_is_left_out_logged_counted_once_and_installed_once_fixed()
    {
        using var exporter = new PrometheusExporter(AgentMetrics.MeterName);
        using var metrics = new AgentMetrics();
        var logger = new RecordingLogger<FlowSynchronizer>();
        await using var node = await OvsNode.StartAsync("badflow");
        await using var connection = OpenFlowConnection.Start(OpenFlowEndpoint.Unix(node.BridgeMgmtSocket));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        await connection.WaitForSwitchAsync(ct);
        var synchronizer = new FlowSynchronizer(connection, metrics, logger);

        await synchronizer.ReplayAsync(GoodFlows, ct);
        synchronizer.Round.Should().BeGreaterThan(0);
        (await FlowCounts.TotalAsync(node)).Should().Be(GoodFlows.Count);
        var errorsBefore = FlowErrors(exporter.Scrape(), Pipeline.L3Lookup.Name);

        await synchronizer.UpdateAsync([.. GoodFlows, BadFlow], ct);

        var flows = await node.OfctlAsync("dump-flows", node.BridgeName);
        output.WriteLine(flows);
        (await FlowCounts.TotalAsync(node)).Should().Be(GoodFlows.Count, "the good flows stay, the bad one is not installed");
        (await FlowCounts.InTableAsync(node, Pipeline.L3Lookup.Id)).Should().Be(0, "the rejected flow is the only one in L3Lookup");
        flows.Should().Contain("dl_dst=02:00:00:00:00:01").And.Contain("in_port=1").And.Contain("actions=output:1");
        connection.IsConnected.Should().BeTrue("a rejected flow must not cost the connection");
        await connection.BarrierAsync(ct);

        var errors = logger.Entries.Where(e => e.Level == LogLevel.Error).ToList();
        foreach (var entry in logger.Entries) { output.WriteLine($"{entry.Level}: {entry.Message}"); }
        errors.Should().ContainSingle("one flow was rejected");
        errors[0].Message.Should().Contain($"table={Pipeline.L3Lookup.Name}")
            .And.Contain("priority=200")
            .And.Contain($"match={BadFlow.Match}")
            .And.Contain("OFPBIC_BAD_TABLE_ID", "the log says what OVS objected to")
            .And.Contain("TableId = 10", "the log shows the offending instruction").And.Contain("L3");
        var exposition = exporter.Scrape();
        output.WriteLine(string.Join('\n', exposition.Split('\n').Where(l => l.StartsWith("erebor_agent_flow_errors", StringComparison.Ordinal))));
        FlowErrors(exposition, Pipeline.L3Lookup.Name).Should().Be(errorsBefore + 1, "erebor_agent_flow_errors_total counts the rejection");
        exposition.Should().Contain("erebor_agent_flow_errors_total{app=\"l3\",error=\"OFPBIC_BAD_TABLE_ID\",table=\"L3Lookup\"} 1", "the series names the app, the OpenFlow error and the table");

        // The same desired state again: the bad flow is not sent again.
        await synchronizer.UpdateAsync([.. GoodFlows, BadFlow], ct);
        logger.Entries.Count(e => e.Level == LogLevel.Error).Should().Be(1, "an unchanged rejected flow is not resent");
        FlowErrors(exporter.Scrape(), Pipeline.L3Lookup.Name).Should().Be(errorsBefore + 1);
        (await FlowCounts.TotalAsync(node)).Should().Be(GoodFlows.Count);

        // Fixing the flow installs it.
        await synchronizer.UpdateAsync([.. GoodFlows, FixedFlow], ct);
        var l3 = await node.OfctlAsync("dump-flows", node.BridgeName, "table=" + Pipeline.L3Lookup.Id.ToString(CultureInfo.InvariantCulture));
        output.WriteLine(l3);
        l3.Should().Contain("priority=200").And.Contain("dl_dst=02:00:00:00:00:fe").And.Contain("goto_table:40");
        (await FlowCounts.TotalAsync(node)).Should().Be(GoodFlows.Count + 1);
        logger.Entries.Count(e => e.Level == LogLevel.Error).Should().Be(1);
        FlowErrors(exporter.Scrape(), Pipeline.L3Lookup.Name).Should().Be(errorsBefore + 1);
        await connection.BarrierAsync(ct);
    }

    /// <summary>The sum of erebor_agent_flow_errors_total over the series of one table.</summary>
    private static long FlowErrors(string exposition, string table) =>
        FlowErrorLine().Matches(exposition).Where(m => m.Groups["labels"].Value.Contains($"table=\"{table}\"", StringComparison.Ordinal))
            .Sum(m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^erebor_agent_flow_errors_total\{(?<labels>[^}]*)\} (?<value>\d+)$", RegexOptions.Multiline)]
    private static partial Regex FlowErrorLine();
}

/// <summary>An <see cref="ILogger{T}"/> that keeps every formatted message, for asserting on what was logged.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        _entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
