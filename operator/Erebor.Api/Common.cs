using System.ComponentModel;
using Erebor.Kube.Entities;

namespace Erebor.Api;

/// <summary>The status fields every Erebor kind reports.</summary>
public abstract class ConditionedStatus : IConditionedStatus
{
    [Description("The metadata.generation this status reflects.")]
    public long? ObservedGeneration { get; set; }

    [Description("Standard conditions (Ready, Validated, ...) with reasons.")]
    [ListMapKeys("type")]
    public List<Condition> Conditions { get; set; } = [];
}

public sealed class StaticRoute
{
    [Required]
    [Pattern(Patterns.Ipv4Cidr)]
    [Description("Destination CIDR.")]
    public string Destination { get; set; } = string.Empty;

    [Required]
    [Pattern(Patterns.Ipv4)]
    [Description("Next hop address; must be inside one of the subnets the route's owner is attached to.")]
    public string NextHop { get; set; } = string.Empty;
}

/// <summary>A reference to a Secret, by namespace and name (cluster-scoped owners must name the namespace).</summary>
public sealed class SecretReference
{
    [Required]
    [Pattern(Patterns.DnsLabel)]
    public string Namespace { get; set; } = string.Empty;

    [Required]
    [Pattern(Patterns.DnsSubdomain)]
    public string Name { get; set; } = string.Empty;
}
