using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

using Erebor.Kube.Crds;
using Erebor.Kube.Entities;

namespace Erebor.Kube.Tests.Crds;

// Small entities, each exercising one part of the generator; the real kinds live in Erebor.Api.

public enum Colour
{
    Red,
    [JsonStringEnumMemberName("deep-blue")]
    Blue,
    Green,
}

[Description("A nested class with its own description.")]
public sealed class Nested
{
    [Required]
    public string Name { get; set; } = string.Empty;

    public int? Size { get; set; }
}

public abstract class NestedBase
{
    public string? Inherited { get; set; }
}

public sealed class Derived : NestedBase
{
    public string? Own { get; set; }
}

public sealed class WithExtensionData
{
    public string? Known { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Rest { get; set; }
}

[KubernetesEntity("test.erebor.io", "v1", "Mapping", "mappings")]
public sealed class MappingEntity : CustomResource<MappingEntity.MappingSpec, MappingEntity.MappingStatus>
{
    public sealed class MappingSpec
    {
        public string? String { get; set; }
        public bool Bool { get; set; }
        public int Int { get; set; }
        public long Long { get; set; }
        public float Float { get; set; }
        public double Double { get; set; }
        public DateTime DateTime { get; set; }
        public DateTimeOffset DateTimeOffset { get; set; }
        public int? NullableInt { get; set; }
        public long? NullableLong { get; set; }
        public bool? NullableBool { get; set; }
        public DateTimeOffset? NullableDateTimeOffset { get; set; }
        public Colour Enum { get; set; }
        public Colour? NullableEnum { get; set; }
        public List<string>? ListOfString { get; set; }
        public string[]? ArrayOfString { get; set; }
        public IReadOnlyList<int>? ReadOnlyListOfInt { get; set; }
        public List<Nested>? ListOfNested { get; set; }
        public Dictionary<string, string>? DictionaryOfString { get; set; }
        public IReadOnlyDictionary<string, long>? ReadOnlyDictionaryOfLong { get; set; }
        public Dictionary<string, Nested>? DictionaryOfNested { get; set; }
        public Nested? Nested { get; set; }
        public Derived? Derived { get; set; }
        public WithExtensionData? WithExtensionData { get; set; }
        public JsonElement JsonElement { get; set; }
        public JsonNode? JsonNode { get; set; }
        public object? Object { get; set; }
        public Condition? Condition { get; set; }
        public LabelSelector? LabelSelector { get; set; }

        [JsonPropertyName("renamed_by_attribute")]
        public string? RenamedProperty { get; set; }

        [JsonIgnore]
        public string? Ignored { get; set; }

        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
        public string? IgnoredOnlyWhenNull { get; set; }

        public string ReadOnly { get; } = "computed";

        [Description("Described on the property.")]
        public Nested? DescribedNested { get; set; }
    }

    public sealed class MappingStatus
    {
        public int Count { get; set; }
    }
}

[KubernetesEntity("test.erebor.io", "v1", "Validated", "validateds")]
public sealed class AttributesEntity : CustomResource<AttributesEntity.AttributesSpec, AttributesEntity.AttributesStatus>
{
    public sealed class AttributesSpec
    {
        [Required]
        [Pattern("^[a-z]+\\.[a-z]+$")]
        [Length(3, 63)]
        [Description("A patterned, bounded name.")]
        public string Name { get; set; } = string.Empty;

        [Format("ipv4")]
        public string? Address { get; set; }

        [Range(1, 30)]
        public int? Prefix { get; set; }

        [Range(0.5, 99.5)]
        public double? Ratio { get; set; }

        [Length(maxLength: 10)]
        public string? OnlyMaxLength { get; set; }

        [Items(1, 8)]
        public List<string>? Servers { get; set; }

        [Default("true")]
        public bool Enabled { get; set; } = true;

        [Default("86400")]
        public int LeaseSeconds { get; set; } = 86400;

        [Default("\"Green\"")]
        public Colour Colour { get; set; } = Colour.Green;

        [Default("{\"name\":\"first\",\"size\":1}")]
        public Nested? DefaultedNested { get; set; }

        [PreserveUnknownFields]
        public Nested? Extensible { get; set; }

        [ListMapKeys("name")]
        public List<Nested>? Keyed { get; set; }
    }

