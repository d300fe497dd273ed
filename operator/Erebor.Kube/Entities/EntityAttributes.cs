namespace Erebor.Kube.Entities;

/// <summary>Names the group, version and kind of an entity class; drives the client's URLs and the CRD generator.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KubernetesEntityAttribute(string group, string version, string kind, string plural) : Attribute
{
    public string Group { get; } = group;
    public string Version { get; } = version;
    public string Kind { get; } = kind;
    public string Plural { get; } = plural;
    public EntityScope Scope { get; init; } = EntityScope.Namespaced;
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
}

public enum EntityScope
{
    Namespaced,
    Cluster,
}

/// <summary>An additional printer column for <c>kubectl get</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;

    /// <summary>string, integer, number, boolean or date.</summary>
    public string Type { get; } = type;

    public string JsonPath { get; } = jsonPath;
    public string? Description { get; init; }

    /// <summary>0 shows in plain <c>kubectl get</c>; higher only with <c>-o wide</c>.</summary>
    public int Priority { get; init; }

    /// <summary>Orders columns; lower first. Declaration order of attributes is not preserved by reflection.</summary>
    public int Order { get; init; }
}

/// <summary>The property must be present (OpenAPI <c>required</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredAttribute : Attribute;

/// <summary>A regular expression the string value must match.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    public string Pattern { get; } = pattern;
}

/// <summary>An OpenAPI format, e.g. "date-time" or "int32".</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    public string Format { get; } = format;
}

/// <summary>Inclusive numeric bounds.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeAttribute(double minimum, double maximum) : Attribute
{
    public double Minimum { get; } = minimum;
    public double Maximum { get; } = maximum;
}

/// <summary>String length bounds (-1 = unbounded).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute(int minLength = -1, int maxLength = -1) : Attribute
{
    public int MinLength { get; } = minLength;
    public int MaxLength { get; } = maxLength;
}

/// <summary>Array size bounds (-1 = unbounded).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute(int minItems = -1, int maxItems = -1) : Attribute
{
    public int MinItems { get; } = minItems;
    public int MaxItems { get; } = maxItems;
}

/// <summary>The default value the API server fills in (a JSON literal, e.g. "true", "3600", "\"Skip\"").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DefaultAttribute(string json) : Attribute
{
    public string Json { get; } = json;
}

/// <summary>Stores any JSON under this property (x-kubernetes-preserve-unknown-fields).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PreserveUnknownFieldsAttribute : Attribute;

/// <summary>A list whose items are merged by key under server-side apply (x-kubernetes-list-type: map).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapKeysAttribute(params string[] keys) : Attribute
{
    public string[] Keys { get; } = keys;
}
