using System.Globalization;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Domain.Protection;
using Erebor.Domain.Scheduling;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Protection;

/// <summary>The reasons of a Checkpoint's Ready condition (and of its events).</summary>
public static class CheckpointReasons
{
    public const string Pending = "Pending";
    public const string Protecting = "Protecting";
    public const string Available = "Available";
    public const string PartiallyFailed = "PartiallyFailed";
    public const string PlanNotFound = "PlanNotFound";
    public const string ProviderNotFound = "ProviderNotFound";
    public const string InvalidPlugins = "InvalidPlugins";
    public const string InvalidSelection = "InvalidSelection";
    public const string EncryptionKeyMissing = "EncryptionKeyMissing";
    public const string RunInterrupted = "RunInterrupted";
    public const string LeaseLost = "LeaseLost";
    public const string BankDataInvalid = "BankDataInvalid";
    public const string IndexMissing = "IndexMissing";
    public const string IndexInvalid = "IndexInvalid";
    public const string Deleting = "Deleting";
    public const string Deleted = "Deleted";
    public const string BankDataLeft = "BankDataLeft";
}

/// <summary>Where one pass left a checkpoint, and when to look again (null: only on change).</summary>
public sealed record CheckpointPass(RunPhase? Phase, TimeSpan? RetryAfter);

/// <summary>
/// Runs Checkpoints: one implementation for the operator's Checkpoint controller and for the
/// operator binary's <c>checkpoint run</c> command (so a run can move into a Job unchanged).
/// <see cref="AdvanceAsync"/> takes a checkpoint one step through
/// <see cref="CheckpointLifecycle"/>: a run resolves plan -> provider -> bank and key, takes the
/// checkpoint's lease in the bank (another holder: wait), sets Protecting, streams the plan's
/// selection through <see cref="ProtectExecutor"/> into the bank with progress written at most every
/// <see cref="ProgressInterval"/>, and ends Available (index written and read back) or
/// PartiallyFailed (some resources failed, the rest committed) or Error with a precise reason; an
/// Error run's partial data is removed. <see cref="DeleteBankDataAsync"/> is the finalizer's work.
/// Cancellation (the checkpoint is being deleted, leadership lost) leaves the phase as it is: the
/// next pass restarts or deletes.
/// </summary>
public sealed class CheckpointExecutor(IKubeApi api, EventRecorder events, TimeProvider time, ILogger logger, string holder)
{
    /// <summary>Holds a Checkpoint until its data is deleted from the bank.</summary>
    public const string Finalizer = "erebor.io/checkpoint-bank-data";

    public string Holder => holder;

    /// <summary>The bank lease of a run: how long a killed run blocks its restart by another holder.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(2);

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a finished checkpoint's index is read again to catch data lost from the bank.</summary>
    public TimeSpan VerifyInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Also told every result and progress (the CLI prints them).</summary>
    public IRunReporter? Observer { get; init; }

    public static CheckpointPhase? ToDomain(RunPhase? phase) =>
        phase is { } p && Enum.TryParse<CheckpointPhase>(p.ToString(), out var domain) ? domain : null;

    /// <summary>Takes the checkpoint one step: run, resume, wait for another holder, verify, or nothing.</summary>
    public async Task<CheckpointPass> AdvanceAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        var phase = ToDomain(checkpoint.Status.Phase);
        CheckpointLeaseHolder? lease = null;
        if (phase == CheckpointPhase.Protecting)
        {
            var (read, pass) = await ReadLeaseAsync(checkpoint, ct);
            if (pass is not null) { return pass; }
            lease = read;
        }

