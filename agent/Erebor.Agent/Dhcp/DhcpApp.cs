using System.Diagnostics.Metrics;
using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Messages;
using Erebor.Packets;
using Microsoft.Extensions.Logging;

namespace Erebor.Agent.Dhcp;

/// <summary>
/// The distributed DHCP server (Dragonflow style): DHCP client messages come in as PACKET_INs
/// (table 20, metered per port and per app), <see cref="DhcpServer"/> decides, and the reply
/// leaves as a PACKET_OUT out of the ingress port. Leases live in &lt;state-dir&gt; (a snapshot and a
/// journal of the changes since, <see cref="LeaseJournal"/>), written before an ACK is sent, so an
/// agent restart honours them and DHCP never waits on the API server. A reply waits until the
/// journal holds the change it reflects (appended, so an agent crash or restart reads it back),
/// but not for the fsync that follows: only a crash
/// of the node itself can lose the last changes, and the clients that held those leases sit on
/// this node's ports, so they went down with it and ask again. Both are group commits
/// (<see cref="GroupCommit"/>): requests that arrive during a write share the next one, and only
/// the replies wait, never the packet loop. Follows the node's network (<see cref="INetworkObserver"/>), so a
/// departed port's grace period starts when it leaves, and a timer frees expired addresses
/// without waiting for DHCP traffic. Also the <see cref="ILeaseView"/> the desired network reads,
/// so the ARP responder answers for DHCP'd ports.
/// </summary>
public sealed class DhcpApp : IPacketInApp, INetworkObserver, ILeaseView, ILeaseCounts, IDisposable
{
    /// <summary>The expiry timer wakes at least this often (lease times can be longer than a timer allows).</summary>
    private static readonly TimeSpan MaxExpiryWait = TimeSpan.FromHours(1);

    /// <summary>How long lease changes are gathered before the flows are re-planned for them.</summary>
    private static readonly TimeSpan StateChangeDelay = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly LeaseTable _leases;
    private readonly LeaseJournal _journal;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Meter _meter = new(AgentMetrics.MeterName);
    private readonly Counter<long> _messages;
    private readonly GroupCommit _writes;
    private readonly GroupCommit _syncs;
    private readonly ITimer _expiry;
    private int _stateChangePending;
    private volatile NodeNetwork _lastNetwork = NodeNetwork.Empty;

