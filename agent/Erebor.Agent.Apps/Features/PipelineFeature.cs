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
/// PACKET_IN budgets: every flow that sends packets to the agent goes through its app's meter,
/// so a flood of one kind (say DHCP) cannot starve another or the agent itself.
/// </summary>
public static class PacketInMeters
{
    /// <summary>Packets per second each app may send to the agent, and the burst allowed.</summary>
    public static IReadOnlyDictionary<AppId, (uint Rate, uint Burst)> Budgets { get; } = new Dictionary<AppId, (uint, uint)>
    {
        [AppId.Dhcp] = (1000, 200),
        [AppId.L3] = (2000, 400),
    };

    public static uint MeterIdOf(AppId app) => (uint)app;

    public static IEnumerable<MeterMod> Meters(MeterModCommand command) =>
        Budgets.Select(b => new MeterMod(command, MeterFlags.Pktps | MeterFlags.Burst | MeterFlags.Stats, MeterIdOf(b.Key), [new MeterBand(MeterBandType.Drop, b.Value.Rate, b.Value.Burst)]))
            .Concat(DhcpPortMeters.Meters(command));

    /// <summary>Instructions that send a packet to the agent through <paramref name="app"/>'s meter.</summary>
    public static Instruction[] ToAgent(AppId app) =>
        [new MeterInstruction(MeterIdOf(app)), new ApplyActionsInstruction([OutputAction.ToController()])];
}
