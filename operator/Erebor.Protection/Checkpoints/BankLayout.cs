using System.Globalization;
using System.Text;
using System.Text.Json;

using Erebor.Protection.Banks;

namespace Erebor.Protection.Checkpoints;

/// <summary>
/// Where things live in a bank (docs/bank-format.md), format version <see cref="FormatVersion"/>:
/// <code>
/// erebor-bank.json                                                  bank marker: format, formatVersion
/// plans/&lt;namespace&gt;/&lt;plan&gt;/checkpoints/&lt;uid&gt;/index.json              written LAST, after every resource is verified
/// plans/&lt;namespace&gt;/&lt;plan&gt;/checkpoints/&lt;uid&gt;/lease/&lt;generation&gt;.json  the writer's lease
/// plans/&lt;namespace&gt;/&lt;plan&gt;/checkpoints/&lt;uid&gt;/resources/&lt;group&gt;/&lt;version&gt;/&lt;kind&gt;/&lt;namespace|_cluster&gt;/&lt;name&gt;.json[.enc]
/// </code>
/// A plan is named "&lt;namespace&gt;/&lt;name&gt;". Path segments keep [A-Za-z0-9._-] and percent-encode
/// every other UTF-8 byte ("system:auth" → "system%3Aauth"; "_" → "%5F", so "_cluster" and "core" cannot
/// collide with a real namespace or API group: Kubernetes namespaces have no '_', CRD groups have a dot).
/// </summary>
public static class BankLayout
{
    public const int FormatVersion = 1;
    public const string MarkerKey = "erebor-bank.json";
    public const string MarkerFormat = "erebor-bank";
    public const string IndexFormat = "erebor-checkpoint-index";
    public const string PlansFolder = "plans/";
    public const string ClusterScoped = "_cluster";
    public const string CoreGroup = "core";

    /// <summary>Splits and checks "&lt;namespace&gt;/&lt;name&gt;".</summary>
    public static (string Namespace, string Name) ParsePlan(string plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var parts = plan.Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new ArgumentException($"a plan is named '<namespace>/<name>', got '{plan}'", nameof(plan));
        }

        return (parts[0], parts[1]);
    }

    public static string PlanFolder(string plan)
    {
        var (ns, name) = ParsePlan(plan);
        return $"{PlansFolder}{Escape(ns)}/{Escape(name)}/";
    }

    public static string CheckpointsFolder(string plan) => PlanFolder(plan) + "checkpoints/";

    public static string CheckpointFolder(string plan, string checkpointUid)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointUid);
        if (checkpointUid == "." || checkpointUid == ".." || !checkpointUid.All(IsKept))
        {
            throw new ArgumentException($"checkpoint uid '{checkpointUid}' must be letters, digits, '.' or '-'", nameof(checkpointUid));
        }

        return $"{CheckpointsFolder(plan)}{checkpointUid}/";
    }

    public static string IndexKey(string plan, string checkpointUid) => CheckpointFolder(plan, checkpointUid) + "index.json";

    public static string LeaseKey(string plan, string checkpointUid) => CheckpointFolder(plan, checkpointUid) + "lease/";

    public static string ResourcesFolder(string plan, string checkpointUid) => CheckpointFolder(plan, checkpointUid) + "resources/";

    /// <summary>The resource's object path relative to the checkpoint folder, as the index records it.</summary>
    public static string ResourceObject(ResourceKey key, bool encrypted)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(key.ApiVersion);
        ArgumentException.ThrowIfNullOrEmpty(key.Kind);
        ArgumentException.ThrowIfNullOrEmpty(key.Name);
        var slash = key.ApiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? CoreGroup : key.ApiVersion[..slash];
        var version = slash < 0 ? key.ApiVersion : key.ApiVersion[(slash + 1)..];
        var ns = string.IsNullOrEmpty(key.Namespace) ? ClusterScoped : Escape(key.Namespace);
        return $"resources/{Escape(group)}/{Escape(version)}/{Escape(key.Kind)}/{ns}/{Escape(key.Name)}.json{(encrypted ? ".enc" : string.Empty)}";
    }

    /// <summary>What a checkpoint's encrypted objects are bound to (authenticated data).</summary>
    internal static string EncryptionContext(string checkpointUid, ResourceKey key) =>
        $"erebor-checkpoint/{checkpointUid}/{key.ApiVersion}/{key.Kind}/{key.Namespace}/{key.Name}";

    public static string Escape(string segment)
    {
        ArgumentException.ThrowIfNullOrEmpty(segment);
        var dots = segment is "." or "..";
        if (!dots && segment.All(IsKept)) { return segment; }
        var builder = new StringBuilder(segment.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            var c = (char)b;
            if (b < 0x80 && IsKept(c) && !(dots && c == '.')) { builder.Append(c); }
            else { builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture)); }
        }

        return builder.ToString();
    }

    public static string Unescape(string segment) => Uri.UnescapeDataString(segment);

    private static bool IsKept(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-';

    /// <summary>Creates the bank marker if absent; throws <see cref="InvalidDataException"/> for a bank of another format or version.</summary>
    public static async Task EnsureMarkerAsync(IBank bank, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(bank);
        var marker = JsonSerializer.SerializeToUtf8Bytes(new { format = MarkerFormat, formatVersion = FormatVersion, createdAt = time.GetUtcNow() });
        if (await bank.TryCreateAsync(MarkerKey, marker, ct).ConfigureAwait(false)) { return; }
        var bytes = await bank.TryReadAllBytesAsync(MarkerKey, ct).ConfigureAwait(false);
        if (bytes is null) { return; }
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != MarkerFormat)
            {
                throw new InvalidDataException($"{MarkerKey} in {bank.Location}: format is '{format}', expected '{MarkerFormat}'");
            }

            if (!root.TryGetProperty("formatVersion", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version))
            {
                throw new InvalidDataException($"{MarkerKey} in {bank.Location}: formatVersion is missing or not an integer");
            }

            if (version != FormatVersion)
            {
                throw new InvalidDataException($"{MarkerKey} in {bank.Location}: formatVersion is {version}; this operator reads and writes format version {FormatVersion}");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{MarkerKey} in {bank.Location} is not valid JSON: {e.Message}", e);
        }
    }
}
