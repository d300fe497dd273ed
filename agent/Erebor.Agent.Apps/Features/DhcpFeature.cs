using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Table 20: a DHCP client message (UDP 68→67) from a port of a DHCP-enabled segment on which
/// this node holds a block goes to the agent, first through the port's own meter, then (table
/// 21) through the DHCP app's meter: one flooding port exhausts only its own budget, and DHCP as
/// a whole cannot starve the agent. Segments with DHCP disabled get no flow, so the packet goes
/// on through the pipeline (L2 flood) and a tenant's own DHCP server answers.
/// </summary>
public sealed class DhcpFeature : IFlowFeature
{
    /// <summary>
    /// Table 21, after the Dhcp table and reached only from it: sends to the agent through the
    /// app meter. Not part of <see cref="Pipeline.Tables"/> (no miss flow: OpenFlow 1.3 drops).
    /// </summary>
    public const byte ToAgentTable = 21;

    private const byte Udp = 17;

    public AppId App => AppId.Dhcp;

    public IEnumerable<FlowMod> Flows(NodeNetwork network)
    {
        var served = network.Segments.Where(s => s.DhcpEnabled && s.Dhcp is not null).Select(s => s.Id).ToHashSet();
        var any = false;
        foreach (var port in network.Ports.Where(p => served.Contains(p.SegmentId)))
        {
            any = true;
            yield return Flow(
                Pipeline.Dhcp,
                100,
                InSegment(port.SegmentId).InPort(port.OfPort).EthType(EtherTypes.IPv4).IpProto(Udp).UdpSrc(68).UdpDst(67),
                App,
                port.OfPort,
                new MeterInstruction(DhcpPortMeters.MeterIdOf(port.OfPort)),
                new GotoTableInstruction(ToAgentTable));
        }

        if (any)
        {
            yield return new FlowMod
            {
                TableId = ToAgentTable,
                Priority = 1,
                Match = Match.Any,
                Cookie = new FlowCookie(0, App, 0).Value,
                Instructions = [.. PacketInMeters.ToAgent(App)],
            };
        }
    }
}

/// <summary>
/// Per-port DHCP budgets on the netdev datapath: a fixed pool of <see cref="PoolSize"/> OpenFlow
/// meters, ids <see cref="FirstMeterId"/>..<see cref="FirstMeterId"/>+255 (reserved for this use),
/// installed with the app meters; port <c>p</c> uses meter <c>FirstMeterId + p % 256</c>, so only
/// ports whose ofports are equal modulo 256 share a budget. The rate is
/// <see cref="PacketInLimits.DhcpPerPort"/>.
/// </summary>
public static class DhcpPortMeters
{
    public const uint FirstMeterId = 0x100;
    public const uint PoolSize = 256;

    public static uint MeterIdOf(uint ofPort) => FirstMeterId + (ofPort % PoolSize);

    public static IEnumerable<MeterMod> Meters(MeterModCommand command, uint rate) =>
        Enumerable.Range(0, (int)PoolSize).Select(i => PacketInMeters.PacketsPerSecond(command, FirstMeterId + (uint)i, rate, rate));
}
