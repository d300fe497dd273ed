using Erebor.Harness.ControlPlane;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;

namespace Erebor.Harness.Agent;

/// <summary>
/// A real erebor-agent process for one simulated node: it talks to that node's private OVSDB,
/// OVS connects to its controller socket, and it reaches the test control plane — the environment
/// the DaemonSet would give it.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private AgentProcess(BackgroundProcess process, string nodeName, string stateDirectory, int metricsPort)
    {
        _process = process;
        NodeName = nodeName;
        StateDirectory = stateDirectory;
        MetricsUrl = new Uri($"http://127.0.0.1:{metricsPort}");
    }

    public string NodeName { get; }
    public string StateDirectory { get; }
    public Uri MetricsUrl { get; }
    public int Pid => _process.Pid;
    public bool HasExited => _process.HasExited;

    /// <summary>The agent binary: $EREBOR_AGENT_BIN, else the apphost copied next to the test assembly.</summary>
    public static string Binary =>
        Environment.GetEnvironmentVariable("EREBOR_AGENT_BIN") is { Length: > 0 } bin ? bin : Path.Combine(AppContext.BaseDirectory, "erebor-agent");

    /// <summary>Starts an agent for <paramref name="node"/>; with <paramref name="waitProgrammed"/>, returns once /readyz says the pipeline is installed.</summary>
    /// <param name="heartbeatSeconds">How often it writes its NodeAgent status (2 s: tests see it quickly).</param>
    public static async Task<AgentProcess> StartAsync(IControlPlane cluster, OvsNode node, string? nodeName = null, string? stateDirectory = null, int? metricsPort = null, bool waitProgrammed = true, IReadOnlyList<string>? extraArgs = null, int heartbeatSeconds = 2, CancellationToken ct = default)
    {
        nodeName ??= node.Name;
        stateDirectory ??= Path.Combine(node.RootDirectory, "agent");
        var port = metricsPort ?? LoopbackPorts.Reserve(1)[0];
        string[] args =
        [
            "--node-name", nodeName, "--kubeconfig", cluster.KubeconfigPath, "--ovs-rundir", node.RunDirectory, "--bridge", node.BridgeName,
            "--datapath-type", "netdev", "--state-dir", stateDirectory, "--metrics-address", $"127.0.0.1:{port}", "--heartbeat-seconds", heartbeatSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            .. extraArgs ?? [],
        ];
        var process = BackgroundProcess.Start($"agent-{nodeName}", Binary, args);
        var agent = new AgentProcess(process, nodeName, stateDirectory, port);
        if (!waitProgrammed) { return agent; }
        try
        {
            await agent.WaitProgrammedAsync(TimeSpan.FromSeconds(60), ct);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    public string OutputTail() => _process.OutputTail();

    public async Task<string> MetricsAsync(CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync(new Uri(MetricsUrl, "/metrics"), ct);
    }

    public async Task WaitProgrammedAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) { throw new InvalidOperationException($"erebor-agent {NodeName} exited with {_process.ExitCode}:\n{_process.OutputTail()}"); }
            try
            {
                using var response = await http.GetAsync(new Uri(MetricsUrl, "/readyz"), ct);
                if (response.IsSuccessStatusCode) { return; }
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                // not listening yet, or too busy to answer within the request timeout
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"agent {NodeName} did not program its pipeline within {timeout}:\n{_process.OutputTail()}");
    }

    /// <summary>SIGKILL: the agent dies with no chance to clean up, as in a crash.</summary>
    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
