using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

using Erebor.Kube.Entities;

namespace Erebor.Kube.Crds;

/// <summary>
/// Turns C# types into the structural OpenAPI v3 schema of the JSON our client writes for them:
/// camelCase names unless [JsonPropertyName], nulls omitted (so nothing is "nullable"), enums as member names.
/// </summary>
internal sealed class SchemaBuilder
{
    /// <summary>Classes being expanded right now, outermost first: a class met again here would recurse forever.</summary>
    private readonly List<Type> _expanding = [];

    public OpenApiSchema ForEntity(Type entityType) => ForClass(entityType, entityType.Name, isEntityRoot: true);

    public static SortedDictionary<string, OpenApiSchema> SortedProperties(Dictionary<string, OpenApiSchema> properties) =>
        new(properties, StringComparer.Ordinal);

    public static SortedSet<string> SortedNames(IEnumerable<string> names) => new(names, StringComparer.Ordinal);

    private OpenApiSchema ForClass(Type type, string path, bool isEntityRoot = false)
    {
        if (_expanding.Contains(type))
        {
            var cycle = string.Join(" -> ", _expanding.SkipWhile(t => t != type).Append(type).Select(t => t.Name));
            throw new CrdGenerationException(
                $"{path}: type {type.Name} contains itself ({cycle}); a CRD schema cannot be recursive. " +
                "Break the cycle, or type the recursive property as JsonElement to store it unvalidated.");
        }

        _expanding.Add(type);
        var schema = new OpenApiSchema
        {
            Type = "object",
            Description = DescriptionOf(type),
            Properties = new(StringComparer.Ordinal),
        };
        foreach (var (jsonName, property) in JsonProperties(type, path))
        {
            var propertyPath = $"{path}.{jsonName}";
            schema.Properties[jsonName] = isEntityRoot && jsonName == "metadata"
                // Structural-schema rule: the API server owns metadata's schema; a CRD may only say it is an object.
                ? new OpenApiSchema { Type = "object" }
                : ForProperty(property, propertyPath);
            if (property.IsDefined(typeof(RequiredAttribute)))
            {
                (schema.Required ??= new(StringComparer.Ordinal)).Add(jsonName);
            }
        }

        // [JsonExtensionData] round-trips fields the class does not declare, so the API server must keep them too.
        schema.PreserveUnknownFields = HasExtensionData(type);
        _expanding.RemoveAt(_expanding.Count - 1);
        return schema;
    }

    private OpenApiSchema ForProperty(PropertyInfo property, string path)
    {
        var schema = ForType(property.PropertyType, path);
        schema.Description = property.GetCustomAttribute<DescriptionAttribute>()?.Description ?? schema.Description;
        PropertyAttributes.Apply(property, schema, path);
        return schema;
    }

