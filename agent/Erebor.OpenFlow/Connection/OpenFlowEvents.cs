using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Connection;

/// <summary>What the connection reports asynchronously, in order, through <see cref="OpenFlowConnection.ReadEventsAsync"/>.</summary>
public abstract record OpenFlowEvent;

/// <summary>A switch completed the handshake. State in the switch may be anything: replay what it should have.</summary>
public sealed record SwitchConnected(FeaturesReply Features) : OpenFlowEvent;

public sealed record SwitchDisconnected(string Reason) : OpenFlowEvent;

/// <summary>
/// A message the switch sent on its own: PACKET_IN, PORT_STATUS, FLOW_REMOVED, or an ERROR for a
/// message sent with <see cref="OpenFlowConnection.SendAsync"/>, whose xid <paramref name="Xid"/> is.
/// </summary>
public sealed record SwitchMessage(uint Xid, OpenFlowMessage Message) : OpenFlowEvent;
