using System.Globalization;
using System.Text.Json;

namespace Erebor.Protection.Checkpoints;

/// <summary>
/// index.json: written streaming (one entry at a time), read with every field checked so that a
/// malformed index names the field and the value that are wrong.
/// </summary>
internal static class IndexCodec
{
    public static async Task WriteAsync(Stream destination, CheckpointIndex index, string? keyFingerprint, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(destination, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("format", BankLayout.IndexFormat);
        json.WriteNumber("formatVersion", index.FormatVersion);
        json.WriteString("plan", index.Plan);
        json.WriteString("checkpointUid", index.CheckpointUid);
        json.WriteString("createdAt", index.CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        if (keyFingerprint is null) { json.WriteNull("encryptionKeyFingerprint"); }
        else { json.WriteString("encryptionKeyFingerprint", keyFingerprint); }
        json.WriteNumber("resourceCount", index.Resources.Count);
        json.WriteStartArray("resources");
        foreach (var entry in index.Resources)
        {
            json.WriteStartObject();
            WriteKey(json, entry.Key);
            json.WriteString("object", BankLayout.ResourceObject(entry.Key, entry.Encrypted));
            json.WriteNumber("sizeBytes", entry.SizeBytes);
            json.WriteString("sha256", entry.Sha256);
            json.WriteBoolean("encrypted", entry.Encrypted);
            json.WriteStartArray("dependsOn");
            foreach (var dependency in entry.DependsOn)
            {
                json.WriteStartObject();
                WriteKey(json, dependency);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            if (json.BytesPending > 64 * 1024) { await json.FlushAsync(ct).ConfigureAwait(false); }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Parses and checks an index; <paramref name="where"/> prefixes every error ("checkpoint index plans/.../index.json in /bank").</summary>
    public static CheckpointIndex Parse(ReadOnlyMemory<byte> bytes, string where, string expectedPlan, string expectedUid)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where} is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { throw Bad(where, "the document", root, "a JSON object"); }
            var format = String(root, "format", where, "format");
            if (format != BankLayout.IndexFormat) { throw new InvalidDataException($"{where}: format is '{format}', expected '{BankLayout.IndexFormat}'"); }
            var version = Int(root, "formatVersion", where, "formatVersion");
            if (version != BankLayout.FormatVersion)
            {
                throw new InvalidDataException($"{where}: formatVersion is {version}; this operator reads checkpoint index format version {BankLayout.FormatVersion}");
            }

            var plan = String(root, "plan", where, "plan");
            if (plan != expectedPlan) { throw new InvalidDataException($"{where}: plan is '{plan}' but the index is stored under plan '{expectedPlan}'"); }
            var uid = String(root, "checkpointUid", where, "checkpointUid");
            if (uid != expectedUid) { throw new InvalidDataException($"{where}: checkpointUid is '{uid}' but the index is stored under checkpoint '{expectedUid}'"); }
            var createdText = String(root, "createdAt", where, "createdAt");
            if (!DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var createdAt))
            {
                throw new InvalidDataException($"{where}: createdAt is '{createdText}', expected an ISO 8601 time");
            }

            if (!root.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array)
            {
                throw Bad(where, "resources", resources, "an array");
            }

            var entries = new List<ResourceEntry>(resources.GetArrayLength());
            var seen = new HashSet<ResourceKey>();
            var i = 0;
            foreach (var item in resources.EnumerateArray())
            {
                var path = $"resources[{i}]";
                if (item.ValueKind != JsonValueKind.Object) { throw Bad(where, path, item, "an object"); }
                var key = Key(item, where, path);
                if (!seen.Add(key)) { throw new InvalidDataException($"{where}: {path} repeats {key}"); }
                var encrypted = Bool(item, "encrypted", where, $"{path}.encrypted");
                var expectedObject = BankLayout.ResourceObject(key, encrypted);
                var objectPath = String(item, "object", where, $"{path}.object");
                if (objectPath != expectedObject) { throw new InvalidDataException($"{where}: {path}.object is '{objectPath}', expected '{expectedObject}' for {key}"); }
                var size = Long(item, "sizeBytes", where, $"{path}.sizeBytes");
                if (size < 0) { throw new InvalidDataException($"{where}: {path}.sizeBytes is {size}, expected a size >= 0"); }
                var sha = String(item, "sha256", where, $"{path}.sha256");
                if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
                {
                    throw new InvalidDataException($"{where}: {path}.sha256 is '{sha}', expected 64 lowercase hex characters");
                }

                if (!item.TryGetProperty("dependsOn", out var dependsOn) || dependsOn.ValueKind != JsonValueKind.Array)
                {
                    throw Bad(where, $"{path}.dependsOn", dependsOn, "an array");
                }

                var dependencies = new List<ResourceKey>();
                var j = 0;
                foreach (var dependency in dependsOn.EnumerateArray())
                {
                    var dpath = $"{path}.dependsOn[{j++}]";
                    if (dependency.ValueKind != JsonValueKind.Object) { throw Bad(where, dpath, dependency, "an object"); }
                    dependencies.Add(Key(dependency, where, dpath));
                }

                entries.Add(new ResourceEntry(key, size, sha, encrypted, dependencies));
                i++;
            }

            if (root.TryGetProperty("resourceCount", out var count) && (!count.TryGetInt32(out var n) || n != entries.Count))
            {
                throw new InvalidDataException($"{where}: resourceCount is {count.GetRawText()} but resources has {entries.Count} entries (truncated index?)");
            }

            return new CheckpointIndex(version, plan, uid, createdAt, entries);
        }
    }

    private static void WriteKey(Utf8JsonWriter json, ResourceKey key)
    {
        json.WriteString("apiVersion", key.ApiVersion);
        json.WriteString("kind", key.Kind);
        if (key.Namespace is null) { json.WriteNull("namespace"); }
        else { json.WriteString("namespace", key.Namespace); }
        json.WriteString("name", key.Name);
    }

    private static ResourceKey Key(JsonElement item, string where, string path)
    {
        var apiVersion = String(item, "apiVersion", where, $"{path}.apiVersion");
        var kind = String(item, "kind", where, $"{path}.kind");
        var name = String(item, "name", where, $"{path}.name");
        string? ns = null;
        if (item.TryGetProperty("namespace", out var n) && n.ValueKind != JsonValueKind.Null)
        {
            ns = n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } s ? s : throw Bad(where, $"{path}.namespace", n, "a non-empty string or null");
        }

        return new ResourceKey(apiVersion, kind, ns, name);
    }

    private static string String(JsonElement parent, string name, string where, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : throw Bad(where, path, value, "a non-empty string");

    private static int Int(JsonElement parent, string name, string where, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i)
            ? i
            : throw Bad(where, path, value, "an integer");

    private static long Long(JsonElement parent, string name, string where, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var i)
            ? i
            : throw Bad(where, path, value, "an integer");

    private static bool Bool(JsonElement parent, string name, string where, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw Bad(where, path, value, "true or false");

    private static InvalidDataException Bad(string where, string path, JsonElement value, string expected)
    {
        var text = value.ValueKind == JsonValueKind.Undefined ? "missing" : $"{value.GetRawText()}";
        if (text.Length > 80) { text = text[..80] + "..."; }
        return new InvalidDataException(value.ValueKind == JsonValueKind.Undefined
            ? $"{where}: {path} is missing, expected {expected}"
            : $"{where}: {path} is {text}, expected {expected}");
    }
}
