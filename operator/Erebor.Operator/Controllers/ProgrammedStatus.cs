using System.Globalization;
using Erebor.Api;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Controllers;

/// <summary>Reasons of the <c>Programmed</c> condition of Subnets and Routers.</summary>
public static class ProgrammedReasons
{
    public const string AllNodesProgrammed = "AllNodesProgrammed";
    public const string NodesBehind = "NodesBehind";
    public const string AgentNotReady = "AgentNotReady";
    public const string NoAgents = "NoAgents";
}

/// <summary>Where one node stands with one Subnet or Router (<c>status.nodeBlocks[].state</c>).</summary>
public static class NodeProgrammingStates
{
    public const string Programmed = "Programmed";
    public const string Behind = "Behind";
    public const string AgentNotReady = "AgentNotReady";
    public const string NoAgent = "NoAgent";
}

/// <summary>What one node's agent reports about one Subnet or Router (null fields: it does not mention it).</summary>
public sealed record AgentReport(bool Ready, string? ReadyReason, DateTimeOffset? LastHeartbeat, long? Generation, int Ports = 0, int Leased = 0)
{
    /// <summary>What <paramref name="agent"/> reports about the Subnet <paramref name="subnet"/> ("namespace/name").</summary>
    public static AgentReport ForSubnet(V1Alpha1NodeAgent agent, string subnet)
    {
        var entry = agent.Status.Subnets?.FirstOrDefault(s => s.Subnet == subnet);
        return Of(agent) with { Generation = entry?.ObservedGeneration, Ports = entry?.Ports ?? 0, Leased = entry?.LeasesUsed ?? 0 };
    }

    /// <summary>What <paramref name="agent"/> reports about the Router <paramref name="router"/> ("namespace/name").</summary>
    public static AgentReport ForRouter(V1Alpha1NodeAgent agent, string router) =>
        Of(agent) with { Generation = agent.Status.Routers?.FirstOrDefault(r => r.Router == router)?.ObservedGeneration };

    private static AgentReport Of(V1Alpha1NodeAgent agent)
    {
        var ready = Conditions.Find(agent.Status.Conditions, ConditionTypes.Ready);
        return new AgentReport(ready?.Status == ConditionStatus.True, ready?.Reason, agent.Status.LastHeartbeatTime, null);
    }
}

/// <summary>One node's line in the summary.</summary>
public sealed record NodeProgramming(string Node, string State, long? Generation, int? Ports, int? Leased, string Detail);

/// <summary>The <c>Programmed</c> condition, the "N/M" count and the per-node lines of a Subnet or Router.</summary>
public sealed record ProgrammedSummary(int Programmed, int Nodes, string Status, string Reason, string Message, IReadOnlyList<NodeProgramming> PerNode, long Leased, DateTimeOffset? RecheckAt)
{
    public string Count => $"{Programmed}/{Nodes}";
}

/// <summary>
/// Aggregates what the node agents report into "programmed on N of M nodes". Pure: the
/// controllers pass the nodes that must program the object and each one's report. A node counts
/// as programmed when its agent is Ready, its heartbeat is fresh and it reports the object's
/// current generation. Texts contain no times relative to now, so that an unchanged situation
/// yields an unchanged status and costs no write.
/// </summary>
public static class ProgrammedStatus
{
    private const int NamedNodes = 10;

    /// <param name="generation">The object's metadata.generation.</param>
    /// <param name="reports">Every node that must program the object, with its agent's report (null: no NodeAgent).</param>
    /// <param name="staleAfter">A heartbeat older than this makes the agent not ready.</param>
    public static ProgrammedSummary Summarize(long generation, IReadOnlyDictionary<string, AgentReport?> reports, DateTimeOffset now, TimeSpan staleAfter)
    {
        var perNode = new List<NodeProgramming>();
        DateTimeOffset? recheckAt = null;
        foreach (var (node, report) in reports.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (report is null)
            {
                perNode.Add(new NodeProgramming(node, NodeProgrammingStates.NoAgent, null, null, null, "no NodeAgent"));
                continue;
            }

            var notReady = report switch
            {
                { LastHeartbeat: null } => "no heartbeat",
                { LastHeartbeat: { } beat } when now - beat > staleAfter => $"no heartbeat since {beat.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}",
                { Ready: false } => report.ReadyReason is { } reason ? $"not Ready: {reason}" : "no Ready condition",
                _ => null,
            };
            if (notReady is null && report.LastHeartbeat is { } fresh)
            {
                // Nothing writes when an agent goes silent: look again when this heartbeat turns stale.
                var staleAt = fresh + staleAfter + TimeSpan.FromMilliseconds(100);
                recheckAt = recheckAt is { } earlier && earlier < staleAt ? earlier : staleAt;
            }

            var (state, detail) = (notReady, report.Generation) switch
            {
                ({ } reason, _) => (NodeProgrammingStates.AgentNotReady, reason),
                (null, { } g) when g == generation => (NodeProgrammingStates.Programmed, $"generation {g}"),
                (null, { } g) => (NodeProgrammingStates.Behind, $"generation {g}"),
                _ => (NodeProgrammingStates.Behind, "not programmed"),
            };
            perNode.Add(new NodeProgramming(node, state, report.Generation, report.Ports, report.Leased, detail));
        }

        var programmed = perNode.Count(n => n.State == NodeProgrammingStates.Programmed);
        var leased = perNode.Sum(n => (long)(n.Leased ?? 0));
        var notReadyNodes = perNode.Where(n => n.State is NodeProgrammingStates.AgentNotReady or NodeProgrammingStates.NoAgent).ToList();
        var behind = perNode.Where(n => n.State == NodeProgrammingStates.Behind).ToList();
        var head = $"{programmed}/{perNode.Count} node(s) run generation {generation}";
        var lagging = string.Join("; ", new[] { ("agent not ready on", notReadyNodes), ("behind", behind) }.Where(g => g.Item2.Count > 0).Select(g => $"{g.Item1} {Name(g.Item2)}"));
        var (status, reasonCode, message) = perNode switch
        {
            [] => (ConditionStatus.Unknown, ProgrammedReasons.NoAgents, "no node holds a block, so no agent programs it"),
            _ when perNode.All(n => n.State == NodeProgrammingStates.NoAgent) => (ConditionStatus.Unknown, ProgrammedReasons.NoAgents, $"none of the {perNode.Count} node(s) runs an agent (no NodeAgent objects)"),
            _ when notReadyNodes.Count > 0 => (ConditionStatus.False, ProgrammedReasons.AgentNotReady, $"{head}; {lagging}"),
            _ when behind.Count > 0 => (ConditionStatus.False, ProgrammedReasons.NodesBehind, $"{head}; {lagging}"),
            _ => (ConditionStatus.True, ProgrammedReasons.AllNodesProgrammed, $"generation {generation} is installed on all {perNode.Count} node(s)"),
        };
        return new ProgrammedSummary(programmed, perNode.Count, status, reasonCode, message, perNode, leased, recheckAt);
    }

    private static string Name(List<NodeProgramming> nodes)
    {
        var named = string.Join(", ", nodes.Take(NamedNodes).Select(n => $"{n.Node} ({n.Detail})"));
        return nodes.Count <= NamedNodes ? named : $"{named} and {nodes.Count - NamedNodes} more";
    }
}