    public sealed class AttributesStatus
    {
        [Required]
        public long Observed { get; set; }
    }
}

[KubernetesEntity("test.erebor.io", "v1beta1", "Gadget", "gadgets", Scope = EntityScope.Cluster, ShortNames = ["gd", "gdg"], Categories = ["erebor", "all"])]
[Description("Names, scope and printer columns.")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 2, Description = "Whether it is ready.")]
[PrinterColumn("Size", "integer", ".spec.size", Order = 1)]
[PrinterColumn("Owner", "string", ".spec.labels.owner", Order = 3, Priority = 1)]
public sealed class GadgetEntity : CustomResource<GadgetEntity.GadgetSpec, GadgetEntity.GadgetStatus>
{
    public sealed class GadgetSpec
    {
        public int Size { get; set; }
        public Dictionary<string, string>? Labels { get; set; }
    }

    public sealed class GadgetStatus
    {
        [ListMapKeys("type")]
        public List<Condition> Conditions { get; set; } = [];
    }
}

/// <summary>An entity without a status: no status subresource.</summary>
[KubernetesEntity("test.erebor.io", "v1", "Note", "notes")]
public sealed class StatuslessEntity : KubernetesObject
{
    public NoteSpec Spec { get; set; } = new();

    public sealed class NoteSpec
    {
        public string? Text { get; set; }
    }
}

public sealed class NotAnEntity;

/// <summary>Entities that the generator must refuse, each with the property that is wrong.</summary>
public static class InvalidEntities
{
    public sealed class Item
    {
        public string Name { get; set; } = string.Empty;

        [Required]
        public Nested Inner { get; set; } = new();
    }

    public sealed class TreeNode
    {
        public List<TreeNode>? Children { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "KeyNotRequired", "keynotrequireds")]
    public sealed class KeyNotRequired : KubernetesObject
    {
        [ListMapKeys("name")]
        public List<Item>? Items { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "KeyMissing", "keymissings")]
    public sealed class KeyMissing : KubernetesObject
    {
        [ListMapKeys("id")]
        public List<Nested>? Items { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "KeyNotScalar", "keynotscalars")]
    public sealed class KeyNotScalar : KubernetesObject
    {
        [ListMapKeys("inner")]
        public List<Item>? Items { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "ListMapOnString", "listmaponstrings")]
    public sealed class ListMapOnString : KubernetesObject
    {
        [ListMapKeys("name")]
        public List<string>? Names { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "Recursive", "recursives")]
    public sealed class Recursive : KubernetesObject
    {
        public TreeNode? Root { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "PatternOnInt", "patternonints")]
    public sealed class PatternOnInt : KubernetesObject
    {
        [Pattern("^[0-9]+$")]
        public int Count { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "FractionalRange", "fractionalranges")]
    public sealed class FractionalRangeOnInt : KubernetesObject
    {
        [Range(0.5, 10)]
        public int Count { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "DefaultNotJson", "defaultnotjsons")]
    public sealed class DefaultNotJson : KubernetesObject
    {
        [Default("Skip")]
        public Colour Colour { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "DefaultWrongType", "defaultwrongtypes")]
    public sealed class DefaultWrongType : KubernetesObject
    {
        [Default("\"yes\"")]
        public bool Enabled { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "DefaultNotInEnum", "defaultnotinenums")]
    public sealed class DefaultNotInEnum : KubernetesObject
    {
        [Default("\"Purple\"")]
        public Colour Colour { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "Unsupported", "unsupporteds")]
    public sealed class UnsupportedType : KubernetesObject
    {
        public TimeSpan Timeout { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "IntKeys", "intkeys")]
    public sealed class IntKeyedDictionary : KubernetesObject
    {
        public Dictionary<int, string>? ByNumber { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "Clash", "clashes")]
    public sealed class NameClash : KubernetesObject
    {
        public string? Name { get; set; }

        [JsonPropertyName("name")]
        public string? OtherName { get; set; }
    }

    [KubernetesEntity("test.erebor.io", "v1", "BadColumn", "badcolumns")]
    [PrinterColumn("Size", "integer", ".spec.sise")]
    public sealed class PrinterColumnTypo : CustomResource<GadgetEntity.GadgetSpec, GadgetEntity.GadgetStatus>;

    [KubernetesEntity("test.erebor.io", "v1", "Gadget", "gadgets")]
    public sealed class SecondGadget : CustomResource<GadgetEntity.GadgetSpec, GadgetEntity.GadgetStatus>;
}

internal static class Schemas
{
    public static OpenApiSchema Root<TEntity>() => CrdGenerator.Generate(typeof(TEntity)).Versions.Single().Schema;

    public static OpenApiSchema Spec<TEntity>() => Root<TEntity>().Properties!["spec"];

    public static OpenApiSchema SpecProperty<TEntity>(string jsonName) =>
        Spec<TEntity>().Properties!.TryGetValue(jsonName, out var schema)
            ? schema
            : throw new KeyNotFoundException($"spec has no '{jsonName}'; it has {string.Join(", ", Spec<TEntity>().Properties!.Keys)}");
}
