using System.Buffers;
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

    /// <summary>
    /// Reads and checks an index as it streams in; <paramref name="where"/> prefixes every error
    /// ("checkpoint index plans/.../index.json in /bank"). Only one entry's bytes and tree exist at a
    /// time besides the entries read (a 10k-object index is megabytes of JSON and several times that
    /// as one document), and entries share their apiVersion, kind and namespace strings.
    /// </summary>
    public static async Task<CheckpointIndex> ReadAsync(Stream source, string where, string expectedPlan, string expectedUid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        var parser = new IndexParser(where, expectedPlan, expectedUid);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var count = 0;
        var final = false;
        try
        {
            while (true)
            {
                int consumed;
                try
                {
                    consumed = parser.Feed(buffer.AsSpan(0, count), final);
                }
                catch (JsonException e)
                {
                    throw new InvalidDataException($"{where} is not valid JSON: {e.Message}", e);
                }

                if (parser.Result is { } index) { return index; }
                buffer.AsSpan(consumed, count - consumed).CopyTo(buffer);
                count -= consumed;
                if (count == buffer.Length)
                {
                    // One entry (or header value) larger than the buffer: grow to hold it whole.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await source.ReadAsync(buffer.AsMemory(count), ct).ConfigureAwait(false);
                if (read == 0) { final = true; }
                count += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The index's reading state between buffers: each step (one top-level property, one entry) is
    /// taken whole or not at all, so a step cut by the end of a buffer is retried from its start
    /// once more bytes have arrived.
    /// </summary>
    private sealed class IndexParser(string where, string expectedPlan, string expectedUid)
    {
        private readonly Dictionary<string, JsonElement> _header = new(StringComparer.Ordinal);
        private readonly List<ResourceEntry> _entries = [];
        private readonly HashSet<ResourceKey> _seen = [];
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private JsonReaderState _state;
        private Stage _stage = Stage.Start;
        private bool _sawResources;

        private enum Stage
        {
            Start,
            Properties,
            Resources,
        }

        public CheckpointIndex? Result { get; private set; }

        /// <summary>Takes as many whole steps as <paramref name="data"/> holds; returns the bytes they used.</summary>
        public int Feed(ReadOnlySpan<byte> data, bool final)
        {
            var reader = new Utf8JsonReader(data, final, _state);
            while (Result is null)
            {
                var (mark, position) = (reader.CurrentState, reader.BytesConsumed);
                if (!Step(ref reader))
                {
                    if (final) { throw new JsonException("the document ends early"); }
                    _state = mark;
                    return (int)position;
                }
            }

            return (int)reader.BytesConsumed;
        }

        private bool Step(ref Utf8JsonReader reader)
        {
            switch (_stage)
            {
                case Stage.Start:
                    if (!reader.Read()) { return false; }
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        if (!JsonElement.TryParseValue(ref reader, out var document)) { return false; }
                        throw Bad(where, "the document", document!.Value, "a JSON object");
                    }

                    _stage = Stage.Properties;
                    return true;

                case Stage.Properties:
                    if (!reader.Read()) { return false; }
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        Result = Finish();
                        return true;
                    }

                    var name = reader.GetString()!;
                    if (name == "resources")
                    {
                        if (!reader.Read()) { return false; }
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            if (!JsonElement.TryParseValue(ref reader, out var notArray)) { return false; }
                            throw Bad(where, "resources", notArray!.Value, "an array");
                        }

                        // The format and its version say how to read the entries: a wrong one is reported before any entry.
                        if (_header.ContainsKey("format") && _header.ContainsKey("formatVersion")) { CheckFormat(HeaderElement()); }
                        _sawResources = true;
                        _stage = Stage.Resources;
                        return true;
                    }

                    if (!JsonElement.TryParseValue(ref reader, out var value)) { return false; }
                    _header[name] = value!.Value;
                    return true;

                default:
                    if (!reader.Read()) { return false; }
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        _stage = Stage.Properties;
                        return true;
                    }

                    if (!JsonElement.TryParseValue(ref reader, out var item)) { return false; }
                    AddEntry(item!.Value);
                    return true;
            }
        }

        private int CheckFormat(JsonElement root)
        {
            var format = String(root, "format", where, "format");
            if (format != BankLayout.IndexFormat) { throw new InvalidDataException($"{where}: format is '{format}', expected '{BankLayout.IndexFormat}'"); }
            var version = Int(root, "formatVersion", where, "formatVersion");
            return version == BankLayout.FormatVersion
                ? version
                : throw new InvalidDataException($"{where}: formatVersion is {version}; this operator reads checkpoint index format version {BankLayout.FormatVersion}");
        }

        private (int Version, string Plan, string Uid, DateTimeOffset CreatedAt) CheckHeader()
        {
            var root = HeaderElement();
            var version = CheckFormat(root);
            var plan = String(root, "plan", where, "plan");
            if (plan != expectedPlan) { throw new InvalidDataException($"{where}: plan is '{plan}' but the index is stored under plan '{expectedPlan}'"); }
            var uid = String(root, "checkpointUid", where, "checkpointUid");
            if (uid != expectedUid) { throw new InvalidDataException($"{where}: checkpointUid is '{uid}' but the index is stored under checkpoint '{expectedUid}'"); }
            var createdText = String(root, "createdAt", where, "createdAt");
            if (!DateTimeOffset.TryParse(createdText, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var createdAt))
            {
                throw new InvalidDataException($"{where}: createdAt is '{createdText}', expected an ISO 8601 time");
            }

            return (version, plan, uid, createdAt);
        }

        /// <summary>The top-level fields read so far as one object, so that they are checked like an entry's.</summary>
        private JsonElement HeaderElement()
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (var (name, value) in _header)
                {
                    json.WritePropertyName(name);
                    value.WriteTo(json);
                }

                json.WriteEndObject();
            }

            return JsonElement.Parse(buffer.WrittenSpan);
        }

        private CheckpointIndex Finish()
        {
            var (version, plan, uid, createdAt) = CheckHeader();
            if (!_sawResources) { throw new InvalidDataException($"{where}: resources is missing, expected an array"); }
            if (_header.TryGetValue("resourceCount", out var count) && (!count.TryGetInt32(out var n) || n != _entries.Count))
            {
                throw new InvalidDataException($"{where}: resourceCount is {count.GetRawText()} but resources has {_entries.Count} entries (truncated index?)");
            }

            return new CheckpointIndex(version, plan, uid, createdAt, _entries);
        }

        private void AddEntry(JsonElement item)
        {
            var path = $"resources[{_entries.Count}]";
            if (item.ValueKind != JsonValueKind.Object) { throw Bad(where, path, item, "an object"); }
            var key = Key(item, path);
            if (!_seen.Add(key)) { throw new InvalidDataException($"{where}: {path} repeats {key}"); }
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

            var dependencies = new List<ResourceKey>(dependsOn.GetArrayLength());
            var j = 0;
            foreach (var dependency in dependsOn.EnumerateArray())
            {
                var dpath = $"{path}.dependsOn[{j++}]";
                if (dependency.ValueKind != JsonValueKind.Object) { throw Bad(where, dpath, dependency, "an object"); }
                dependencies.Add(Key(dependency, dpath));
            }

            _entries.Add(new ResourceEntry(key, size, sha, encrypted, dependencies));
        }

        private ResourceKey Key(JsonElement item, string path)
        {
            var apiVersion = Shared(String(item, "apiVersion", where, $"{path}.apiVersion"));
            var kind = Shared(String(item, "kind", where, $"{path}.kind"));
            var name = String(item, "name", where, $"{path}.name");
            string? ns = null;
            if (item.TryGetProperty("namespace", out var n) && n.ValueKind != JsonValueKind.Null)
            {
                ns = n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } s ? Shared(s) : throw Bad(where, $"{path}.namespace", n, "a non-empty string or null");
            }

            return new ResourceKey(apiVersion, kind, ns, name);
        }

        /// <summary>One string instance per distinct value (thousands of entries name a handful of kinds and namespaces).</summary>
        private string Shared(string value)
        {
            if (_strings.TryGetValue(value, out var shared)) { return shared; }
            _strings[value] = value;
            return value;
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
