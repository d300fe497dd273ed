using System.Net;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Agent.Apps.Features;

namespace Erebor.Agent;

/// <summary>What the agent is told on its command line (the DaemonSet passes these).</summary>
public sealed record AgentOptions
{
    public required string NodeName { get; init; }
    public string? Kubeconfig { get; init; }

    /// <summary>OVS's run directory: the OVSDB socket db.sock lives there.</summary>
    public string OvsRunDirectory { get; init; } = "/var/run/openvswitch";

    /// <summary>The OVSDB endpoint; defaults to unix:&lt;run dir&gt;/db.sock.</summary>
    public string? OvsdbEndpoint { get; init; }

    public string Bridge { get; init; } = "br-int";

    /// <summary>"system" (kernel datapath) or "netdev" (userspace).</summary>
    public string DatapathType { get; init; } = "system";

    /// <summary>Where the agent keeps state that must survive a restart (DHCP leases).</summary>
    public string StateDirectory { get; init; } = "/var/lib/erebor";

    /// <summary>
    /// The unix socket OVS connects to as its OpenFlow controller. OVS only connects to sockets in
    /// its own run directory (anything else could be an exploit), so that is the default place.
    /// </summary>
    public string? ControllerSocket { get; init; }

    public string? TunnelEndpoint { get; init; }

    public IPEndPoint MetricsEndpoint { get; init; } = new(IPAddress.Loopback, 9090);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Idle timeout of the L3 app's reactive per-destination flows.</summary>
    public TimeSpan L3IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>PACKET_IN rate limits (the DHCP ones can be raised on the command line).</summary>
    public PacketInLimits PacketInLimits { get; init; } = PacketInLimits.Default;

    /// <summary>Lease timings (the grace period can be set on the command line).</summary>
    public LeasePolicy LeasePolicy { get; init; } = LeasePolicy.Default;

    public string ResolvedOvsdbEndpoint => OvsdbEndpoint ?? $"unix:{Path.Combine(OvsRunDirectory, "db.sock")}";

    public string ResolvedControllerSocket => ControllerSocket ?? Path.Combine(OvsRunDirectory, "erebor-agent.sock");
}
