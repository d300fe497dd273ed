using System.Diagnostics.Metrics;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Microsoft.Extensions.Logging;

namespace Erebor.Kube.LeaderElection;

public sealed record LeaderElectionOptions
{
    public required string LeaseNamespace { get; init; }
    public required string LeaseName { get; init; }
    public required string Identity { get; init; }

    /// <summary>How long others wait after the last renewal before taking over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The leader gives up (stops its work) if it could not renew for this long; shorter than LeaseDuration.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes
/// the lease only when its record has not changed for a whole lease duration, measured on the
/// candidate's own clock (so clock skew between nodes does not matter); the leader renews every
/// retry period and stops leading if it cannot renew within the renew deadline, which is shorter
/// than the lease duration, so two leaders never work at the same time. On a graceful stop the
/// leader releases the lease so a successor takes over at once.
/// </summary>
public sealed class LeaderElector(IKubeApi api, LeaderElectionOptions options, ILogger<LeaderElector> logger, TimeProvider? time = null)
{
    private static readonly Meter Meter = new("Erebor.Kube.LeaderElection");
    private static readonly Dictionary<string, int> Leading = [];
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private (string? Holder, DateTimeOffset? RenewTime, string? ResourceVersion) _observedRecord;
    private DateTimeOffset _observedAt;

    static LeaderElector()
    {
        Meter.CreateObservableGauge("erebor_leader", () =>
        {
            lock (Leading) { return Leading.Select(l => new Measurement<int>(l.Value, new KeyValuePair<string, object?>("lease", l.Key))).ToList(); }
        }, description: "1 while this process holds the named lease.");
    }

    public bool IsLeader { get; private set; }

    /// <summary>
    /// Campaigns until elected, runs <paramref name="lead"/> with a token that is cancelled when
    /// leadership is lost or <paramref name="ct"/> is cancelled, and returns after
    /// <paramref name="lead"/> has returned. Returns true if leadership ended by cancellation
    /// (graceful), false if it was lost.
    /// </summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        SetLeading(false); // a follower reports 0, so dashboards can tell it from a replica that is not running
        while (!await TryAcquireOrRenewAsync(ct))
        {
            await Task.Delay(options.RetryPeriod, _time, ct);
        }

        SetLeading(true);
        logger.LogInformation("{Identity} became leader of lease {Namespace}/{Name}", options.Identity, options.LeaseNamespace, options.LeaseName);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var work = lead(leading.Token);
        var lost = false;
        var lastRenew = _time.GetUtcNow();
        while (!work.IsCompleted && !ct.IsCancellationRequested)
        {
            await Task.WhenAny(work, Task.Delay(options.RetryPeriod, _time, ct)).ContinueWith(_ => { }, CancellationToken.None);
            if (work.IsCompleted || ct.IsCancellationRequested) { break; }
            if (await TryAcquireOrRenewAsync(ct)) { lastRenew = _time.GetUtcNow(); continue; }
            if (_time.GetUtcNow() - lastRenew >= options.RenewDeadline || (_observedRecord.Holder is { } holder && holder != options.Identity))
            {
                lost = true;
                logger.LogWarning("{Identity} lost lease {Namespace}/{Name}; stopping work", options.Identity, options.LeaseNamespace, options.LeaseName);
                break;
            }
        }

        await leading.CancelAsync();
        try { await work; }
        catch (OperationCanceledException) { }
        SetLeading(false);
        if (!lost) { await ReleaseAsync(); }
        return !lost;
    }

    /// <summary>One attempt: take the lease if free or expired, or renew it if held; false otherwise.</summary>
    internal async Task<bool> TryAcquireOrRenewAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        try
        {
            var lease = await api.GetAsync<V1Lease>(options.LeaseNamespace, options.LeaseName, ct);
            if (lease is null)
            {
                await api.CreateAsync(new V1Lease
                {
                    Metadata = new ObjectMeta { Namespace = options.LeaseNamespace, Name = options.LeaseName },
                    Spec = NewSpec(now, transitions: 0, acquireTime: now),
                }, ct);
                Observe((options.Identity, now, null), now);
                return true;
            }

            var record = (lease.Spec.HolderIdentity, lease.Spec.RenewTime, lease.Metadata.ResourceVersion);
            if (record != _observedRecord) { Observe(record, now); }
            var heldByMe = lease.Spec.HolderIdentity == options.Identity;
            var duration = TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? (int)options.LeaseDuration.TotalSeconds);
            var free = string.IsNullOrEmpty(lease.Spec.HolderIdentity) || now - _observedAt >= duration;
            if (!heldByMe && !free) { return false; }

            lease.Spec = heldByMe
                ? NewSpec(now, lease.Spec.LeaseTransitions ?? 0, lease.Spec.AcquireTime ?? now)
                : NewSpec(now, (lease.Spec.LeaseTransitions ?? 0) + 1, now);
            var updated = await api.ReplaceAsync(lease, ct); // resourceVersion makes a race lose cleanly with 409
            Observe((updated.Spec.HolderIdentity, updated.Spec.RenewTime, updated.Metadata.ResourceVersion), now);
            return true;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogDebug("Lease {Name} attempt failed: {Error}", options.LeaseName, e.Message);
            return false;
        }
    }

    private LeaseSpec NewSpec(DateTimeOffset now, int transitions, DateTimeOffset acquireTime) => new()
    {
        HolderIdentity = options.Identity,
        LeaseDurationSeconds = (int)options.LeaseDuration.TotalSeconds,
        AcquireTime = acquireTime,
        RenewTime = now,
        LeaseTransitions = transitions,
    };

    private void Observe((string?, DateTimeOffset?, string?) record, DateTimeOffset now)
    {
        _observedRecord = record;
        _observedAt = now;
    }

    private async Task ReleaseAsync()
    {
        try
        {
            var lease = await api.GetAsync<V1Lease>(options.LeaseNamespace, options.LeaseName);
            if (lease?.Spec.HolderIdentity != options.Identity) { return; }
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            await api.ReplaceAsync(lease);
            logger.LogInformation("{Identity} released lease {Namespace}/{Name}", options.Identity, options.LeaseNamespace, options.LeaseName);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning("Could not release lease {Name}: {Error}", options.LeaseName, e.Message);
        }
    }

    private void SetLeading(bool leading)
    {
        IsLeader = leading;
        lock (Leading) { Leading[options.LeaseName] = leading ? 1 : 0; }
    }
}
