using System.Text.Json.Nodes;
using Erebor.Agent.Apps;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Microsoft.Extensions.Logging;

namespace Erebor.Agent.Status;

/// <summary>What the agent knows about itself at one heartbeat.</summary>
public sealed record AgentState(string? OvsVersion, bool OpenFlowConnected, bool OvsdbConnected, IReadOnlyDictionary<byte, long> FlowsPerTable, IReadOnlyDictionary<AppId, long> PacketInsByApp, int IgnoredPorts, NodeNetwork Network);

/// <summary>
/// Writes this node's NodeAgent object: creates it once (spec), then heartbeats its status. A
/// failed heartbeat is logged and retried at the next one; the data plane never waits for it.
/// </summary>
public sealed class NodeAgentReporter(IKubeApi api, AgentOptions options, ILogger<NodeAgentReporter> logger, TimeProvider time)
{
    public static readonly string AgentVersion = typeof(NodeAgentReporter).Assembly.GetName().Version?.ToString() ?? "0.0.0";
    private readonly V1Alpha1NodeAgent.NodeAgentStatus _status = new();
    private bool _created;

    public async Task ReportAsync(AgentState state, CancellationToken ct)
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
            _status.Ports = [.. state.Network.Ports.Select(p => new V1Alpha1NodeAgent.NodePort
            {
                Name = p.Identity,
                Subnet = state.Network.SegmentOf(p.SegmentId)?.Name ?? string.Empty,
                Mac = p.Mac.ToString(),
                Ip = p.Ip?.ToString(),
            })];
            var (ready, reason, message) = (state.OvsdbConnected, state.OpenFlowConnected) switch
            {
                (false, _) => (false, "OvsdbDisconnected", $"no OVSDB session with {options.ResolvedOvsdbEndpoint}"),
                (_, false) => (false, "OpenFlowDisconnected", $"Open vSwitch is not connected to {options.ResolvedControllerSocket}"),
                _ => (true, "Programmed", $"{_status.FlowCount} flows in {options.Bridge}" + (state.IgnoredPorts > 0 ? $"; {state.IgnoredPorts} port(s) ignored, see the agent log" : string.Empty)),
            };
            Conditions.Set(_status.Conditions, ConditionTypes.Ready, ready, reason, message, null, now);

            // A merge patch of the whole status: no read-modify-write, nothing to conflict with.
            var patch = new JsonObject { ["status"] = KubeJson.ToNode(_status) };
            await api.PatchAsync<V1Alpha1NodeAgent>(null, options.NodeName, PatchType.Merge, patch.ToJsonString(), new PatchOptions { Status = true }, ct);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            _created = _created && e is not KubeApiException { IsNotFound: true };
            logger.LogWarning("NodeAgent heartbeat for {Node} failed: {Error}", options.NodeName, e.Message);
        }
    }

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
