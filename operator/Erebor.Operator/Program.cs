using System.CommandLine;
using System.Net;
using Erebor.Kube.Crds;
using Erebor.Operator.Hosting;

var root = new RootCommand("Erebor operator: reconciles erebor.io resources (Subnets, Routers, protection, sites) and serves their admission webhook.");

var kubeconfig = new Option<string?>("--kubeconfig") { Description = "kubeconfig file; default $KUBECONFIG, the in-cluster service account, then ~/.kube/config" };
var ns = new Option<string>("--namespace") { Description = "namespace of the operator's Lease and webhook Secret", DefaultValueFactory = _ => "erebor-system" };
var identity = new Option<string?>("--identity") { Description = "this replica's name in the leader election (default host-pid)" };
var leaseName = new Option<string>("--lease-name") { Description = "name of the Lease the replicas elect a leader on", DefaultValueFactory = _ => "erebor-operator" };
var leaderElect = new Option<bool>("--leader-elect") { Description = "run controllers only while holding the Lease", DefaultValueFactory = _ => true };
var leaseDuration = new ParsedOption<TimeSpan>("--lease-duration", "how long followers wait after the last renewal", "15s", Durations.Parse);
var renewDeadline = new ParsedOption<TimeSpan>("--renew-deadline", "the leader stops if it cannot renew for this long", "10s", Durations.Parse);
var retryPeriod = new ParsedOption<TimeSpan>("--retry-period", "how often to renew or retry the Lease", "2s", Durations.Parse);
var metricsAddress = new ParsedOption<IPEndPoint>("--metrics-address", "address:port for /metrics, /healthz and /readyz", "127.0.0.1:8080", IPEndPoint.Parse);
var webhookAddress = new ParsedOption<IPEndPoint>("--webhook-address", "address:port for the HTTPS admission webhook", "0.0.0.0:9443", IPEndPoint.Parse);
var noWebhook = new Option<bool>("--no-webhook") { Description = "do not serve or register the admission webhook" };
var webhookUrl = new ParsedOption<Uri>("--webhook-url", "URL the API server calls the webhook at (out of cluster); default: the erebor-webhook Service", null, text => new Uri(text, UriKind.Absolute));
var checkpointLease = new ParsedOption<TimeSpan>("--checkpoint-lease-duration", "a checkpoint run's lease in the bank: how long a killed run blocks its restart by another replica", "2m", Durations.Parse);
var agentStaleAfter = new ParsedOption<TimeSpan>("--agent-stale-after", "a NodeAgent whose heartbeat is older than this counts as not ready (Subnet/Router condition Programmed)", "40s", Durations.Parse);
var providerProbeInterval = new ParsedOption<TimeSpan>("--provider-probe-interval", "how often each ProtectionProvider's bank is probed and its orphaned checkpoint folders are removed", "60s", Durations.Parse);
var workers = new Option<int>("--workers") { Description = "concurrent reconciles per controller", DefaultValueFactory = _ => 2 };
var logFormat = new Option<string>("--log-format") { Description = "text or json", DefaultValueFactory = _ => "text" };
logFormat.AcceptOnlyFromAmong("text", "json");

var run = new Command("run", "Run the operator.");
foreach (var option in new Option[] { kubeconfig, ns, identity, leaderElect, leaseName, leaseDuration.Option, renewDeadline.Option, retryPeriod.Option, metricsAddress.Option, webhookAddress.Option, noWebhook, webhookUrl.Option, workers, checkpointLease.Option, agentStaleAfter.Option, providerProbeInterval.Option, logFormat })
{
    run.Options.Add(option);
}

run.SetAction(async (parse, ct) =>
{
    var options = new OperatorOptions
    {
        Kubeconfig = parse.GetValue(kubeconfig),
        Namespace = parse.GetValue(ns)!,
        Identity = parse.GetValue(identity) ?? $"{Environment.MachineName}-{Environment.ProcessId}",
        LeaderElect = parse.GetValue(leaderElect),
        LeaseName = parse.GetValue(leaseName)!,
        LeaseDuration = leaseDuration.Get(parse),
        RenewDeadline = renewDeadline.Get(parse),
        RetryPeriod = retryPeriod.Get(parse),
        MetricsEndpoint = metricsAddress.Get(parse)!,
        WebhookEndpoint = parse.GetValue(noWebhook) ? null : webhookAddress.Get(parse),
        WebhookUrl = webhookUrl.Get(parse),
        Workers = parse.GetValue(workers),
        CheckpointLeaseDuration = checkpointLease.Get(parse),
        AgentStaleAfter = agentStaleAfter.Get(parse),
        ProviderProbeInterval = providerProbeInterval.Get(parse),
    };
    return await OperatorApp.RunAsync(options, parse.GetValue(logFormat) == "json", ct);
});

var outDir = new Option<string>("--out") { Description = "directory to write <plural>.<group>.yaml files to", Required = true };
var generateCrds = new Command("generate-crds", "Write the CustomResourceDefinitions generated from the API types.") { outDir };
generateCrds.SetAction(parse =>
{
    var directory = parse.GetValue(outDir)!;
    CrdGenerator.WriteAll(CrdGenerator.EntityTypesIn(typeof(Erebor.Api.ApiGroup).Assembly), directory);
    Console.WriteLine($"wrote CRDs to {directory}");
    return 0;
});

root.Subcommands.Add(run);
root.Subcommands.Add(generateCrds);
root.Subcommands.Add(CheckpointCommand.Create(kubeconfig));
root.Subcommands.Add(RestoreCommand.Create(kubeconfig));
return await root.Parse(args).InvokeAsync();
