namespace Erebor.Agent.Apps;

/// <summary>An app that follows the node's network as it changes, not only when its packets arrive.</summary>
public interface INetworkObserver
{
    /// <summary>
    /// Called on the agent's synchronization loop with every new desired network, before its
    /// flows are programmed (e.g. the DHCP app starts a departed port's grace period here). Must not block.
    /// </summary>
    void OnNetworkChanged(NodeNetwork network);
}
