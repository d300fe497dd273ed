using System.Reflection;
using System.Text;

using Erebor.Kube.Entities;

namespace Erebor.Kube.Crds;

/// <summary>
/// Generates apiextensions.k8s.io/v1 CRDs (Kubernetes 1.20 compatible) from entity classes marked [KubernetesEntity].
/// </summary>
public static class CrdGenerator
{
    public static CustomResourceDefinitionDocument Generate(Type entityType)
    {
        var entity = entityType.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new CrdGenerationException($"{entityType.Name} has no [KubernetesEntity] attribute.");
        var schema = new SchemaBuilder().ForEntity(entityType);
        var columns = entityType.GetCustomAttributes<PrinterColumnAttribute>()
            .OrderBy(column => column.Order)
            .ThenBy(column => column.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var column in columns)
        {
            PrinterColumnPath.Validate(schema, column, entityType);
        }

        return new CustomResourceDefinitionDocument
        {
            Name = $"{entity.Plural}.{entity.Group}",
            Group = entity.Group,
            Names = new CustomResourceNames
            {
                Kind = entity.Kind,
                ListKind = entity.Kind + "List",
                Plural = entity.Plural,
                Singular = entity.Kind.ToLowerInvariant(),
                ShortNames = entity.ShortNames,
                Categories = entity.Categories,
            },
            Scope = entity.Scope.ToString(),
            Versions =
            [
                new CustomResourceVersion
                {
                    Name = entity.Version,
                    StatusSubresource = schema.Properties!.ContainsKey("status"),
                    AdditionalPrinterColumns = [.. columns
                        .Select(column => new CustomResourceColumn
                        {
                            Name = column.Name,
                            Type = column.Type,
                            JsonPath = column.JsonPath,
                            Description = column.Description,
                            Priority = column.Priority,
                        })],
                    Schema = schema,
                },
            ],
        };
    }

    public static string ToYaml(CustomResourceDefinitionDocument crd) => CrdYaml.Write(crd);

    /// <summary>The concrete [KubernetesEntity] classes of an assembly, ordered by name.</summary>
    public static IReadOnlyList<Type> EntityTypesIn(Assembly assembly) =>
        [.. assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.IsDefined(typeof(KubernetesEntityAttribute), inherit: false))
            .OrderBy(type => type.FullName, StringComparer.Ordinal)];

    /// <summary>One "&lt;plural&gt;.&lt;group&gt;.yaml" file per entity type, ordered by file name.</summary>
    public static IReadOnlyList<(string FileName, string Yaml)> GenerateAll(IEnumerable<Type> entityTypes)
    {
        var files = new SortedDictionary<string, (Type EntityType, string Yaml)>(StringComparer.Ordinal);
        foreach (var entityType in entityTypes)
        {
            var crd = Generate(entityType);
            var fileName = $"{crd.Name}.yaml";
            if (!files.TryAdd(fileName, (entityType, ToYaml(crd))))
            {
                // Several versions of one kind would have to share one CRD; this generator writes one version per kind.
                throw new CrdGenerationException($"{files[fileName].EntityType.Name} and {entityType.Name} both define {crd.Name}.");
            }
        }

        return files.Select(file => (file.Key, file.Value.Yaml)).ToList();
    }

    public static IReadOnlyList<(string FileName, string Yaml)> GenerateAll(Assembly assembly) => GenerateAll(EntityTypesIn(assembly));

    /// <summary>
    /// Writes the CRDs of <paramref name="entityTypes"/> into <paramref name="directory"/> and deletes every other
    /// *.yaml there, so that a renamed or removed kind leaves no stale CRD behind. Returns the file names written.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(IEnumerable<Type> entityTypes, string directory)
    {
        var files = GenerateAll(entityTypes);
        Directory.CreateDirectory(directory);
        var written = files.Select(file => file.FileName).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.GetFiles(directory, "*.yaml").Where(path => !written.Contains(Path.GetFileName(path))))
        {
            File.Delete(stale);
        }

        foreach (var (fileName, yaml) in files)
        {
            File.WriteAllText(Path.Combine(directory, fileName), yaml, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        return [.. written.Order(StringComparer.Ordinal)];
    }
}
