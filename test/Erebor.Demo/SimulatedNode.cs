using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;

namespace Erebor.Demo;

/// <summary>
/// One simulated Kubernetes node: its Open vSwitch (private ovsdb-server + ovs-vswitchd with the
/// userspace datapath in a network namespace of its own) and the Erebor agent the DaemonSet would
/// run there, with its tunnel endpoint on the underlay. <see cref="Name"/> is the Node object's name.
/// </summary>
internal sealed record SimulatedNode(string Name, OvsNode Ovs, AgentProcess Agent, string TunnelEndpoint);
