using System.Diagnostics;
using System.Text.Json;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;

// `make demo`: the whole story on one machine, narrated. Ctrl-C (or --exit after the tour)
// stops everything this program started, by PID, and removes its temporary files.
var exitWhenShown = args.Contains("--exit");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var clock = Stopwatch.StartNew();
void Say(string message) => Console.WriteLine($"[demo {clock.Elapsed.TotalSeconds,6:F1}s] {message}");

IControlPlane? cluster = null;
OperatorProcess? operatorProcess = null;
try
{
    Say("starting a local control plane: etcd + kube-apiserver 1.20 on loopback ports");
    cluster = await ControlPlanes.StartAsync(ct: stop.Token);
    Say($"API server {cluster.ApiServerUrl}; to look around yourself: export KUBECONFIG={cluster.KubeconfigPath}");

    Say("installing Erebor's CRDs (kubectl apply -f crds/)");
    await EreborInstallation.InstallCrdsAsync(cluster);

    Say("registering two simulated nodes (Node objects; there is no kubelet here)");
    foreach (var node in new[] { "node-1", "node-2" })
    {
        await cluster.ApplyAsync($"apiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\n  labels: {{erebor.io/simulated: \"true\"}}\n");
    }

    Say("starting the operator (leader election, admission webhook, /metrics)");
    operatorProcess = await OperatorProcess.StartAsync(cluster, new OperatorProcessOptions { Identity = "demo-operator" }, stop.Token);
    Say($"operator ready; metrics at {operatorProcess.MetricsUrl}metrics");

    Say("applying config/samples (two Subnets and a Router in namespace demo)");
    Console.WriteLine(await cluster.KubectlCheckedAsync("apply", "-k", RepositoryPaths.Samples));

    Say("waiting for every sample to report Ready");
    await Eventually.UntilAsync(() => NotReadyAsync(cluster), notReady => notReady.Count == 0, TimeSpan.FromSeconds(60), "the samples to be Ready");

    Say("kubectl get erebor -A -o wide");
    Console.WriteLine(await cluster.KubectlCheckedAsync("get", "erebor", "-A", "-o", "wide"));
    Say("kubectl describe subnet frontend -n demo");
    Console.WriteLine(await cluster.KubectlCheckedAsync("describe", "subnet", "frontend", "-n", "demo"));

    Say("the webhook refuses a bad object with a precise message:");
    var bad = await ApplyStdinAsync(cluster, "apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata: {name: typo, namespace: demo}\nspec: {cidr: 10.10.3.1/24}\n");
    Console.WriteLine("  " + bad.Trim());

    if (exitWhenShown)
    {
        Say("done (--exit); cleaning up");
        return 0;
    }

    Say("all set. Press Ctrl-C to stop and clean up.");
    await Task.Delay(Timeout.Infinite, stop.Token);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Say("stopping");
    return 0;
}
catch (Exception e)
{
    Say($"FAILED: {e.Message}");
    if (operatorProcess is not null) { Console.Error.WriteLine(operatorProcess.OutputTail()); }
    return 1;
}
finally
{
    if (operatorProcess is not null) { await operatorProcess.DisposeAsync(); }
    if (cluster is not null) { await cluster.DisposeAsync(); }
    Say("cleaned up");
}

// Subnets and Routers whose Ready condition is not True, as "kind/namespace/name".
static async Task<List<string>> NotReadyAsync(IControlPlane cluster)
{
    var json = await cluster.KubectlCheckedAsync("get", "subnets,routers", "-A", "-o", "json");
    using var doc = JsonDocument.Parse(json);
    var notReady = new List<string>();
    foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
    {
        var ready = item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
            && conditions.EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");
        if (!ready) { notReady.Add($"{item.GetProperty("kind").GetString()}/{item.GetProperty("metadata").GetProperty("name").GetString()}"); }
    }

    return notReady;
}

static async Task<string> ApplyStdinAsync(IControlPlane cluster, string manifest)
{
    try
    {
        return await cluster.ApplyAsync(manifest);
    }
    catch (Erebor.Harness.Processes.ProcessFailedException e)
    {
        return e.Result.StdErr;
    }
}
