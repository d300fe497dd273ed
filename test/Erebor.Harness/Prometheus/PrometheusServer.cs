using System.Globalization;
using System.Text;
using System.Text.Json;

using Erebor.Harness.ControlPlane;
using Erebor.Harness.Processes;

namespace Erebor.Harness.Prometheus;

/// <summary>One sample of an instant query: the series' labels (with __name__) and its value.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>A scrape target's state as Prometheus sees it (/api/v1/targets).</summary>
public sealed record PrometheusTarget(string Job, string ScrapeUrl, string Health, string LastError);

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c>) scraping static targets on loopback: its
/// own config and TSDB in a temporary directory, a free loopback port, stopped by its PID and its
/// directory removed on dispose. Query it through the HTTP API the way a dashboard does.
/// <code>
/// await using var prometheus = await PrometheusServer.StartAsync([new("erebor-agent", agent.MetricsUrl)]);
/// var flows = await prometheus.QueryAsync("erebor_agent_flows");
/// </code>
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    private readonly BackgroundProcess _process;
    private readonly HttpClient _http;

    private PrometheusServer(BackgroundProcess process, string directory, Uri url)
    {
        _process = process;
        Directory = directory;
        Url = url;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Temporary directory holding prometheus.yml and the TSDB.</summary>
    public string Directory { get; }

    /// <summary>http://127.0.0.1:&lt;port&gt;/</summary>
    public Uri Url { get; }

    public int Pid => _process.Pid;

    /// <summary>
    /// Starts Prometheus scraping every target (its /metrics) every <paramref name="scrapeInterval"/>
    /// (default 1 s) and returns once /-/ready answers.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyList<ScrapeTarget> targets, TimeSpan? scrapeInterval = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var interval = scrapeInterval ?? TimeSpan.FromSeconds(1);
        var directory = System.IO.Directory.CreateTempSubdirectory("erebor-prometheus-").FullName;
        try
        {
            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, Config(targets, interval), ct);
            // The port was free a moment ago; another process can take it before Prometheus binds it.
            for (var attempt = 1; ; attempt++)
            {
                var port = LoopbackPorts.Reserve(1)[0];
                var process = BackgroundProcess.Start($"prometheus:{port}", Binary,
                [
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + Path.Combine(directory, "data"),
                    "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                    "--log.level=warn",
                ]);
                var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
                try
                {
                    await server.WaitReadyAsync(TimeSpan.FromSeconds(30), ct);
                    return server;
                }
                catch (Exception) when (attempt < 3 && process.HasExited && !ct.IsCancellationRequested)
                {
                    await server.StopAsync();
                }
                catch
                {
                    await server.StopAsync();
                    throw;
                }
            }
        }
        catch
        {
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>The prometheus.yml for <paramref name="targets"/>: one job per distinct job name, static host:port targets.</summary>
    public static string Config(IReadOnlyList<ScrapeTarget> targets, TimeSpan scrapeInterval)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var seconds = Math.Max(1, (int)Math.Round(scrapeInterval.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
        var text = new StringBuilder();
        text.Append("global:\n  scrape_interval: ").Append(seconds).Append("\n  scrape_timeout: ").Append(seconds).Append("\n  evaluation_interval: ").Append(seconds).Append('\n');
        text.Append("scrape_configs:\n");
        foreach (var job in targets.GroupBy(t => (t.Job, t.MetricsPath)))
        {
            text.Append("  - job_name: ").Append(JsonSerializer.Serialize(job.Key.Job)).Append('\n');
            text.Append("    metrics_path: ").Append(JsonSerializer.Serialize(job.Key.MetricsPath)).Append('\n');
            text.Append("    static_configs:\n      - targets: [")
                .AppendJoin(", ", job.Select(t => JsonSerializer.Serialize(t.Url.Authority)))
                .Append("]\n");
        }

        return text.ToString();
    }

    /// <summary>Polls /-/ready until Prometheus serves queries.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) { throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{_process.OutputTail()}"); }
            try
            {
                using var response = await _http.GetAsync(new Uri("-/ready", UriKind.Relative), ct);
                if (response.IsSuccessStatusCode) { return; }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"prometheus at {Url} was not ready within {timeout}:\n{_process.OutputTail()}");
    }

    /// <summary>An instant query (<c>/api/v1/query</c>) returning a vector; throws when Prometheus reports an error.</summary>
    public async Task<IReadOnlyList<PrometheusSample>> QueryAsync(string promql, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(promql);
        using var document = await GetDataAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), ct);
        var data = document.RootElement.GetProperty("data");
        var type = data.GetProperty("resultType").GetString();
        if (type != "vector") { throw new InvalidOperationException($"query {promql} returned a {type}, not a vector"); }
        return [.. data.GetProperty("result").EnumerateArray().Select(series => new PrometheusSample(
            series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
            ParseValue(series.GetProperty("value")[1].GetString())))];
    }

    /// <summary>The active scrape targets and their health.</summary>
    public async Task<IReadOnlyList<PrometheusTarget>> TargetsAsync(CancellationToken ct = default)
    {
        using var document = await GetDataAsync("api/v1/targets?state=active", ct);
        return [.. document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => new PrometheusTarget(
            t.GetProperty("labels").TryGetProperty("job", out var job) ? job.GetString() ?? string.Empty : string.Empty,
            t.GetProperty("scrapeUrl").GetString() ?? string.Empty,
            t.GetProperty("health").GetString() ?? string.Empty,
            t.GetProperty("lastError").GetString() ?? string.Empty))];
    }

    public string OutputTail() => _process.OutputTail();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        DeleteDirectory(Directory);
    }

    private async Task StopAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }

    private async Task<JsonDocument> GetDataAsync(string relative, CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri(relative, UriKind.Relative), ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        var document = JsonDocument.Parse(body);
        if (document.RootElement.TryGetProperty("status", out var status) && status.GetString() == "success") { return document; }
        document.Dispose();
        throw new InvalidOperationException($"prometheus {relative} answered {(int)response.StatusCode}: {body}");
    }

    private static double ParseValue(string? text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text ?? throw new InvalidOperationException("sample without a value"), NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static void DeleteDirectory(string directory)
    {
        try { System.IO.Directory.Delete(directory, recursive: true); }
        catch (IOException) { /* best effort */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }
}

/// <summary>One endpoint Prometheus scrapes: <paramref name="Url"/>'s host:port under job <paramref name="Job"/>.</summary>
public sealed record ScrapeTarget(string Job, Uri Url, string MetricsPath = "/metrics");
