namespace Erebor.Kube.Crds;

/// <summary>An apiextensions.k8s.io/v1 CustomResourceDefinition, holding only the fields the generator writes.</summary>
public sealed class CustomResourceDefinitionDocument
{
    public const string DocumentApiVersion = "apiextensions.k8s.io/v1";
    public const string DocumentKind = "CustomResourceDefinition";

    public static string ApiVersion => DocumentApiVersion;
    public static string Kind => DocumentKind;

    /// <summary>metadata.name: always "&lt;plural&gt;.&lt;group&gt;".</summary>
    public required string Name { get; init; }

    public required string Group { get; init; }
    public required CustomResourceNames Names { get; init; }

    /// <summary>"Namespaced" or "Cluster".</summary>
    public required string Scope { get; init; }

    public required IReadOnlyList<CustomResourceVersion> Versions { get; init; }
}

public sealed class CustomResourceNames
{
    public required string Kind { get; init; }
    public required string ListKind { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
}

public sealed class CustomResourceVersion
{
    public required string Name { get; init; }
    public bool Served { get; init; } = true;
    public bool Storage { get; init; } = true;

    /// <summary>Whether the kind has a status subresource (status is then written only through /status).</summary>
    public bool StatusSubresource { get; init; }

    public IReadOnlyList<CustomResourceColumn> AdditionalPrinterColumns { get; init; } = [];
    public required OpenApiSchema Schema { get; init; }
}

public sealed class CustomResourceColumn
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string JsonPath { get; init; }
    public string? Description { get; init; }
    public int Priority { get; init; }
}
