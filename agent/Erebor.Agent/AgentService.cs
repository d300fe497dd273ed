using System.Threading.Channels;
using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Features;
using Erebor.Agent.Apps.L3;
using Erebor.Agent.Flows;
using Erebor.Agent.Network;
using Erebor.Agent.Status;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;
using Erebor.OpenFlow;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;
using Erebor.Ovsdb;
using Erebor.Ovsdb.Vswitch;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Erebor.Agent;

/// <summary>
/// The node agent's main loop. Open vSwitch connects to the agent's controller socket; every
/// (re)connection replays the whole pipeline atomically, and every change of the desired network
/// (Subnets and Routers from the API server, interfaces from OVSDB) updates the flows.
/// </summary>
public sealed class AgentService(
    AgentOptions options,
    IKubeApi api,
    AgentMetrics metrics,
    NodeAgentReporter reporter,
    IEnumerable<IPacketInApp> apps,
    ILoggerFactory loggers,
    TimeProvider time) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<AgentService>();
    private readonly Channel<bool> _changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _needsReplay = true;
    private volatile int _ignoredPorts;
    private volatile NodeNetwork _network = NodeNetwork.Empty;
    private readonly Dictionary<AppId, IPacketInApp> _apps = apps.ToDictionary(a => a.App);

    /// <summary>True once the pipeline has been installed on the current connection.</summary>
    public bool Programmed { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(options.StateDirectory);
        var socket = options.ResolvedControllerSocket;
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        if (File.Exists(socket)) { File.Delete(socket); } // left by a previous run that was killed

        await using var openFlow = OpenFlowConnection.Start(OpenFlowEndpoint.ListenUnix(socket), loggerFactory: loggers);
        foreach (var l3 in _apps.Values.OfType<L3.L3App>()) { l3.Attach(openFlow); } // it installs its reactive flows itself
        await using var ovsdb = await OvsdbClient.ConnectAsync(new OvsdbClientOptions { Endpoint = options.ResolvedOvsdbEndpoint }, loggers.CreateLogger<OvsdbClient>(), stoppingToken);
        ovsdb.Connected += () => metrics.OvsdbConnected = true;
        ovsdb.Disconnected += () => metrics.OvsdbConnected = false;
        metrics.OvsdbConnected = ovsdb.IsConnected;

        var bridge = await new VswitchDatabase(ovsdb).EnsureBridgeAsync(new BridgeSpec(options.Bridge, options.DatapathType) { ControllerTarget = $"unix:{socket}" }, stoppingToken);
        _logger.LogInformation("Bridge {Bridge} ({Datapath}) ready{Created}; corrected [{Corrected}]; Open vSwitch connects to unix:{Socket}",
            options.Bridge, options.DatapathType, bridge.Created ? " (created)" : string.Empty, string.Join(",", bridge.CorrectedColumns), socket);

        await EnsureTunnelPortAsync(ovsdb, stoppingToken);
        await using var interfaces = await InterfaceTable.StartAsync(ovsdb, options.Bridge, loggers.CreateLogger<InterfaceTable>(), stoppingToken);
        interfaces.Changed += _ => Signal();
        var subnets = new Informer<V1Alpha1Subnet>(api, logger: _logger, time: time);
        var routers = new Informer<V1Alpha1Router>(api, logger: _logger, time: time);
        var nodeAgents = new Informer<V1Alpha1NodeAgent>(api, logger: _logger, time: time);
        subnets.Changed += _ => Signal();
        routers.Changed += _ => Signal();
        var l2Population = new RemoteNodeChanges(options.NodeName);
        nodeAgents.Changed += e => { if (l2Population.Matter(e)) { Signal(); } };
        foreach (var app in _apps.Values) { app.StateChanged += Signal; }

        var synchronizer = new FlowSynchronizer(openFlow, metrics, loggers.CreateLogger<FlowSynchronizer>(), options.PacketInLimits);
        var tasks = new List<Task>
        {
            subnets.RunAsync(stoppingToken),
            routers.RunAsync(stoppingToken),
            nodeAgents.RunAsync(stoppingToken),
            HandleSwitchEventsAsync(openFlow, stoppingToken),
            SynchronizeAsync(openFlow, synchronizer, subnets, routers, nodeAgents, interfaces, stoppingToken),
            PollStatsAsync(openFlow, stoppingToken),
            HeartbeatAsync(interfaces, stoppingToken),
        };
        // Every loop runs until shutdown; one that ends early has failed, and the agent must not
        // limp on without it.
        var first = await Task.WhenAny(tasks);
        if (!stoppingToken.IsCancellationRequested)
        {
            _logger.LogCritical(first.Exception?.GetBaseException(), "An agent loop stopped unexpectedly; exiting so that the DaemonSet restarts the agent");
            Environment.ExitCode = 1;
            await first; // rethrows: the host stops and the process exits non-zero
            throw new InvalidOperationException("an agent loop ended before shutdown");
        }

        await Task.WhenAll(tasks).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// With a tunnel endpoint, the geneve port to the other nodes (remote_ip and key per flow); the flows use it once OVS has numbered it.
    /// Without one, a port left by an earlier run is removed: nothing uses it, yet OVS would keep it listening for tunnel packets.
    /// </summary>
    private async Task EnsureTunnelPortAsync(OvsdbClient ovsdb, CancellationToken ct)
    {
        if (options.TunnelEndpoint is not { } endpoint)
        {
            if (await new VswitchDatabase(ovsdb).RemovePortAsync(options.Bridge, RemoteNetwork.TunnelPortName, ct))
            {
                _logger.LogInformation("Tunnel port {Port} removed from {Bridge}: no --tunnel-ip, so this node has no tunnel endpoint", RemoteNetwork.TunnelPortName, options.Bridge);
            }

            return;
        }

        var spec = new TunnelPortSpec(options.Bridge, RemoteNetwork.TunnelPortName, "geneve", endpoint, RemoteNetwork.TunnelOfPortRequest);
        var changed = await new VswitchDatabase(ovsdb).EnsureTunnelPortAsync(spec, ct);
        _logger.LogInformation("Tunnel port {Port} (geneve, local_ip={Endpoint}, remote_ip=flow, key=flow) ready{Changed}", spec.Name, endpoint, changed ? " (created or corrected)" : string.Empty);
    }

    private void Signal() => _changed.Writer.TryWrite(true);

    private async Task HandleSwitchEventsAsync(OpenFlowConnection openFlow, CancellationToken ct)
    {
        await foreach (var e in openFlow.ReadEventsAsync(ct).WithCancellation(ct).ConfigureAwait(false))
        {
            switch (e)
            {
                case SwitchConnected connected:
                    _logger.LogInformation("Open vSwitch connected (datapath {Datapath:x16}); replaying the pipeline", connected.Features.DatapathId);
                    metrics.OpenFlowConnected = true;
                    _needsReplay = true;
                    await EnableInvalidTtlPacketInsAsync(openFlow, ct);
                    Signal();
                    break;
                case SwitchDisconnected disconnected:
                    _logger.LogWarning("Open vSwitch disconnected: {Reason}; flows stay in place (fail_mode=secure)", disconnected.Reason);
                    metrics.OpenFlowConnected = false;
                    Programmed = false;
                    break;
                case SwitchMessage { Message: PacketIn packetIn }:
                    await DispatchAsync(openFlow, packetIn, ct);
                    break;
            }
        }
    }

    /// <summary>
    /// OpenFlow 1.3 switches do not send "invalid TTL" PACKET_INs unless asked, so ask (the other
    /// masks are OVS's defaults). OVS 3.1's userspace datapath still translates the L3 flows'
    /// dec_ttl on a TTL-1 packet with dont_send=1 (a silent drop), so table 40 sends TTL 0 and 1
    /// to the agent above the /32s (<see cref="L3LookupFeature.ExpiringTtlPriority"/>)
    /// and the L3 app answers "time exceeded".
    /// </summary>
    private async Task EnableInvalidTtlPacketInsAsync(OpenFlowConnection openFlow, CancellationToken ct)
    {
        try
        {
            await openFlow.SendAsync(new SetAsync(new AsyncConfig(new AsyncMask(0b111, 0), new AsyncMask(0b111, 0b111), new AsyncMask(0b1111, 0))), ct);
        }
        catch (Exception e) when (e is OpenFlowConnectionException or TimeoutException && !ct.IsCancellationRequested)
        {
            _logger.LogDebug("SET_ASYNC failed: {Error}", e.Message);
        }
    }

    private async Task DispatchAsync(OpenFlowConnection openFlow, PacketIn packetIn, CancellationToken ct)
    {
        var app = FlowCookie.Parse(packetIn.Cookie).App;
        metrics.PacketIn(app, packetIn.Reason.ToString().ToLowerInvariant());
        if (!_apps.TryGetValue(app, out var handler)) { return; }
        ValueTask<IReadOnlyList<PacketOut>> replies;
        try
        {
            replies = handler.OnPacketInAsync(packetIn, _network, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One bad packet must not stop the packet loop for every app.
            _logger.LogWarning(e, "{App} app failed on a PACKET_IN from port {Port}", app, packetIn.InPort);
            return;
        }

        // An app that waits on its own I/O (DHCP: the lease file before an ACK) does not hold up
        // the loop: its replies go out when ready, and the next packets are handled meanwhile.
        if (replies.IsCompleted) { await SendRepliesAsync(openFlow, app, packetIn, replies, ct); }
        else { _ = SendRepliesAsync(openFlow, app, packetIn, replies, ct); }
    }

    private async Task SendRepliesAsync(OpenFlowConnection openFlow, AppId app, PacketIn packetIn, ValueTask<IReadOnlyList<PacketOut>> replies, CancellationToken ct)
    {
        try
        {
            foreach (var reply in await replies) { await openFlow.SendAsync(reply, ct); }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "{App} app failed on a PACKET_IN from port {Port}", app, packetIn.InPort);
        }
    }

    private async Task SynchronizeAsync(OpenFlowConnection openFlow, FlowSynchronizer synchronizer, Informer<V1Alpha1Subnet> subnets, Informer<V1Alpha1Router> routers, Informer<V1Alpha1NodeAgent> nodeAgents, InterfaceTable interfaces, CancellationToken ct)
    {
        await Task.WhenAll(subnets.WaitForSyncAsync(ct), routers.WaitForSyncAsync(ct), nodeAgents.WaitForSyncAsync(ct));
        Signal();
        await foreach (var signal in _changed.Reader.ReadAllAsync(ct))
        {
            if (!openFlow.IsConnected) { continue; }
            var (subnetList, routerList) = (subnets.List(), routers.List());
            var (network, ignored) = DesiredNetwork.Build(subnetList, routerList, interfaces.Interfaces.Values, options.NodeName, _apps.Values.OfType<Apps.Dhcp.ILeaseView>().FirstOrDefault());
            if (ignored.Count != _ignoredPorts)
            {
                foreach (var port in ignored) { _logger.LogWarning("Port {Port} is not wired: {Reason}", port.Name, port.Reason); }
                _ignoredPorts = ignored.Count;
            }

            network = RemoteNetwork.Add(network, subnetList, nodeAgents.List(), options.NodeName, RemoteNetwork.TunnelOf(interfaces.Interfaces.Values, options.TunnelEndpoint));
            var moved = L3Router.MovedDestinations(_network, network);
            _network = network;
            metrics.SetRemotePorts(network.RemotePorts.GroupBy(p => p.Node).ToDictionary(g => g.Key, g => g.Count()));
            foreach (var observer in _apps.Values.OfType<INetworkObserver>()) { observer.OnNetworkChanged(network); }
            var flows = FlowPlan.Build(network, FeatureSet.All, round: 0);
            try
            {
                if (_needsReplay)
                {
                    _needsReplay = false;
                    await synchronizer.ReplayAsync(flows, ct);
                }
                else
                {
                    await synchronizer.UpdateAsync(flows, ct);
                }

                foreach (var l3 in _apps.Values.OfType<L3.L3App>()) { await l3.ForgetAsync(moved, ct); }
                Programmed = true;
                reporter.Programmed(ProgrammedGenerations.Of(subnetList, routerList, network));
            }
            catch (Exception e) when (e is OpenFlowConnectionException or OpenFlowErrorException or OpenFlowBundleException or TimeoutException && !ct.IsCancellationRequested)
            {
                // The next connection replays everything; a failure while connected is retried shortly.
                _needsReplay = true;
                _logger.LogWarning("Flow programming failed ({Error}); will replay", e.Message);
                _ = Task.Delay(TimeSpan.FromSeconds(1), time, ct).ContinueWith(_ => Signal(), TaskScheduler.Default);
            }
        }
    }

    private async Task PollStatsAsync(OpenFlowConnection openFlow, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(options.StatsInterval, time);
        while (await timer.WaitForNextTickAsync(ct).AsTask().ContinueWith(t => !t.IsCanceled, TaskScheduler.Default))
        {
            if (!openFlow.IsConnected) { continue; }
            try
            {
                var tables = await openFlow.SendRequestAsync<TableStatsReply>(new TableStatsRequest(), ct);
                metrics.SetFlowsPerTable(tables.Entries.Where(t => t.ActiveCount > 0).ToDictionary(t => t.TableId, t => (long)t.ActiveCount));
                var meters = await openFlow.SendRequestAsync<MeterStatsReply>(new MeterStatsRequest(), ct);
                metrics.SetMeterDrops(meters.Entries.ToDictionary(m => m.MeterId, m => m.Bands.AsSpan().ToArray().Aggregate(0UL, (sum, band) => sum + band.PacketCount)));
                metrics.SetTunnelStats(_network.Tunnel is { } tunnel ? (await openFlow.SendRequestAsync<PortStatsReply>(new PortStatsRequest(tunnel.OfPort), ct)).Entries.FirstOrDefault() : null);
            }
            catch (Exception e) when (e is OpenFlowConnectionException or OpenFlowErrorException or TimeoutException && !ct.IsCancellationRequested)
            {
                _logger.LogDebug("Stats poll failed: {Error}", e.Message);
            }
        }
    }

    private Task HeartbeatAsync(InterfaceTable interfaces, CancellationToken ct) =>
        reporter.RunAsync(() => new AgentState(interfaces.OvsVersion, metrics.OpenFlowConnected, metrics.OvsdbConnected, metrics.FlowsPerTable, metrics.PacketInsByApp, _ignoredPorts, _network), ct);
}
