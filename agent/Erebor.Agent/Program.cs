using System.CommandLine;
using System.Net;
using Erebor.Agent;
using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Agent.Apps.Features;
using Erebor.Agent.L3;
using Erebor.Agent.Status;
using Erebor.Kube.Client;
using Erebor.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var root = new RootCommand("Erebor node agent: programs this node's Open vSwitch (br-int) from Subnets and Routers and answers DHCP, ARP and first-packet routing locally.");
var nodeName = new Option<string>("--node-name") { Description = "the Node this agent runs on (the DaemonSet passes spec.nodeName)", Required = true };
var kubeconfig = new Option<string?>("--kubeconfig") { Description = "kubeconfig file; default $KUBECONFIG, the in-cluster service account, then ~/.kube/config" };
var ovsRunDir = new Option<string>("--ovs-rundir") { Description = "Open vSwitch run directory (db.sock)", DefaultValueFactory = _ => "/var/run/openvswitch" };
var ovsdb = new Option<string?>("--ovsdb") { Description = "OVSDB endpoint, unix:PATH or tcp:IP:PORT (default unix:<ovs-rundir>/db.sock)" };
var bridge = new Option<string>("--bridge") { Description = "integration bridge", DefaultValueFactory = _ => "br-int" };
var datapath = new Option<string>("--datapath-type") { Description = "system (kernel) or netdev (userspace)", DefaultValueFactory = _ => "system" };
datapath.AcceptOnlyFromAmong("system", "netdev");
var stateDir = new Option<string>("--state-dir") { Description = "directory for state that survives restarts", DefaultValueFactory = _ => "/var/lib/erebor" };
var controllerSocket = new Option<string?>("--controller-socket") { Description = "unix socket Open vSwitch connects to; must be in its run directory (default <ovs-rundir>/erebor-agent.sock)" };
var tunnelIp = new Option<string?>("--tunnel-ip") { Description = "address other nodes' tunnels reach this node on" };
var metricsAddress = new Option<string>("--metrics-address") { Description = "address:port for /metrics, /healthz, /readyz", DefaultValueFactory = _ => "127.0.0.1:9090" };
var heartbeat = new Option<int>("--heartbeat-seconds") { Description = "how often the NodeAgent status is written", DefaultValueFactory = _ => 10 };
var l3Idle = new Option<int>("--l3-idle-seconds") { Description = "idle timeout of the reactive L3 per-destination flows", DefaultValueFactory = _ => 30 };
var dhcpRate = new Option<uint>("--dhcp-rate") { Description = "DHCP packets per second all ports together may send to the agent", DefaultValueFactory = _ => PacketInLimits.Default.Dhcp };
var dhcpPortRate = new Option<uint>("--dhcp-port-rate") { Description = "DHCP packets per second one port may send to the agent", DefaultValueFactory = _ => PacketInLimits.Default.DhcpPerPort };
var dhcpGrace = new Option<int>("--dhcp-grace-seconds") { Description = "how long a departed port's (or expired) lease keeps its address", DefaultValueFactory = _ => (int)LeasePolicy.Default.Grace.TotalSeconds };
var logFormat = new Option<string>("--log-format") { Description = "text or json", DefaultValueFactory = _ => "text" };
logFormat.AcceptOnlyFromAmong("text", "json");
foreach (var option in new Option[] { nodeName, kubeconfig, ovsRunDir, ovsdb, bridge, datapath, stateDir, controllerSocket, tunnelIp, metricsAddress, heartbeat, l3Idle, dhcpRate, dhcpPortRate, dhcpGrace, logFormat })
{
    root.Options.Add(option);
}

tunnelIp.Validators.Add(result =>
{
    if (result.GetValueOrDefault<string?>() is { } ip && !Erebor.Domain.Networking.Ipv4Address.TryParse(ip, out _, out var error)) { result.AddError($"--tunnel-ip: {error}"); }
});
metricsAddress.Validators.Add(result =>
{
    if (!IPEndPoint.TryParse(result.GetValueOrDefault<string>() ?? string.Empty, out _)) { result.AddError("--metrics-address must be address:port, e.g. 127.0.0.1:9090"); }
});

root.SetAction(async (parse, ct) =>
{
    var options = new AgentOptions
    {
        NodeName = parse.GetValue(nodeName)!,
        Kubeconfig = parse.GetValue(kubeconfig),
        OvsRunDirectory = parse.GetValue(ovsRunDir)!,
        OvsdbEndpoint = parse.GetValue(ovsdb),
        Bridge = parse.GetValue(bridge)!,
        DatapathType = parse.GetValue(datapath)!,
        StateDirectory = parse.GetValue(stateDir)!,
        ControllerSocket = parse.GetValue(controllerSocket),
        TunnelEndpoint = parse.GetValue(tunnelIp),
        MetricsEndpoint = IPEndPoint.Parse(parse.GetValue(metricsAddress)!),
        HeartbeatInterval = TimeSpan.FromSeconds(parse.GetValue(heartbeat)),
        L3IdleTimeout = TimeSpan.FromSeconds(parse.GetValue(l3Idle)),
        PacketInLimits = PacketInLimits.Default with { Dhcp = parse.GetValue(dhcpRate), DhcpPerPort = parse.GetValue(dhcpPortRate) },
        LeasePolicy = LeasePolicy.Default with { Grace = TimeSpan.FromSeconds(parse.GetValue(dhcpGrace)) },
    };

    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    if (parse.GetValue(logFormat) == "json") { builder.Logging.AddJsonConsole(); }
    else { builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.UseUtcTimestamp = true; }); }
    builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(options.MetricsEndpoint));

    var api = new KubeApi(KubeConfig.Discover(options.Kubeconfig));
    builder.Services.AddSingleton<IKubeApi>(api);
    builder.Services.AddSingleton(options);
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<AgentMetrics>();
    builder.Services.AddSingleton<NodeAgentReporter>();
    builder.Services.AddSingleton<L3App>();
    builder.Services.AddSingleton<IPacketInApp>(sp => sp.GetRequiredService<L3App>());
    builder.Services.AddSingleton<IPacketInApp, Erebor.Agent.Dhcp.DhcpApp>();
    builder.Services.AddSingleton<AgentService>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<AgentService>());
    builder.Services.AddSingleton(_ => new PrometheusExporter(AgentMetrics.MeterName, "Erebor.OpenFlow", "Erebor.Kube"));

    await using var app = builder.Build();
    var agent = app.Services.GetRequiredService<AgentService>();
    app.MapGet("/healthz", () => "ok");
    app.MapGet("/readyz", () => agent.Programmed ? Results.Text("ok") : Results.Text("pipeline not programmed", statusCode: StatusCodes.Status503ServiceUnavailable));
    app.MapPrometheusMetrics(app.Services.GetRequiredService<PrometheusExporter>());
    app.Logger.LogInformation("Erebor agent for node {Node}: bridge {Bridge}, OVSDB {Ovsdb}, metrics http://{Metrics}", options.NodeName, options.Bridge, options.ResolvedOvsdbEndpoint, options.MetricsEndpoint);
    await app.RunAsync(ct);
    return 0;
});

return await root.Parse(args).InvokeAsync();
