using System.Text.Json.Serialization;

namespace Erebor.Kube.Entities;

/// <summary>Any object the API server stores: apiVersion, kind and metadata.</summary>
public interface IKubernetesObject
{
    string ApiVersion { get; set; }
    string Kind { get; set; }
    ObjectMeta Metadata { get; set; }
}

/// <summary>An object with a spec and a status subresource.</summary>
public interface IStatusObject<TStatus> : IKubernetesObject
    where TStatus : class, new()
{
    TStatus Status { get; set; }
}

/// <summary>A status that reports the generation it reflects and standard conditions.</summary>
public interface IConditionedStatus
{
    long? ObservedGeneration { get; set; }
    List<Condition> Conditions { get; set; }
}

public abstract class KubernetesObject : IKubernetesObject
{
    [JsonPropertyOrder(-3)]
    public string ApiVersion { get; set; } = string.Empty;

    [JsonPropertyOrder(-2)]
    public string Kind { get; set; } = string.Empty;

    [JsonPropertyOrder(-1)]
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>"namespace/name", or "name" for cluster-scoped objects.</summary>
    [JsonIgnore]
    public string Key => ObjectKey.Of(this);
}

/// <summary>A custom resource in the shape every Erebor kind has: spec plus status.</summary>
public abstract class CustomResource<TSpec, TStatus> : KubernetesObject, IStatusObject<TStatus>
    where TSpec : class, new()
    where TStatus : class, new()
{
    public TSpec Spec { get; set; } = new();

    public TStatus Status { get; set; } = new();
}

/// <summary>The list envelope the API server returns for list calls.</summary>
public sealed class KubernetesList<T>
{
    public string ApiVersion { get; set; } = string.Empty;
    public string Kind { get; set; } = string.Empty;
    public ListMeta Metadata { get; set; } = new();
    public List<T> Items { get; set; } = [];
}

public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }
    public string? Continue { get; set; }
    public long? RemainingItemCount { get; set; }
}

/// <summary>The identity of an object inside its kind.</summary>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    public static ObjectKey Of(IKubernetesObject obj) => new(obj.Metadata.Namespace, obj.Metadata.Name ?? string.Empty);

    public static ObjectKey Parse(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? new ObjectKey(null, key) : new ObjectKey(key[..slash], key[(slash + 1)..]);
    }

    public override string ToString() => string.IsNullOrEmpty(Namespace) ? Name : $"{Namespace}/{Name}";

    public static implicit operator string(ObjectKey key) => key.ToString();
}
