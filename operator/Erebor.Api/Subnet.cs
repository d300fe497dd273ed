using System.ComponentModel;
using Erebor.Kube.Entities;

namespace Erebor.Api;

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "Subnet", "subnets", ShortNames = ["sn"], Categories = [ApiGroup.Category])]
[Description("An IPv4 network whose addresses the node agents hand out by DHCP; split into per-node blocks.")]
[PrinterColumn("CIDR", "string", ".spec.cidr", Order = 1)]
[PrinterColumn("Gateway", "string", ".status.gateway", Order = 2)]
[PrinterColumn("Nodes", "integer", ".status.nodeCount", Order = 3)]
[PrinterColumn("Available", "integer", ".status.addresses.available", Order = 4)]
[PrinterColumn("Programmed", "string", ".status.programmed", Order = 5)]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 6)]
[PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Order = 7, Priority = 1)]
[PrinterColumn("Leased", "integer", ".status.addresses.leased", Order = 8, Priority = 1)]
[PrinterColumn("Block", "integer", ".status.nodeBlockPrefixLength", Order = 9, Priority = 1)]
[PrinterColumn("Segment", "integer", ".status.segmentId", Order = 10, Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 11)]
public sealed class V1Alpha1Subnet : CustomResource<V1Alpha1Subnet.SubnetSpec, V1Alpha1Subnet.SubnetStatus>
{
    public sealed class SubnetSpec
    {
        [Required]
        [Pattern(Patterns.Ipv4Cidr)]
        [Description("The IPv4 network, e.g. 10.0.1.0/24. Immutable while a Router uses the subnet.")]
        public string Cidr { get; set; } = string.Empty;

        [Pattern(Patterns.Ipv4)]
        [Description("Gateway address inside cidr. Defaults to the first usable address.")]
        public string? Gateway { get; set; }

        [Range(1, 30)]
        [Description("Prefix length of the per-node address blocks. Defaults to a size chosen from the subnet size.")]
        public int? NodeBlockPrefixLength { get; set; }

        [Description("Addresses never handed out: single addresses or first-last ranges.")]
        public List<string>? ReservedRanges { get; set; }

        [Description("DHCP served by the node agents.")]
        public DhcpOptions Dhcp { get; set; } = new();
    }

    public sealed class DhcpOptions
    {
        [Default("true")]
        [Description("When false the agents stay silent, so a tenant's own DHCP server can answer.")]
        public bool Enabled { get; set; } = true;

        [Items(maxItems: 8)]
        [Description("DNS servers (option 6).")]
        public List<string>? DnsServers { get; set; }

        [Pattern(Patterns.DnsSubdomain)]
        [Description("Domain name (option 15).")]
        public string? Domain { get; set; }

        [Range(60, 31536000)]
        [Default("86400")]
        [Description("Lease time in seconds (option 51); T1 and T2 are 50% and 87.5% of it.")]
        public int LeaseSeconds { get; set; } = 86400;

        [Range(576, 9000)]
        [Description("Interface MTU (option 26).")]
        public int? Mtu { get; set; }

        [Description("Classless static routes (option 121) pushed to clients.")]
        public List<StaticRoute>? StaticRoutes { get; set; }
    }

    public sealed class SubnetStatus : ConditionedStatus
    {
        [Description("Cluster-wide id of this Subnet's segment in the data plane (flow metadata, tunnel key); never changes.")]
        public int? SegmentId { get; set; }

        [Description("The effective gateway address.")]
        public string? Gateway { get; set; }

        [Description("The effective per-node block prefix length.")]
        public int? NodeBlockPrefixLength { get; set; }

        [Description("Number of nodes that hold a block.")]
        public int NodeCount { get; set; }

        [Description("Nodes whose agent has installed the current generation, of the nodes holding a block, e.g. \"2/3\" (condition Programmed says which lag).")]
        public string? Programmed { get; set; }

        [Description("Address block of each node and what its agent reports; a node keeps its block while it exists.")]
        [ListMapKeys("node")]
        public List<NodeBlock> NodeBlocks { get; set; } = [];

        public AddressCounts Addresses { get; set; } = new();

        [Description("Routers (in this namespace) attached to this subnet.")]
        public List<string>? UsedBy { get; set; }
    }

    public sealed class NodeBlock
    {
        [Required]
        public string Node { get; set; } = string.Empty;

        [Required]
        public string Cidr { get; set; } = string.Empty;

        [Description("Programmed (the current generation is installed), Behind, AgentNotReady (stale heartbeat or not Ready) or NoAgent.")]
        public string? State { get; set; }

        [Description("The generation the node's agent has installed; absent until it reports one.")]
        public long? ProgrammedGeneration { get; set; }

        [Description("Ports of this subnet on the node, as its agent reports.")]
        public int? Ports { get; set; }

        [Description("Addresses of the node's block leased by DHCP, as its agent reports.")]
        public int? Leased { get; set; }
    }

    public sealed class AddressCounts
    {
        [Description("Usable addresses in the subnet (network and broadcast excluded).")]
        public long Total { get; set; }

        [Description("Gateway, router interfaces and reserved ranges.")]
        public long Reserved { get; set; }

        [Description("Addresses leased to ports, as reported by the node agents.")]
        public long Leased { get; set; }

        [Description("Addresses still free to lease.")]
        public long Available { get; set; }
    }
}