        var now = time.GetUtcNow();
        var decision = CheckpointLifecycle.Decide(phase, checkpoint.Status.Attempts ?? 0, lease, holder, now);
        return decision.Step switch
        {
            CheckpointStep.Run => await RunAsync(checkpoint, decision.Reason, ct),
            CheckpointStep.Wait => new CheckpointPass(checkpoint.Status.Phase, Until(decision.RetryAt!.Value)),
            CheckpointStep.GiveUp => await GiveUpAsync(checkpoint, decision.Reason!, ct),
            CheckpointStep.Verify => await VerifyAsync(checkpoint, ct),
            _ => new CheckpointPass(checkpoint.Status.Phase, null),
        };
    }

    /// <summary>What a run needs, resolved from the checkpoint's plan and the plan's provider.</summary>
    private sealed record Target(V1Alpha1ProtectionPlan Plan, V1Alpha1ProtectionProvider Provider, IBank Bank, CheckpointStore Store, PluginSet Plugins, ProtectionSelection Selection);

    private async Task<(Target? Target, string Reason, string Message)> ResolveAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        var ns = checkpoint.Metadata.Namespace!;
        var plan = await api.GetAsync<V1Alpha1ProtectionPlan>(ns, checkpoint.Spec.Plan, ct);
        if (plan is null) { return (null, CheckpointReasons.PlanNotFound, $"ProtectionPlan {ns}/{checkpoint.Spec.Plan} named by spec.plan does not exist"); }
        var provider = await api.GetAsync<V1Alpha1ProtectionProvider>(null, plan.Spec.Provider, ct);
        if (provider is null) { return (null, CheckpointReasons.ProviderNotFound, $"ProtectionProvider '{plan.Spec.Provider}' named by plan {ns}/{plan.Metadata.Name} does not exist"); }

        PluginSet plugins;
        ProtectionSelection selection;
        try { plugins = await PluginSet.SelectAsync(provider.Spec.Plugins, KubeReader.For(api), ct); }
        catch (Exception e) when (e is ArgumentException or ResourceGraphCycleException)
        {
            return (null, CheckpointReasons.InvalidPlugins, $"ProtectionProvider '{provider.Metadata.Name}' spec.plugins: {e.Message}");
        }

        try { selection = ProtectionSelection.FromPlan(plan); }
        catch (ArgumentException e) { return (null, CheckpointReasons.InvalidSelection, $"ProtectionPlan {ns}/{plan.Metadata.Name} spec.selection: {e.Message}"); }

        var (key, keyProblem) = await ProviderBanks.ReadEncryptionKeyAsync(api, provider, ct);
        if (keyProblem is not null) { return (null, keyProblem.Reason, keyProblem.Message); }
        if (key is null && plugins.Ordered.FirstOrDefault(p => p.Encrypt) is { } encrypting)
        {
            return (null, CheckpointReasons.EncryptionKeyMissing, $"ProtectionProvider '{provider.Metadata.Name}' names no encryptionKeySecret, so {encrypting.Id} objects cannot be stored (they are only stored encrypted); name a key Secret or leave {encrypting.Id} out of spec.plugins");
        }

        var (bank, problem) = await ProviderBanks.OpenAsync(api, provider, ct);
        if (problem is not null) { return (null, problem.Reason, problem.Message); }
        var store = new CheckpointStore(bank!, key, time, new CheckpointWriterOptions { LeaseDuration = LeaseDuration });
        return (new Target(plan, provider, bank!, store, plugins, selection), string.Empty, string.Empty);
    }

    private static string PlanKey(V1Alpha1Checkpoint checkpoint) => $"{checkpoint.Metadata.Namespace}/{checkpoint.Spec.Plan}";

    private async Task<CheckpointPass> RunAsync(V1Alpha1Checkpoint checkpoint, string? restartReason, CancellationToken ct)
    {
        var (target, reason, message) = await ResolveAsync(checkpoint, ct);
        if (target is null) { return await FailAsync(checkpoint, reason, message, ct); }
        await using var bank = target.Bank;
        await EnsureFinalizerAsync(checkpoint, ct);

        var plan = PlanKey(checkpoint);
        var uid = checkpoint.Metadata.Uid!;
        CheckpointWriter writer;
        try
        {
            if (await bank.ExistsAsync(BankLayout.IndexKey(plan, uid), ct))
            {
                // An earlier attempt committed but died before saying so: start over, so that the
                // status describes exactly what this run stores.
                await target.Store.DeleteCheckpointAsync(plan, uid, holder, ct);
            }

            writer = await target.Store.BeginAsync(plan, uid, holder, ct);
        }
        catch (CheckpointLeaseHeldException e)
        {
            logger.LogInformation("Checkpoint {Key} is being written by {Holder} until {Until}; waiting", checkpoint.Key, e.HeldBy.Holder, e.HeldBy.ExpiresAt);
            return new CheckpointPass(checkpoint.Status.Phase, Until(e.HeldBy.ExpiresAt));
        }
        catch (BankException e) when (e.Failure == BankFailure.Unreachable)
        {
            return await WaitForBankAsync(checkpoint, e, ct);
        }
        catch (BankException e)
        {
            return await FailAsync(checkpoint, ProviderBanks.ReasonFor(e.Failure), e.Message, ct);
        }

        (string Reason, string Message)? failure = null;
        ProtectResult? result = null;
        await using (writer)
        {
            var status = checkpoint.Status;
            status.Attempts = (status.Attempts ?? 0) + 1;
            (status.StartTime, status.CompletionTime, status.ResourcesDone, status.ResourcesTotal, status.SizeBytes, status.Resources) = (time.GetUtcNow(), null, 0, 0, 0, []);
            status.Provider = target.Provider.Metadata.Name;
            var attempt = status.Attempts > 1 ? $" (attempt {status.Attempts}: {restartReason})" : string.Empty;
            await SetPhaseAsync(checkpoint, RunPhase.Protecting, false, CheckpointReasons.Protecting, $"protecting plan {plan} into {bank.Location}{attempt}", EventTypes.Normal, ct);

            // The bank lease, not status.executor, makes the run ours: no executor, no heartbeat.
            using var reporter = new RunStatusReporter<V1Alpha1Checkpoint, V1Alpha1Checkpoint.CheckpointStatus>(api, checkpoint, null, time, ProgressInterval)
            {
                BeforeWrite = current => current.SizeBytes = writer.Entries.Sum(e => e.SizeBytes),
                Observer = Observer,
            };
            try
            {
                result = await new ProtectExecutor(api, target.Plugins).RunAsync(uid, target.Selection, writer, reporter, ct);
            }
            catch (LeaseLostException e)
            {
                failure = (CheckpointReasons.LeaseLost, e.Message);
            }
            catch (BankException e)
            {
                failure = (ProviderBanks.ReasonFor(e.Failure), e.Message);
            }
            catch (InvalidDataException e)
            {
                failure = (CheckpointReasons.BankDataInvalid, e.Message);
            }
        }

        if (failure is { } f)
        {
            await RemoveAttemptAsync(target.Store, checkpoint);
            return await FailAsync(checkpoint, f.Reason, f.Message, ct);
        }

        return await CompleteAsync(checkpoint, result!, bank.Location, ct);
    }

    private async Task<CheckpointPass> CompleteAsync(V1Alpha1Checkpoint checkpoint, ProtectResult result, string location, CancellationToken ct)
    {
        var status = checkpoint.Status;
        var progress = result.Summary.Progress;
        (status.ResourcesDone, status.ResourcesTotal) = (progress.Done, progress.Total);
        status.SizeBytes = result.Index.Resources.Sum(e => e.SizeBytes);
        status.Resources = [.. result.Summary.NotDone.Take(RunResults.MaxListed).Select(RunResults.ToStatus)];
        status.CompletionTime = time.GetUtcNow();
        var listed = result.Summary.NotDone.Count > RunResults.MaxListed ? string.Create(CultureInfo.InvariantCulture, $" (the first {RunResults.MaxListed} are listed)") : string.Empty;
        var stored = string.Create(CultureInfo.InvariantCulture, $"{result.Index.Resources.Count} resources, {status.SizeBytes} bytes in {location}");
        if (result.Summary.HasFailures)
        {
            await SetPhaseAsync(checkpoint, RunPhase.PartiallyFailed, false, CheckpointReasons.PartiallyFailed,
                string.Create(CultureInfo.InvariantCulture, $"{progress.Failed} of {progress.Total} resources failed, see status.resources{listed}; stored {stored}"), EventTypes.Warning, ct);
            return new CheckpointPass(RunPhase.PartiallyFailed, VerifyInterval);
        }

        var skipped = progress.Skipped > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {progress.Skipped} skipped, see status.resources{listed}") : string.Empty;
        await SetPhaseAsync(checkpoint, RunPhase.Available, true, CheckpointReasons.Available, $"stored {stored}{skipped}", EventTypes.Normal, ct);
        return new CheckpointPass(RunPhase.Available, VerifyInterval);
    }

    /// <summary>An unreachable bank as a run starts: Pending and retried for a while, then Error.</summary>
    private async Task<CheckpointPass> WaitForBankAsync(V1Alpha1Checkpoint checkpoint, BankException e, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var decision = CheckpointLifecycle.OnTransientFailure(checkpoint.Metadata.CreationTimestamp ?? now, now);
        var reason = ProviderBanks.ReasonFor(e.Failure);
        if (decision.Step == CheckpointStep.GiveUp) { return await FailAsync(checkpoint, reason, $"{e.Message}; {decision.Reason}", ct); }

        var phase = checkpoint.Status.Phase ?? RunPhase.Pending;
        await SetPhaseAsync(checkpoint, phase, false, reason, $"{e.Message}; {decision.Reason}", EventTypes.Warning, ct);
        return new CheckpointPass(phase, Until(decision.RetryAt!.Value));
    }

    /// <summary>Reads the run's lease from the bank; a pass instead when the bank cannot tell.</summary>
    private async Task<(CheckpointLeaseHolder? Lease, CheckpointPass? Pass)> ReadLeaseAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        var (target, reason, message) = await ResolveAsync(checkpoint, ct);
        if (target is null) { return (null, await FailAsync(checkpoint, reason, message, ct)); }
        await using var bank = target.Bank;
        try
        {
            var lease = await bank.ReadLeaseAsync(BankLayout.LeaseKey(PlanKey(checkpoint), checkpoint.Metadata.Uid!), ct);
            return (lease is null ? null : new CheckpointLeaseHolder(lease.Holder, lease.ExpiresAt), null);
        }
        catch (InvalidDataException)
        {
            return (null, null); // a malformed lease holds nothing
        }
        catch (BankException e) when (e.Failure == BankFailure.Unreachable)
        {
            return (null, await WaitForBankAsync(checkpoint, e, ct));
        }
    }

    /// <summary>A finished checkpoint whose index no longer reads (deleted or damaged in the bank) is an Error.</summary>
    private async Task<CheckpointPass> VerifyAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        var phase = checkpoint.Status.Phase;
        if (checkpoint.Status.Provider is not { } name || await api.GetAsync<V1Alpha1ProtectionProvider>(null, name, ct) is not { } provider)
        {
            return new CheckpointPass(phase, VerifyInterval);
        }

        var (bank, problem) = await ProviderBanks.OpenAsync(api, provider, ct);
        if (problem is not null) { return new CheckpointPass(phase, VerifyInterval); }
        await using (bank!)
        {
            var plan = PlanKey(checkpoint);
            try
            {
                if (await new CheckpointReader(bank!).ReadIndexAsync(plan, checkpoint.Metadata.Uid!, ct) is null)
                {
                    return await FailAsync(checkpoint, CheckpointReasons.IndexMissing, $"the index {BankLayout.IndexKey(plan, checkpoint.Metadata.Uid!)} is missing from {bank!.Location}: the checkpoint's data was removed outside Erebor", ct);
                }
            }
            catch (InvalidDataException e)
            {
                return await FailAsync(checkpoint, CheckpointReasons.IndexInvalid, e.Message, ct);
            }
            catch (BankException e)
            {
                logger.LogInformation("Could not verify checkpoint {Key}: {Error}", checkpoint.Key, e.Message);
            }
        }

        return new CheckpointPass(phase, VerifyInterval);
    }

    /// <summary>
    /// The finalizer's work: Deleting, the bank data deleted index-first (a half-deleted checkpoint
    /// never reads as complete), Deleted. Waits while another holder's lease covers the checkpoint
    /// or the bank cannot be reached; lets go with a warning when the provider no longer exists.
    /// </summary>
    public async Task<FinalizeResult> DeleteBankDataAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        if (checkpoint.Status.Phase is not (RunPhase.Deleting or RunPhase.Deleted))
        {
            await SetPhaseAsync(checkpoint, RunPhase.Deleting, false, CheckpointReasons.Deleting, "deleting the checkpoint's data from the bank, index first", EventTypes.Normal, ct);
        }

        var plan = PlanKey(checkpoint);
        var uid = checkpoint.Metadata.Uid!;
        string deleted;
        if (checkpoint.Status.Provider is not { } providerName)
        {
            deleted = "no run ever started: the bank holds nothing of it";
        }
        else if (await api.GetAsync<V1Alpha1ProtectionProvider>(null, providerName, ct) is not { } provider)
        {
            var left = $"ProtectionProvider '{providerName}' no longer exists: the checkpoint's folder {BankLayout.CheckpointFolder(plan, uid)} stays in its bank";
            await events.WarningAsync(checkpoint, CheckpointReasons.BankDataLeft, left, ct);
            deleted = left;
        }
        else
        {
            var (bank, problem) = await ProviderBanks.OpenAsync(api, provider, ct);
            if (problem is not null) { return await BlockDeletionAsync(checkpoint, problem.Reason, problem.Message, CheckpointLifecycle.TransientRetry, ct); }
            await using (bank!)
            {
                try
                {
                    var count = await new CheckpointStore(bank!, null, time).DeleteCheckpointAsync(plan, uid, holder, ct);
                    deleted = string.Create(CultureInfo.InvariantCulture, $"deleted {count} objects from {bank!.Location}");
                }
                catch (CheckpointLeaseHeldException e)
                {
                    return await BlockDeletionAsync(checkpoint, CheckpointReasons.Deleting, $"deletion waits: {e.Message}", Until(e.HeldBy.ExpiresAt), ct);
                }
                catch (BankException e)
                {
                    return await BlockDeletionAsync(checkpoint, ProviderBanks.ReasonFor(e.Failure), $"deletion waits: {e.Message}", CheckpointLifecycle.TransientRetry, ct);
                }
            }
        }

        await SetPhaseAsync(checkpoint, RunPhase.Deleted, false, CheckpointReasons.Deleted, deleted, EventTypes.Normal, ct);
        return FinalizeResult.Release;
    }

    private async Task<FinalizeResult> BlockDeletionAsync(V1Alpha1Checkpoint checkpoint, string reason, string message, TimeSpan retry, CancellationToken ct)
    {
        await SetPhaseAsync(checkpoint, RunPhase.Deleting, false, reason, message, EventTypes.Warning, ct);
        return FinalizeResult.Hold(retry);
    }

    /// <summary>An interrupted run that is not restarted again: Error, and what its attempts wrote is removed.</summary>
    private async Task<CheckpointPass> GiveUpAsync(V1Alpha1Checkpoint checkpoint, string reason, CancellationToken ct)
    {
        var (target, _, _) = await ResolveAsync(checkpoint, ct);
        if (target is not null)
        {
            await using (target.Bank) { await RemoveAttemptAsync(target.Store, checkpoint); }
        }

        return await FailAsync(checkpoint, CheckpointReasons.RunInterrupted, reason, ct);
    }

    private async Task RemoveAttemptAsync(CheckpointStore store, V1Alpha1Checkpoint checkpoint)
    {
        try
        {
            await store.DeleteCheckpointAsync(PlanKey(checkpoint), checkpoint.Metadata.Uid!, holder, CancellationToken.None);
        }
        catch (Exception e) when (e is BankException or CheckpointLeaseHeldException)
        {
            // The provider's probe collects it as an orphan, or the finalizer deletes it with the Checkpoint.
            logger.LogWarning("Could not remove the failed attempt of checkpoint {Key} from the bank: {Error}", checkpoint.Key, e.Message);
        }
    }

    private async Task<CheckpointPass> FailAsync(V1Alpha1Checkpoint checkpoint, string reason, string message, CancellationToken ct)
    {
        checkpoint.Status.CompletionTime = time.GetUtcNow();
        await SetPhaseAsync(checkpoint, RunPhase.Error, false, reason, message, EventTypes.Warning, ct);
        return new CheckpointPass(RunPhase.Error, null);
    }

    /// <summary>Sets phase and Ready condition; writes the status and records an event when either changed.</summary>
    private async Task SetPhaseAsync(V1Alpha1Checkpoint checkpoint, RunPhase phase, bool ready, string reason, string message, string eventType, CancellationToken ct)
    {
        var changed = checkpoint.Status.Phase != phase;
        checkpoint.Status.Phase = phase;
        changed |= Conditions.Set(checkpoint.Status.Conditions, ConditionTypes.Ready, ready, reason, message, checkpoint.Metadata.Generation, time.GetUtcNow());
        checkpoint.Status.ObservedGeneration = checkpoint.Metadata.Generation;
        if (!changed) { return; }
        await WriteStatusAsync(checkpoint, ct);
        await events.RecordAsync(checkpoint, eventType, reason, message, ct);
        logger.LogInformation("Checkpoint {Key} {Phase}: {Reason}: {Message}", checkpoint.Key, phase, reason, message);
    }

    /// <summary>Replaces the status; the run owns it (under the bank lease), so a conflict only means metadata moved on.</summary>
    private async Task WriteStatusAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var updated = await api.ReplaceStatusAsync(checkpoint, ct);
                checkpoint.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
                return;
            }
            catch (KubeApiException e) when (e.IsConflict && attempt < 5)
            {
                var latest = await api.GetAsync<V1Alpha1Checkpoint>(checkpoint.Metadata.Namespace, checkpoint.Metadata.Name!, ct)
                    ?? throw new InvalidOperationException($"Checkpoint {checkpoint.Key} was deleted");
                checkpoint.Metadata = latest.Metadata;
            }
        }
    }

    private async Task EnsureFinalizerAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct)
    {
        for (var attempt = 1; !checkpoint.Metadata.HasFinalizer(Finalizer); attempt++)
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["resourceVersion"] = checkpoint.Metadata.ResourceVersion,
                    ["finalizers"] = new JsonArray([.. (checkpoint.Metadata.Finalizers ?? []).Append(Finalizer).Select(f => (JsonNode)JsonValue.Create(f))]),
                },
            };
            try
            {
                checkpoint.Metadata = (await api.PatchAsync<V1Alpha1Checkpoint>(checkpoint.Metadata.Namespace, checkpoint.Metadata.Name!, PatchType.Merge, patch.ToJsonString(), null, ct)).Metadata;
            }
            catch (KubeApiException e) when (e.IsConflict && attempt < 5)
            {
                checkpoint.Metadata = (await api.GetAsync<V1Alpha1Checkpoint>(checkpoint.Metadata.Namespace, checkpoint.Metadata.Name!, ct)
                    ?? throw new InvalidOperationException($"Checkpoint {checkpoint.Key} was deleted")).Metadata;
            }
        }
    }

    private TimeSpan Until(DateTimeOffset at)
    {
        var wait = at - time.GetUtcNow() + TimeSpan.FromSeconds(1);
        return wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1);
    }
}
