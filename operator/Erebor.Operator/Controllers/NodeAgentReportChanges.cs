using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Operator.Controllers;

/// <summary>
/// Which Subnets or Routers a NodeAgent event concerns. Every agent rewrites its NodeAgent at each
/// heartbeat; reconciling every object it mentions each time would cost one reconcile per object,
/// node and heartbeat. So an event names only the entries whose report changed, and all objects
/// when the agent's readiness may have changed: it appeared or went away, its Ready condition
/// changed, or its heartbeat resumed after the previous one had gone stale. An agent that goes
/// silent sends no event at all: the controllers requeue themselves for that moment.
/// </summary>
public sealed class NodeAgentReportChanges(Func<V1Alpha1NodeAgent.NodeAgentStatus, IEnumerable<(string Key, string Value)>> entries, TimeSpan staleAfter, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Seen> _seen = [];

    /// <summary>Tracks the agents' Subnet entries (generation, ports, leases).</summary>
    public static NodeAgentReportChanges ForSubnets(TimeSpan staleAfter, TimeProvider time) =>
        new(status => (status.Subnets ?? []).Select(s => (s.Subnet, $"{s.ObservedGeneration}/{s.Ports}/{s.LeasesUsed}")), staleAfter, time);

    /// <summary>Tracks the agents' Router entries (generation).</summary>
    public static NodeAgentReportChanges ForRouters(TimeSpan staleAfter, TimeProvider time) =>
        new(status => (status.Routers ?? []).Select(r => (r.Router, $"{r.ObservedGeneration}")), staleAfter, time);

    /// <summary>The keys ("namespace/name") whose entries <paramref name="change"/> changed; null when every object may be concerned.</summary>
    public IReadOnlyCollection<string>? Changed(InformerEvent<V1Alpha1NodeAgent> change)
    {
        var agent = change.Object;
        var name = agent.Metadata.Name ?? string.Empty;
        var ready = Conditions.Find(agent.Status.Conditions, ConditionTypes.Ready) is { } c ? $"{c.Status}/{c.Reason}" : null;
        var seen = new Seen(ready, agent.Status.LastHeartbeatTime, entries(agent.Status).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.First().Value));
        lock (_lock)
        {
            if (change.Type == WatchEventType.Deleted)
            {
                _seen.Remove(name);
                return null;
            }

            var before = _seen.GetValueOrDefault(name);
            _seen[name] = seen;
            // Judged by this clock, as the controllers judge staleness: if the previous heartbeat is
            // stale by now, a controller may have marked the agent not ready.
            var resumed = before?.Heartbeat is not { } previous || time.GetUtcNow() - previous > staleAfter;
            if (before is null || before.Ready != seen.Ready || (resumed && seen.Heartbeat != before.Heartbeat)) { return null; }
            return [.. seen.Entries.Where(e => before.Entries.GetValueOrDefault(e.Key) != e.Value).Select(e => e.Key)
                .Concat(before.Entries.Keys.Where(k => !seen.Entries.ContainsKey(k)))];
        }
    }

    private sealed record Seen(string? Ready, DateTimeOffset? Heartbeat, Dictionary<string, string> Entries);
}
