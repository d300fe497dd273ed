using System.ComponentModel;
using Erebor.Kube.Entities;

namespace Erebor.Api;

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "NodeAgent", "nodeagents", Scope = EntityScope.Cluster, ShortNames = ["na"], Categories = [ApiGroup.Category])]
[Description("The state of one node's Erebor agent, written by that agent. One per node, named after it.")]
[PrinterColumn("Connected", "boolean", ".status.openFlowConnected", Order = 1)]
[PrinterColumn("OVS", "string", ".status.ovsVersion", Order = 2)]
[PrinterColumn("Flows", "integer", ".status.flowCount", Order = 3)]
[PrinterColumn("Heartbeat", "date", ".status.lastHeartbeatTime", Order = 4)]
[PrinterColumn("Tunnel", "string", ".spec.tunnelEndpoint", Order = 5, Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1NodeAgent : CustomResource<V1Alpha1NodeAgent.NodeAgentSpec, V1Alpha1NodeAgent.NodeAgentStatus>
{
    public sealed class NodeAgentSpec
    {
        [Required]
        [Description("The Node this agent runs on.")]
        public string NodeName { get; set; } = string.Empty;

        [Pattern(Patterns.Ipv4)]
        [Description("The address other nodes' tunnels reach this node on.")]
        public string? TunnelEndpoint { get; set; }
    }

    public sealed class NodeAgentStatus : ConditionedStatus
    {
        public string? AgentVersion { get; set; }
        public string? OvsVersion { get; set; }
        public bool OpenFlowConnected { get; set; }

        [Format("date-time")]
        public DateTimeOffset? LastHeartbeatTime { get; set; }

        public long FlowCount { get; set; }

        [Description("Installed flows per OpenFlow table, keyed by the pipeline's table name.")]
        public Dictionary<string, long>? FlowsPerTable { get; set; }

        [Description("PACKET_INs received, by app.")]
        public Dictionary<string, long>? PacketInsByApp { get; set; }
    }
}
