using Erebor.Kube.Crds;

namespace Erebor.Kube.Tests.Crds;

/// <summary>Property attribute -> OpenAPI keyword, and the misuses the generator refuses.</summary>
public sealed class CrdAttributeTests
{
    [Fact]
    public void Required_goes_into_the_parents_required_list()
    {
        Schemas.Spec<AttributesEntity>().Required.Should().Equal("name");
        Schemas.Root<AttributesEntity>().Properties!["status"].Required.Should().Equal("observed");
    }

    [Fact]
    public void Pattern_length_and_description_apply_to_a_string()
    {
        var name = Schemas.SpecProperty<AttributesEntity>("name");

        name.Pattern.Should().Be("^[a-z]+\\.[a-z]+$");
        name.MinLength.Should().Be(3);
        name.MaxLength.Should().Be(63);
        name.Description.Should().Be("A patterned, bounded name.");
    }

    [Fact]
    public void An_unbounded_length_side_is_left_out()
    {
        var schema = Schemas.SpecProperty<AttributesEntity>("onlyMaxLength");

        schema.MinLength.Should().BeNull();
        schema.MaxLength.Should().Be(10);
    }

    [Fact]
    public void Format_sets_the_format()
    {
        Schemas.SpecProperty<AttributesEntity>("address").Format.Should().Be("ipv4");
    }

    [Fact]
    public void Range_sets_minimum_and_maximum_written_as_integers_for_integer_properties()
    {
        var prefix = Schemas.SpecProperty<AttributesEntity>("prefix");
        prefix.Minimum.Should().Be(1);
        prefix.Maximum.Should().Be(30);

        var yaml = CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(AttributesEntity)));
        yaml.Should().Contain("minimum: 1\n").And.Contain("maximum: 30\n");
        yaml.Should().Contain("minimum: 0.5\n").And.Contain("maximum: 99.5\n");
    }

    [Fact]
    public void Items_sets_min_and_max_items()
    {
        var servers = Schemas.SpecProperty<AttributesEntity>("servers");

        servers.MinItems.Should().Be(1);
        servers.MaxItems.Should().Be(8);
    }

    [Theory]
    [InlineData("enabled", "default: true\n")]
    [InlineData("leaseSeconds", "default: 86400\n")]
    [InlineData("colour", "default: Green\n")]
    [InlineData("defaultedNested", "default:\n")]
    public void Default_is_written_as_the_json_value_it_names(string jsonName, string expectedYaml)
    {
        Schemas.SpecProperty<AttributesEntity>(jsonName).Default.Should().NotBeNull();
        CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(AttributesEntity))).Should().Contain(expectedYaml);
    }

    [Fact]
    public void An_object_default_keeps_its_members()
    {
        var value = Schemas.SpecProperty<AttributesEntity>("defaultedNested").Default!;

        value["name"]!.GetValue<string>().Should().Be("first");
        value["size"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public void PreserveUnknownFields_keeps_the_declared_properties_and_allows_others()
    {
        var schema = Schemas.SpecProperty<AttributesEntity>("extensible");

        schema.PreserveUnknownFields.Should().BeTrue();
        schema.Type.Should().Be("object");
        schema.Properties!.Keys.Should().Equal("name", "size");
    }

    [Fact]
    public void ListMapKeys_makes_a_map_list_keyed_by_required_item_properties()
    {
        var keyed = Schemas.SpecProperty<AttributesEntity>("keyed");

        keyed.ListType.Should().Be("map");
        keyed.ListMapKeys.Should().Equal("name");
    }

    [Fact]
    public void ListMapKeys_fails_when_a_key_is_not_required_in_the_items()
    {
        var generate = () => CrdGenerator.Generate(typeof(InvalidEntities.KeyNotRequired));

        generate.Should().Throw<CrdGenerationException>()
            .WithMessage("KeyNotRequired.items: [ListMapKeys] key 'name' must be required in the list items; mark that property [Required].");
    }

    [Theory]
    [InlineData(typeof(InvalidEntities.KeyMissing), "KeyMissing.items: [ListMapKeys] key 'id' is not a property of the list items (they have name, size).")]
    [InlineData(typeof(InvalidEntities.KeyNotScalar), "KeyNotScalar.items: [ListMapKeys] key 'inner' must be a string, integer, number or boolean; it is object.")]
    [InlineData(typeof(InvalidEntities.ListMapOnString), "ListMapOnString.names: [ListMapKeys] needs list items that are objects with properties.")]
    public void ListMapKeys_fails_on_keys_that_cannot_key_a_map(Type entityType, string expectedMessage)
    {
        var generate = () => CrdGenerator.Generate(entityType);

        generate.Should().Throw<CrdGenerationException>().WithMessage(expectedMessage);
    }

    [Theory]
    [InlineData(typeof(InvalidEntities.PatternOnInt), "PatternOnInt.count: [Pattern] applies to string properties; this one is integer.")]
    [InlineData(typeof(InvalidEntities.FractionalRangeOnInt), "FractionalRangeOnInt.count: [Range] bound 0.5 is not an integer.")]
    [InlineData(typeof(InvalidEntities.DefaultNotJson), "DefaultNotJson.colour: [Default(Skip)] is not valid JSON*")]
    [InlineData(typeof(InvalidEntities.DefaultWrongType), "DefaultWrongType.enabled: [Default(\"yes\")] does not fit the property; expected a JSON boolean.")]
    [InlineData(typeof(InvalidEntities.DefaultNotInEnum), "DefaultNotInEnum.colour: [Default(\"Purple\")] does not fit the property; expected one of Red, deep-blue, Green.")]
    public void A_misapplied_attribute_fails_with_the_property_path(Type entityType, string expectedMessage)
    {
        var generate = () => CrdGenerator.Generate(entityType);

        generate.Should().Throw<CrdGenerationException>().WithMessage(expectedMessage);
    }
}
