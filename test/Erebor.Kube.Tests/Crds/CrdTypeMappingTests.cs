using Erebor.Kube.Crds;

namespace Erebor.Kube.Tests.Crds;

/// <summary>C# property type -> OpenAPI type and format, for the JSON our System.Text.Json client writes.</summary>
public sealed class CrdTypeMappingTests
{
    [Theory]
    [InlineData("string", "string", null)]
    [InlineData("bool", "boolean", null)]
    [InlineData("int", "integer", "int32")]
    [InlineData("long", "integer", "int64")]
    [InlineData("float", "number", "float")]
    [InlineData("double", "number", "double")]
    [InlineData("dateTime", "string", "date-time")]
    [InlineData("dateTimeOffset", "string", "date-time")]
    [InlineData("nullableInt", "integer", "int32")]
    [InlineData("nullableLong", "integer", "int64")]
    [InlineData("nullableBool", "boolean", null)]
    [InlineData("nullableDateTimeOffset", "string", "date-time")]
    [InlineData("enum", "string", null)]
    [InlineData("nullableEnum", "string", null)]
    [InlineData("listOfString", "array", null)]
    [InlineData("arrayOfString", "array", null)]
    [InlineData("readOnlyListOfInt", "array", null)]
    [InlineData("listOfNested", "array", null)]
    [InlineData("dictionaryOfString", "object", null)]
    [InlineData("readOnlyDictionaryOfLong", "object", null)]
    [InlineData("dictionaryOfNested", "object", null)]
    [InlineData("nested", "object", null)]
    [InlineData("derived", "object", null)]
    [InlineData("condition", "object", null)]
    [InlineData("labelSelector", "object", null)]
    [InlineData("jsonElement", null, null)]
    [InlineData("jsonNode", null, null)]
    [InlineData("object", null, null)]
    public void A_property_type_maps_to_an_openapi_type_and_format(string jsonName, string? expectedType, string? expectedFormat)
    {
        var schema = Schemas.SpecProperty<MappingEntity>(jsonName);

        schema.Type.Should().Be(expectedType);
        schema.Format.Should().Be(expectedFormat);
    }

    [Theory]
    [InlineData("listOfString", "string", null)]
    [InlineData("arrayOfString", "string", null)]
    [InlineData("readOnlyListOfInt", "integer", "int32")]
    [InlineData("listOfNested", "object", null)]
    public void A_list_maps_its_element_type_into_items(string jsonName, string expectedItemType, string? expectedItemFormat)
    {
        var items = Schemas.SpecProperty<MappingEntity>(jsonName).Items!;

        items.Type.Should().Be(expectedItemType);
        items.Format.Should().Be(expectedItemFormat);
    }

    [Theory]
    [InlineData("dictionaryOfString", "string", null)]
    [InlineData("readOnlyDictionaryOfLong", "integer", "int64")]
    [InlineData("dictionaryOfNested", "object", null)]
    public void A_dictionary_maps_its_value_type_into_additional_properties(string jsonName, string expectedValueType, string? expectedValueFormat)
    {
        var schema = Schemas.SpecProperty<MappingEntity>(jsonName);

        schema.AdditionalProperties!.Type.Should().Be(expectedValueType);
        schema.AdditionalProperties.Format.Should().Be(expectedValueFormat);
        schema.Properties.Should().BeNull();
    }

    [Fact]
    public void An_enum_lists_the_names_the_client_writes_in_declaration_order()
    {
        Schemas.SpecProperty<MappingEntity>("enum").Enum.Should().Equal("Red", "deep-blue", "Green");
        Schemas.SpecProperty<MappingEntity>("nullableEnum").Enum.Should().Equal("Red", "deep-blue", "Green");
    }

    [Fact]
    public void A_nested_class_becomes_an_object_with_camel_case_properties_its_required_list_and_its_description()
    {
        var nested = Schemas.SpecProperty<MappingEntity>("nested");

        nested.Properties!.Keys.Should().Equal("name", "size");
        nested.Required.Should().Equal("name");
        nested.Description.Should().Be("A nested class with its own description.");
        nested.Properties["size"].Type.Should().Be("integer");
    }

    [Fact]
    public void A_property_description_wins_over_its_class_description()
    {
        Schemas.SpecProperty<MappingEntity>("describedNested").Description.Should().Be("Described on the property.");
    }