    private OpenApiSchema ForType(Type type, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when WellKnownSchemas.For(type) is { } wellKnown => wellKnown,
            _ when ScalarSchema(type) is { } scalar => scalar,
            { IsEnum: true } => new OpenApiSchema { Type = "string", Description = DescriptionOf(type), Enum = EnumValues(type) },
            // Any JSON at all: structural schemas allow a node without a type only when it preserves unknown fields.
            _ when type == typeof(object) || type == typeof(JsonElement) || typeof(JsonNode).IsAssignableFrom(type) =>
                new OpenApiSchema { PreserveUnknownFields = true },
            _ when DictionaryValueType(type, path) is { } valueType =>
                new OpenApiSchema { Type = "object", AdditionalProperties = ForType(valueType, $"{path}[*]") },
            _ when EnumerableItemType(type) is { } itemType =>
                new OpenApiSchema { Type = "array", Items = ForType(itemType, $"{path}[*]") },
            { IsClass: true, IsAbstract: false } => ForClass(type, path),
            _ => throw new CrdGenerationException($"{path}: no CRD schema for C# type {type}."),
        };
    }

    private static OpenApiSchema? ScalarSchema(Type type) => type switch
    {
        _ when type == typeof(string) => new() { Type = "string" },
        _ when type == typeof(bool) => new() { Type = "boolean" },
        _ when type == typeof(int) => new() { Type = "integer", Format = "int32" },
        _ when type == typeof(long) => new() { Type = "integer", Format = "int64" },
        _ when type == typeof(float) => new() { Type = "number", Format = "float" },
        _ when type == typeof(double) => new() { Type = "number", Format = "double" },
        _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => new() { Type = "string", Format = "date-time" },
        _ => null,
    };

    /// <summary>The names JsonStringEnumConverter writes without a naming policy: the member names, or their [JsonStringEnumMemberName].</summary>
    private static List<string> EnumValues(Type enumType) =>
        [.. enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .OrderBy(field => field.MetadataToken)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name)];

    private static Type? DictionaryValueType(Type type, string path)
    {
        var arguments = GenericInterfaceArguments(type, typeof(IDictionary<,>))
            ?? GenericInterfaceArguments(type, typeof(IReadOnlyDictionary<,>));
        return arguments switch
        {
            null => null,
            [var key, var value] when key == typeof(string) => value,
            _ => throw new CrdGenerationException($"{path}: dictionary keys must be strings, not {arguments[0].Name}."),
        };
    }

    private static Type? EnumerableItemType(Type type) =>
        type == typeof(string) ? null : GenericInterfaceArguments(type, typeof(IEnumerable<>))?[0];

    private static Type[]? GenericInterfaceArguments(Type type, Type genericInterface) =>
        (type.IsInterface && type.IsGenericType && type.GetGenericTypeDefinition() == genericInterface
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == genericInterface))
        ?.GetGenericArguments();

    /// <summary>The properties System.Text.Json writes, by JSON name: public instance getters that are not [JsonIgnore]d.</summary>
    private static IEnumerable<(string JsonName, PropertyInfo Property)> JsonProperties(Type type, string path)
    {
        var serialized = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
            .Where(p => !p.IsDefined(typeof(JsonExtensionDataAttribute)))
            // A property hidden with "new" shows up once per declaring class; the most derived one is serialized.
            .GroupBy(p => p.Name)
            .Select(sameName => sameName.OrderBy(p => InheritanceDepth(p.DeclaringType!)).Last());

        var names = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var property in serialized)
        {
            var jsonName = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!names.TryAdd(jsonName, property))
            {
                throw new CrdGenerationException(
                    $"{path}: properties {names[jsonName].Name} and {property.Name} of {type.Name} both serialize as '{jsonName}'.");
            }
        }

        return names.Select(pair => (pair.Key, pair.Value));
    }

    private static int InheritanceDepth(Type type) => type.BaseType is null ? 0 : 1 + InheritanceDepth(type.BaseType);

    private static bool HasExtensionData(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.IsDefined(typeof(JsonExtensionDataAttribute)));

    private static string? DescriptionOf(Type type) => type.GetCustomAttribute<DescriptionAttribute>()?.Description;

    /// <summary>The property attributes of Erebor.Kube.Entities, each checked against the schema type it may apply to.</summary>
    private static class PropertyAttributes
    {
        public static void Apply(PropertyInfo property, OpenApiSchema schema, string path)
        {
            if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
            {
                Expect(schema, path, "[Pattern]", "string");
                schema.Pattern = pattern.Pattern;
            }

            if (property.GetCustomAttribute<FormatAttribute>() is { } format)
            {
                Expect(schema, path, "[Format]", "string", "integer", "number");
                schema.Format = format.Format;
            }

            if (property.GetCustomAttribute<RangeAttribute>() is { } range)
            {
                Expect(schema, path, "[Range]", "integer", "number");
                schema.Minimum = Bound(schema, range.Minimum, path);
                schema.Maximum = Bound(schema, range.Maximum, path);
            }

            if (property.GetCustomAttribute<LengthAttribute>() is { } length)
            {
                Expect(schema, path, "[Length]", "string");
                schema.MinLength = Unbounded(length.MinLength);
                schema.MaxLength = Unbounded(length.MaxLength);
            }

            if (property.GetCustomAttribute<ItemsAttribute>() is { } items)
            {
                Expect(schema, path, "[Items]", "array");
                schema.MinItems = Unbounded(items.MinItems);
                schema.MaxItems = Unbounded(items.MaxItems);
            }

            if (property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
            {
                if (schema.Type is not (null or "object"))
                {
                    throw new CrdGenerationException($"{path}: [PreserveUnknownFields] applies to objects; this property is {schema.Type}.");
                }

                schema.PreserveUnknownFields = true;
            }

            if (property.GetCustomAttribute<ListMapKeysAttribute>() is { } listMapKeys)
            {
                ApplyListMapKeys(schema, listMapKeys.Keys, path);
            }

            if (property.GetCustomAttribute<DefaultAttribute>() is { } defaultValue)
            {
                schema.Default = ParseDefault(schema, defaultValue.Json, path);
            }
        }

        private static void Expect(OpenApiSchema schema, string path, string attribute, params string[] types)
        {
            if (!types.Contains(schema.Type))
            {
                throw new CrdGenerationException(
                    $"{path}: {attribute} applies to {string.Join(" or ", types)} properties; this one is {schema.Type ?? "free-form"}.");
            }
        }

        private static double Bound(OpenApiSchema schema, double bound, string path) =>
            schema.Type == "integer" && bound != Math.Floor(bound)
                ? throw new CrdGenerationException($"{path}: [Range] bound {bound.ToString(CultureInfo.InvariantCulture)} is not an integer.")
                : bound;

        private static int? Unbounded(int bound) => bound < 0 ? null : bound;

        /// <summary>
        /// Server-side apply merges a map list item by item, by key, so every item must carry its keys
        /// (required) and the keys must be scalars; the API server refuses the CRD otherwise.
        /// </summary>
        private static void ApplyListMapKeys(OpenApiSchema schema, string[] keys, string path)
        {
            Expect(schema, path, "[ListMapKeys]", "array");
            var item = schema.Items!;
            if (item.Type != "object" || item.Properties is null)
            {
                throw new CrdGenerationException($"{path}: [ListMapKeys] needs list items that are objects with properties.");
            }

            if (keys.Length == 0)
            {
                throw new CrdGenerationException($"{path}: [ListMapKeys] names no key.");
            }

            foreach (var key in keys)
            {
                if (!item.Properties.TryGetValue(key, out var keySchema))
                {
                    throw new CrdGenerationException(
                        $"{path}: [ListMapKeys] key '{key}' is not a property of the list items (they have {string.Join(", ", item.Properties.Keys)}).");
                }

                if (item.Required?.Contains(key) != true)
                {
                    throw new CrdGenerationException(
                        $"{path}: [ListMapKeys] key '{key}' must be required in the list items; mark that property [Required].");
                }

                if (keySchema.Type is not ("string" or "integer" or "number" or "boolean"))
                {
                    throw new CrdGenerationException($"{path}: [ListMapKeys] key '{key}' must be a string, integer, number or boolean; it is {keySchema.Type ?? "free-form"}.");
                }
            }

            schema.ListType = "map";
            schema.ListMapKeys = [.. keys];
        }

        private static JsonNode? ParseDefault(OpenApiSchema schema, string json, string path)
        {
            JsonNode? value;
            try
            {
                value = JsonNode.Parse(json);
            }
            catch (JsonException e)
            {
                throw new CrdGenerationException($"{path}: [Default({json})] is not valid JSON ({e.Message}). Strings need quotes: \"\\\"Skip\\\"\".");
            }

            var kind = value?.GetValueKind() ?? JsonValueKind.Null;
            var fits = schema.Type switch
            {
                "string" => kind == JsonValueKind.String && (schema.Enum is null || schema.Enum.Contains(value!.GetValue<string>())),
                "integer" => kind == JsonValueKind.Number && value!.GetValue<double>() == Math.Floor(value.GetValue<double>()),
                "number" => kind == JsonValueKind.Number,
                "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
                "object" => kind == JsonValueKind.Object,
                "array" => kind == JsonValueKind.Array,
                _ => kind != JsonValueKind.Null,
            };
            if (!fits)
            {
                var expected = schema.Enum is null ? $"a JSON {schema.Type}" : $"one of {string.Join(", ", schema.Enum)}";
                throw new CrdGenerationException($"{path}: [Default({json})] does not fit the property; expected {expected}.");
            }

            return value;
        }
    }
}
