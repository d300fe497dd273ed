using System.CommandLine;
using System.Globalization;
using Erebor.Api;
using Erebor.Domain.Protection;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Protection;
using Erebor.Protection.Engine;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Hosting;

/// <summary>
/// <c>erebor-operator checkpoint run &lt;namespace&gt;/&lt;name&gt;</c>: one Checkpoint run by the
/// same <see cref="CheckpointExecutor"/> the operator's controller uses (so a run can be moved into
/// a Kubernetes Job with its own limits). Progress goes to stderr, the outcome to stdout.
/// </summary>
public static class CheckpointCommand
{
    public const int ExitAvailable = 0;
    public const int ExitNotAvailable = 1;
    public const int ExitBusy = 3;

    public static Command Create(Option<string?> kubeconfig)
    {
        var target = new Argument<string>("checkpoint") { Description = "the Checkpoint to run, as <namespace>/<name>" };
        target.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not { } text || text.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                result.AddError("the checkpoint must be given as <namespace>/<name>");
            }
        });
        var holder = new Option<string>("--holder") { Description = "name this run holds the checkpoint's bank lease under (default checkpoint-run-<host>-<pid>)", DefaultValueFactory = _ => $"checkpoint-run-{Environment.MachineName}-{Environment.ProcessId}" };
        var leaseDuration = new ParsedOption<TimeSpan>("--lease-duration", "the run's lease in the bank (renewed while it writes)", "2m", Durations.Parse);
        var wait = new Option<bool>("--wait") { Description = "when another holder is writing the checkpoint or the bank is unreachable, wait and retry instead of exiting with 3" };

        var run = new Command("run", """
            Run one Checkpoint now, with the executor the operator's controller uses: resolve its plan, the plan's
            provider and bank (and encryption key), take the checkpoint's lease in the bank, protect the plan's
            selection into the bank and write phase, progress and per-resource results to the Checkpoint's status.
            A Checkpoint that is already finished is only verified (its index read back). Progress is printed on
            stderr, the outcome on stdout. Exit codes: 0 Available, 1 PartiallyFailed, Error or not found,
            3 another holder is writing it or the bank is unreachable (see --wait).
            """)
        {
            target, kubeconfig, holder, leaseDuration.Option, wait,
        };
        run.SetAction(async (parse, ct) =>
        {
            var parts = parse.GetValue(target)!.Split('/');
            return await RunAsync(parts[0], parts[1], parse.GetValue(kubeconfig), parse.GetValue(holder)!, leaseDuration.Get(parse), parse.GetValue(wait), ct);
        });

        return new Command("checkpoint", "Work with Checkpoints outside the operator process.") { run };
    }

    private static async Task<int> RunAsync(string ns, string name, string? kubeconfig, string holder, TimeSpan leaseDuration, bool wait, CancellationToken ct)
    {
        using var loggers = LoggerFactory.Create(logging => logging.AddEreborConsole(json: false, stderr: true));
        using var api = new KubeApi(KubeConfig.Discover(kubeconfig));
        var events = new EventRecorder(api, "erebor-operator", loggers.CreateLogger<EventRecorder>());
        var executor = new CheckpointExecutor(api, events, TimeProvider.System, loggers.CreateLogger<CheckpointExecutor>(), holder)
        {
            LeaseDuration = leaseDuration,
            Observer = new ProgressPrinter($"{ns}/{name}", Console.Error),
        };

        while (true)
        {
            var checkpoint = await api.GetAsync<V1Alpha1Checkpoint>(ns, name, ct);
            if (checkpoint is null)
            {
                await Console.Error.WriteLineAsync($"Checkpoint {ns}/{name} does not exist");
                return ExitNotAvailable;
            }

            if (checkpoint.Metadata.DeletionTimestamp is not null)
            {
                await Console.Error.WriteLineAsync($"Checkpoint {ns}/{name} is being deleted");
                return ExitNotAvailable;
            }

            var pass = await executor.AdvanceAsync(checkpoint, ct);
            var ready = Conditions.Find(checkpoint.Status.Conditions, ConditionTypes.Ready);
            var outcome = $"checkpoint {ns}/{name} {pass.Phase}: {ready?.Reason}: {ready?.Message}";
            switch (pass.Phase)
            {
                case RunPhase.Available:
                    Console.WriteLine(outcome);
                    return ExitAvailable;
                case RunPhase.PartiallyFailed or RunPhase.Error:
                    Console.WriteLine(outcome);
                    return ExitNotAvailable;
            }

            var retry = pass.RetryAfter ?? TimeSpan.FromSeconds(5);
            if (!wait)
            {
                await Console.Error.WriteLineAsync($"{outcome} (another holder is writing it or the bank is unreachable; --wait retries)");
                return ExitBusy;
            }

            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{outcome}; retrying in {retry.TotalSeconds:0} s"));
            await Task.Delay(retry, ct);
        }
    }

    /// <summary>Prints each skipped or failed resource, and the progress at most every 2 s.</summary>
    private sealed class ProgressPrinter(string what, TextWriter output) : IRunReporter
    {
        private readonly ProgressThrottle _throttle = new(TimeSpan.FromSeconds(2), TimeProvider.System);

        public async ValueTask OnResultAsync(ResourceResult result, RunProgress progress, CancellationToken ct)
        {
            if (result.Outcome != ResourceOutcome.Done) { await output.WriteLineAsync($"{what}: {result}"); }
            await OnProgressAsync(progress, ct);
        }

        public async ValueTask OnProgressAsync(RunProgress progress, CancellationToken ct)
        {
            if (!_throttle.IsDue()) { return; }
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{what}: {progress.Done}/{progress.Total} resources ({progress.Skipped} skipped, {progress.Failed} failed)"));
        }
    }
}
