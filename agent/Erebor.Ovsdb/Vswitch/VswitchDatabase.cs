using System.Text.Json;
using System.Text.Json.Nodes;

namespace Erebor.Ovsdb.Vswitch;

/// <summary>What the agent wants its integration bridge to look like.</summary>
public sealed record BridgeSpec(string Name, string DatapathType)
{
    public string FailMode { get; init; } = "secure";
    public IReadOnlyList<string> Protocols { get; init; } = ["OpenFlow13"];

    /// <summary>OpenFlow controller, e.g. <c>unix:/run/erebor/br-int.sock</c>; null leaves the controller alone.</summary>
    public string? ControllerTarget { get; init; }

    public ControllerSettings Controller { get; init; } = new();

    /// <summary>Entries that must have these values; other entries are left alone.</summary>
    public IReadOnlyDictionary<string, string> OtherConfig { get; init; } = new Dictionary<string, string>();
}

public sealed record ControllerSettings
{
    /// <summary>Out-of-band: the controller is not reached through the bridge it controls.</summary>
    public string ConnectionMode { get; init; } = "out-of-band";

    /// <summary>OVS's default of 8 s between reconnect attempts is far too slow after an agent restart.</summary>
    public int MaxBackoffMs { get; init; } = 1000;

    /// <summary>Null keeps OVS's default (5 s).</summary>
    public int? InactivityProbeMs { get; init; }
}

/// <param name="CorrectedColumns">Columns (or other_config keys as <c>other_config:key</c>) that had drifted and were set back.</param>
public sealed record BridgeEnsureResult(Guid Uuid, bool Created, IReadOnlyList<string> CorrectedColumns, bool ControllerChanged);

/// <summary>
/// A tunnel port whose peer and key every flow chooses (<c>remote_ip=flow</c>, <c>key=flow</c>):
/// one port reaches every other node, and the flows set tun_dst and tun_id per packet.
/// <paramref name="LocalIp"/> is this node's endpoint (also the source address of the tunnel packets).
/// </summary>
public sealed record TunnelPortSpec(string Bridge, string Name, string Type, string LocalIp, int OfPortRequest)
{
    public IReadOnlyDictionary<string, string> Options => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["key"] = "flow",
        ["local_ip"] = LocalIp,
        ["remote_ip"] = "flow",
    };
}

public sealed record OvsSystemInfo(string? OvsVersion, string? DbVersion, IReadOnlyList<string> DatapathTypes);

/// <summary>The few typed operations the agent performs on the Open_vSwitch database.</summary>
public sealed class VswitchDatabase(OvsdbClient client)
{
    public const string Name = "Open_vSwitch";

    private const int Attempts = 3;

