using System.Text.Json.Nodes;
using System.Threading.Channels;
using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Microsoft.Extensions.Logging;

namespace Erebor.Agent.Status;

/// <summary>What the agent knows about itself when it reports.</summary>
public sealed record AgentState(string? OvsVersion, bool OpenFlowConnected, bool OvsdbConnected, IReadOnlyDictionary<byte, long> FlowsPerTable, IReadOnlyDictionary<AppId, long> PacketInsByApp, int IgnoredPorts, NodeNetwork Network);

/// <summary>
/// Writes this node's NodeAgent object: creates it once (spec), then writes its status at every
/// heartbeat and, debounced, as soon as what it shows about programming (generations, ports,
/// leases, readiness) changes. A failed write is logged and retried at the next one; the data
/// plane only hands over state (<see cref="Programmed"/> never waits).
/// </summary>
public sealed class NodeAgentReporter(IKubeApi api, AgentOptions options, IEnumerable<IPacketInApp> apps, ILogger<NodeAgentReporter> logger, TimeProvider time)
{
    public static readonly string AgentVersion = typeof(NodeAgentReporter).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>How long a change waits for the ones that usually follow it (a port's flows, then its lease) before it is written.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    private readonly V1Alpha1NodeAgent.NodeAgentStatus _status = new();
    private readonly ILeaseCounts? _leases = apps.OfType<ILeaseCounts>().FirstOrDefault();
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile ProgrammedGenerations _programmed = ProgrammedGenerations.None;
    private string? _written;
    private bool _created;

    /// <summary>Called by the flow loop after it installed flows; returns at once.</summary>
    public void Programmed(ProgrammedGenerations generations)
    {
        _programmed = generations;
        _changed.Writer.TryWrite(true);
    }

    /// <summary>Reports now, then at every heartbeat or change, until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(Func<AgentState> state, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await ReportAsync(state(), ct);
                await WaitForNextReportAsync(state, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// What the status shows about this node's programming: per Subnet the installed generation,
    /// its ports and this node's leases; per Router the installed generation.
    /// </summary>
    public static (List<V1Alpha1NodeAgent.NodeSubnetStatus> Subnets, List<V1Alpha1NodeAgent.NodeRouterStatus> Routers) Describe(
        NodeNetwork network, ProgrammedGenerations programmed, ILeaseCounts? leases)
    {
        var subnets = network.Segments.OrderBy(s => s.Name, StringComparer.Ordinal).Select(segment =>
        {
            var counts = leases?.CountOf(segment, network);
            return new V1Alpha1NodeAgent.NodeSubnetStatus
            {
                Subnet = segment.Name,
                ObservedGeneration = programmed.Subnets.TryGetValue(segment.Name, out var generation) ? generation : null,
                Ports = network.Ports.Count(p => p.SegmentId == segment.Id),
                LeasesUsed = (int)(counts?.InUse ?? 0),
                LeasesAvailable = (int)(counts?.Available ?? 0),
            };
        }).ToList();
        var routers = programmed.Routers.OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new V1Alpha1NodeAgent.NodeRouterStatus { Router = r.Key, ObservedGeneration = r.Value }).ToList();
        return (subnets, routers);
    }

    private async Task ReportAsync(AgentState state, CancellationToken ct)
    {
        try
        {
            if (!_created) { await EnsureExistsAsync(ct); }
            var now = time.GetUtcNow();
            _status.AgentVersion = AgentVersion;
            _status.OvsVersion = state.OvsVersion;
            _status.OpenFlowConnected = state.OpenFlowConnected;
            _status.LastHeartbeatTime = now;
            _status.FlowsPerTable = state.FlowsPerTable.ToDictionary(t => Pipeline.NameOf(t.Key), t => t.Value);
            _status.FlowCount = state.FlowsPerTable.Values.Sum();
            _status.PacketInsByApp = state.PacketInsByApp.ToDictionary(a => a.Key.ToString().ToLowerInvariant(), a => a.Value);
            var (subnets, routers) = Describe(state.Network, _programmed, _leases);
            var ports = Ports(state.Network);
            (_status.Subnets, _status.Routers, _status.Ports) = (subnets, routers, ports);
            var (ready, reason, message) = Readiness(state);
            Conditions.Set(_status.Conditions, ConditionTypes.Ready, ready, reason, message, null, now);
            // From what is written, not described again: generations or leases that change meanwhile must still differ from _written.
            var shown = Shown(subnets, routers, ports, reason);

            // A merge patch of the whole status: no read-modify-write, nothing to conflict with.
            var patch = new JsonObject { ["status"] = KubeJson.ToNode(_status) };
            await api.PatchAsync<V1Alpha1NodeAgent>(null, options.NodeName, PatchType.Merge, patch.ToJsonString(), new PatchOptions { Status = true }, ct);
            _written = shown;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _created = _created && e is not KubeApiException { IsNotFound: true };
            logger.LogWarning("NodeAgent heartbeat for {Node} failed: {Error}", options.NodeName, e.Message);
        }
    }

    /// <summary>Returns when the next heartbeat is due, or earlier once what <see cref="Shown"/> differs from what was written (debounced).</summary>
    private async Task WaitForNextReportAsync(Func<AgentState> state, CancellationToken ct)
    {
        using var heartbeat = new CancellationTokenSource(options.HeartbeatInterval, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, heartbeat.Token);
        try
        {
            while (await _changed.Reader.WaitToReadAsync(wait.Token))
            {
                await Task.Delay(Debounce, time, wait.Token);
                _changed.Reader.TryRead(out _);
                if (Shown(state()) != _written) { return; }
            }
        }
        catch (OperationCanceledException) when (heartbeat.IsCancellationRequested && !ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>The part of the status that is written as soon as it changes (not counters or the heartbeat time).</summary>
    private string Shown(AgentState state)
    {
        var (subnets, routers) = Describe(state.Network, _programmed, _leases);
        return Shown(subnets, routers, Ports(state.Network), Readiness(state).Reason);
    }

    private static string Shown(List<V1Alpha1NodeAgent.NodeSubnetStatus> subnets, List<V1Alpha1NodeAgent.NodeRouterStatus> routers, List<V1Alpha1NodeAgent.NodePort> ports, string readyReason) => new JsonObject
    {
        ["subnets"] = KubeJson.ToNode(subnets),
        ["routers"] = KubeJson.ToNode(routers),
        ["ports"] = KubeJson.ToNode(ports),
        ["ready"] = readyReason,
    }.ToJsonString();

    private static List<V1Alpha1NodeAgent.NodePort> Ports(NodeNetwork network) =>
        [.. network.Ports.Select(p => new V1Alpha1NodeAgent.NodePort
        {
            Name = p.Identity,
            Subnet = network.SegmentOf(p.SegmentId)?.Name ?? string.Empty,
            Mac = p.Mac.ToString(),
            Ip = p.Ip?.ToString(),
        })];

    private (bool Ready, string Reason, string Message) Readiness(AgentState state) => (state.OvsdbConnected, state.OpenFlowConnected) switch
    {
        (false, _) => (false, "OvsdbDisconnected", $"no OVSDB session with {options.ResolvedOvsdbEndpoint}"),
        (_, false) => (false, "OpenFlowDisconnected", $"Open vSwitch is not connected to {options.ResolvedControllerSocket}"),
        _ => (true, "Programmed", $"{state.FlowsPerTable.Values.Sum()} flows in {options.Bridge}" + (state.IgnoredPorts > 0 ? $"; {state.IgnoredPorts} port(s) ignored, see the agent log" : string.Empty)),
    };

    private async Task EnsureExistsAsync(CancellationToken ct)
    {
        var agent = new V1Alpha1NodeAgent
        {
            Metadata = new ObjectMeta { Name = options.NodeName, Labels = new() { ["app.kubernetes.io/name"] = "erebor", ["erebor.io/node"] = options.NodeName } },
            Spec = new V1Alpha1NodeAgent.NodeAgentSpec { NodeName = options.NodeName, TunnelEndpoint = options.TunnelEndpoint },
        };
        await api.ApplyAsync(agent, "erebor-agent", force: true, ct);
        _created = true;
    }
}
