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

        [Description("What this agent has programmed for each Subnet it knows (generation, ports, leases).")]
        [ListMapKeys("subnet")]
        public List<NodeSubnetStatus>? Subnets { get; set; }

        [Description("The Router generations this agent has programmed.")]
        [ListMapKeys("router")]
        public List<NodeRouterStatus>? Routers { get; set; }

        [Description("The workload ports wired on this node: other agents answer ARP for them and tunnel to them (l2population).")]
        [ListMapKeys("name")]
        public List<NodePort>? Ports { get; set; }
    }

    public sealed class NodeSubnetStatus
    {
        [Required]
        [Description("namespace/name of the Subnet.")]
        public string Subnet { get; set; } = string.Empty;

        [Description("The Subnet metadata.generation whose flows are installed on this node.")]
        public long? ObservedGeneration { get; set; }

        [Description("Ports of this subnet on this node.")]
        public int Ports { get; set; }

        [Description("DHCP leases held in this node's block.")]
        public int LeasesUsed { get; set; }

        [Description("Addresses of this node's block still free to lease.")]
        public int LeasesAvailable { get; set; }
    }

    public sealed class NodeRouterStatus
    {
        [Required]
        [Description("namespace/name of the Router.")]
        public string Router { get; set; } = string.Empty;

        [Description("The Router metadata.generation whose flows are installed on this node.")]
        public long? ObservedGeneration { get; set; }
    }

    public sealed class NodePort
    {
        [Required]
        [Description("The port's identity (external_ids:iface-id, else the interface name).")]
        public string Name { get; set; } = string.Empty;

        [Required]
        [Description("namespace/name of the port's Subnet.")]
        public string Subnet { get; set; } = string.Empty;

        [Required]
        public string Mac { get; set; } = string.Empty;

        [Description("The port's IPv4 address (static or leased); absent until it has one.")]
        public string? Ip { get; set; }
    }
}
