using Erebor.Api;
using Erebor.Kube.Crds;

namespace Erebor.Kube.Tests.Crds;

/// <summary>
/// The rules apiextensions.k8s.io/v1 enforces on every CRD schema ("structural schemas"), checked on every Erebor
/// kind so that a type change that breaks one fails here rather than at <c>kubectl apply</c>.
/// </summary>
public sealed class CrdStructuralSchemaTests
{
    public static TheoryData<Type> EreborKinds() => [.. CrdGenerator.EntityTypesIn(typeof(ApiGroup).Assembly)];

    [Theory]
    [MemberData(nameof(EreborKinds))]
    public void Every_node_has_a_type_or_preserves_unknown_fields(Type entityType)
    {
        foreach (var (path, node) in Nodes(SchemaOf(entityType)))
        {
            (node.Type is not null || node.PreserveUnknownFields).Should().BeTrue($"{path} needs a type");
        }
    }

    [Theory]
    [MemberData(nameof(EreborKinds))]
    public void Metadata_is_a_bare_object(Type entityType)
    {
        var metadata = SchemaOf(entityType).Properties!["metadata"];

        metadata.Should().BeEquivalentTo(new OpenApiSchema { Type = "object" });
    }

    [Theory]
    [MemberData(nameof(EreborKinds))]
    public void The_root_declares_api_version_kind_metadata_spec_and_status(Type entityType)
    {
        SchemaOf(entityType).Properties!.Keys.Should().Equal("apiVersion", "kind", "metadata", "spec", "status");
    }

    [Theory]
    [MemberData(nameof(EreborKinds))]
    public void Objects_have_properties_or_additional_properties_never_both_and_require_only_declared_ones(Type entityType)
    {
        foreach (var (path, node) in Nodes(SchemaOf(entityType)))
        {
            (node.Properties is not null && node.AdditionalProperties is not null).Should().BeFalse(path);
            node.Required?.Should().BeSubsetOf(node.Properties?.Keys ?? Enumerable.Empty<string>(), path);
            if (node.Type == "array")
            {
                node.Items.Should().NotBeNull($"{path} is an array");
            }
        }
    }

    [Theory]
    [MemberData(nameof(EreborKinds))]
    public void Map_lists_are_keyed_by_required_scalar_item_properties(Type entityType)
    {
        foreach (var (path, node) in Nodes(SchemaOf(entityType)).Where(n => n.Node.ListType == "map"))
        {
            node.ListMapKeys.Should().NotBeNullOrEmpty(path);
            node.Items!.Required.Should().Contain(node.ListMapKeys!, path);
        }
    }

    [Theory]
    [MemberData(nameof(EreborKinds))]
    public void Printer_columns_name_fields_of_the_schema_and_the_yaml_stays_within_kubernetes_1_20(Type entityType)
    {
        // Generate validates every column's JSONPath against the schema; it would throw on a typo.
        var crd = CrdGenerator.Generate(entityType);
        var yaml = CrdGenerator.ToYaml(crd);

        crd.Versions.Single().AdditionalPrinterColumns.Should().NotBeEmpty();
        yaml.Should().NotContain("x-kubernetes-validations", "CEL rules need Kubernetes 1.25; 1.20 refuses the CRD");
        yaml.Should().NotContain("nullable: true");
    }

    private static OpenApiSchema SchemaOf(Type entityType) => CrdGenerator.Generate(entityType).Versions.Single().Schema;

    private static IEnumerable<(string Path, OpenApiSchema Node)> Nodes(OpenApiSchema node, string path = "")
    {
        yield return (path == "" ? "." : path, node);
        var children = (node.Properties ?? []).Select(p => ($"{path}.{p.Key}", p.Value))
            .Concat(node.Items is null ? [] : [($"{path}[*]", node.Items)])
            .Concat(node.AdditionalProperties is null ? [] : [($"{path}{{*}}", node.AdditionalProperties)]);
        foreach (var (childPath, child) in children)
        {
            foreach (var descendant in Nodes(child, childPath))
            {
                yield return descendant;
            }
        }
    }
}
