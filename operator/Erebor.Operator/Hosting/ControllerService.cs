using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.LeaderElection;
using Erebor.Kube.Runtime;
using Erebor.Operator.Controllers;
using Erebor.Operator.Finalizers;
using Erebor.Operator.Protection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Hosting;

/// <summary>
/// Runs the controllers while this replica leads (or always, without leader election). Informers
/// and controllers live for one leadership term: a replica that loses the lease stops all of them
/// before the lease can pass to another, then exits so that it restarts clean.
/// </summary>
public sealed class ControllerService(
    IKubeApi api,
    OperatorOptions options,
    Readiness readiness,
    EventRecorder events,
    ILoggerFactory loggers,
    IHostApplicationLifetime lifetime,
    TimeProvider time) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<ControllerService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.LeaderElect)
        {
            await LeadAsync(stoppingToken);
            return;
        }

        var elector = new LeaderElector(api, new LeaderElectionOptions
        {
            LeaseNamespace = options.Namespace,
            LeaseName = options.LeaseName,
            Identity = options.Identity,
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        }, loggers.CreateLogger<LeaderElector>(), time);
        try
        {
            if (!await elector.RunAsync(LeadAsync, stoppingToken))
            {
                _logger.LogError("Leadership lost; exiting so that this replica restarts as a follower");
                Environment.ExitCode = 1;
                lifetime.StopApplication();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task LeadAsync(CancellationToken ct)
    {
        readiness.IsLeader = true;
        readiness.ControllersSyncing();
        var informers = new InformerGroup(api, _logger, time);
        var subnets = informers.Add<V1Alpha1Subnet>();
        var routers = informers.Add<V1Alpha1Router>();
        var nodes = informers.Add<V1Node>();
        var providers = informers.Add<V1Alpha1ProtectionProvider>();
        var plans = informers.Add<V1Alpha1ProtectionPlan>();
        var checkpoints = informers.Add<V1Alpha1Checkpoint>();
        var restores = informers.Add<V1Alpha1Restore>();
        var agents = informers.Add<V1Alpha1NodeAgent>();
        var statusWriter = new StatusWriter(api);
        var controllerOptions = new ControllerOptions { Workers = options.Workers };

        using var subnetRunner = new ControllerRunner<V1Alpha1Subnet>(
            api, subnets, new SubnetController(subnets, nodes, routers, agents, statusWriter, events, time, options.AgentStaleAfter),
            [new SubnetInUseFinalizer(routers, statusWriter, events, time)], _logger, controllerOptions);
        // A Router change can attach or detach any Subnet of its namespace; a Node change affects every Subnet's blocks.
        subnetRunner.Watch(routers, router => subnets.List().Where(s => s.Metadata.Namespace == router.Metadata.Namespace).Select(s => s.Key));
        subnetRunner.Watch(nodes, _ => subnets.List().Select(s => s.Key));
        var subnetReports = NodeAgentReportChanges.ForSubnets(options.AgentStaleAfter, time);
        subnetRunner.WatchChanges(agents, change => subnetReports.Changed(change) ?? subnets.List().Select(s => s.Key));

        using var routerRunner = new ControllerRunner<V1Alpha1Router>(
            api, routers, new RouterController(subnets, agents, statusWriter, events, time, options.AgentStaleAfter), [], _logger, controllerOptions);
        routerRunner.Watch(subnets, subnet => routers.List()
            .Where(r => r.Metadata.Namespace == subnet.Metadata.Namespace && r.Spec.Interfaces.Any(i => i.Subnet == subnet.Metadata.Name))
            .Select(r => r.Key));
        var routerReports = NodeAgentReportChanges.ForRouters(options.AgentStaleAfter, time);
        routerRunner.WatchChanges(agents, change => routerReports.Changed(change) ?? routers.List().Select(r => r.Key));

        // Orphans are collected under this replica's name, but not the one its checkpoint writers
        // use: a bank lease is taken over by its own holder, so it would not exclude them.
        using var providerRunner = new ControllerRunner<V1Alpha1ProtectionProvider>(
            api, providers, new ProtectionProviderController(api, statusWriter, events, time, loggers.CreateLogger<ProtectionProviderController>(), $"{options.Identity}/orphan-collector")
            {
                ProbeInterval = options.ProviderProbeInterval,
            }, [], _logger, controllerOptions);

        using var planRunner = new ControllerRunner<V1Alpha1ProtectionPlan>(
            api, plans, new ProtectionPlanController(api, providers, checkpoints, statusWriter, events, time), [], _logger, controllerOptions);
        // A plan waiting for its provider is reconciled again when the provider appears; retention looks again when a checkpoint changes.
        planRunner.Watch(providers, provider => plans.List().Where(p => p.Spec.Provider == provider.Metadata.Name).Select(p => p.Key));
        planRunner.Watch(checkpoints, checkpoint => [$"{checkpoint.Metadata.Namespace}/{checkpoint.Spec.Plan}"]);

        var checkpointExecutor = new CheckpointExecutor(api, events, time, loggers.CreateLogger<CheckpointExecutor>(), options.Identity) { LeaseDuration = options.CheckpointLeaseDuration };
        using var checkpointRunner = new ControllerRunner<V1Alpha1Checkpoint>(
            api, checkpoints, new CheckpointController(checkpointExecutor, checkpoints, ct), [new CheckpointBankDataFinalizer(checkpointExecutor)], _logger, controllerOptions);

        var restoreRun = new RestoreRun(api, events, time, options.Identity, loggers.CreateLogger<RestoreRun>());
        using var restoreRunner = new ControllerRunner<V1Alpha1Restore>(api, restores, new RestoreController(restoreRun, ct), [], _logger, controllerOptions);
        // A Restore waiting for its Checkpoint starts when the Checkpoint becomes Available (or appears).
        restoreRunner.Watch(checkpoints, checkpoint => restores.List()
            .Where(r => r.Metadata.Namespace == checkpoint.Metadata.Namespace && r.Spec.Checkpoint == checkpoint.Metadata.Name)
            .Select(r => r.Key));

        using var stopInformers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = informers.RunAsync(stopInformers.Token);
        var runners = new[] { subnetRunner.RunAsync(ct), routerRunner.RunAsync(ct), providerRunner.RunAsync(ct), planRunner.RunAsync(ct), checkpointRunner.RunAsync(ct), restoreRunner.RunAsync(ct) };
        try
        {
            await informers.WaitForSyncAsync(ct);
            readiness.ControllersReady();
            await Task.WhenAll(runners);
        }
        finally
        {
            await stopInformers.CancelAsync();
            await Task.WhenAll(runners.Append(running)).ContinueWith(_ => { }, CancellationToken.None);
            readiness.IsLeader = false;
            readiness.ControllersReady();
        }
    }
}
