using Erebor.Domain.Networking;
using Erebor.OpenFlow;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Table 10: ARP requests for a router's gateway IP, or for the IP of a port this node knows
/// (its own, and other nodes' ports from l2population), are answered inside OVS (the OVS ARP
/// responder technique: turn the request into a reply in place and send it back out of IN_PORT),
/// so ARP for a known address never reaches the agent, floods, or crosses a tunnel. Packets from
/// the tunnel skip this table (see <see cref="TunnelFeature"/>): a reply out of IN_PORT would go
/// back into the tunnel.
/// </summary>
public sealed class ArpResponderFeature : IFlowFeature
{
    private const ushort ArpRequest = 1;
    private const ushort ArpReply = 2;

    public AppId App => AppId.ArpResponder;

    public IEnumerable<FlowMod> Flows(NodeNetwork network)
    {
        foreach (var iface in network.RouterInterfaces)
        {
            yield return Responder(iface.SegmentId, iface.Ip, iface.Mac, objectId: iface.Ip.Value);
        }

        foreach (var port in network.Ports)
        {
            if (port.Ip is not { } ip) { continue; }
            yield return Responder(port.SegmentId, ip, port.Mac, objectId: port.OfPort);

            // A port asking for its own address is probing for a conflict (arping -D, DHCP
            // DECLINE checks): answering would invent one, so let its request take the normal path.
            yield return Flow(
                Pipeline.ArpResponder,
                110,
                InSegment(port.SegmentId).InPort(port.OfPort).EthType(EtherTypes.Arp).ArpOp(ArpRequest).ArpTpa(ip),
                App,
                port.OfPort,
                GotoNext(Pipeline.ArpResponder));
        }

        foreach (var port in network.Tunnel is null ? [] : network.RemotePorts)
        {
            if (port.Ip is { } ip) { yield return Responder(port.SegmentId, ip, port.Mac, objectId: ip.Value); }
        }
    }

    private FlowMod Responder(uint segmentId, Ipv4Address ip, MacAddress mac, uint objectId) => Flow(
        Pipeline.ArpResponder,
        100,
        InSegment(segmentId).EthType(EtherTypes.Arp).ArpOp(ArpRequest).ArpTpa(ip),
        App,
        objectId,
        new ApplyActionsInstruction(
        [
            RegMoveAction.Whole(OxmField.EthSrc, OxmField.EthDst),
            new SetFieldAction(OxmField.EthSrc, mac.Value),
            new SetFieldAction(OxmField.ArpOp, ArpReply),
            RegMoveAction.Whole(OxmField.ArpSha, OxmField.ArpTha),
            RegMoveAction.Whole(OxmField.ArpSpa, OxmField.ArpTpa),
            new SetFieldAction(OxmField.ArpSha, mac.Value),
            new SetFieldAction(OxmField.ArpSpa, ip.Value),
            new OutputAction(OfpPort.InPort),
        ]));
}
