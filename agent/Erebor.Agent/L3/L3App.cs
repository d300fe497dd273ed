using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Erebor.Agent.Apps;
using Erebor.Agent.Apps.L3;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using Microsoft.Extensions.Logging;

namespace Erebor.Agent.L3;

/// <summary>
/// The reactive L3 app: the first packet of a routed flow misses table 40 and arrives here; the
/// app installs the per-destination /32 (with an idle timeout) as a plain FLOW_MOD outside the
/// synchronizer's desired set, and sends the packet on with the same actions. ICMP errors back to
/// a sender are rate limited per sender. See <see cref="L3Router"/> for the decision itself.
/// </summary>
public sealed class L3App : IPacketInApp, IDisposable
{
    private readonly AgentOptions _options;
    private readonly ILogger<L3App> _logger;
    private readonly TimeProvider _time;
    private readonly IRemoteNextHops _remote;
    private readonly Meter _meter = new(AgentMetrics.MeterName);
    private readonly Counter<long> _flowsInstalled;
    private readonly Counter<long> _replies;
    private readonly ConcurrentDictionary<Ipv4Address, (long Tokens, long Stamp)> _buckets = new();
    private volatile OpenFlowConnection? _connection;

    public L3App(AgentOptions options, ILogger<L3App> logger, TimeProvider time, IRemoteNextHops? remote = null)
    {
        _options = options;
        _logger = logger;
        _time = time;
        _remote = remote ?? TunnelNextHops.Instance;
        _flowsInstalled = _meter.CreateCounter<long>("erebor_agent_l3_flows_installed", description: "Reactive /32 flows the L3 app installed in table 40 (one per first packet to a destination).");
        _replies = _meter.CreateCounter<long>("erebor_agent_l3_icmp_sent", description: "ICMP messages the router sent back (unreachable, time exceeded, echo reply), by type.");
    }

    public AppId App => AppId.L3;

    /// <summary>ICMP errors per sender per second (and burst), as routers rate-limit them (RFC 1812 §4.3.2.8).</summary>
    public const int IcmpPerSecond = 10;

    public event Action? StateChanged
    {
        add { }
        remove { }
    }

    /// <summary>The connection flows are installed on; set by the agent once it listens.</summary>
    public void Attach(OpenFlowConnection connection) => _connection = connection;

    public async ValueTask<IReadOnlyList<PacketOut>> OnPacketInAsync(PacketIn packetIn, NodeNetwork network, CancellationToken ct)
    {
        if (packetIn.InPort is not { } inPort) { return []; }
        var metadata = packetIn.Match.Find(OxmField.Metadata)?.Value;
        var idle = (ushort)Math.Clamp(_options.L3IdleTimeout.TotalSeconds, 1, ushort.MaxValue);
        var decision = L3Router.Decide(network, packetIn.Data.AsSpan(), inPort, metadata, idle, _remote);
        switch (decision)
        {
            case L3Forward forward:
                if (_connection is not { } connection) { return []; }
                await connection.SendAsync(forward.Flow, ct);
                _flowsInstalled.Add(1);
                _logger.LogDebug("L3: installed {Destination}: {Reason}", forward.Flow.Match, forward.Reason);
                return [forward.Packet];
            case L3Reply reply:
                if (!TakeToken(reply.Sender)) { return []; }
                _replies.Add(1, new KeyValuePair<string, object?>("type", reply.Type.ToString()));
                _logger.LogDebug("L3: ICMP {Type}/{Code} to {Sender}: {Reason}", reply.Type, reply.Code, reply.Sender, reply.Reason);
                return [reply.Packet];
            default:
                _logger.LogDebug("L3: dropped a packet from port {Port}: {Reason}", inPort, decision.Reason);
                return [];
        }
    }

    /// <summary>Deletes the reactive flows of destinations that moved or left (<see cref="L3Router.MovedDestinations"/>).</summary>
    public async Task ForgetAsync(IReadOnlyList<Ipv4Address> destinations, CancellationToken ct)
    {
        if (destinations.Count == 0 || _connection is not { IsConnected: true } connection) { return; }
        foreach (var destination in destinations) { await connection.SendAsync(L3Router.Forget(destination), ct); }
        _logger.LogInformation("L3: forgot the routes to {Destinations}, which moved or left", string.Join(", ", destinations));
    }

    private bool TakeToken(Ipv4Address sender)
    {
        var now = _time.GetTimestamp();
        var perToken = _time.TimestampFrequency / IcmpPerSecond;
        var taken = false;
        _buckets.AddOrUpdate(
            sender,
            _ => { taken = true; return (IcmpPerSecond - 1, now); },
            (_, bucket) =>
            {
                var refill = (now - bucket.Stamp) / perToken;
                var tokens = Math.Min(IcmpPerSecond, bucket.Tokens + refill);
                var stamp = refill > 0 ? bucket.Stamp + (refill * perToken) : bucket.Stamp;
                taken = tokens > 0;
                return (taken ? tokens - 1 : tokens, tokens >= IcmpPerSecond ? now : stamp);
            });
        if (_buckets.Count > 4096) { _buckets.Clear(); } // bounded memory under a spray of sources
        return taken;
    }

    public void Dispose() => _meter.Dispose();
}