    public DhcpApp(AgentOptions options, TimeProvider time, ILogger<DhcpApp> logger)
    {
        _time = time;
        _logger = logger;
        _directory = options.StateDirectory;
        var policy = options.LeasePolicy;
        try
        {
            (_leases, _journal) = LeaseJournal.Open(_directory, policy);
            _logger.LogInformation("DHCP: {Count} leases loaded from {Path}", _leases.Leases.Count, _directory);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or FormatException or ArgumentException)
        {
            // Atomic snapshots and whole journal lines cannot be corrupt; keep the files for inspection and start empty.
            _logger.LogError(e, "DHCP: could not read the leases in {Path}; moving them aside and starting with no leases", _directory);
            foreach (var name in new[] { LeaseFile.FileName, LeaseJournal.FileName })
            {
                var path = Path.Combine(_directory, name);
                if (File.Exists(path)) { File.Move(path, path + ".corrupt", overwrite: true); }
            }

            (_leases, _journal) = LeaseJournal.Open(_directory, policy);
        }

        _messages = _meter.CreateCounter<long>("erebor_agent_dhcp_messages", description: "DHCP messages, by direction (in/out) and type; outcome of each request.");
        _meter.CreateObservableGauge("erebor_agent_dhcp_leases", ObserveLeases, description: "DHCP addresses of this node's block per subnet: in_use (leased or offered) and available.");
        _writes = new GroupCommit(WriteLeaseFile);
        _syncs = new GroupCommit(SyncLeaseFile);
        _expiry = time.CreateTimer(_ => FreeExpired(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_lock) { ScheduleExpiry(); }
    }

    public AppId App => AppId.Dhcp;

    public event Action? StateChanged;

    public Ipv4Address? AddressOf(string segment, string port, MacAddress mac)
    {
        lock (_lock)
        {
            return _leases.Find(segment, port, mac) is { State: LeaseState.Bound } lease ? lease.Ip : null;
        }
    }

    public (long InUse, long Available)? CountOf(Segment segment, NodeNetwork network)
    {
        if (AddressScope.Of(segment, network) is not { } scope) { return null; }
        lock (_lock)
        {
            return _leases.Count(scope, _time.GetUtcNow());
        }
    }

    public void OnNetworkChanged(NodeNetwork network)
    {
        _lastNetwork = network;
        var present = network.Ports.Select(p => (network.SegmentOf(p.SegmentId)?.Name ?? string.Empty, p.Identity, p.Mac)).ToHashSet();
        lock (_lock)
        {
            if (!_leases.ObservePorts(present, _time.GetUtcNow())) { return; }
            ScheduleExpiry();
        }

        Observe(_writes.RequestAsync());
    }

    public async ValueTask<IReadOnlyList<PacketOut>> OnPacketInAsync(PacketIn packetIn, NodeNetwork network, CancellationToken ct)
    {
        if (packetIn.InPort is not { } inPort || !DhcpFrame.TryParse(packetIn.Data.AsSpan(), out var frame)) { return []; }
        _messages.Add(1, new("direction", "in"), new("type", TypeName(frame.Message.MessageType)));
        if (network.Ports.FirstOrDefault(p => p.OfPort == inPort) is not { } port || network.SegmentOf(port.SegmentId) is not { DhcpEnabled: true, Dhcp: { } dhcp } segment
            || AddressScope.Of(segment, network) is not { } scope)
        {
            return [];
        }

        var serverMac = network.RouterInterfaces.FirstOrDefault(r => r.SegmentId == segment.Id)?.Mac ?? MacAddress.StableLocal("erebor-dhcp:" + segment.Name);
        var context = new DhcpRequestContext(segment, dhcp, scope, port, segment.Gateway, _time.GetUtcNow());
        DhcpDecision decision;
        Ipv4Address? boundBefore, boundAfter;
        Task? written = null;
        lock (_lock)
        {
            boundBefore = _leases.Find(segment.Name, port.Identity, port.Mac) is { State: LeaseState.Bound } b ? b.Ip : null;
            decision = DhcpServer.Handle(frame.Message, context, _leases);
            boundAfter = _leases.Find(segment.Name, port.Identity, port.Mac) is { State: LeaseState.Bound } a ? a.Ip : null;
            if (decision.LeasesChanged)
            {
                written = _writes.RequestAsync();
                ScheduleExpiry();
            }
        }

        _logger.LogDebug("DHCP {Type} from {Port} ({Mac}) xid {Xid:x8}: {Outcome}", frame.Message.MessageType, port.Name, port.Mac, frame.Message.TransactionId, decision.Outcome);
        if (boundBefore != boundAfter) { RaiseStateChanged(); } // the ARP responder answers for the new address

        if (decision.Reply is not { } reply)
        {
            if (written is not null) { Observe(written); }
            return [];
        }

        if (written is not null)
        {
            // The client must not hold an address the file does not: the reply waits for the write.
            try { await written.WaitAsync(ct); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // logged by the writer
        }

        _messages.Add(1, new("direction", "out"), new("type", TypeName(reply.MessageType)));
        var to = DhcpReplyDestination.For(frame.Message, frame.Ethernet.Source, reply);
        var bytes = Frames.BuildDhcpReply(reply, to, serverMac, context.ServerId);
        return [new PacketOut { InPort = OpenFlow.OfpPort.Controller, Actions = [new OutputAction(inPort)], Data = [.. bytes] }];
    }

    private void WriteLeaseFile()
    {
        JournalWrite? write;
        lock (_lock) { write = _journal.Capture(_leases); }
        if (write is null) { return; }
        try
        {
            _journal.Persist(write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(e, "DHCP: could not write the leases in {Path}", _directory);
            throw;
        }

        Observe(_syncs.RequestAsync());
    }

    private void SyncLeaseFile()
    {
        try
        {
            _journal.Sync();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError(e, "DHCP: could not sync the leases in {Path}", _directory);
            throw;
        }
    }

    /// <summary>A write or sync nobody waits for: its failure is already logged.</summary>
    private static void Observe(Task write) => write.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>Sets the timer to the moment the next lease, offer or quarantine runs out. Called under the lock.</summary>
    private void ScheduleExpiry()
    {
        var now = _time.GetUtcNow();
        var wait = _leases.NextExpiry(now) is { } at ? at - now : MaxExpiryWait;
        _expiry.Change(wait < MaxExpiryWait ? wait : MaxExpiryWait, Timeout.InfiniteTimeSpan);
    }

    private void FreeExpired()
    {
        bool freed;
        lock (_lock)
        {
            freed = _leases.Prune(_time.GetUtcNow());
            ScheduleExpiry();
        }

        if (!freed) { return; }
        _logger.LogDebug("DHCP: freed expired leases");
        Observe(_writes.RequestAsync());
        RaiseStateChanged();
    }

    /// <summary>
    /// Tells the agent to re-plan the flows (the ARP responder follows the bound addresses), at
    /// most once per <see cref="StateChangeDelay"/>: under a burst of leases one re-plan covers
    /// them all, instead of a re-plan of the whole pipeline per ACK and RELEASE competing with the
    /// packet loop for the CPU. Until then an ARP request for a new address is flooded, and the client answers it itself.
    /// </summary>
    private void RaiseStateChanged()
    {
        if (Interlocked.Exchange(ref _stateChangePending, 1) == 1) { return; }
        _ = Task.Delay(StateChangeDelay, _time).ContinueWith(
            _ =>
            {
                Volatile.Write(ref _stateChangePending, 0);
                StateChanged?.Invoke();
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    private IEnumerable<Measurement<long>> ObserveLeases()
    {
        var network = _lastNetwork;
        var result = new List<Measurement<long>>();
        foreach (var segment in network.Segments)
        {
            if (CountOf(segment, network) is not { } counts) { continue; }
            result.Add(new(counts.InUse, new("subnet", segment.Name), new("state", "in_use")));
            result.Add(new(counts.Available, new("subnet", segment.Name), new("state", "available")));
        }

        return result;
    }

    private static string TypeName(DhcpMessageType? type) => type?.ToString().ToLowerInvariant() ?? "none";

    public void Dispose()
    {
        _expiry.Dispose();
        // Changes nobody waited for (RELEASEs, departed ports) reach the file before the agent exits.
        try { _writes.RequestAsync().ContinueWith(_ => _syncs.RequestAsync(), TaskScheduler.Default).Unwrap().Wait(TimeSpan.FromSeconds(5)); }
        catch (AggregateException) { } // logged by the writer
        _journal.Dispose();
        _meter.Dispose();
    }
}
