using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Features;
using Erebor.OpenFlow.Multipart;

namespace Erebor.Agent;

/// <summary>The agent's own instruments (meter "Erebor.Agent"); OpenFlow traffic counters come from "Erebor.OpenFlow".</summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "Erebor.Agent";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _flowErrors;
    private readonly Counter<long> _packetIns;
    private readonly Counter<long> _replays;
    private readonly ConcurrentDictionary<AppId, long> _packetInsByApp = new();
    private volatile IReadOnlyDictionary<byte, long> _flowsPerTable = new Dictionary<byte, long>();
    private volatile IReadOnlyDictionary<uint, ulong> _meterDrops = new Dictionary<uint, ulong>();
    private volatile IReadOnlyDictionary<string, int> _remotePorts = new Dictionary<string, int>();
    private volatile PortStats? _tunnel;

    public AgentMetrics()
    {
        _flowErrors = _meter.CreateCounter<long>("erebor_agent_flow_errors", description: "Flows Open vSwitch rejected, by table and app; the flow is left out until it changes.");
        _packetIns = _meter.CreateCounter<long>("erebor_agent_packet_ins", description: "PACKET_INs received, by app (from the flow cookie) and reason.");
        _replays = _meter.CreateCounter<long>("erebor_agent_flow_replays", description: "Full flow replays (agent start, reconnect, Open vSwitch restart).");
        _meter.CreateObservableGauge("erebor_agent_flows", () => _flowsPerTable.Select(t => new Measurement<long>(t.Value, new("table", Pipeline.NameOf(t.Key)), new("table_id", t.Key))), description: "Flows installed in br-int, per table, as Open vSwitch reports them.");
        _meter.CreateObservableCounter("erebor_agent_meter_dropped_packets", MeterDrops, description: "Packets the PACKET_IN meters dropped, by app; scope=port sums the per-port DHCP meters, scope=app is the app's own meter.");
        _meter.CreateObservableGauge("erebor_agent_remote_ports", () => _remotePorts.Select(n => new Measurement<int>(n.Value, new KeyValuePair<string, object?>("node", n.Key))), description: "Ports of other nodes this node tunnels to and answers ARP for (l2population), by node.");
        _meter.CreateObservableCounter("erebor_agent_tunnel_packets", TunnelPackets, description: "Packets through this node's tunnel port, by direction (tx: to other nodes, rx: from them), as Open vSwitch counts them.");
        _meter.CreateObservableGauge("erebor_agent_openflow_connected", () => OpenFlowConnected ? 1 : 0, description: "1 while Open vSwitch is connected to the agent's OpenFlow controller socket.");
        _meter.CreateObservableGauge("erebor_agent_ovsdb_connected", () => OvsdbConnected ? 1 : 0, description: "1 while the agent's OVSDB session is up.");
    }

    public bool OpenFlowConnected { get; set; }
    public bool OvsdbConnected { get; set; }

    public IReadOnlyDictionary<byte, long> FlowsPerTable => _flowsPerTable;

    public IReadOnlyDictionary<AppId, long> PacketInsByApp => _packetInsByApp;

    public void FlowRejected(byte table, AppId app, string error) =>
        _flowErrors.Add(1, new("table", Pipeline.NameOf(table)), new("app", app.ToString().ToLowerInvariant()), new("error", error));

    public void PacketIn(AppId app, string reason)
    {
        _packetInsByApp.AddOrUpdate(app, 1, (_, n) => n + 1);
        _packetIns.Add(1, new("app", app.ToString().ToLowerInvariant()), new("reason", reason));
    }

    public void Replayed() => _replays.Add(1);

    public void SetFlowsPerTable(IReadOnlyDictionary<byte, long> counts) => _flowsPerTable = counts;

    public void SetMeterDrops(IReadOnlyDictionary<uint, ulong> drops) => _meterDrops = drops;

    public void SetRemotePorts(IReadOnlyDictionary<string, int> portsByNode) => _remotePorts = portsByNode;

    /// <summary>The tunnel port's statistics; null while there is none.</summary>
    public void SetTunnelStats(PortStats? stats) => _tunnel = stats;

    private IEnumerable<Measurement<long>> TunnelPackets() =>
        _tunnel is { } stats
            ? [new((long)stats.TxPackets, new KeyValuePair<string, object?>("direction", "tx")), new((long)stats.RxPackets, new KeyValuePair<string, object?>("direction", "rx"))]
            : [];

    private IEnumerable<Measurement<long>> MeterDrops() =>
        _meterDrops
            .GroupBy(m => m.Key >= DhcpPortMeters.FirstMeterId && m.Key < DhcpPortMeters.FirstMeterId + DhcpPortMeters.PoolSize
                ? (App: AppId.Dhcp, Scope: "port")
                : (App: (AppId)m.Key, Scope: "app"))
            .Select(g => new Measurement<long>(
                (long)g.Aggregate(0UL, (sum, m) => sum + m.Value),
                new KeyValuePair<string, object?>("app", g.Key.App.ToString().ToLowerInvariant()),
                new KeyValuePair<string, object?>("scope", g.Key.Scope)));

    public void Dispose() => _meter.Dispose();
}
