using Erebor.Api;
using Erebor.Kube.Crds;

namespace Erebor.Kube.Tests.Crds;

public sealed class CrdNamesAndColumnsTests
{
    [Fact]
    public void Names_scope_and_version_come_from_the_entity_attribute()
    {
        var crd = CrdGenerator.Generate(typeof(GadgetEntity));

        crd.Name.Should().Be("gadgets.test.erebor.io");
        crd.Group.Should().Be("test.erebor.io");
        crd.Scope.Should().Be("Cluster");
        crd.Names.Kind.Should().Be("Gadget");
        crd.Names.ListKind.Should().Be("GadgetList");
        crd.Names.Plural.Should().Be("gadgets");
        crd.Names.Singular.Should().Be("gadget");
        crd.Names.ShortNames.Should().Equal("gd", "gdg");
        crd.Names.Categories.Should().Equal("erebor", "all");
        var version = crd.Versions.Should().ContainSingle().Subject;
        version.Name.Should().Be("v1beta1");
        version.Served.Should().BeTrue();
        version.Storage.Should().BeTrue();
    }

    [Fact]
    public void A_namespaced_entity_without_short_names_or_categories_writes_neither()
    {
        var crd = CrdGenerator.Generate(typeof(MappingEntity));
        var yaml = CrdGenerator.ToYaml(crd);

        crd.Scope.Should().Be("Namespaced");
        yaml.Should().NotContain("shortNames").And.NotContain("categories");
    }

    [Fact]
    public void The_erebor_kinds_are_in_the_erebor_category_with_their_scope()
    {
        CrdGenerator.Generate(typeof(V1Alpha1Subnet)).Names.Categories.Should().Equal(ApiGroup.Category);
        CrdGenerator.Generate(typeof(V1Alpha1Subnet)).Scope.Should().Be("Namespaced");
        CrdGenerator.Generate(typeof(V1Alpha1Site)).Scope.Should().Be("Cluster");
        CrdGenerator.Generate(typeof(V1Alpha1ProtectionProvider)).Scope.Should().Be("Cluster");
    }

    [Fact]
    public void Printer_columns_are_ordered_by_order_and_carry_priority_and_description()
    {
        var columns = CrdGenerator.Generate(typeof(GadgetEntity)).Versions.Single().AdditionalPrinterColumns;

        columns.Select(c => c.Name).Should().Equal("Size", "Ready", "Owner", "Age");
        columns.Select(c => c.Type).Should().Equal("integer", "string", "string", "date");
        columns[1].JsonPath.Should().Be(".status.conditions[?(@.type==\"Ready\")].status");
        columns[1].Description.Should().Be("Whether it is ready.");
        columns.Select(c => c.Priority).Should().Equal(0, 0, 1, 0);
    }

    [Fact]
    public void Printer_columns_are_written_without_a_zero_priority()
    {
        var yaml = CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(GadgetEntity)));

        yaml.Should().Contain("""
                - name: Owner
                  type: string
                  jsonPath: .spec.labels.owner
                  priority: 1
                - name: Age
                  type: date
                  jsonPath: .metadata.creationTimestamp
                schema:
            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public void A_printer_column_path_that_names_no_field_fails()
    {
        var generate = () => CrdGenerator.Generate(typeof(InvalidEntities.PrinterColumnTypo));

        generate.Should().Throw<CrdGenerationException>()
            .WithMessage("PrinterColumnTypo: printer column 'Size' has JSONPath '.spec.sise': '.spec' has no field 'sise' (it has: labels, size).");
    }

    [Fact]
    public void A_kind_with_a_status_gets_the_status_subresource_and_one_without_does_not()
    {
        CrdGenerator.Generate(typeof(GadgetEntity)).Versions.Single().StatusSubresource.Should().BeTrue();
        CrdGenerator.Generate(typeof(StatuslessEntity)).Versions.Single().StatusSubresource.Should().BeFalse();
        CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(StatuslessEntity))).Should().NotContain("subresources");
    }

    [Fact]
    public void A_class_without_the_entity_attribute_fails()
    {
        var generate = () => CrdGenerator.Generate(typeof(NotAnEntity));

        generate.Should().Throw<CrdGenerationException>().WithMessage("NotAnEntity has no [KubernetesEntity] attribute.");
    }

    [Fact]
    public void EntityTypesIn_finds_every_erebor_kind()
    {
        CrdGenerator.EntityTypesIn(typeof(V1Alpha1Subnet).Assembly).Should().BeEquivalentTo(
        [
            typeof(V1Alpha1Subnet), typeof(V1Alpha1Router), typeof(V1Alpha1NodeAgent), typeof(V1Alpha1ProtectionProvider),
            typeof(V1Alpha1ProtectionPlan), typeof(V1Alpha1Checkpoint), typeof(V1Alpha1Restore), typeof(V1Alpha1Site),
        ]);
    }

    [Fact]
    public void GenerateAll_names_files_plural_dot_group_in_order()
    {
        var files = CrdGenerator.GenerateAll([typeof(StatuslessEntity), typeof(GadgetEntity)]);

        files.Select(f => f.FileName).Should().Equal("gadgets.test.erebor.io.yaml", "notes.test.erebor.io.yaml");
        files[0].Yaml.Should().Be(CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(GadgetEntity))));
    }

    [Fact]
    public void GenerateAll_refuses_two_types_for_one_crd()
    {
        var generate = () => CrdGenerator.GenerateAll([typeof(GadgetEntity), typeof(InvalidEntities.SecondGadget)]);

        generate.Should().Throw<CrdGenerationException>().WithMessage("GadgetEntity and SecondGadget both define gadgets.test.erebor.io.");
    }

    [Fact]
    public void WriteAll_writes_every_crd_and_deletes_stale_yaml_only()
    {
        var directory = Directory.CreateTempSubdirectory("erebor-crds-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "widgets.erebor.io.yaml"), "stale");
            File.WriteAllText(Path.Combine(directory, "README.md"), "kept");

            var written = CrdGenerator.WriteAll([typeof(GadgetEntity), typeof(StatuslessEntity)], directory);

            written.Should().Equal("gadgets.test.erebor.io.yaml", "notes.test.erebor.io.yaml");
            Directory.GetFiles(directory).Select(Path.GetFileName).Should()
                .BeEquivalentTo("gadgets.test.erebor.io.yaml", "notes.test.erebor.io.yaml", "README.md");
            File.ReadAllText(Path.Combine(directory, "gadgets.test.erebor.io.yaml"))
                .Should().Be(CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(GadgetEntity))));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
