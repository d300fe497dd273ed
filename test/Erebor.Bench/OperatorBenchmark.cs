using System.Diagnostics;
using System.Text;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Processes;
using Erebor.Harness.Prometheus;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;

namespace Erebor.Bench;

/// <summary>
/// Time from `kubectl apply` of N Subnets to all of them Ready, with the operator's API requests and
/// peak memory, against the floor: the same apply on an identical control plane with no operator
/// (how fast the API server alone accepts the objects).
/// </summary>
public static class OperatorBenchmark
{
    public sealed record Result(
        int Subnets,
        int Nodes,
        double KubectlApplyAloneSeconds,
        double ApplyToAllReadySeconds,
        double Ratio,
        long OperatorApiRequests,
        double ApiRequestsPerSubnet,
        long OperatorPeakRssBytes,
        double WebhookMeanLatencyMs,
        Machine Machine);

    public static async Task<Result> RunAsync(int subnets, int nodes, Action<string> say)
    {
        var manifest = Path.GetTempFileName();
        await File.WriteAllTextAsync(manifest, Subnets(subnets));
        try
        {
            say($"floor: kubectl apply of {subnets} Subnets to a control plane with no operator");
            double floor;
            await using (var bare = await ControlPlanes.StartAsync())
            {
                await PrepareAsync(bare, nodes);
                floor = await TimeAsync(() => bare.KubectlCheckedAsync("apply", "-f", manifest));
            }

            say($"floor: {floor:F2} s. Now the same apply with the operator running, until all are Ready");
            await using var cluster = await ControlPlanes.StartAsync();
            await PrepareAsync(cluster, nodes);
            await using var op = await OperatorProcess.StartAsync(cluster, new OperatorProcessOptions { Identity = "bench" });
            using var api = new KubeApi(KubeConfig.FromFile(cluster.KubeconfigPath));
            var requestsBefore = ApiRequests(await op.MetricsAsync());

            var clock = Stopwatch.StartNew();
            await cluster.KubectlCheckedAsync("apply", "-f", manifest);
            say($"applied in {clock.Elapsed.TotalSeconds:F2} s (webhook in the path); waiting for Ready");
            await Eventually.UntilAsync(
                async () => (await api.ListAsync<V1Alpha1Subnet>("bench")).Items.Count(s => Conditions.IsTrue(s.Status.Conditions, "Ready")),
                ready => ready == subnets,
                TimeSpan.FromMinutes(10),
                $"{subnets} Subnets Ready",
                TimeSpan.FromMilliseconds(250));
            var allReady = clock.Elapsed.TotalSeconds;
            var requests = ApiRequests(await op.MetricsAsync()) - requestsBefore;
            var peak = PeakRss.Of(op.Pid);
            var webhookMs = WebhookMeanMilliseconds(await cluster.KubectlCheckedAsync("get", "--raw", "/metrics"));
            say($"all Ready after {allReady:F2} s; {requests} API requests; operator peak RSS {peak / 1048576} MiB; webhook mean {webhookMs:F2} ms as the API server saw it");
            return new Result(subnets, nodes, floor, allReady, allReady / floor, requests, (double)requests / subnets, peak, webhookMs, Machine.Current());
        }
        finally
        {
            File.Delete(manifest);
        }
    }

    private static async Task PrepareAsync(IControlPlane cluster, int nodes)
    {
        await EreborInstallation.InstallCrdsAsync(cluster);
        await cluster.KubectlCheckedAsync("create", "namespace", "bench");
        await cluster.ApplyAsync(string.Join("\n---\n", Enumerable.Range(1, nodes).Select(i => $"apiVersion: v1\nkind: Node\nmetadata:\n  name: bench-node-{i}")));
    }

    private static string Subnets(int count)
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            // 10.x.y.0/24 from a counter: every Subnet distinct.
            yaml.Append($"apiVersion: erebor.io/v1alpha1\nkind: Subnet\nmetadata:\n  name: s{i}\n  namespace: bench\nspec:\n  cidr: 10.{i / 256 % 256}.{i % 256}.0/24\n---\n");
        }

        return yaml.ToString();
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalSeconds;
    }

    private static long ApiRequests(string metrics) => (long)Exposition.Sum(metrics, "erebor_kube_requests_total");

    /// <summary>Mean admission webhook latency from the API server's own histogram.</summary>
    private static double WebhookMeanMilliseconds(string apiServerMetrics)
    {
        const string histogram = "apiserver_admission_webhook_admission_duration_seconds";
        var count = Exposition.Sum(apiServerMetrics, histogram + "_count");
        return count == 0 ? 0 : Exposition.Sum(apiServerMetrics, histogram + "_sum") / count * 1000;
    }
}
