using Erebor.OpenFlow.Messages;

namespace Erebor.Agent.Apps;

/// <summary>
/// An app that answers packets the pipeline sends to the agent (DHCP, first-packet L3). The
/// agent routes each PACKET_IN by the app id in the cookie of the flow that sent it, so apps
/// never see each other's packets, and it sends back whatever PACKET_OUTs the app returns.
/// </summary>
public interface IPacketInApp
{
    AppId App { get; }

    /// <summary>
    /// Called on the agent's packet loop, one packet at a time per app, with the network the
    /// flows were last programmed from. Must not block: I/O belongs behind the app's own queues.
    /// A task that does not complete at once (the app waits for its own I/O) does not hold up the
    /// loop: the next packets are handed to the app meanwhile, and its PACKET_OUTs go out when it completes.
    /// </summary>
    ValueTask<IReadOnlyList<PacketOut>> OnPacketInAsync(PacketIn packetIn, NodeNetwork network, CancellationToken ct);

    /// <summary>Raised when the app's state changes what the flows should be (e.g. a new lease), so the agent re-plans them.</summary>
    event Action? StateChanged;
}