    /// <summary>
    /// Creates the bridge (with its internal port) or sets back whatever drifted from
    /// <paramref name="spec"/>; does nothing when all matches. Safe against a concurrent creator:
    /// the Bridge name index rejects a duplicate and the next attempt corrects the existing one.
    /// </summary>
    public async Task<BridgeEnsureResult> EnsureBridgeAsync(BridgeSpec spec, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await SelectAsync("Bridge", [OvsdbCondition.Equal("name", spec.Name)], ct, "_uuid", "datapath_type", "fail_mode", "protocols", "other_config");
            Guid uuid;
            var created = false;
            IReadOnlyList<string> corrected = [];
            if (existing is [var bridge, ..])
            {
                uuid = OvsdbValue.ReadUuid(bridge.GetProperty("_uuid"));
                corrected = await CorrectDriftAsync(uuid, bridge, spec, ct);
            }
            else
            {
                try
                {
                    uuid = await CreateBridgeAsync(spec, ct);
                    created = true;
                }
                catch (OvsdbTransactionException e) when (e.Error == "constraint violation" && attempt < Attempts)
                {
                    continue;
                }
            }

            var controllerChanged = spec.ControllerTarget is { } target && await SetControllerAsync(spec.Name, target, spec.Controller, ct);
            return new BridgeEnsureResult(uuid, created, corrected, controllerChanged);
        }
    }

    /// <summary>Makes <paramref name="target"/> the bridge's only controller, with <paramref name="settings"/>;
    /// returns false when it already was. Replaced Controller rows are garbage-collected by the server.</summary>
    public async Task<bool> SetControllerAsync(string bridgeName, string target, ControllerSettings? settings = null, CancellationToken ct = default)
    {
        settings ??= new ControllerSettings();
        var results = await client.TransactAsync(Name,
        [
            OvsdbOp.Select("Bridge", [OvsdbCondition.Equal("name", bridgeName)], "_uuid", "controller"),
            OvsdbOp.Select("Controller", OvsdbCondition.All, "_uuid", "target", "connection_mode", "max_backoff", "inactivity_probe"),
        ], ct);
        var bridge = Rows(results[0]).FirstOrDefault();
        if (bridge.ValueKind == JsonValueKind.Undefined) { throw new InvalidOperationException($"bridge {bridgeName} does not exist"); }

        var bridgeUuid = OvsdbValue.ReadUuid(bridge.GetProperty("_uuid"));
        var current = OvsdbValue.ReadUuidSet(bridge.GetProperty("controller"));
        if (current is [var controllerUuid]
            && Rows(results[1]).FirstOrDefault(c => OvsdbValue.ReadUuid(c.GetProperty("_uuid")) == controllerUuid) is { ValueKind: JsonValueKind.Object } controller
            && controller.GetProperty("target").GetString() == target
            && OvsdbValue.ReadOptionalString(controller.GetProperty("connection_mode")) == settings.ConnectionMode
            && OvsdbValue.ReadOptionalInteger(controller.GetProperty("max_backoff")) == settings.MaxBackoffMs
            && OvsdbValue.ReadOptionalInteger(controller.GetProperty("inactivity_probe")) == settings.InactivityProbeMs)
        {
            return false;
        }

        var row = new JsonObject
        {
            ["target"] = target,
            ["connection_mode"] = settings.ConnectionMode,
            ["max_backoff"] = settings.MaxBackoffMs,
        };
        if (settings.InactivityProbeMs is { } probe) { row["inactivity_probe"] = probe; }
        await client.TransactAsync(Name,
        [
            OvsdbOp.Insert("Controller", row, "controller"),
            OvsdbOp.Update("Bridge", [OvsdbCondition.RowIs(bridgeUuid)], new JsonObject { ["controller"] = OvsdbValue.NamedUuid("controller") }),
            OvsdbOp.Comment($"erebor: controller of {bridgeName} set to {target}"),
        ], ct);
        return true;
    }

    /// <summary>
    /// Creates the tunnel port on its bridge, or sets back its type, options and ofport_request
    /// when they drifted; returns false when all matched. Other options of the interface are replaced.
    /// </summary>
    public async Task<bool> EnsureTunnelPortAsync(TunnelPortSpec spec, CancellationToken ct = default)
    {
        var row = new JsonObject
        {
            ["type"] = spec.Type,
            ["options"] = OvsdbValue.Map(spec.Options),
            ["ofport_request"] = spec.OfPortRequest,
        };
        var existing = await SelectAsync("Interface", [OvsdbCondition.Equal("name", spec.Name)], ct, "_uuid", "type", "options", "ofport_request");
        if (existing is [var current, ..])
        {
            if (current.GetProperty("type").GetString() == spec.Type
                && OvsdbValue.ReadOptionalInteger(current.GetProperty("ofport_request")) == spec.OfPortRequest
                && OvsdbValue.ReadStringMap(current.GetProperty("options")).OrderBy(o => o.Key, StringComparer.Ordinal).SequenceEqual(spec.Options))
            {
                return false;
            }

            await client.TransactAsync(Name,
            [
                OvsdbOp.Update("Interface", [OvsdbCondition.RowIs(OvsdbValue.ReadUuid(current.GetProperty("_uuid")))], row),
                OvsdbOp.Comment($"erebor: correct tunnel port {spec.Name}"),
            ], ct);
            return true;
        }

        row["name"] = spec.Name;
        var results = await client.TransactAsync(Name,
        [
            OvsdbOp.Insert("Interface", row, "interface"),
            OvsdbOp.Insert("Port", new JsonObject { ["name"] = spec.Name, ["interfaces"] = OvsdbValue.NamedUuid("interface") }, "port"),
            OvsdbOp.Mutate("Bridge", [OvsdbCondition.Equal("name", spec.Bridge)], [OvsdbMutation.Insert("ports", OvsdbValue.Set([OvsdbValue.NamedUuid("port")]))]),
            OvsdbOp.Comment($"erebor: add tunnel port {spec.Name} to {spec.Bridge}"),
        ], ct);
        if (results[2].GetProperty("count").GetInt32() != 1) { throw new InvalidOperationException($"bridge {spec.Bridge} does not exist"); }
        return true;
    }

    /// <summary>
    /// Takes the port <paramref name="name"/> off <paramref name="bridge"/>; the server garbage-collects
    /// the Port and its Interface once no bridge refers to them. Returns false when the bridge had no such port.
    /// </summary>
    public async Task<bool> RemovePortAsync(string bridge, string name, CancellationToken ct = default)
    {
        var ports = await SelectAsync("Port", [OvsdbCondition.Equal("name", name)], ct, "_uuid");
        if (ports is not [var port, ..]) { return false; }

        var uuid = OvsdbValue.ReadUuid(port.GetProperty("_uuid"));
        var results = await client.TransactAsync(Name,
        [
            // Only the bridge that has the port: a port of that name on another bridge is not ours to remove.
            OvsdbOp.Mutate("Bridge", [OvsdbCondition.Equal("name", bridge), OvsdbCondition.Includes("ports", OvsdbValue.Uuid(uuid))], [OvsdbMutation.Delete("ports", OvsdbValue.Uuid(uuid))]),
            OvsdbOp.Comment($"erebor: remove port {name} from {bridge}"),
        ], ct);
        return results[0].GetProperty("count").GetInt32() == 1;
    }

    public async Task<OvsSystemInfo> GetSystemInfoAsync(CancellationToken ct = default)
    {
        var rows = await SelectAsync("Open_vSwitch", OvsdbCondition.All, ct, "ovs_version", "db_version", "datapath_types");
        if (rows is not [var root]) { throw new InvalidOperationException($"expected one Open_vSwitch row, found {rows.Count}"); }
        return new OvsSystemInfo(
            OvsdbValue.ReadOptionalString(root.GetProperty("ovs_version")),
            OvsdbValue.ReadOptionalString(root.GetProperty("db_version")),
            OvsdbValue.ReadStringSet(root.GetProperty("datapath_types")));
    }

    private async Task<Guid> CreateBridgeAsync(BridgeSpec spec, CancellationToken ct)
    {
        var results = await client.TransactAsync(Name,
        [
            // Every bridge has an internal interface and port of its own name (the LOCAL port).
            OvsdbOp.Insert("Interface", new JsonObject { ["name"] = spec.Name, ["type"] = "internal" }, "interface"),
            OvsdbOp.Insert("Port", new JsonObject { ["name"] = spec.Name, ["interfaces"] = OvsdbValue.NamedUuid("interface") }, "port"),
            OvsdbOp.Insert("Bridge", new JsonObject
            {
                ["name"] = spec.Name,
                ["ports"] = OvsdbValue.NamedUuid("port"),
                ["datapath_type"] = spec.DatapathType,
                ["fail_mode"] = spec.FailMode,
                ["protocols"] = OvsdbValue.Set([.. spec.Protocols]),
                ["other_config"] = OvsdbValue.Map(spec.OtherConfig),
            }, "bridge"),
            // Bridge is not a root table: unless the root row refers to it, the server drops it again.
            OvsdbOp.Mutate("Open_vSwitch", OvsdbCondition.All, [OvsdbMutation.Insert("bridges", OvsdbValue.Set([OvsdbValue.NamedUuid("bridge")]))]),
            OvsdbOp.Comment($"erebor: create bridge {spec.Name}"),
        ], ct);
        if (results[3].GetProperty("count").GetInt32() != 1)
        {
            throw new InvalidOperationException("the database has no Open_vSwitch row to attach the bridge to (was `ovs-vsctl init` run?)");
        }

        return OvsdbValue.ReadUuid(results[2].GetProperty("uuid"));
    }

    private async Task<IReadOnlyList<string>> CorrectDriftAsync(Guid uuid, JsonElement bridge, BridgeSpec spec, CancellationToken ct)
    {
        var corrected = new List<string>();
        var update = new JsonObject();
        if (bridge.GetProperty("datapath_type").GetString() != spec.DatapathType)
        {
            update["datapath_type"] = spec.DatapathType;
        }

        if (OvsdbValue.ReadOptionalString(bridge.GetProperty("fail_mode")) != spec.FailMode)
        {
            update["fail_mode"] = spec.FailMode;
        }

        if (!OvsdbValue.ReadStringSet(bridge.GetProperty("protocols")).ToHashSet().SetEquals(spec.Protocols))
        {
            update["protocols"] = OvsdbValue.Set([.. spec.Protocols]);
        }

        corrected.AddRange(update.Select(column => column.Key));
        List<JsonObject> operations = update.Count > 0 ? [OvsdbOp.Update("Bridge", [OvsdbCondition.RowIs(uuid)], update)] : [];

        var otherConfig = OvsdbValue.ReadStringMap(bridge.GetProperty("other_config"));
        var wrong = spec.OtherConfig.Where(kv => otherConfig.GetValueOrDefault(kv.Key) != kv.Value).ToList();
        if (wrong.Count > 0)
        {
            // Delete by key, then insert: "insert" alone keeps an existing key's old value. Other keys stay untouched.
            operations.Add(OvsdbOp.Mutate("Bridge", [OvsdbCondition.RowIs(uuid)],
            [
                OvsdbMutation.Delete("other_config", OvsdbValue.Set([.. wrong.Select(kv => kv.Key)])),
                OvsdbMutation.Insert("other_config", OvsdbValue.Map(wrong)),
            ]));
            corrected.AddRange(wrong.Select(kv => "other_config:" + kv.Key));
        }

        if (operations.Count > 0)
        {
            operations.Add(OvsdbOp.Comment($"erebor: correct {string.Join(", ", corrected)} of bridge {spec.Name}"));
            await client.TransactAsync(Name, operations, ct);
        }

        return corrected;
    }

    private async Task<IReadOnlyList<JsonElement>> SelectAsync(string table, IEnumerable<JsonArray> where, CancellationToken ct, params string[] columns) =>
        Rows((await client.TransactAsync(Name, [OvsdbOp.Select(table, where, columns)], ct))[0]);

    private static IReadOnlyList<JsonElement> Rows(JsonElement selectResult) => [.. selectResult.GetProperty("rows").EnumerateArray()];
}
