using System.Globalization;
using System.Text.RegularExpressions;

using Erebor.Agent.Apps;
using Erebor.Harness.Ovs;

namespace Erebor.Agent.Tests.Integration;

/// <summary>Flow counts as Open vSwitch itself reports them (<c>ovs-ofctl dump-aggregate</c>), the reference the agent's numbers are checked against.</summary>
internal static partial class FlowCounts
{
    public static async Task<long> TotalAsync(OvsNode node) => Parse(await node.OfctlAsync("dump-aggregate", node.BridgeName));

    public static async Task<long> InTableAsync(OvsNode node, byte table) =>
        Parse(await node.OfctlAsync("dump-aggregate", node.BridgeName, "table=" + table.ToString(CultureInfo.InvariantCulture)));

    /// <summary>flow_count of every pipeline table, by table name.</summary>
    public static async Task<Dictionary<string, long>> PerTableAsync(OvsNode node)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Pipeline.Tables) { counts[table.Name] = await InTableAsync(node, table.Id); }
        return counts;
    }

    /// <summary>Packets counted by the flows <paramref name="flowMatch"/> selects (e.g. "table=40,ip,nw_ttl=1"); OVS refreshes these about once a second.</summary>
    public static async Task<long> PacketsAsync(OvsNode node, string flowMatch)
    {
        var aggregate = await node.OfctlAsync("dump-aggregate", node.BridgeName, flowMatch);
        var match = PacketCountPattern().Match(aggregate);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new FormatException($"no packet_count in: {aggregate}");
    }

    public static long Parse(string aggregate)
    {
        var match = FlowCountPattern().Match(aggregate);
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : throw new FormatException($"no flow_count in: {aggregate}");
    }

    [GeneratedRegex(@"flow_count=(\d+)")]
    private static partial Regex FlowCountPattern();

    [GeneratedRegex(@"packet_count=(\d+)")]
    private static partial Regex PacketCountPattern();
}
