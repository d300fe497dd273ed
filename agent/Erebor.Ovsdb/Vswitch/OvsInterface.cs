namespace Erebor.Ovsdb.Vswitch;

/// <summary>An Interface row of a bridge, as the agent needs it.</summary>
/// <param name="OfPort">Null until ovs-vswitchd assigns one; -1 when it failed to open the interface (see <paramref name="Error"/>).</param>
/// <param name="Type">Empty for a system device such as a veth; "internal" for the bridge's own port.</param>
public sealed record OvsInterface(
    Guid Uuid,
    string Name,
    string Type,
    string Port,
    string Bridge,
    long? OfPort,
    IReadOnlyDictionary<string, string> ExternalIds,
    string? LinkState,
    string? AdminState,
    string? MacInUse,
    string? Error)
{
    /// <summary>The workload's identity, set by whoever plugged it in.</summary>
    public string? IfaceId => ExternalIds.GetValueOrDefault("iface-id");

    public string? AttachedMac => ExternalIds.GetValueOrDefault("attached-mac");

    // Records compare dictionaries by reference; a changed interface must mean changed content.
    public bool Equals(OvsInterface? other) =>
        other is not null
        && (Uuid, Name, Type, Port, Bridge, OfPort, LinkState, AdminState, MacInUse, Error)
            == (other.Uuid, other.Name, other.Type, other.Port, other.Bridge, other.OfPort, other.LinkState, other.AdminState, other.MacInUse, other.Error)
        && ExternalIds.Count == other.ExternalIds.Count
        && ExternalIds.All(kv => other.ExternalIds.TryGetValue(kv.Key, out var value) && value == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Uuid, Name, OfPort);
}

public enum InterfaceChangeKind { Added, Changed, Removed }

/// <summary>One interface joined, changed on, or left the bridge; <see cref="Previous"/> is set for Changed.</summary>
public sealed record InterfaceChange(InterfaceChangeKind Kind, OvsInterface Interface, OvsInterface? Previous = null);
