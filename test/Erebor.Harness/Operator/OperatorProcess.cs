using Erebor.Harness.ControlPlane;
using Erebor.Harness.Processes;

namespace Erebor.Harness.Operator;

/// <summary>How to start one operator replica against a test control plane.</summary>
public sealed record OperatorProcessOptions
{
    public string Identity { get; init; } = "operator-" + Guid.NewGuid().ToString("N")[..6];
    public bool LeaderElect { get; init; } = true;
    public bool Webhook { get; init; } = true;

    /// <summary>Short lease timings, so that failover tests take seconds.</summary>
    public string LeaseDuration { get; init; } = "4s";
    public string RenewDeadline { get; init; } = "3s";
    public string RetryPeriod { get; init; } = "500ms";
    public string Namespace { get; init; } = "erebor-system";
    public string LeaseName { get; init; } = "erebor-operator";

    /// <summary>Another identity than the cluster admin, e.g. the service account config/rbac grants.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>More `run` flags, e.g. ["--checkpoint-lease-duration", "15s"].</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];
}

/// <summary>
/// A real erebor-operator process (the binary the test project was built with) pointed at a test
/// control plane: metrics and webhook on free loopback ports, the webhook registered by URL.
/// </summary>
public sealed class OperatorProcess : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private OperatorProcess(BackgroundProcess process, OperatorProcessOptions options, int metricsPort, int? webhookPort)
    {
        _process = process;
        Options = options;
        MetricsUrl = new Uri($"http://127.0.0.1:{metricsPort}");
        WebhookPort = webhookPort;
    }

    public OperatorProcessOptions Options { get; }
    public Uri MetricsUrl { get; }
    public int? WebhookPort { get; }
    public int Pid => _process.Pid;
    public bool HasExited => _process.HasExited;

    /// <summary>The operator binary: $EREBOR_OPERATOR_BIN, else the apphost copied next to the test assembly.</summary>
    public static string Binary =>
        Environment.GetEnvironmentVariable("EREBOR_OPERATOR_BIN") is { Length: > 0 } bin ? bin : Path.Combine(AppContext.BaseDirectory, "erebor-operator");

    /// <summary>Starts the operator and waits until /readyz answers 200 (webhook registered).</summary>
    public static async Task<OperatorProcess> StartAsync(IControlPlane cluster, OperatorProcessOptions? options = null, CancellationToken ct = default)
    {
        options ??= new OperatorProcessOptions();
        var ports = LoopbackPorts.Reserve(2);
        var metricsPort = ports[0];
        int? webhookPort = options.Webhook ? ports[1] : null;
        var args = new List<string>
        {
            "run", "--kubeconfig", options.Kubeconfig ?? cluster.KubeconfigPath, "--namespace", options.Namespace, "--identity", options.Identity,
            "--leader-elect", options.LeaderElect ? "true" : "false", "--lease-name", options.LeaseName,
            "--lease-duration", options.LeaseDuration, "--renew-deadline", options.RenewDeadline, "--retry-period", options.RetryPeriod,
            "--metrics-address", $"127.0.0.1:{metricsPort}",
        };
        if (webhookPort is { } port) { args.AddRange(["--webhook-address", $"127.0.0.1:{port}", "--webhook-url", $"https://127.0.0.1:{port}"]); }
        else { args.Add("--no-webhook"); }
        args.AddRange(options.ExtraArgs);

        var process = BackgroundProcess.Start(options.Identity, Binary, args);
        var started = new OperatorProcess(process, options, metricsPort, webhookPort);
        try
        {
            await started.WaitReadyAsync(TimeSpan.FromSeconds(60), ct);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    public string OutputTail() => _process.OutputTail();

    public async Task<string> MetricsAsync(CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri(MetricsUrl, "/metrics"), ct);
    }

    /// <summary>SIGKILL, as a crash or an OOM kill would.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM: the graceful path (the leader releases its lease).</summary>
    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(15));

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (_process.HasExited) { throw new InvalidOperationException($"erebor-operator exited with {_process.ExitCode}:\n{_process.OutputTail()}"); }
            try
            {
                using var response = await http.GetAsync(new Uri(MetricsUrl, "/readyz"), ct);
                if (response.IsSuccessStatusCode) { return; }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"erebor-operator was not ready within {timeout}:\n{_process.OutputTail()}");
    }
}
