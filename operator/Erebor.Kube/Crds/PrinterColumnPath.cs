using Erebor.Kube.Entities;

namespace Erebor.Kube.Crds;

/// <summary>
/// Checks that a printer column's JSONPath names fields the schema has: the API server accepts any path
/// and a typo only shows up as an empty column.
/// </summary>
internal static class PrinterColumnPath
{
    public static void Validate(OpenApiSchema root, PrinterColumnAttribute column, Type entityType)
    {
        var path = column.JsonPath;
        var node = root;
        var position = 0;
        while (position < path.Length)
        {
            if (node.Properties is null && node.AdditionalProperties is null && node.Items is null)
            {
                // metadata (owned by the API server) or free-form JSON: nothing further to check against.
                return;
            }

            var walked = path[..position];
            if (path[position] == '.')
            {
                var end = path.IndexOfAny(['.', '['], position + 1);
                end = end < 0 ? path.Length : end;
                var field = path[(position + 1)..end];
                node = node.Properties?.GetValueOrDefault(field) ?? node.AdditionalProperties
                    ?? throw Error(column, entityType, $"'{walked}' has no field '{field}'"
                        + (node.Properties is null ? "" : $" (it has: {string.Join(", ", node.Properties.Keys)})"));
                position = end;
            }
            else if (path[position] == '[')
            {
                var end = path.IndexOf(']', position);
                node = node.Items ?? throw Error(column, entityType, $"'{walked}' is not a list");
                position = end < 0 ? throw Error(column, entityType, "'[' is not closed") : end + 1;
            }
            else
            {
                throw Error(column, entityType, "fields must start with '.'");
            }
        }
    }

    private static CrdGenerationException Error(PrinterColumnAttribute column, Type entityType, string problem) =>
        new($"{entityType.Name}: printer column '{column.Name}' has JSONPath '{column.JsonPath}': {problem}.");
}
