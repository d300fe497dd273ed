using System.Text.Json;
using System.Text.Json.Serialization;

namespace Erebor.Kube.Entities;

// The few built-in kinds the operator and agent use, with only the fields they read. Anything
// else goes through the dynamic client as JSON.

[KubernetesEntity("", "v1", "Node", "nodes", Scope = EntityScope.Cluster)]
public sealed class V1Node : KubernetesObject
{
    public JsonElement? Spec { get; set; }
    public JsonElement? Status { get; set; }
}

[KubernetesEntity("", "v1", "Namespace", "namespaces", Scope = EntityScope.Cluster)]
public sealed class V1Namespace : KubernetesObject
{
    public JsonElement? Spec { get; set; }
    public JsonElement? Status { get; set; }
}

[KubernetesEntity("", "v1", "ConfigMap", "configmaps")]
public sealed class V1ConfigMap : KubernetesObject
{
    public Dictionary<string, string>? Data { get; set; }
}

[KubernetesEntity("", "v1", "Secret", "secrets")]
public sealed class V1Secret : KubernetesObject
{
    public string? Type { get; set; }

    /// <summary>Values base64-encoded, as the API returns them.</summary>
    public Dictionary<string, string>? Data { get; set; }

    public Dictionary<string, string>? StringData { get; set; }
}

[KubernetesEntity("", "v1", "Event", "events")]
public sealed class CoreV1Event : KubernetesObject
{
    public ObjectReference InvolvedObject { get; set; } = new();
    public string? Reason { get; set; }
    public string? Message { get; set; }

    /// <summary>Normal or Warning.</summary>
    public string? Type { get; set; }

    public int? Count { get; set; }
    public DateTimeOffset? FirstTimestamp { get; set; }
    public DateTimeOffset? LastTimestamp { get; set; }
    public EventSource? Source { get; set; }
    public string? ReportingComponent { get; set; }
    public string? ReportingInstance { get; set; }
}

public sealed class ObjectReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
}

public sealed class EventSource
{
    public string? Component { get; set; }
    public string? Host { get; set; }
}

[KubernetesEntity("coordination.k8s.io", "v1", "Lease", "leases")]
public sealed class V1Lease : KubernetesObject
{
    public LeaseSpec Spec { get; set; } = new();
}

public sealed class LeaseSpec
{
    public string? HolderIdentity { get; set; }
    public int? LeaseDurationSeconds { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    public int? LeaseTransitions { get; set; }
}

/// <summary>metav1.MicroTime: RFC 3339 with exactly six fractional digits, as the API server insists.</summary>
public sealed class MicroTimeConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : DateTimeOffset.Parse(reader.GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null) { writer.WriteNullValue(); return; }
        writer.WriteStringValue(value.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}
