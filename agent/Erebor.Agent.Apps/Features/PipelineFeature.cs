using Erebor.OpenFlow;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>The table-miss flow of every table, from its declaration in <see cref="Pipeline"/>.</summary>
public sealed class PipelineFeature : IFlowFeature
{
    public AppId App => AppId.Pipeline;

    public IEnumerable<FlowMod> Flows(NodeNetwork network)
    {
        foreach (var table in Pipeline.Tables)
        {
            yield return table.Miss == TableMiss.NextTable
                ? Flow(table, 0, Match.Any, App, table.Id, GotoNext(table))
                : Flow(table, 0, Match.Any, App, table.Id); // no instructions: drop
        }
    }
}

/// <summary>
/// How many packets per second may reach the agent: per app (every flow that sends packets to the
/// agent goes through its app's meter, so a flood of one kind, say DHCP, cannot starve another or
/// the agent itself) and per port for DHCP (<see cref="DhcpPortMeters"/>). The defaults are the
/// product's; the agent's command line can raise the DHCP ones (a benchmark drives thousands of
/// exchanges through a few ports).
/// </summary>
public sealed record PacketInLimits
{
    /// <summary>DHCP packets per second all ports together may send (burst: a fifth of it).</summary>
    public uint Dhcp { get; init; } = 1000;

    /// <summary>
    /// DHCP packets per second one port may send (burst: as many). A DHCP exchange needs 2-4
    /// packets, and clients retry after seconds, so 20 is generous for any honest client.
    /// </summary>
    public uint DhcpPerPort { get; init; } = 20;

    /// <summary>First packets of routed flows per second (burst: a fifth of it).</summary>
    public uint L3 { get; init; } = 2000;

    public static PacketInLimits Default { get; } = new();
}

/// <summary>The PACKET_IN meters, installed from <see cref="PacketInLimits"/>.</summary>
public static class PacketInMeters
{
    public static uint MeterIdOf(AppId app) => (uint)app;

    public static IEnumerable<MeterMod> Meters(MeterModCommand command, PacketInLimits limits) =>
        new[] { (App: AppId.Dhcp, Rate: limits.Dhcp), (App: AppId.L3, Rate: limits.L3) }
            .Select(b => PacketsPerSecond(command, MeterIdOf(b.App), b.Rate, Math.Max(1, b.Rate / 5)))
            .Concat(DhcpPortMeters.Meters(command, limits.DhcpPerPort));

    /// <summary>Instructions that send a packet to the agent through <paramref name="app"/>'s meter.</summary>
    public static Instruction[] ToAgent(AppId app) =>
        [new MeterInstruction(MeterIdOf(app)), new ApplyActionsInstruction([OutputAction.ToController()])];

    /// <summary>A meter that drops what exceeds <paramref name="rate"/> packets per second after a burst of <paramref name="burst"/>.</summary>
    public static MeterMod PacketsPerSecond(MeterModCommand command, uint meterId, uint rate, uint burst) =>
        new(command, MeterFlags.Pktps | MeterFlags.Burst | MeterFlags.Stats, meterId, [new MeterBand(MeterBandType.Drop, rate, burst)]);
}
