using System.Globalization;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Controllers;

/// <summary>
/// Probes a ProtectionProvider's bank (reachable, writable, free space) and its encryption key,
/// and says in the Ready condition, with a precise reason, whether checkpoints can be written.
/// Banks change without any Kubernetes event (a disk fills up), so the probe repeats. After a
/// probe that found the bank writable it removes the checkpoint folders that crashed or failed
/// writes left (event OrphansCollected).
/// </summary>
/// <param name="holder">The bank lease holder for collecting orphans: not a name checkpoint writers use (see <see cref="CheckpointStore.CollectOrphansAsync"/>).</param>
public sealed class ProtectionProviderController(IKubeApi api, StatusWriter statusWriter, EventRecorder events, TimeProvider time, ILogger logger, string holder)
    : IEntityController<V1Alpha1ProtectionProvider>
{
    public const string OrphansCollected = "OrphansCollected";

    /// <summary>How many collected folders an event names.</summary>
    private const int MaxNamed = 5;

    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1ProtectionProvider provider, CancellationToken ct)
    {
        var before = KubeJson.Clone(provider.Status);
        var status = provider.Status;
        status.ObservedGeneration = provider.Metadata.Generation;
        var (bank, problem) = await ProviderBanks.OpenAsync(api, provider, ct);
        await using (bank)
        {
            var (ready, reason, message) = await EvaluateAsync(provider, bank, problem, status, ct);
            if (Conditions.Set(status.Conditions, ConditionTypes.Ready, ready, reason, message, provider.Metadata.Generation, time.GetUtcNow()))
            {
                await events.RecordAsync(provider, ready ? EventTypes.Normal : EventTypes.Warning, reason, message, ct);
            }

            await statusWriter.WriteIfChangedAsync(provider, before, ct);
            if (status is { Reachable: true, Writable: true }) { await CollectOrphansAsync(provider, bank!, ct); }
        }

        return ReconcileResult.RequeueIn(ProbeInterval);
    }

    private async Task<(bool Ready, string Reason, string Message)> EvaluateAsync(
        V1Alpha1ProtectionProvider provider, IBank? bank, ProviderBankProblem? problem, V1Alpha1ProtectionProvider.ProviderStatus status, CancellationToken ct)
    {
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

    /// <summary>
    /// Removes orphans: checkpoint folders with no index and no live lease. No minimum age: a writer
    /// holds its folder's lease from its first object to its index, so a folder without a live
    /// lease has no writer; a writer that starts after the listing is excluded by the lease the
    /// deletion takes, and what it commits meanwhile is re-checked under that lease and kept. A
    /// Checkpoint retried after a crash rewrites its folder from scratch (the writer removes stray
    /// objects at commit), so removing the earlier attempt first loses nothing. Needs no key.
    /// A bank failing here only fails the collection: the probe's verdict stands, the next probe
    /// tries again.
    /// </summary>
    private async Task CollectOrphansAsync(V1Alpha1ProtectionProvider provider, IBank bank, CancellationToken ct)
    {
        IReadOnlyList<CheckpointFolder> collected;
        try
        {
            collected = await new CheckpointStore(bank, null, time).CollectOrphansAsync(holder, ct);
        }
        catch (Exception e) when (e is BankException or InvalidDataException)
        {
            logger.LogInformation("Could not collect orphaned checkpoint folders of ProtectionProvider {Provider} in {Location}: {Error}", provider.Metadata.Name, bank.Location, e.Message);
            return;
        }

        if (collected.Count == 0) { return; }
        var objects = collected.Sum(f => f.Objects);
        var bytes = collected.Sum(f => f.Bytes);
        var folders = collected.Select(f => BankLayout.CheckpointFolder(f.Plan, f.CheckpointUid).TrimEnd('/')).ToList();
        var named = string.Join(", ", folders.Take(MaxNamed));
        var more = folders.Count > MaxNamed ? string.Create(CultureInfo.InvariantCulture, $" and {folders.Count - MaxNamed} more") : string.Empty;
        var message = string.Create(CultureInfo.InvariantCulture,
            $"removed {collected.Count} checkpoint folders left by interrupted writes ({objects} objects, {Size(bytes)}): {named}{more}");
        await events.NormalAsync(provider, OrphansCollected, message, ct);
        logger.LogInformation("Collected {Count} orphaned checkpoint folders ({Objects} objects, {Bytes} bytes) of ProtectionProvider {Provider} in {Location}: {Folders}",
            collected.Count, objects, bytes, provider.Metadata.Name, bank.Location, folders);
    }

    private static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.#} GiB"),
    };
}
