using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Agent.Network;

/// <summary>
/// Which NodeAgent events change this node's flows: another node's tunnel endpoint or ports, or
/// the node's arrival or departure. Heartbeats (status every few seconds: flow counts, PACKET_INs,
/// the heartbeat time) do not, so they never wake the flow synchronizer. One caller at a time
/// (the informer's event loop).
/// </summary>
public sealed class RemoteNodeChanges(string nodeName)
{
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);

    public bool Matter(InformerEvent<V1Alpha1NodeAgent> change)
    {
        if (change.Object.Metadata.Name is not { } name || name == nodeName) { return false; }
        if (change.Type == WatchEventType.Deleted) { return _seen.Remove(name); }
        var view = ViewOf(change.Object);
        if (_seen.TryGetValue(name, out var previous) && previous == view) { return false; }
        _seen[name] = view;
        return true;
    }

    /// <summary>What of a NodeAgent l2population reads, as one comparable text.</summary>
    private static string ViewOf(V1Alpha1NodeAgent agent) =>
        string.Join('\n', (agent.Status.Ports ?? []).Select(p => $"{p.Name} {p.Subnet} {p.Mac} {p.Ip}").Prepend(agent.Spec.TunnelEndpoint ?? string.Empty));
}
