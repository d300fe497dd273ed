using System.Collections.Concurrent;
using System.Reflection;
using Erebor.Kube.Entities;

namespace Erebor.Kube.Client;

/// <summary>Where a kind lives in the API: group, version, plural, and whether it is namespaced.</summary>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    private static readonly ConcurrentDictionary<Type, ResourceType> ByClrType = new();

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource type of an entity class, from its <see cref="KubernetesEntityAttribute"/>.</summary>
    public static ResourceType For<T>() => For(typeof(T));

    public static ResourceType For(Type type) => ByClrType.GetOrAdd(type, static t =>
    {
        var entity = t.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{t.Name} has no [KubernetesEntity] attribute");
        return new ResourceType(entity.Group, entity.Version, entity.Kind, entity.Plural, entity.Scope == EntityScope.Namespaced);
    });

    /// <summary>The path of the collection (namespace null: all namespaces, or the cluster scope).</summary>
    public string CollectionPath(string? @namespace)
    {
        var prefix = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(@namespace)
            ? $"{prefix}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}"
            : $"{prefix}/{Plural}";
    }

    public string ObjectPath(string? @namespace, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(@namespace))
        {
            throw new ArgumentException($"{Kind} is namespaced: a namespace is required for {name}");
        }

        var path = $"{CollectionPath(@namespace)}/{Uri.EscapeDataString(name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }
}
