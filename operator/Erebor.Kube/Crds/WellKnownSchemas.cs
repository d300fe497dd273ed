using Erebor.Kube.Entities;

namespace Erebor.Kube.Crds;

/// <summary>
/// Schemas of Kubernetes' own types, written out by hand: they carry validation (required fields, patterns,
/// the condition status enum) that our C# mirrors of those types deliberately do not annotate.
/// </summary>
internal static class WellKnownSchemas
{
    public static OpenApiSchema? For(Type type) => type switch
    {
        _ when type == typeof(Condition) => Condition(),
        _ when type == typeof(LabelSelector) => LabelSelector(),
        _ => null,
    };

    /// <summary>metav1.Condition, with the validation Kubernetes declares on it.</summary>
    private static OpenApiSchema Condition() => new()
    {
        Type = "object",
        Description = "One aspect of the object's current state.",
        Properties = SchemaBuilder.SortedProperties(new()
        {
            ["type"] = new()
            {
                Type = "string",
                Description = "Type of the condition, in CamelCase or foo.example.com/CamelCase.",
                MaxLength = 316,
                Pattern = @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
            },
            ["status"] = new()
            {
                Type = "string",
                Description = "Status of the condition.",
                Enum = [ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown],
            },
            ["observedGeneration"] = new()
            {
                Type = "integer",
                Format = "int64",
                Description = "The metadata.generation the condition was set from.",
                Minimum = 0,
            },
            ["lastTransitionTime"] = new()
            {
                Type = "string",
                Format = "date-time",
                Description = "When the condition last changed from one status to another.",
            },
            ["reason"] = new()
            {
                Type = "string",
                Description = "Machine-readable CamelCase reason for the last transition.",
                MinLength = 1,
                MaxLength = 1024,
                Pattern = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
            },
            ["message"] = new()
            {
                Type = "string",
                Description = "Human-readable details of the last transition; may be empty.",
                MaxLength = 32768,
            },
        }),
        Required = SchemaBuilder.SortedNames(["type", "status", "lastTransitionTime", "reason", "message"]),
    };

    /// <summary>metav1.LabelSelector: matchLabels and matchExpressions are ANDed; an empty selector matches everything.</summary>
    private static OpenApiSchema LabelSelector() => new()
    {
        Type = "object",
        Description = "A label query over a set of resources; an empty selector matches all objects.",
        Properties = SchemaBuilder.SortedProperties(new()
        {
            ["matchLabels"] = new()
            {
                Type = "object",
                Description = "Labels that must all match exactly.",
                AdditionalProperties = new() { Type = "string" },
            },
            ["matchExpressions"] = new()
            {
                Type = "array",
                Description = "Label requirements that must all hold.",
                Items = new()
                {
                    Type = "object",
                    Properties = SchemaBuilder.SortedProperties(new()
                    {
                        ["key"] = new() { Type = "string", Description = "The label key the requirement applies to." },
                        ["operator"] = new()
                        {
                            Type = "string",
                            Description = "How the key relates to the values.",
                            Enum = ["In", "NotIn", "Exists", "DoesNotExist"],
                        },
                        ["values"] = new()
                        {
                            Type = "array",
                            Description = "Values for In and NotIn; empty for Exists and DoesNotExist.",
                            Items = new() { Type = "string" },
                        },
                    }),
                    Required = SchemaBuilder.SortedNames(["key", "operator"]),
                },
            },
        }),
    };
}
