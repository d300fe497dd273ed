namespace Erebor.Agent.Apps;

/// <summary>What a table does with a packet no flow of its own matches.</summary>
public enum TableMiss
{
    Drop,
    NextTable,
}

/// <summary>One OpenFlow table of br-int's pipeline; <paramref name="Next"/> is where its packets continue (and where a NextTable miss goes).</summary>
public sealed record PipelineTable(byte Id, string Name, TableMiss Miss, byte? Next = null);

/// <summary>
/// br-int's pipeline, declared in one place. A packet walks the tables in this order:
/// <code>
///  port ──► 0 Classifier ──► 10 ArpResponder ──► 20 Dhcp ──► 30 L3Lookup ──► 50 L2Lookup ──► 60 Egress ──► port
///           (in_port →        (gateway and       (DHCP →      (dst MAC =      (dst MAC →       (reg1 →
///            segment in        known-port ARP      controller,   router MAC →   output port;     output)
///            metadata,         answered in         metered)      40 L3Forward)  broadcast →
///            port in reg0)     OVS, reply to                     │               flood list)
///                              IN_PORT)                          ▼
///                                                       40 L3Forwarding (reactive /32s;
///                                                          TTL ≤ 1 and miss → controller, metered)
///
///  tunnel ──► 0 Classifier (tun_id → segment, reg0 = tunnel) ──► 30 L3Lookup ──► ... ──► 60 Egress ──► local port
///  remote MAC in 50 ──► tun_id = segment, tun_dst = its node ──► 60 Egress ──► tunnel (never back into it)
/// </code>
/// Unknown ports are dropped in the classifier (fail_mode=secure: nothing is forwarded that the
/// agent did not program).
/// </summary>
public static class Pipeline
{
    public static readonly PipelineTable Classifier = new(0, "Classifier", TableMiss.Drop, 10);
    public static readonly PipelineTable ArpResponder = new(10, "ArpResponder", TableMiss.NextTable, 20);
    public static readonly PipelineTable Dhcp = new(20, "Dhcp", TableMiss.NextTable, 30);
    public static readonly PipelineTable L3Lookup = new(30, "L3Lookup", TableMiss.NextTable, 50);
    public static readonly PipelineTable L3Forwarding = new(40, "L3Forwarding", TableMiss.Drop);
    public static readonly PipelineTable L2Lookup = new(50, "L2Lookup", TableMiss.Drop);
    public static readonly PipelineTable Egress = new(60, "Egress", TableMiss.Drop);

    public static IReadOnlyList<PipelineTable> Tables { get; } = [Classifier, ArpResponder, Dhcp, L3Lookup, L3Forwarding, L2Lookup, Egress];

    /// <summary>The table a packet continues in after <paramref name="table"/>.</summary>
    public static byte NextOf(PipelineTable table) => table.Next ?? throw new InvalidOperationException($"table {table.Name} has no next table");

    public static string NameOf(byte tableId) => Tables.FirstOrDefault(t => t.Id == tableId)?.Name ?? $"table{tableId}";

    // Register use, shared by every feature:
    //   metadata  segment (network) id of the ingress port, set in the classifier
    //   reg0      ofport the packet came in on (the tunnel port for packets from other nodes)
    //   reg1      ofport chosen for output (egress)

    /// <summary>Register holding the ingress ofport.</summary>
    public const int InPortRegister = 0;

    /// <summary>Register holding the chosen output ofport.</summary>
    public const int OutPortRegister = 1;
}
