using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Erebor.Kube.Crds;

/// <summary>
/// Writes a CRD as YAML with a fixed key order (apiVersion, kind, metadata, spec first; in a schema node the
/// type before its constraints and its properties last), so that regenerating an unchanged type yields the same bytes.
/// </summary>
internal static partial class CrdYaml
{
    public static string Write(CustomResourceDefinitionDocument crd)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text, EmitterSettings.Default.WithBestWidth(int.MaxValue).WithNewLine("\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        WriteDocument(new YamlWriter(emitter), crd);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void WriteDocument(YamlWriter yaml, CustomResourceDefinitionDocument crd)
    {
        yaml.BeginMapping();
        yaml.Key("apiVersion").String(CustomResourceDefinitionDocument.ApiVersion);
        yaml.Key("kind").String(CustomResourceDefinitionDocument.Kind);
        yaml.Key("metadata").BeginMapping();
        yaml.Key("name").String(crd.Name);
        yaml.EndMapping();
        yaml.Key("spec").BeginMapping();
        yaml.Key("group").String(crd.Group);
        WriteNames(yaml, crd.Names);
        yaml.Key("scope").String(crd.Scope);
        yaml.Key("versions").BeginSequence();
        foreach (var version in crd.Versions)
        {
            WriteVersion(yaml, version);
        }

        yaml.EndSequence();
        yaml.EndMapping();
        yaml.EndMapping();
    }

    private static void WriteNames(YamlWriter yaml, CustomResourceNames names)
    {
        yaml.Key("names").BeginMapping();
        yaml.Key("kind").String(names.Kind);
        yaml.Key("listKind").String(names.ListKind);
        yaml.Key("plural").String(names.Plural);
        yaml.Key("singular").String(names.Singular);
        yaml.OptionalStrings("shortNames", names.ShortNames);
        yaml.OptionalStrings("categories", names.Categories);
        yaml.EndMapping();
    }

    private static void WriteVersion(YamlWriter yaml, CustomResourceVersion version)
    {
        yaml.BeginMapping();
        yaml.Key("name").String(version.Name);
        yaml.Key("served").Boolean(version.Served);
        yaml.Key("storage").Boolean(version.Storage);
        if (version.StatusSubresource)
        {
            yaml.Key("subresources").BeginMapping();
            yaml.Key("status").EmptyMapping();
            yaml.EndMapping();
        }

        if (version.AdditionalPrinterColumns.Count > 0)
        {
            yaml.Key("additionalPrinterColumns").BeginSequence();
            foreach (var column in version.AdditionalPrinterColumns)
            {
                yaml.BeginMapping();
                yaml.Key("name").String(column.Name);
                yaml.Key("type").String(column.Type);
                yaml.Key("jsonPath").String(column.JsonPath);
                yaml.OptionalString("description", column.Description);
                if (column.Priority != 0)
                {
                    yaml.Key("priority").Number(column.Priority.ToString(CultureInfo.InvariantCulture));
                }

                yaml.EndMapping();
            }

            yaml.EndSequence();
        }

        yaml.Key("schema").BeginMapping();
        yaml.Key("openAPIV3Schema");
        WriteSchema(yaml, version.Schema);
        yaml.EndMapping();
        yaml.EndMapping();
    }

    private static void WriteSchema(YamlWriter yaml, OpenApiSchema schema)
    {
        yaml.BeginMapping();
        yaml.OptionalString("type", schema.Type);
        yaml.OptionalString("format", schema.Format);
        yaml.OptionalString("description", schema.Description);
        yaml.OptionalStrings("enum", schema.Enum);
        if (schema.Default is not null)
        {
            yaml.Key("default");
            WriteJson(yaml, schema.Default);
        }

        yaml.OptionalString("pattern", schema.Pattern);
        yaml.OptionalNumber("minimum", schema.Minimum, schema.Type);
        yaml.OptionalNumber("maximum", schema.Maximum, schema.Type);
        yaml.OptionalInteger("minLength", schema.MinLength);
        yaml.OptionalInteger("maxLength", schema.MaxLength);
        yaml.OptionalInteger("minItems", schema.MinItems);
        yaml.OptionalInteger("maxItems", schema.MaxItems);
        yaml.OptionalString("x-kubernetes-list-type", schema.ListType);
        yaml.OptionalStrings("x-kubernetes-list-map-keys", schema.ListMapKeys);
        if (schema.PreserveUnknownFields)
        {
            yaml.Key("x-kubernetes-preserve-unknown-fields").Boolean(true);
        }

        if (schema.Items is not null)
        {
            yaml.Key("items");
            WriteSchema(yaml, schema.Items);
        }

        if (schema.AdditionalProperties is not null)
        {
            yaml.Key("additionalProperties");
            WriteSchema(yaml, schema.AdditionalProperties);
        }

        yaml.OptionalStrings("required", schema.Required?.ToList());
        if (schema.Properties is { Count: > 0 })
        {
            yaml.Key("properties").BeginMapping();
            foreach (var (name, property) in schema.Properties)
            {
                yaml.Key(name);
                WriteSchema(yaml, property);
            }

            yaml.EndMapping();
        }

        yaml.EndMapping();
    }

    private static void WriteJson(YamlWriter yaml, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject jsonObject:
                yaml.BeginMapping();
                foreach (var (name, member) in jsonObject)
                {
                    yaml.Key(name);
                    WriteJson(yaml, member);
                }

                yaml.EndMapping();
                break;
            case JsonArray jsonArray:
                yaml.BeginSequence();
                foreach (var element in jsonArray)
                {
                    WriteJson(yaml, element);
                }

                yaml.EndSequence();
                break;
            case null:
                yaml.Number("null");
                break;
            default:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        yaml.String(value.GetValue<string>());
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        yaml.Boolean(value.GetValue<bool>());
                        break;
                    default:
                        yaml.Number(value.ToJsonString());
                        break;
                }

                break;
        }
    }

    /// <summary>
    /// Strings a YAML 1.1 reader (Kubernetes' sigs.k8s.io/yaml) would take for something else if left plain:
    /// booleans such as True/yes/on (the condition enum has "True"), nulls, and anything starting like a number or date.
    /// </summary>
    [GeneratedRegex("^(|~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|[-+.]?[0-9].*)$")]
    private static partial Regex AmbiguousPlainScalar();

    /// <summary>Emits YAML events; every scalar goes through here so that quoting follows one rule.</summary>
    private sealed class YamlWriter(IEmitter emitter)
    {
        public YamlWriter Key(string name)
        {
            String(name);
            return this;
        }

        public void String(string value) =>
            // Single quotes keep backslashes (regular expressions) literal; the emitter falls back to double quotes
            // when single quotes cannot hold the text, and uses plain style when nothing forbids it.
            Scalar(value, AmbiguousPlainScalar().IsMatch(value) ? ScalarStyle.SingleQuoted : ScalarStyle.Any);

        public void Boolean(bool value) => Scalar(value ? "true" : "false", ScalarStyle.Plain);

        public void Number(string literal) => Scalar(literal, ScalarStyle.Plain);

        public void OptionalString(string key, string? value)
        {
            if (value is not null)
            {
                Key(key).String(value);
            }
        }

        public void OptionalStrings(string key, IReadOnlyCollection<string>? values)
        {
            if (values is not { Count: > 0 })
            {
                return;
            }

            Key(key).BeginSequence();
            foreach (var value in values)
            {
                String(value);
            }

            EndSequence();
        }

        public void OptionalInteger(string key, int? value)
        {
            if (value is not null)
            {
                Key(key).Number(value.Value.ToString(CultureInfo.InvariantCulture));
            }
        }

        /// <summary>Bounds of an integer schema are written as integers: "1", not "1.0" or "1E+00".</summary>
        public void OptionalNumber(string key, double? value, string? schemaType)
        {
            if (value is not null)
            {
                Key(key).Number(schemaType == "integer"
                    ? ((long)value.Value).ToString(CultureInfo.InvariantCulture)
                    : value.Value.ToString("R", CultureInfo.InvariantCulture));
            }
        }

        public void BeginMapping() => emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Block));

        public void EmptyMapping()
        {
            emitter.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Flow));
            emitter.Emit(new MappingEnd());
        }

        public void EndMapping() => emitter.Emit(new MappingEnd());

        public void BeginSequence() => emitter.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));

        public void EndSequence() => emitter.Emit(new SequenceEnd());

        private void Scalar(string value, ScalarStyle style) =>
            emitter.Emit(new Scalar(null, null, value, style, isPlainImplicit: true, isQuotedImplicit: true));
    }
}