    [Fact]
    public void Inherited_properties_are_part_of_the_object()
    {
        Schemas.SpecProperty<MappingEntity>("derived").Properties!.Keys.Should().Equal("inherited", "own");
    }

    [Fact]
    public void Nullable_properties_are_neither_required_nor_marked_nullable_because_the_client_omits_nulls()
    {
        var spec = Schemas.Spec<MappingEntity>();

        spec.Required.Should().BeNull();
        CrdGenerator.ToYaml(CrdGenerator.Generate(typeof(MappingEntity))).Should().NotContain("nullable: true");
    }

    [Theory]
    [InlineData("jsonElement")]
    [InlineData("jsonNode")]
    [InlineData("object")]
    public void Free_form_json_preserves_unknown_fields_and_has_no_type(string jsonName)
    {
        var schema = Schemas.SpecProperty<MappingEntity>(jsonName);

        schema.PreserveUnknownFields.Should().BeTrue();
        schema.Properties.Should().BeNull();
    }

    [Fact]
    public void A_class_with_json_extension_data_preserves_the_fields_it_does_not_declare()
    {
        var schema = Schemas.SpecProperty<MappingEntity>("withExtensionData");

        schema.PreserveUnknownFields.Should().BeTrue();
        schema.Properties!.Keys.Should().Equal("known");
    }

    [Fact]
    public void Json_attributes_rename_and_skip_properties_as_the_serializer_does()
    {
        var names = Schemas.Spec<MappingEntity>().Properties!.Keys;

        names.Should().Contain("renamed_by_attribute").And.NotContain("renamedProperty");
        names.Should().NotContain("ignored");
        names.Should().Contain("ignoredOnlyWhenNull", "JsonIgnore(WhenWritingNull) still writes non-null values");
        names.Should().Contain("readOnly", "System.Text.Json writes get-only properties");
    }

    [Fact]
    public void A_condition_has_the_standard_metav1_schema()
    {
        var condition = Schemas.SpecProperty<MappingEntity>("condition");

        condition.Required.Should().Equal("lastTransitionTime", "message", "reason", "status", "type");
        condition.Properties!.Keys.Should().BeEquivalentTo("type", "status", "observedGeneration", "lastTransitionTime", "reason", "message");
        condition.Properties["status"].Enum.Should().Equal("True", "False", "Unknown");
        condition.Properties["lastTransitionTime"].Format.Should().Be("date-time");
        condition.Properties["observedGeneration"].Format.Should().Be("int64");
        condition.Properties["reason"].MinLength.Should().Be(1);
    }

    [Fact]
    public void A_label_selector_has_the_standard_metav1_schema()
    {
        var selector = Schemas.SpecProperty<MappingEntity>("labelSelector");

        selector.Properties!["matchLabels"].AdditionalProperties!.Type.Should().Be("string");
        var requirement = selector.Properties["matchExpressions"].Items!;
        requirement.Required.Should().Equal("key", "operator");
        requirement.Properties!["operator"].Enum.Should().Equal("In", "NotIn", "Exists", "DoesNotExist");
        requirement.Properties["values"].Items!.Type.Should().Be("string");
    }

    [Fact]
    public void A_type_without_a_mapping_fails_with_its_path()
    {
        var generate = () => CrdGenerator.Generate(typeof(InvalidEntities.UnsupportedType));

        generate.Should().Throw<CrdGenerationException>().WithMessage("UnsupportedType.timeout: no CRD schema for C# type System.TimeSpan.");
    }

    [Fact]
    public void A_dictionary_with_non_string_keys_fails()
    {
        var generate = () => CrdGenerator.Generate(typeof(InvalidEntities.IntKeyedDictionary));

        generate.Should().Throw<CrdGenerationException>().WithMessage("*byNumber: dictionary keys must be strings*");
    }

    [Fact]
    public void A_recursive_type_fails_with_the_cycle_named()
    {
        var generate = () => CrdGenerator.Generate(typeof(InvalidEntities.Recursive));

        generate.Should().Throw<CrdGenerationException>()
            .WithMessage("Recursive.root.children[*]: type TreeNode contains itself (TreeNode -> TreeNode)*");
    }

    [Fact]
    public void Two_properties_with_one_json_name_fail()
    {
        var generate = () => CrdGenerator.Generate(typeof(InvalidEntities.NameClash));

        generate.Should().Throw<CrdGenerationException>().WithMessage("*Name and OtherName of NameClash both serialize as 'name'*");
    }
}
