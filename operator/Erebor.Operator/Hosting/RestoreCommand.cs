using System.CommandLine;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Protection;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Hosting;

/// <summary>
/// <c>erebor-operator restore run &lt;namespace&gt;/&lt;name&gt;</c>: runs one Restore in this process with
/// the operator's own <see cref="RestoreRun"/>, writing its status as the operator would, so a run
/// can be offloaded to a Kubernetes Job with its own resource limits.
/// </summary>
public static class RestoreCommand
{
    public const int Completed = 0;
    public const int PartiallyFailed = 1;
    public const int Failed = 2;
    public const int Unusable = 3;

    public static Command Create(Option<string?> kubeconfig)
    {
        var target = new Argument<string>("restore") { Description = "the Restore to run, as <namespace>/<name>" };
        var identity = new Option<string?>("--identity") { Description = "executor name written to status.executor (default restore-run-<host>-<pid>)" };
        var timeout = new ParsedOption<TimeSpan>("--timeout", "give up waiting (for the Checkpoint to become Available, or for another executor) after this long; 0s waits forever", "0s", Durations.Parse);
        var logFormat = new Option<string>("--log-format") { Description = "text or json (logs and progress go to stderr)", DefaultValueFactory = _ => "text" };
        logFormat.AcceptOnlyFromAmong("text", "json");

        var run = new Command("run", """
            Run one Restore now, in this process, exactly as the operator's Restore controller does:
            wait while its Checkpoint is not Available, restore every resource in dependency order
            with the Restore's namespace mapping and conflict policy, and write phase, progress and
            per-resource results to its status. Progress is printed on stderr. A Restore another
            live executor (an operator replica) is running is left to it; one whose executor died is
            taken over and restored again (existing identical objects count as done).
            Exit codes: 0 Completed, 1 PartiallyFailed, 2 Error, 3 not found, bad argument or timed out.
            """)
        {
            target, kubeconfig, identity, timeout.Option, logFormat,
        };
        run.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(target)!;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == text.Length - 1 || text.IndexOf('/', slash + 1) >= 0)
            {
                await Console.Error.WriteLineAsync($"restore run: '{text}' is not <namespace>/<name>");
                return Unusable;
            }

            using var loggers = LoggerFactory.Create(builder => builder.AddEreborConsole(parse.GetValue(logFormat) == "json", stderr: true));
            using var api = new KubeApi(KubeConfig.Discover(parse.GetValue(kubeconfig)));
            var executor = parse.GetValue(identity) ?? $"restore-run-{Environment.MachineName}-{Environment.ProcessId}";
            var events = new EventRecorder(api, "erebor-restore-run", loggers.CreateLogger<EventRecorder>());
            var restoreRun = new RestoreRun(api, events, TimeProvider.System, executor, loggers.CreateLogger<RestoreRun>())
            {
                Progress = (restore, progress) => Console.Error.WriteLine(
                    $"restore {restore.Metadata.Namespace}/{restore.Metadata.Name}: {restore.Status.Phase} {restore.Status.ResourcesDone}/{restore.Status.ResourcesTotal} ({progress.Skipped} skipped, {progress.Failed} failed)"),
            };
            var limit = timeout.Get(parse);
            return await RunAsync(api, restoreRun, text[..slash], text[(slash + 1)..], limit > TimeSpan.Zero ? DateTimeOffset.UtcNow + limit : null, ct);
        });

        return new Command("restore", "Restores: run one outside the operator.") { run };
    }

    private static async Task<int> RunAsync(KubeApi api, RestoreRun restoreRun, string ns, string name, DateTimeOffset? deadline, CancellationToken ct)
    {
        while (true)
        {
            var restore = await api.GetAsync<V1Alpha1Restore>(ns, name, ct);
            if (restore is null)
            {
                await Console.Error.WriteLineAsync($"restore run: Restore {ns}/{name} does not exist");
                return Unusable;
            }

            var result = await restoreRun.RunAsync(restore, ct);
            var line = $"restore {ns}/{name}: {result.Phase?.ToString() ?? "-"} ({result.Reason}): {result.Message}";
            if (result.Again is not { } again || result.Phase == RunPhase.Error)
            {
                await Console.Error.WriteLineAsync(line);
                return result.Phase switch
                {
                    RunPhase.Completed => Completed,
                    RunPhase.PartiallyFailed => PartiallyFailed,
                    _ => Failed,
                };
            }

            // Pending, or run by another live executor: wait and look again.
            var waitUntil = DateTimeOffset.UtcNow + again;
            if (deadline is { } end && waitUntil > end)
            {
                await Console.Error.WriteLineAsync($"{line}; gave up waiting (--timeout)");
                return Unusable;
            }

            await Console.Error.WriteLineAsync($"{line}; looking again in {again.TotalSeconds:0}s");
            await Task.Delay(again, ct);
        }
    }
}
