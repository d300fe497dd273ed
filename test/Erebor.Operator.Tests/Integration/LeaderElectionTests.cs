using System.Diagnostics;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Prometheus;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Xunit.Abstractions;

namespace Erebor.Operator.Tests.Integration;

/// <summary>Control plane with CRDs and no operator: each test starts the replicas it needs.</summary>
public sealed class CrdClusterFixture : EreborClusterFixture;

[Trait("Category", "Integration")]
public sealed class LeaderElectionTests(CrdClusterFixture fixture, ITestOutputHelper output) : IClassFixture<CrdClusterFixture>
{
    // Timings of OperatorProcessOptions' defaults: lease 4 s, renew deadline 3 s, retry 0.5 s.
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(500);

    private async Task<string?> HolderAsync(KubeApi api) => (await api.GetAsync<V1Lease>("erebor-system", "erebor-operator"))?.Spec.HolderIdentity;

    private static async Task<long> ReconcilesAsync(OperatorProcess replica)
    {
        return (long)Exposition.Sum(await replica.MetricsAsync(), "erebor_reconciles_total");
    }

    private async Task SubnetReadyAsync(KubeApi api, string ns, string name) =>
        await Eventually.UntilAsync(() => api.GetAsync<V1Alpha1Subnet>(ns, name), s => s is not null && Conditions.IsTrue(s.Status.Conditions, "Ready"), TimeSpan.FromSeconds(30), $"{name} Ready");

    [Fact]
    public async Task One_replica_leads_the_other_takes_over_within_the_lease_after_a_crash_and_followers_never_reconcile()
    {
        using var api = new KubeApi(KubeConfig.FromFile(fixture.Cluster.KubeconfigPath));
        await fixture.Cluster.KubectlCheckedAsync("create", "namespace", "le");
        await using var first = await OperatorProcess.StartAsync(fixture.Cluster, new OperatorProcessOptions { Identity = "replica-1" });
        await Eventually.UntilAsync(() => HolderAsync(api), h => h == "replica-1", TimeSpan.FromSeconds(10), "replica-1 to lead");
        await using var second = await OperatorProcess.StartAsync(fixture.Cluster, new OperatorProcessOptions { Identity = "replica-2" });

        await fixture.Cluster.ApplyAsync(Manifests.Subnet("le", "one", "10.60.0.0/24"));
        await SubnetReadyAsync(api, "le", "one");
        (await ReconcilesAsync(first)).Should().BePositive();
        (await second.MetricsAsync()).Should().Contain("erebor_leader{lease=\"erebor-operator\"} 0");
        (await ReconcilesAsync(second)).Should().Be(0, "a follower must not reconcile while the leader lives");

        var crash = Stopwatch.StartNew();
        first.Kill();
        await Eventually.UntilAsync(() => HolderAsync(api), h => h == "replica-2", LeaseDuration * 3, "replica-2 to take over", TimeSpan.FromMilliseconds(50));
        var takeover = crash.Elapsed;
        output.WriteLine($"takeover after SIGKILL of the leader: {takeover.TotalMilliseconds:F0} ms (lease {LeaseDuration.TotalSeconds} s, retry {RetryPeriod.TotalMilliseconds} ms)");
        // The follower takes the lease one lease duration after it last saw the record change; the
        // dead leader renewed at most one retry period before it died.
        takeover.Should().BeLessThan(LeaseDuration + RetryPeriod + TimeSpan.FromMilliseconds(500));
        takeover.Should().BeGreaterThan(LeaseDuration - RetryPeriod - TimeSpan.FromMilliseconds(500), "nobody may take a lease that could still be held");

        await fixture.Cluster.ApplyAsync(Manifests.Subnet("le", "two", "10.61.0.0/24"));
        await SubnetReadyAsync(api, "le", "two");
        (await ReconcilesAsync(second)).Should().BePositive();

        // A replica that joins while another leads stays idle; a graceful stop hands over at once.
        await using var third = await OperatorProcess.StartAsync(fixture.Cluster, new OperatorProcessOptions { Identity = "replica-3" });
        await Task.Delay(LeaseDuration / 2);
        (await ReconcilesAsync(third)).Should().Be(0);
        var handover = Stopwatch.StartNew();
        await second.StopAsync();
        await Eventually.UntilAsync(() => HolderAsync(api), h => h == "replica-3", LeaseDuration * 3, "replica-3 to take over", TimeSpan.FromMilliseconds(50));
        output.WriteLine($"takeover after SIGTERM of the leader (lease released): {handover.ElapsedMilliseconds} ms");
        handover.Elapsed.Should().BeLessThan(LeaseDuration, "a released lease is taken without waiting for it to expire");
        (await api.GetAsync<V1Lease>("erebor-system", "erebor-operator"))!.Spec.LeaseTransitions.Should().Be(2);
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_stops_its_work_and_exits_before_the_lease_could_pass_on()
    {
        await using var leader = await OperatorProcess.StartAsync(fixture.Cluster, new OperatorProcessOptions { Identity = "isolated", LeaseName = "erebor-isolated" });
        await Eventually.UntilAsync(() => Task.FromResult(leader.OutputTail()), t => t.Contains("became leader"), TimeSpan.FromSeconds(10), "leadership");

        await fixture.Cluster.StopApiServerAsync();
        try
        {
            await Eventually.UntilAsync(() => Task.FromResult(leader.HasExited), exited => exited, TimeSpan.FromSeconds(15), "the cut-off leader to exit");
        }
        finally
        {
            await fixture.Cluster.StartApiServerAsync();
        }

        leader.OutputTail().Should().Contain("lost lease").And.Contain("exiting");
    }
}
