using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Protection.Banks;

namespace Erebor.Operator.Controllers;

/// <summary>
/// Probes a ProtectionProvider's bank (reachable, writable, free space) and its encryption key,
/// and says in the Ready condition, with a precise reason, whether checkpoints can be written.
/// Banks change without any Kubernetes event (a disk fills up), so the probe repeats.
/// </summary>
public sealed class ProtectionProviderController(IKubeApi api, StatusWriter statusWriter, EventRecorder events, TimeProvider time)
    : IEntityController<V1Alpha1ProtectionProvider>
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(60);

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1ProtectionProvider provider, CancellationToken ct)
    {
        var before = KubeJson.Clone(provider.Status);
        var status = provider.Status;
        status.ObservedGeneration = provider.Metadata.Generation;
        var (ready, reason, message) = await EvaluateAsync(provider, status, ct);
        if (Conditions.Set(status.Conditions, ConditionTypes.Ready, ready, reason, message, provider.Metadata.Generation, time.GetUtcNow()))
        {
            await events.RecordAsync(provider, ready ? EventTypes.Normal : EventTypes.Warning, reason, message, ct);
        }

        await statusWriter.WriteIfChangedAsync(provider, before, ct);
        return ReconcileResult.RequeueIn(ProbeInterval);
    }

    private async Task<(bool Ready, string Reason, string Message)> EvaluateAsync(V1Alpha1ProtectionProvider provider, V1Alpha1ProtectionProvider.ProviderStatus status, CancellationToken ct)
    {
        var (bank, problem) = await ProviderBanks.OpenAsync(api, provider, ct);
        if (problem is not null)
        {
            (status.Reachable, status.Writable, status.FreeBytes) = (false, false, null);
            return (false, problem.Reason, problem.Message);
        }

        var probe = await bank!.ProbeAsync(ct);
        (status.Reachable, status.Writable, status.FreeBytes) = (probe.Reachable, probe.Writable, probe.FreeBytes);
        if (!probe.Healthy)
        {
            return (false, ProviderBanks.ReasonFor(probe.Failure), probe.Error ?? $"bank {probe.Location} is not usable");
        }

        var (_, keyProblem) = await ProviderBanks.ReadEncryptionKeyAsync(api, provider, ct);
        if (keyProblem is not null) { return (false, keyProblem.Reason, keyProblem.Message); }

        var free = probe.FreeBytes is { } bytes ? $", {bytes / (1024 * 1024)} MiB free" : string.Empty;
        return (true, "BankReady", $"{probe.Location} is reachable and writable{free}");
    }
}
