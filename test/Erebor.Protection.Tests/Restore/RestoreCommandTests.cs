using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness.Operator;
using Erebor.Harness.Processes;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;
using Erebor.Protection.Tests.Engine;
using Erebor.Protection.Tests.Support;

namespace Erebor.Protection.Tests.Restore;

/// <summary>
/// <c>erebor-operator restore run &lt;namespace&gt;/&lt;name&gt;</c> as a process, with no operator running:
/// the same run as the controller's, its status written the same way, progress on stderr.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestoreCommandTests(EngineClusterFixture fixture, BankFixture banks) : IClassFixture<EngineClusterFixture>, IClassFixture<BankFixture>
{
    private Task<ProcessResult> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync(OperatorProcess.Binary, args, new ProcessOptions { Timeout = TimeSpan.FromMinutes(3) });

    [Fact]
    public async Task Restore_run_restores_a_checkpoint_into_a_namespace_and_writes_the_status_the_operator_would()
    {
        var source = "cli-" + Guid.NewGuid().ToString("N")[..8];
        var objects = await RoundTrip.CreateAppAsync(fixture.Api, source, scale: 2);
        var plugins = PluginSet.Select(null);
        var originals = await RoundTrip.SnapshotAsync(fixture.Api, plugins, source);
        await using var bank = await banks.CreateAsync(BankFixture.S3);
        var scenario = await RestoreScenario.CreateAsync(fixture, banks, bank, source);
        await scenario.CheckpointAsync("cp", viaCommand: true);
        var target = source + "-copy";
        await scenario.ApplyRestoreAsync("cli", "cp", targetNamespace: target);

        var run = await RunAsync("restore", "run", $"{scenario.AdminNamespace}/cli", "--kubeconfig", fixture.Cluster.KubeconfigPath, "--identity", "cli-test");
        run.ExitCode.Should().Be(0, run.StdErr);
        run.StdErr.Should().Contain($"restore {scenario.AdminNamespace}/cli: Restoring 0/{objects.Count + 1}")
            .And.Contain($"restore {scenario.AdminNamespace}/cli: Completed (Completed): {objects.Count + 1} resources restored into namespace {source}->{target}");
        run.StdOut.Should().BeEmpty("progress and results go to stderr");

        var restore = (await scenario.GetRestoreAsync("cli"))!;
        restore.Status.Phase.Should().Be(RunPhase.Completed);
        restore.Status.ResourcesDone.Should().Be(objects.Count + 1);
        restore.Status.Executor.Should().BeNull();
        Conditions.IsTrue(restore.Status.Conditions, ConditionTypes.Ready).Should().BeTrue();
        (await fixture.Cluster.KubectlCheckedAsync("get", "events", "-n", scenario.AdminNamespace)).Should().Contain("RestoreStarted").And.Contain("restored into namespace");
        RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(fixture.Api, plugins, target), new NamespaceMap(Target: target), source);

        // Run again: a finished Restore is not run twice.
        var again = await RunAsync("restore", "run", $"{scenario.AdminNamespace}/cli", "--kubeconfig", fixture.Cluster.KubeconfigPath);
        again.ExitCode.Should().Be(0, again.StdErr);
        (await scenario.GetRestoreAsync("cli"))!.Metadata.ResourceVersion.Should().Be(restore.Metadata.ResourceVersion, "nothing was written");
    }

    [Fact]
    public async Task Restore_run_waits_for_a_checkpoint_that_is_not_Available_and_says_what_is_wrong_with_bad_input()
    {
        var source = "cliw-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Api.CreateAsync(KubeTypes.Namespace, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = source } });
        await using var bank = await banks.CreateAsync(BankFixture.Filesystem);
        var scenario = await RestoreScenario.CreateAsync(fixture, banks, bank, source);
        await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {{name: cp, namespace: {scenario.AdminNamespace}}}\nspec: {{plan: {RestoreScenario.PlanName}}}\n");
        await scenario.SetCheckpointPhaseAsync("cp", RunPhase.Protecting);
        await scenario.ApplyRestoreAsync("pending", "cp");

        var timedOut = await RunAsync("restore", "run", $"{scenario.AdminNamespace}/pending", "--kubeconfig", fixture.Cluster.KubeconfigPath, "--timeout", "2s");
        timedOut.ExitCode.Should().Be(3, timedOut.StdErr);
        timedOut.StdErr.Should().Contain("Pending (CheckpointNotAvailable): Checkpoint cp is Protecting; the restore starts when it is Available").And.Contain("gave up waiting (--timeout)");
        var pending = (await scenario.GetRestoreAsync("pending"))!;
        pending.Status.Phase.Should().Be(RunPhase.Pending);
        Conditions.Find(pending.Status.Conditions, ConditionTypes.Ready)!.Reason.Should().Be("CheckpointNotAvailable");

        await scenario.ApplyRestoreAsync("nocp", "absent");
        var missing = await RunAsync("restore", "run", $"{scenario.AdminNamespace}/nocp", "--kubeconfig", fixture.Cluster.KubeconfigPath);
        missing.ExitCode.Should().Be(2, missing.StdErr);
        missing.StdErr.Should().Contain($"Error (CheckpointNotFound): Checkpoint {scenario.AdminNamespace}/absent does not exist");

        var noRestore = await RunAsync("restore", "run", $"{scenario.AdminNamespace}/nothing", "--kubeconfig", fixture.Cluster.KubeconfigPath);
        noRestore.ExitCode.Should().Be(3);
        noRestore.StdErr.Should().Contain($"Restore {scenario.AdminNamespace}/nothing does not exist");

        var badName = await RunAsync("restore", "run", "no-slash", "--kubeconfig", fixture.Cluster.KubeconfigPath);
        badName.ExitCode.Should().Be(3);
        badName.StdErr.Should().Contain("'no-slash' is not <namespace>/<name>");

        var help = await RunAsync("restore", "run", "--help");
        help.ExitCode.Should().Be(0);
        help.StdOut.Should().Contain("<namespace>/<name>").And.Contain("Exit codes: 0 Completed, 1 PartiallyFailed, 2 Error").And.Contain("--timeout");
    }
}
