using System.ComponentModel;
using Erebor.Kube.Entities;

namespace Erebor.Api;

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "Router", "routers", ShortNames = ["rt"], Categories = [ApiGroup.Category])]
[Description("A distributed router between Subnets of one namespace; every node routes locally.")]
[PrinterColumn("Interfaces", "integer", ".status.interfaceCount", Order = 1)]
[PrinterColumn("Programmed", "string", ".status.programmed", Order = 2)]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 3)]
[PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Order = 4, Priority = 1)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1Router : CustomResource<V1Alpha1Router.RouterSpec, V1Alpha1Router.RouterStatus>
{
    public sealed class RouterSpec
    {
        [Items(maxItems: 64)]
        [ListMapKeys("subnet")]
        [Description("One interface per attached Subnet of this namespace.")]
        public List<RouterInterface> Interfaces { get; set; } = [];

        [Items(maxItems: 256)]
        [Description("Static routes; the next hop must lie in an attached subnet.")]
        public List<StaticRoute>? StaticRoutes { get; set; }
    }

    public sealed class RouterInterface
    {
        // No schema pattern: the webhook explains a "namespace/name" reference precisely instead.
        [Required]
        [Length(1, 253)]
        [Description("Name of a Subnet in the Router's namespace (other namespaces are refused).")]
        public string Subnet { get; set; } = string.Empty;

        [Pattern(Patterns.Ipv4)]
        [Description("The interface address. Defaults to the subnet's gateway.")]
        public string? Ip { get; set; }
    }

    public sealed class RouterStatus : ConditionedStatus
    {
        public int InterfaceCount { get; set; }

        [Description("Nodes whose agent has installed the current generation, of the nodes holding a block of an attached subnet, e.g. \"2/3\" (condition Programmed says which lag).")]
        public string? Programmed { get; set; }

        [ListMapKeys("subnet")]
        public List<InterfaceStatus> Interfaces { get; set; } = [];
    }

    public sealed class InterfaceStatus
    {
        [Required]
        public string Subnet { get; set; } = string.Empty;

        public string Cidr { get; set; } = string.Empty;
        public string Ip { get; set; } = string.Empty;

        [Description("Stable MAC of this interface, derived from the Router's uid and the subnet name.")]
        public string Mac { get; set; } = string.Empty;
    }
}
