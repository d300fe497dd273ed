using System.Text.Json.Nodes;

namespace Erebor.Kube.Crds;

/// <summary>
/// One node of a structural OpenAPI v3 schema as apiextensions.k8s.io/v1 accepts it (Kubernetes 1.20: no CEL).
/// Mutable because the generator fills a node in several passes: type first, then the property's attributes.
/// </summary>
public sealed class OpenApiSchema
{
    /// <summary>object, array, string, integer, number or boolean; null only where unknown fields are preserved.</summary>
    public string? Type { get; set; }

    public string? Format { get; set; }
    public string? Description { get; set; }
    public List<string>? Enum { get; set; }
    public string? Pattern { get; set; }
    public double? Minimum { get; set; }
    public double? Maximum { get; set; }
    public int? MinLength { get; set; }
    public int? MaxLength { get; set; }
    public int? MinItems { get; set; }
    public int? MaxItems { get; set; }
    public JsonNode? Default { get; set; }
    public OpenApiSchema? Items { get; set; }

    /// <summary>Keyed by JSON property name, kept sorted so that the output does not depend on reflection order.</summary>
    public SortedDictionary<string, OpenApiSchema>? Properties { get; set; }

    public OpenApiSchema? AdditionalProperties { get; set; }
    public SortedSet<string>? Required { get; set; }
    public bool PreserveUnknownFields { get; set; }

    /// <summary>x-kubernetes-list-type; "map" when <see cref="ListMapKeys"/> is set.</summary>
    public string? ListType { get; set; }

    public List<string>? ListMapKeys { get; set; }
}
