using System.Text.Json;
using System.Text.Json.Serialization;

namespace Erebor.Kube.Entities;

public sealed class ObjectMeta
{
    public string? Name { get; set; }
    public string? GenerateName { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    public DateTimeOffset? CreationTimestamp { get; set; }
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<string>? Finalizers { get; set; }
    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>Fields we do not model (managedFields, selfLink, ...), kept so an update round-trips them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unmodelled { get; set; }

    public bool HasFinalizer(string finalizer) => Finalizers?.Contains(finalizer) == true;
}

public sealed class OwnerReference
{
    public string ApiVersion { get; set; } = string.Empty;
    public string Kind { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string Uid { get; set; } = string.Empty;
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }
}

/// <summary>A standard Kubernetes condition (metav1.Condition).</summary>
public sealed class Condition
{
    public string Type { get; set; } = string.Empty;

    /// <summary>"True", "False" or "Unknown".</summary>
    public string Status { get; set; } = ConditionStatus.Unknown;

    public long? ObservedGeneration { get; set; }
    public DateTimeOffset LastTransitionTime { get; set; }
    public string Reason { get; set; } = string.Empty;
    public string Message { get; set; } = string.Empty;
}

public static class ConditionStatus
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";
}

/// <summary>A Kubernetes label selector (metav1.LabelSelector).</summary>
public sealed class LabelSelector
{
    public Dictionary<string, string>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed class LabelSelectorRequirement
{
    public string Key { get; set; } = string.Empty;

    /// <summary>In, NotIn, Exists or DoesNotExist.</summary>
    public string Operator { get; set; } = string.Empty;

    public List<string>? Values { get; set; }
}
