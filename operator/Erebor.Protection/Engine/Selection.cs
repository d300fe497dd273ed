using Erebor.Api;
using Erebor.Kube.Entities;
using Erebor.Protection.Checkpoints;

namespace Erebor.Protection.Engine;

/// <summary>
/// What a protect run covers: every object of the enabled namespaced types in
/// <see cref="Namespaces"/> that matches <see cref="LabelSelector"/> (all when null), plus the
/// <see cref="Resources"/> named explicitly. Cluster-scoped types are protected only when named,
/// except the Namespace objects of the selected namespaces, which are always protected so that a
/// restore can recreate them.
/// </summary>
public sealed record ProtectionSelection(IReadOnlyList<string> Namespaces, string? LabelSelector = null, IReadOnlyList<ResourceKey>? Resources = null)
{
    public IReadOnlyList<ResourceKey> ExplicitResources => Resources ?? [];

    /// <summary>The namespaces touched: the selected ones and those of explicit resources.</summary>
    public IEnumerable<string> AllNamespaces =>
        Namespaces.Concat(ExplicitResources.Where(r => r.Namespace is not null).Select(r => r.Namespace!)).Distinct(StringComparer.Ordinal);

    /// <summary>A plan's selection; namespaces default to the plan's own.</summary>
    public static ProtectionSelection FromPlan(V1Alpha1ProtectionPlan plan)
    {
        var spec = plan.Spec.Selection;
        var namespaces = spec.Namespaces is { Count: > 0 } ns ? ns : [plan.Metadata.Namespace ?? throw new ArgumentException("a ProtectionPlan is namespaced")];
        var resources = spec.Resources?.Select(r => new ResourceKey(r.ApiVersion, r.Kind, r.Namespace, r.Name)).ToList();
        return new ProtectionSelection(namespaces, LabelSelectors.ToQuery(spec.LabelSelector), resources);
    }
}

public static class LabelSelectors
{
    /// <summary>The labelSelector query string of a metav1.LabelSelector (null when it selects everything).</summary>
    public static string? ToQuery(LabelSelector? selector)
    {
        if (selector is null) { return null; }
        var parts = new List<string>();
        foreach (var (key, value) in (selector.MatchLabels ?? []).OrderBy(p => p.Key, StringComparer.Ordinal)) { parts.Add($"{key}={value}"); }
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = string.Join(',', e.Values ?? []);
            parts.Add(e.Operator switch
            {
                "In" => $"{e.Key} in ({values})",
                "NotIn" => $"{e.Key} notin ({values})",
                "Exists" => e.Key,
                "DoesNotExist" => "!" + e.Key,
                _ => throw new ArgumentException($"label selector operator '{e.Operator}' is not In, NotIn, Exists or DoesNotExist"),
            });
        }

        return parts.Count == 0 ? null : string.Join(',', parts);
    }
}

/// <summary>
/// Where a restore puts each original namespace: an explicit mapping first, then the target
/// namespace (every namespace of the checkpoint goes there), else the original.
/// </summary>
public sealed record NamespaceMap(IReadOnlyDictionary<string, string>? Mapping = null, string? Target = null)
{
    public static NamespaceMap Identity { get; } = new();

    public string Map(string original) =>
        Mapping is not null && Mapping.TryGetValue(original, out var mapped) ? mapped : Target ?? original;

    public string? MapNullable(string? original) => original is null ? null : Map(original);

    public static NamespaceMap FromRestore(V1Alpha1Restore restore) =>
        new(restore.Spec.NamespaceMapping, string.IsNullOrEmpty(restore.Spec.TargetNamespace) ? null : restore.Spec.TargetNamespace);
}
