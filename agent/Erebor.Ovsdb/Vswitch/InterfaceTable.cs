using System.Collections.Immutable;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Erebor.Ovsdb.Vswitch;

/// <summary>
/// A live view of the interfaces on one bridge (Bridge → Port → Interface), plus the switch's
/// version and datapath types, fed by an OVSDB monitor. An interface counts as on the bridge once
/// its port is in the bridge's ports, so half-made ports are never reported. After a reconnect the
/// fresh initial contents are compared with what was known, so nothing added or removed while the
/// connection was down is missed.
/// </summary>
public sealed partial class InterfaceTable : IAsyncDisposable
{
    internal static readonly IReadOnlyList<MonitoredTable> Tables =
    [
        new("Open_vSwitch", "ovs_version", "datapath_types"),
        new("Bridge", "name", "ports"),
        new("Port", "name", "interfaces"),
        new("Interface", "name", "type", "ofport", "external_ids", "link_state", "admin_state", "mac_in_use", "error"),
    ];

    private readonly OvsdbTableCache _cache = new();
    private readonly ILogger _logger;
    private ImmutableDictionary<Guid, OvsInterface> _interfaces = ImmutableDictionary<Guid, OvsInterface>.Empty;
    private OvsdbMonitor? _monitor;

    internal InterfaceTable(string bridgeName, ILogger logger)
    {
        BridgeName = bridgeName;
        _logger = logger;
    }

    /// <summary>Monitors the switch and returns once the initial contents are loaded.</summary>
    public static async Task<InterfaceTable> StartAsync(OvsdbClient client, string bridgeName, ILogger<InterfaceTable>? logger = null, CancellationToken ct = default)
    {
        var table = new InterfaceTable(bridgeName, (ILogger?)logger ?? NullLogger.Instance);
        table._monitor = await client.MonitorAsync(VswitchDatabase.Name, Tables, table.OnUpdate, ct);
        return table;
    }

    public string BridgeName { get; }

    /// <summary>Open_vSwitch.ovs_version; null until ovs-vswitchd has written it.</summary>
    public string? OvsVersion { get; private set; }

    /// <summary>Open_vSwitch.datapath_types, e.g. ["netdev", "system"].</summary>
    public IReadOnlyList<string> DatapathTypes { get; private set; } = [];

    /// <summary>The bridge's interfaces by name (a snapshot; safe to read from any thread).</summary>
    public IReadOnlyDictionary<string, OvsInterface> Interfaces => Volatile.Read(ref _interfaces).Values.ToDictionary(i => i.Name);

    /// <summary>Raised per change, in order, on the OVSDB client's receive loop: handlers must not block.</summary>
    public event Action<InterfaceChange>? Changed;

    private void OnUpdate(MonitorUpdate update)
    {
        foreach (var change in Apply(update))
        {
            LogInterfaceChange(change.Kind, change.Interface.Name, change.Interface.OfPort);
            Changed?.Invoke(change);
        }
    }

    /// <summary>Applies one monitor update and returns the interface changes it makes.</summary>
    internal IReadOnlyList<InterfaceChange> Apply(MonitorUpdate update)
    {
        _cache.Apply(update);
        if (_cache.Rows("Open_vSwitch").Values.FirstOrDefault() is { } root)
        {
            OvsVersion = OvsdbValue.ReadOptionalString(root["ovs_version"]);
            DatapathTypes = OvsdbValue.ReadStringSet(root["datapath_types"]);
        }

        var previous = _interfaces;
        var current = Project().ToImmutableDictionary(i => i.Uuid);
        Volatile.Write(ref _interfaces, current);

        var changes = new List<InterfaceChange>();
        foreach (var (uuid, now) in current)
        {
            if (!previous.TryGetValue(uuid, out var before)) { changes.Add(new InterfaceChange(InterfaceChangeKind.Added, now)); }
            else if (!before.Equals(now)) { changes.Add(new InterfaceChange(InterfaceChangeKind.Changed, now, before)); }
        }

        changes.AddRange(previous.Values.Where(i => !current.ContainsKey(i.Uuid)).Select(i => new InterfaceChange(InterfaceChangeKind.Removed, i)));
        return changes;
    }

    private IEnumerable<OvsInterface> Project()
    {
        var bridge = _cache.Rows("Bridge").Values.FirstOrDefault(b => b["name"].GetString() == BridgeName);
        if (bridge is null) { yield break; }
        foreach (var portUuid in OvsdbValue.ReadUuidSet(bridge["ports"]))
        {
            if (!_cache.Rows("Port").TryGetValue(portUuid, out var port)) { continue; }
            foreach (var interfaceUuid in OvsdbValue.ReadUuidSet(port["interfaces"]))
            {
                if (!_cache.Rows("Interface").TryGetValue(interfaceUuid, out var row)) { continue; }
                yield return new OvsInterface(
                    Uuid: interfaceUuid,
                    Name: row["name"].GetString()!,
                    Type: row["type"].GetString()!,
                    Port: port["name"].GetString()!,
                    Bridge: BridgeName,
                    OfPort: OvsdbValue.ReadOptionalInteger(row["ofport"]),
                    ExternalIds: OvsdbValue.ReadStringMap(row["external_ids"]),
                    LinkState: OvsdbValue.ReadOptionalString(row["link_state"]),
                    AdminState: OvsdbValue.ReadOptionalString(row["admin_state"]),
                    MacInUse: OvsdbValue.ReadOptionalString(row["mac_in_use"]),
                    Error: OvsdbValue.ReadOptionalString(row["error"]));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_monitor is not null) { await _monitor.DisposeAsync(); }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Interface {Kind}: {Name} ofport {OfPort}")]
    private partial void LogInterfaceChange(InterfaceChangeKind kind, string name, long? ofPort);
}
