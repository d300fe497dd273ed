namespace Erebor.Harness.Ovs;

/// <summary>How <see cref="OvsNode.StartAsync"/> sets up one simulated node's Open vSwitch.</summary>
public sealed record OvsNodeOptions
{
    /// <summary>Parent of every node's private run/db/log directories.</summary>
    public string TempRoot { get; init; } = Path.Combine(Path.GetTempPath(), "erebor-ovs");

    /// <summary>False leaves the database without a bridge (for code that creates it itself).</summary>
    public bool CreateBridge { get; init; } = true;

    public string BridgeName { get; init; } = "br-int";

    /// <summary>"netdev" (userspace) is the only datapath available without the openvswitch kernel module.</summary>
    public string DatapathType { get; init; } = "netdev";

    public string Protocols { get; init; } = "OpenFlow13";

    public string FailMode { get; init; } = "secure";

    /// <summary>Bridge other_config entries on top of <c>disable-in-band=true</c>.</summary>
    public IReadOnlyDictionary<string, string> BridgeOtherConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>Upper bound for one daemon to come up and answer (and for every OVS command).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>How <see cref="OvsNode.AddWorkloadAsync"/> wires one workload ("VM") to the bridge.</summary>
public sealed record WorkloadOptions
{
    /// <summary>MAC of the workload's eth0, e.g. 02:00:00:00:01:10. Also the port's <c>attached-mac</c>.</summary>
    public required string Mac { get; init; }

    /// <summary>Static address in CIDR form, e.g. 10.0.1.10/24; null leaves eth0 unnumbered (for DHCP).</summary>
    public string? Ipv4Cidr { get; init; }

    /// <summary>Default route via this address; requires <see cref="Ipv4Cidr"/>.</summary>
    public string? Gateway { get; init; }

    /// <summary>Host-side veth and OVS port name (at most 15 characters); defaults to the workload name.</summary>
    public string? PortName { get; init; }

    /// <summary>The port's <c>iface-id</c>; defaults to the workload name.</summary>
    public string? IfaceId { get; init; }

    /// <summary>More Interface external_ids, e.g. <c>erebor.io/subnet=ns/name</c>.</summary>
    public IReadOnlyDictionary<string, string> ExternalIds { get; init; } = new Dictionary<string, string>();

    public int? OfPortRequest { get; init; }

    public int Mtu { get; init; } = 1500;
}
