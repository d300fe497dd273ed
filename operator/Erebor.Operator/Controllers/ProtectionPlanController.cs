using System.Globalization;
using Erebor.Api;
using Erebor.Domain.Scheduling;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Protection;

namespace Erebor.Operator.Controllers;

public static class PlanReasons
{
    public const string Scheduled = "Scheduled";
    public const string OnDemand = "OnDemand";
    public const string Suspended = "Suspended";
    public const string ProviderNotFound = "ProviderNotFound";
    public const string InvalidSchedule = "InvalidSchedule";
    public const string InvalidRetention = "InvalidRetention";
}

/// <summary>
/// Validates a ProtectionPlan (provider, cron schedule, retention) and, when a slot of its schedule
/// is due, creates the Checkpoint for that slot. The Checkpoint's name comes from the slot, so a
/// retried reconcile (or a crash between creating it and writing status) never runs a slot twice;
/// after downtime only the latest missed slot runs. Retention (<see cref="RetentionPolicy"/>) deletes
/// the Checkpoint objects it drops; their finalizer deletes their data from the bank.
/// </summary>
public sealed class ProtectionPlanController(IKubeApi api, Informer<V1Alpha1ProtectionProvider> providers, Informer<V1Alpha1Checkpoint> checkpoints, StatusWriter statusWriter, EventRecorder events, TimeProvider time)
    : IEntityController<V1Alpha1ProtectionPlan>
{
    public const string PlanLabel = "erebor.io/plan";

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1ProtectionPlan plan, CancellationToken ct)
    {
        var before = KubeJson.Clone(plan.Status);
        var status = plan.Status;
        var now = time.GetUtcNow();
        status.ObservedGeneration = plan.Metadata.Generation;
        var (ready, reason, message, requeue) = await EvaluateAsync(plan, now, ct);
        if (Conditions.Set(status.Conditions, ConditionTypes.Ready, ready, reason, message, plan.Metadata.Generation, now) && !ready)
        {
            await events.WarningAsync(plan, reason, message, ct);
        }

        await statusWriter.WriteIfChangedAsync(plan, before, ct);
        return requeue is { } delay ? ReconcileResult.RequeueIn(delay) : ReconcileResult.Done;
    }

    private async Task<(bool Ready, string Reason, string Message, TimeSpan? Requeue)> EvaluateAsync(V1Alpha1ProtectionPlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var spec = plan.Spec;
        if (providers.Get(spec.Provider) is null)
        {
            plan.Status.NextScheduleTime = null;
            return (false, PlanReasons.ProviderNotFound, $"ProtectionProvider '{spec.Provider}' does not exist", null);
        }

        RetentionPolicy? policy = null;
        if (spec.Retention is { } retention && !RetentionPolicy.TryCreate(retention.KeepLast, retention.MaxAge, out policy, out var retentionError))
        {
            return (false, PlanReasons.InvalidRetention, $"spec.retention: {retentionError}", null);
        }

        if (policy is not null) { await ApplyRetentionAsync(plan, policy, now, ct); }

        if (string.IsNullOrWhiteSpace(spec.Schedule))
        {
            plan.Status.NextScheduleTime = null;
            return (true, PlanReasons.OnDemand, "no schedule: create Checkpoints naming this plan to run it", null);
        }

        if (!CronExpression.TryParse(spec.Schedule, out var schedule, out var scheduleError))
        {
            plan.Status.NextScheduleTime = null;
            return (false, PlanReasons.InvalidSchedule, $"spec.schedule '{spec.Schedule}': {scheduleError}", null);
        }

        var state = new PlanScheduleState(plan.Metadata.CreationTimestamp ?? now, plan.Status.LastScheduleTime, spec.Suspend);
        var decision = ScheduleCalculator.Evaluate(schedule!, state, now);
        plan.Status.NextScheduleTime = decision.NextScheduleTime;
        if (decision.IsDue && decision.ScheduledTime is { } slot)
        {
            var name = await CreateCheckpointAsync(plan, slot, ct);
            plan.Status.LastScheduleTime = slot;
            plan.Status.LastCheckpoint = name;
            await events.NormalAsync(plan, "CheckpointCreated", $"created Checkpoint {name} for the {slot:yyyy-MM-dd HH:mm} UTC slot" + (decision.EarliestMissed is { } missed && missed != slot ? $" (slots since {missed:yyyy-MM-dd HH:mm} were missed and run once)" : string.Empty), ct);
        }

        return spec.Suspend
            ? (true, PlanReasons.Suspended, "suspended: scheduled runs are paused; on-demand Checkpoints still run", decision.RequeueAfter(now))
            : (true, PlanReasons.Scheduled, $"next run {decision.NextScheduleTime:yyyy-MM-dd HH:mm} UTC", decision.RequeueAfter(now));
    }

    /// <summary>Deletes the plan's Checkpoints the policy drops (never an unfinished one, never the newest Available one).</summary>
    private async Task ApplyRetentionAsync(V1Alpha1ProtectionPlan plan, RetentionPolicy policy, DateTimeOffset now, CancellationToken ct)
    {
        var mine = checkpoints.List()
            .Where(c => c.Metadata.Namespace == plan.Metadata.Namespace && c.Spec.Plan == plan.Metadata.Name)
            .Select(c => new CheckpointSummary(
                c.Metadata.Name!,
                c.Metadata.DeletionTimestamp is not null ? CheckpointPhase.Deleting : CheckpointExecutor.ToDomain(c.Status.Phase) ?? CheckpointPhase.Pending,
                c.Metadata.CreationTimestamp ?? now));
        foreach (var deletion in policy.Evaluate(mine, now))
        {
            if (await api.DeleteAsync<V1Alpha1Checkpoint>(plan.Metadata.Namespace, deletion.Id, null, ct))
            {
                await events.NormalAsync(plan, "CheckpointDeleted", $"retention deleted Checkpoint {deletion.Id}: {deletion.Reason}", ct);
            }
        }
    }

    /// <summary>Creates the slot's Checkpoint, or finds it already there (a retry): its name is derived from the slot.</summary>
    private async Task<string> CreateCheckpointAsync(V1Alpha1ProtectionPlan plan, DateTimeOffset slot, CancellationToken ct)
    {
        var name = $"{plan.Metadata.Name}-{slot.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture)}";
        var checkpoint = new V1Alpha1Checkpoint
        {
            Metadata = new ObjectMeta
            {
                Namespace = plan.Metadata.Namespace,
                Name = name,
                Labels = new() { [PlanLabel] = plan.Metadata.Name! },
                OwnerReferences = [new OwnerReference { ApiVersion = ApiGroup.ApiVersion, Kind = "ProtectionPlan", Name = plan.Metadata.Name!, Uid = plan.Metadata.Uid!, Controller = true }],
            },
            Spec = new V1Alpha1Checkpoint.CheckpointSpec { Plan = plan.Metadata.Name! },
        };
        try
        {
            await api.CreateAsync(checkpoint, ct);
        }
        catch (KubeApiException e) when (e.IsAlreadyExists)
        {
        }

        return name;
    }
}
