using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Protection;

/// <summary>Timings of a run's status; tests shorten them.</summary>
public sealed record RunTimings
{
    /// <summary>Progress is written at most this often.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The executor renews its heartbeat at least this often.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A run whose heartbeat is this old lost its executor and is taken over.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon a Pending restore looks at its checkpoint again (a Checkpoint change also wakes it).</summary>
    public TimeSpan PendingRetry { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How soon a restore in Error (bank unreachable, provider missing...) tries again.</summary>
    public TimeSpan ErrorRetry { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>What happened to a Restore in one call, and when to look again (null: never, it is final).</summary>
public sealed record RestoreRunResult(RunPhase? Phase, string? Reason, string? Message, TimeSpan? Again);

/// <summary>
/// Runs one Restore object: the single implementation behind the operator's Restore controller and
/// the <c>erebor-operator restore run &lt;namespace&gt;/&lt;name&gt;</c> command.
/// <para>Pending -> Restoring -> Completed | PartiallyFailed | Error. The Checkpoint must be
/// Available (else Pending, CheckpointNotAvailable; a missing one is Error, CheckpointNotFound);
/// the provider it recorded (else its plan's) gives the bank and encryption key; the index is
/// read and validated (a malformed one is Error, IndexInvalid, with the reader's message). Then the engine
/// restores every resource in dependency order with the namespace mapping and conflict policy,
/// reporting progress and every skipped or failed resource.</para>
/// <para>Crash safety: the run claims the Restore (executor + heartbeat in status, written with
/// the resourceVersion read) before touching the cluster. If its executor dies, the Restore stays
/// Restoring and the next executor takes it over once the heartbeat is stale (at once when the
/// executor released it on shutdown) and restores from the start: objects the dead run created
/// are found identical and count as Done ("unchanged"), under either conflict policy, so a resumed
/// run creates nothing twice. Completed is written only from the results of one complete attempt,
/// in which every object was created, found identical, or (policy Skip) found existing; so a
/// Restore never reads Completed with an object missing.</para>
/// </summary>
public sealed class RestoreRun(IKubeApi api, EventRecorder events, TimeProvider time, string executor, ILogger logger, RunTimings? timings = null)
{
    private static readonly RunPhase[] FinalPhases = [RunPhase.Completed, RunPhase.PartiallyFailed];
    private readonly RunTimings _timings = timings ?? new RunTimings();

    /// <summary>Called after each status write of a running restore, with the run's counts (the command prints them on stderr).</summary>
    public Action<V1Alpha1Restore, RunProgress>? Progress { get; init; }

    public async Task<RestoreRunResult> RunAsync(V1Alpha1Restore restore, CancellationToken ct)
    {
        var claim = RunClaim.Decide(restore.Status, RunPhase.Restoring, FinalPhases, executor, time.GetUtcNow(), _timings.StaleAfter);
        switch (claim.Decision)
        {
            case ClaimDecision.Finished:
                return Result(restore, null);
            case ClaimDecision.Wait:
                logger.LogDebug("Restore {Namespace}/{Name} is run by {Executor}; looking again in {Wait}", restore.Metadata.Namespace, restore.Metadata.Name, restore.Status.Executor, claim.Wait);
                return Result(restore, claim.Wait);
        }

        var previousExecutor = restore.Status.Executor;
        var prepared = await PrepareAsync(restore, ct);
        if (prepared.Problem is { } problem)
        {
            await SetAsync(restore, problem.Phase, problem.Reason, problem.Message, ct);
            return Result(restore, problem.Phase == RunPhase.Pending ? _timings.PendingRetry : _timings.ErrorRetry);
        }

        return await RestoreAsync(restore, prepared.Checkpoints!, prepared.Index!, prepared.Plugins!, claim.Decision, previousExecutor, ct);
    }

    private sealed record Problem(RunPhase Phase, string Reason, string Message);

    private sealed record Prepared(Problem? Problem, ICheckpointReader? Checkpoints = null, CheckpointIndex? Index = null, PluginSet? Plugins = null);

    /// <summary>Everything that must hold before anything is restored; a problem names its phase and reason.</summary>
    private async Task<Prepared> PrepareAsync(V1Alpha1Restore restore, CancellationToken ct)
    {
        var ns = restore.Metadata.Namespace!;
        var spec = restore.Spec;
        if (!string.IsNullOrEmpty(spec.Site))
        {
            return new(new Problem(RunPhase.Error, RestoreReasons.SiteNotSupported, $"spec.site '{spec.Site}': restoring on another Site is not supported yet; restore on this cluster (no site)"));
        }

        var checkpoint = await api.GetAsync<V1Alpha1Checkpoint>(ns, spec.Checkpoint, ct);
        if (checkpoint is null)
        {
            return new(new Problem(RunPhase.Error, RestoreReasons.CheckpointNotFound, $"Checkpoint {ns}/{spec.Checkpoint} does not exist"));
        }

        if (checkpoint.Status.Phase != RunPhase.Available)
        {
            return new(new Problem(RunPhase.Pending, RestoreReasons.CheckpointNotAvailable,
                $"Checkpoint {spec.Checkpoint} is {checkpoint.Status.Phase?.ToString() ?? "not started"}; the restore starts when it is Available"));
        }

        // The provider the checkpoint was written with (recorded when its run started); the plan's otherwise.
        var providerName = checkpoint.Status.Provider;
        if (providerName is null)
        {
            var plan = await api.GetAsync<V1Alpha1ProtectionPlan>(ns, checkpoint.Spec.Plan, ct);
            if (plan is null)
            {
                return new(new Problem(RunPhase.Error, RestoreReasons.PlanNotFound, $"ProtectionPlan {ns}/{checkpoint.Spec.Plan} of Checkpoint {spec.Checkpoint} does not exist, and the checkpoint records no provider: the provider names the bank that holds it"));
            }

            providerName = plan.Spec.Provider;
        }

        var provider = await api.GetAsync<V1Alpha1ProtectionProvider>(null, providerName, ct);
        if (provider is null)
        {
            return new(new Problem(RunPhase.Error, RestoreReasons.ProviderNotFound, $"ProtectionProvider '{providerName}' of Checkpoint {spec.Checkpoint} does not exist"));
        }

        var (bank, bankProblem) = await ProviderBanks.OpenAsync(api, provider, ct);
        if (bankProblem is not null) { return new(new Problem(RunPhase.Error, bankProblem.Reason, bankProblem.Message)); }
        var (key, keyProblem) = await ProviderBanks.ReadEncryptionKeyAsync(api, provider, ct);
        if (keyProblem is not null) { return new(new Problem(RunPhase.Error, keyProblem.Reason, keyProblem.Message)); }

        var reader = new CheckpointReader(bank!, key);
        var planKey = $"{ns}/{checkpoint.Spec.Plan}";
        CheckpointIndex? index;
        try
        {
            index = await reader.ReadIndexAsync(planKey, checkpoint.Metadata.Uid!, ct);
        }
        catch (InvalidDataException e)
        {
            return new(new Problem(RunPhase.Error, RestoreReasons.IndexInvalid, e.Message));
        }
        catch (BankException e)
        {
            return new(new Problem(RunPhase.Error, ProviderBanks.ReasonFor(e.Failure), e.Message));
        }

        if (index is null)
        {
            return new(new Problem(RunPhase.Error, RestoreReasons.IndexMissing,
                $"Checkpoint {spec.Checkpoint} reads Available but {bank!.Location} holds no index for plan {planKey}, uid {checkpoint.Metadata.Uid} (deleted from the bank?)"));
        }

        try
        {
            var plugins = await PluginSet.ForIndexAsync(provider.Spec.Plugins, index, KubeReader.For(api), ct);
            return new(null, reader, index, plugins);
        }
        catch (ArgumentException e)
        {
            return new(new Problem(RunPhase.Error, RestoreReasons.InvalidPlugins, $"ProtectionProvider '{provider.Metadata.Name}' spec.plugins: {e.Message}"));
        }
    }

    private async Task<RestoreRunResult> RestoreAsync(V1Alpha1Restore restore, ICheckpointReader checkpoints, CheckpointIndex index, PluginSet plugins, ClaimDecision decision, string? previousExecutor, CancellationToken ct)
    {
        var options = RestoreOptions.FromRestore(restore);
        var target = Target(restore, index);
        var now = time.GetUtcNow();
        using var reporter = new RunStatusReporter<V1Alpha1Restore, V1Alpha1Restore.RestoreStatus>(api, restore, executor, time, _timings.ProgressInterval,
            progress => Progress?.Invoke(restore, progress));

        var story = decision switch
        {
            ClaimDecision.TakeOver => $"taking over from {previousExecutor}, whose heartbeat stopped; restoring all {index.Resources.Count} resources again (existing identical ones count as done)",
            ClaimDecision.Resume => $"resuming: restoring all {index.Resources.Count} resources again (existing identical ones count as done)",
            _ => $"restoring {index.Resources.Count} resources of checkpoint {restore.Spec.Checkpoint} into {target} (conflict policy {restore.Spec.ConflictPolicy})",
        };
        await reporter.WriteAsync(status =>
        {
            status.Phase = RunPhase.Restoring;
            status.Executor = executor;
            status.ObservedGeneration = restore.Metadata.Generation;
            status.StartTime ??= now;
            status.CompletionTime = null;
            status.ResourcesDone = 0;
            status.ResourcesTotal = index.Resources.Count;
            status.Resources = null;
            Conditions.Set(status.Conditions, ConditionTypes.Ready, false, RestoreReasons.Restoring, story, restore.Metadata.Generation, now);
        }, ct);
        await events.NormalAsync(restore, decision == ClaimDecision.Start ? "RestoreStarted" : "RestoreResumed", story, ct);
        logger.LogInformation("Restore {Namespace}/{Name}: {Story}", restore.Metadata.Namespace, restore.Metadata.Name, story);

        using var stopHeartbeat = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = reporter.HeartbeatAsync(_timings.HeartbeatInterval, stopHeartbeat.Token);
        RunSummary summary;
        try
        {
            summary = await new RestoreExecutor(api, plugins).RunAsync(checkpoints, index, options, reporter, ct);
        }
        catch (Exception e) when (e is BankException or CheckpointDecryptionException)
        {
            await StopAsync(stopHeartbeat, heartbeat);
            var reason = e is BankException bank ? ProviderBanks.ReasonFor(bank.Failure) : RestoreReasons.DecryptionFailed;
            await FinishAsync(reporter, RunPhase.Error, reason, $"reading the checkpoint failed after {reporter.Entity.Status.ResourcesDone} resources: {e.Message}", ct);
            return Result(restore, _timings.ErrorRetry);
        }
        catch (RunAbortedException e)
        {
            await StopAsync(stopHeartbeat, heartbeat);
            logger.LogWarning("Restore {Namespace}/{Name} stopped: {Reason}", restore.Metadata.Namespace, restore.Metadata.Name, e.Message);
            return Result(restore, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await StopAsync(stopHeartbeat, heartbeat);
            await ReleaseAsync(reporter);
            throw;
        }

        await StopAsync(stopHeartbeat, heartbeat);
        var verdict = RunResults.Restore(summary, target);
        var message = reporter.Unlisted > 0 ? $"{verdict.Message} ({reporter.Unlisted} more skipped or failed resources are not listed)" : verdict.Message;
        await FinishAsync(reporter, verdict.Phase, verdict.Reason, message, ct, summary.Progress);
        return Result(restore, null);
    }

    /// <summary>Where the objects go, for messages: the target namespace, or the mapping of the checkpoint's namespaces.</summary>
    private static string Target(V1Alpha1Restore restore, CheckpointIndex index)
    {
        var map = NamespaceMap.FromRestore(restore);
        var namespaces = index.Resources.Select(e => e.Key.Namespace ?? (e.Key.Kind == "Namespace" ? e.Key.Name : null)).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        var mapped = namespaces.Select(n => map.Map(n) == n ? n : $"{n}->{map.Map(n)}").ToList();
        return mapped.Count switch
        {
            0 => "the cluster",
            1 => $"namespace {mapped[0]}",
            _ => "namespaces " + string.Join(", ", mapped),
        };
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task heartbeat)
    {
        await stop.CancelAsync();
        try { await heartbeat; }
        catch (RunAbortedException) { /* reported by the run itself */ }
    }

    private async Task FinishAsync(RunStatusReporter<V1Alpha1Restore, V1Alpha1Restore.RestoreStatus> reporter, RunPhase phase, string reason, string message, CancellationToken ct, RunProgress? progress = null)
    {
        var restore = reporter.Entity;
        var now = time.GetUtcNow();
        await reporter.WriteAsync(status =>
        {
            status.Phase = phase;
            status.Executor = null;
            status.HeartbeatTime = null;
            if (progress is { } p) { (status.ResourcesDone, status.ResourcesTotal) = (p.Done, p.Total); }
            if (phase != RunPhase.Error) { status.CompletionTime = now; }
            Conditions.Set(status.Conditions, ConditionTypes.Ready, phase == RunPhase.Completed, reason, message, restore.Metadata.Generation, now);
        }, ct);
        await events.RecordAsync(restore, phase == RunPhase.Completed ? EventTypes.Normal : EventTypes.Warning, reason, message, ct);
        logger.LogInformation("Restore {Namespace}/{Name} {Phase}: {Message}", restore.Metadata.Namespace, restore.Metadata.Name, phase, message);
    }

    /// <summary>On shutdown: keep the phase Restoring but clear the executor, so the next executor resumes at once instead of waiting for a stale heartbeat.</summary>
    private async Task ReleaseAsync(RunStatusReporter<V1Alpha1Restore, V1Alpha1Restore.RestoreStatus> reporter)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await reporter.WriteAsync(status => { status.Executor = null; status.HeartbeatTime = null; }, timeout.Token);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or OperationCanceledException or RunAbortedException)
        {
            logger.LogWarning("Could not release restore {Namespace}/{Name}; the next executor takes it over once its heartbeat is stale: {Error}", reporter.Entity.Metadata.Namespace, reporter.Entity.Metadata.Name, e.Message);
        }
    }

    /// <summary>Pending or Error before the run: status and condition written only when they change, an event when they do.</summary>
    private async Task SetAsync(V1Alpha1Restore restore, RunPhase phase, string reason, string message, CancellationToken ct)
    {
        var before = KubeJson.Clone(restore.Status);
        var status = restore.Status;
        var now = time.GetUtcNow();
        status.Phase = phase;
        status.Executor = null;
        status.HeartbeatTime = null;
        status.ObservedGeneration = restore.Metadata.Generation;
        if (Conditions.Set(status.Conditions, ConditionTypes.Ready, false, reason, message, restore.Metadata.Generation, now))
        {
            await events.RecordAsync(restore, phase == RunPhase.Pending ? EventTypes.Normal : EventTypes.Warning, reason, message, ct);
        }

        if (KubeJson.Serialize(status) != KubeJson.Serialize(before))
        {
            var updated = await api.ReplaceStatusAsync(restore, ct);
            restore.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
        }
    }

    private static RestoreRunResult Result(V1Alpha1Restore restore, TimeSpan? again)
    {
        var ready = Conditions.Find(restore.Status.Conditions, ConditionTypes.Ready);
        return new(restore.Status.Phase, ready?.Reason, ready?.Message, again);
    }
}
