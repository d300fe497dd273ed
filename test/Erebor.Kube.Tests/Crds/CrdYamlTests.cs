using Erebor.Api;
using Erebor.Kube.Crds;

using YamlDotNet.RepresentationModel;

namespace Erebor.Kube.Tests.Crds;

public sealed class CrdYamlTests
{
    private static readonly string SubnetYaml = CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(V1Alpha1Subnet)));

    [Fact]
    public void The_document_starts_with_api_version_kind_metadata_and_spec()
    {
        SubnetYaml.Should().StartWith("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: subnets.erebor.io
            spec:
              group: erebor.io
              names:
                kind: Subnet
            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public void The_output_is_stable_plain_lf_text_with_one_document()
    {
        CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(V1Alpha1Subnet))).Should().Be(SubnetYaml);
        SubnetYaml.Should().NotContain("\r").And.NotContain("---").And.NotContain("\n...");
        SubnetYaml.Should().EndWith("\n");
    }

    [Fact]
    public void A_schema_node_writes_its_type_before_its_constraints()
    {
        SubnetYaml.Should().Contain("""
                              leaseSeconds:
                                type: integer
                                format: int32
                                description: Lease time in seconds (option 51); T1 and T2 are 50% and 87.5% of it.
                                default: 86400
                                minimum: 60
                                maximum: 31536000
            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public void Strings_a_yaml_1_1_reader_would_take_for_booleans_are_quoted()
    {
        // sigs.k8s.io/yaml reads plain True/False as booleans, which would break the condition status enum.
        SubnetYaml.Should().Contain("- 'True'\n").And.Contain("- 'False'\n").And.Contain("- Unknown\n");
    }

    [Fact]
    public void Patterns_keep_their_backslashes_literal()
    {
        SubnetYaml.Should().Contain(@"pattern: ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" + "\n");
    }

    [Fact]
    public void Every_scalar_reads_back_as_the_string_or_value_that_was_written()
    {
        var root = Parse(SubnetYaml);
        var schema = Mapping(root, "spec", "versions");
        var version = (YamlMappingNode)((YamlSequenceNode)schema).Children[0];
        var spec = Mapping(version, "schema", "openAPIV3Schema", "properties", "spec", "properties");

        Scalar(spec, "cidr", "pattern").Should().Be(Patterns.Ipv4Cidr);
        Scalar(spec, "reservedRanges", "description").Should().Be("Addresses never handed out: single addresses or first-last ranges.");
        Scalar(spec, "dhcp", "properties", "enabled", "default").Should().Be("true");
        var statusEnum = (YamlSequenceNode)Mapping(version, "schema", "openAPIV3Schema", "properties", "status", "properties",
            "conditions", "items", "properties", "status", "enum");
        statusEnum.Children.Cast<YamlScalarNode>().Select(s => (s.Value, s.Style)).Should().Equal(
            ("True", YamlDotNet.Core.ScalarStyle.SingleQuoted),
            ("False", YamlDotNet.Core.ScalarStyle.SingleQuoted),
            ("Unknown", YamlDotNet.Core.ScalarStyle.Plain));
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("on")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1.5")]
    [InlineData("2024-01-01")]
    [InlineData("-1")]
    public void Enum_values_that_look_like_other_yaml_types_are_quoted(string value)
    {
        var crd = CrdGenerator.Generate(typeof(StatuslessEntity));
        crd.Versions.Single().Schema.Properties!["spec"].Properties!["text"].Enum = [value];

        CrdGenerator.ToYaml(crd).Should().Contain($"- '{value}'\n");
    }

    private static YamlMappingNode Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlNode Mapping(YamlNode node, params string[] keys) =>
        keys.Aggregate(node, (current, key) => ((YamlMappingNode)current).Children[new YamlScalarNode(key)]);

    private static string? Scalar(YamlNode node, params string[] keys) => ((YamlScalarNode)Mapping(node, keys)).Value;
}
