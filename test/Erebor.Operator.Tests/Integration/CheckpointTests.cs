using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.Operator;
using Erebor.Harness.Processes;
using Erebor.Harness.Storage;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Plugins;

namespace Erebor.Operator.Tests.Integration;

/// <summary>
/// Checkpoints run by the real operator (and by its `checkpoint run` command) against a real API
/// server into a filesystem bank: phases, progress, reasons, deletion, retention and crash safety.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CheckpointTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private KubeApi Api => fixture.Api;

    /// <summary>A filesystem bank in a temporary directory, its provider and encryption key Secret.</summary>
    private async Task<string> BankAsync(string provider, bool withKey = true, string? path = null)
    {
        var root = path ?? Directory.CreateTempSubdirectory("erebor-cp-bank-").FullName;
        var key = string.Empty;
        if (withKey)
        {
            await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", $"{provider}-key", "-n", "erebor-system", $"--from-literal=key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}");
            key = $"  encryptionKeySecret: {{namespace: erebor-system, name: {provider}-key}}\n";
        }

        await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: {provider}}}\nspec:\n  bank: {{type: Filesystem, path: {root}}}\n{key}");
        return root;
    }

    /// <summary>Removes a bank directory; the provider's probe may be writing into it meanwhile.</summary>
    private static async Task RemoveBankAsync(string root)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(root, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 10)
            {
                await Task.Delay(200);
            }
        }
    }

    private Task PlanAsync(string ns, string name, string provider, string? extra = null) =>
        fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionPlan\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  provider: {provider}\n{extra}");

    private Task CheckpointAsync(string ns, string name, string plan) =>
        fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{plan: {plan}}}\n");

    private async Task<V1Alpha1Checkpoint> WhenAsync(string ns, string name, Func<V1Alpha1Checkpoint, bool> done, string what, int seconds = 60) =>
        (await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Checkpoint>(ns, name), c => c is not null && done(c), TimeSpan.FromSeconds(seconds), $"{ns}/{name}: {what}", TimeSpan.FromMilliseconds(250)))!;

    private Task<V1Alpha1Checkpoint> FinishedAsync(string ns, string name, int seconds = 60) =>
        WhenAsync(ns, name, c => c.Status.Phase is RunPhase.Available or RunPhase.PartiallyFailed or RunPhase.Error, "a finished phase", seconds);

    private static Condition Ready(V1Alpha1Checkpoint checkpoint) => Conditions.Find(checkpoint.Status.Conditions, ConditionTypes.Ready)!;

    private async Task ConfigMapsAsync(string ns, int count, int valueBytes = 100)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await Api.CreateAsync(KubeTypes.ConfigMap, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = $"cm-{i:D4}", ["namespace"] = ns },
                ["data"] = new JsonObject { ["value"] = new string('x', valueBytes + i % 50) },
            }, ct));
    }

    private static async Task<CheckpointIndex?> IndexAsync(string root, V1Alpha1Checkpoint checkpoint)
    {
        await using var bank = new FilesystemBank(root);
        return await new CheckpointReader(bank).ReadIndexAsync($"{checkpoint.Metadata.Namespace}/{checkpoint.Spec.Plan}", checkpoint.Metadata.Uid!, CancellationToken.None);
    }

    private static IEnumerable<string> FilesOf(string root, V1Alpha1Checkpoint checkpoint)
    {
        var folder = Path.Combine(root, BankLayout.CheckpointFolder($"{checkpoint.Metadata.Namespace}/{checkpoint.Spec.Plan}", checkpoint.Metadata.Uid!));
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories) : [];
    }

    [Fact]
    public async Task A_kubectl_applied_checkpoint_goes_Available_with_counts_and_size_and_deleting_it_removes_its_bank_data()
    {
        var ns = await fixture.NewNamespaceAsync("cp");
        var root = await BankAsync($"disk-{ns}");
        try
        {
            await ConfigMapsAsync(ns, 20);
            await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", "db", "-n", ns, "--from-literal=password=hunter2-in-the-clear");
            await fixture.Cluster.ApplyAsync($"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 1Gi}}}}\n");
            await PlanAsync(ns, "app", $"disk-{ns}");
            await CheckpointAsync(ns, "manual", "app");

            var checkpoint = await FinishedAsync(ns, "manual");
            checkpoint.Status.Phase.Should().Be(RunPhase.Available, Ready(checkpoint).Message);
            Ready(checkpoint).Status.Should().Be("True");
            Ready(checkpoint).Reason.Should().Be("Available");
            checkpoint.Metadata.Finalizers.Should().Contain("erebor.io/checkpoint-bank-data");
            checkpoint.Status.Provider.Should().Be($"disk-{ns}");
            checkpoint.Status.Attempts.Should().Be(1);
            checkpoint.Status.StartTime.Should().NotBeNull();
            checkpoint.Status.CompletionTime.Should().BeOnOrAfter(checkpoint.Status.StartTime!.Value);
            var skipped = checkpoint.Status.Resources.Should().ContainSingle("only what was not plainly done is listed").Subject;
            (skipped.Kind, skipped.Name, skipped.Result).Should().Be(("PersistentVolumeClaim", "data", "Skipped"));
            skipped.Message.Should().StartWith("volume-data: no VolumeSnapshot API");

            var index = (await IndexAsync(root, checkpoint))!;
            index.Resources.Count(e => e.Key.Kind == "ConfigMap").Should().Be(20);
            index.Resources.Should().ContainSingle(e => e.Key.Kind == "Secret" && e.Key.Name == "db").Which.Encrypted.Should().BeTrue();
            checkpoint.Status.ResourcesDone.Should().Be(index.Resources.Count);
            checkpoint.Status.ResourcesTotal.Should().Be(index.Resources.Count);
            checkpoint.Status.SizeBytes.Should().Be(index.Resources.Sum(e => e.SizeBytes)).And.BePositive();
            Ready(checkpoint).Message.Should().Contain($"{index.Resources.Count} resources").And.Contain(root);
            foreach (var file in FilesOf(root, checkpoint))
            {
                (await File.ReadAllTextAsync(file)).Should().NotContain("hunter2", $"{file} must not hold the Secret in the clear");
            }

            (await fixture.Cluster.KubectlCheckedAsync("get", "checkpoints", "-n", ns))
                .Should().MatchRegex($@"manual\s+app\s+Available\s+{index.Resources.Count}\s+{index.Resources.Count}\s+{checkpoint.Status.SizeBytes}\s+\d+s");
            (await fixture.Cluster.KubectlCheckedAsync("describe", "checkpoint", "manual", "-n", ns)).Should().MatchRegex(@"Normal\s+Protecting").And.MatchRegex(@"Normal\s+Available");

            FilesOf(root, checkpoint).Should().NotBeEmpty();
            await fixture.Cluster.KubectlCheckedAsync("delete", "checkpoint", "manual", "-n", ns, "--timeout=60s");
            (await Api.GetAsync<V1Alpha1Checkpoint>(ns, "manual")).Should().BeNull("the finalizer lets go once the data is deleted");
            FilesOf(root, checkpoint).Should().BeEmpty("deleting a Checkpoint deletes its data from the bank");
            (await IndexAsync(root, checkpoint)).Should().BeNull();
        }
        finally
        {
            await RemoveBankAsync(root);
        }
    }

    [Fact]
    public async Task A_checkpoint_into_an_s3_bank_goes_Available_and_deleting_it_removes_its_objects()
    {
        var ns = await fixture.NewNamespaceAsync("cps3");
        await using var s3 = await S3rverServer.StartAsync();
        var bucket = $"erebor-{ns}";
        await s3.CreateBucketAsync(bucket);
        await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", $"s3-{ns}", "-n", "erebor-system", $"--from-literal=accessKeyId={S3rverServer.AccessKey}", $"--from-literal=secretAccessKey={S3rverServer.SecretKey}");
        await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", $"s3-{ns}-key", "-n", "erebor-system", $"--from-literal=key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}");
        await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: s3-{ns}}}\nspec:\n  bank:\n    type: S3\n    s3: {{endpoint: '{s3.Endpoint}', bucket: {bucket}, prefix: site-a, credentialsSecret: {{namespace: erebor-system, name: s3-{ns}}}}}\n  encryptionKeySecret: {{namespace: erebor-system, name: s3-{ns}-key}}\n");
        await ConfigMapsAsync(ns, 10);
        await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", "db", "-n", ns, "--from-literal=password=hunter2");
        await PlanAsync(ns, "app", $"s3-{ns}");
        await CheckpointAsync(ns, "to-s3", "app");

        var checkpoint = await FinishedAsync(ns, "to-s3");
        checkpoint.Status.Phase.Should().Be(RunPhase.Available, Ready(checkpoint).Message);
        Ready(checkpoint).Message.Should().Contain(s3.Endpoint);
        await using var bank = new S3Bank(s3.Endpoint, bucket, "site-a", "us-east-1", S3rverServer.AccessKey, S3rverServer.SecretKey);
        var plan = $"{ns}/app";
        var index = (await new CheckpointReader(bank).ReadIndexAsync(plan, checkpoint.Metadata.Uid!, CancellationToken.None))!;
        index.Resources.Count(e => e.Key.Kind == "ConfigMap").Should().Be(10);
        index.Resources.Should().ContainSingle(e => e.Key.Kind == "Secret").Which.Encrypted.Should().BeTrue();
        checkpoint.Status.SizeBytes.Should().Be(index.Resources.Sum(e => e.SizeBytes));

        async Task<List<string>> ObjectsAsync()
        {
            var keys = new List<string>();
            await foreach (var item in bank.ListAsync(BankLayout.CheckpointFolder(plan, checkpoint.Metadata.Uid!), CancellationToken.None)) { keys.Add(item.Key); }
            return keys;
        }

        (await ObjectsAsync()).Should().HaveCount(index.Resources.Count + 1, "every resource and the index");
        await fixture.Cluster.KubectlCheckedAsync("delete", "checkpoint", "to-s3", "-n", ns, "--timeout=60s");
        (await ObjectsAsync()).Should().BeEmpty("deleting the Checkpoint deleted its objects from the bucket");
    }

    [Fact]
    public async Task An_unknown_plan_or_provider_a_missing_key_or_bank_and_an_unreachable_bank_give_precise_reasons()
    {
        var ns = await fixture.NewNamespaceAsync("cpbad");
        await CheckpointAsync(ns, "no-plan", "no-such-plan");
        var noPlan = await FinishedAsync(ns, "no-plan");
        noPlan.Status.Phase.Should().Be(RunPhase.Error);
        Ready(noPlan).Reason.Should().Be("PlanNotFound");
        Ready(noPlan).Message.Should().Be($"ProtectionPlan {ns}/no-such-plan named by spec.plan does not exist");
        (await fixture.Cluster.KubectlCheckedAsync("describe", "checkpoint", "no-plan", "-n", ns)).Should().MatchRegex(@"Warning\s+PlanNotFound");

        await PlanAsync(ns, "lost", "no-such-provider-" + ns);
        await CheckpointAsync(ns, "no-provider", "lost");
        var noProvider = await FinishedAsync(ns, "no-provider");
        (noProvider.Status.Phase, Ready(noProvider).Reason).Should().Be((RunPhase.Error, "ProviderNotFound"));
        Ready(noProvider).Message.Should().Contain($"no-such-provider-{ns}");

        await BankAsync($"nokey-{ns}", withKey: false, path: "/nonexistent/erebor-nokey");
        await PlanAsync(ns, "nokey", $"nokey-{ns}");
        await CheckpointAsync(ns, "no-key", "nokey");
        var noKey = await FinishedAsync(ns, "no-key");
        (noKey.Status.Phase, Ready(noKey).Reason).Should().Be((RunPhase.Error, "EncryptionKeyMissing"));
        Ready(noKey).Message.Should().Contain("encryptionKeySecret").And.Contain("v1/Secret");

        await BankAsync($"gone-{ns}", path: "/nonexistent/erebor-bank");
        await PlanAsync(ns, "gone", $"gone-{ns}");
        await CheckpointAsync(ns, "no-bank", "gone");
        var noBank = await FinishedAsync(ns, "no-bank");
        (noBank.Status.Phase, Ready(noBank).Reason).Should().Be((RunPhase.Error, "BankNotFound"));
        Ready(noBank).Message.Should().Contain("does not exist");

        await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", $"s3-{ns}", "-n", "erebor-system", "--from-literal=accessKeyId=AK", "--from-literal=secretAccessKey=SK");
        await fixture.Cluster.KubectlCheckedAsync("create", "secret", "generic", $"s3-{ns}-key", "-n", "erebor-system", $"--from-literal=key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}");
        await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: s3-{ns}}}\nspec:\n  bank:\n    type: S3\n    s3: {{endpoint: 'http://127.0.0.1:9', bucket: b, credentialsSecret: {{namespace: erebor-system, name: s3-{ns}}}}}\n  encryptionKeySecret: {{namespace: erebor-system, name: s3-{ns}-key}}\n");
        await PlanAsync(ns, "offline", $"s3-{ns}");
        await CheckpointAsync(ns, "unreachable", "offline");
        var unreachable = await WhenAsync(ns, "unreachable", c => c.Status.Conditions.Count > 0, "a Ready condition");
        unreachable.Status.Phase.Should().Be(RunPhase.Pending, "an unreachable bank is retried before it is an Error");
        Ready(unreachable).Reason.Should().Be("BankUnreachable");
        Ready(unreachable).Message.Should().Contain("http://127.0.0.1:9").And.Contain("unreachable").And.Contain("retrying every 30s for up to 10m");

        // None of them wrote to a bank: deleting them is immediate.
        await fixture.Cluster.KubectlCheckedAsync("delete", "checkpoints", "--all", "-n", ns, "--timeout=30s");
        (await Api.ListAsync<V1Alpha1Checkpoint>(ns)).Items.Should().BeEmpty();
    }

    [Fact]
    public async Task Deleting_a_checkpoint_mid_run_stops_the_run_and_removes_what_it_wrote()
    {
        var ns = await fixture.NewNamespaceAsync("cpdel");
        var root = await BankAsync($"del-{ns}");
        try
        {
            // Big enough that the run (about 3000 objects/s on an idle machine) is still going when the
            // delete lands: the bank is watched directly and the delete sent at once, without kubectl.
            await ConfigMapsAsync(ns, 6000, valueBytes: 1000);
            await PlanAsync(ns, "app", $"del-{ns}");
            await CheckpointAsync(ns, "doomed", "app");
            var running = await WhenAsync(ns, "doomed", c => c.Status.Phase == RunPhase.Protecting, "Protecting");
            await Eventually.UntilAsync(() => Task.FromResult(FilesOf(root, running).Count()), n => n > 100, TimeSpan.FromSeconds(60), "objects in the bank", TimeSpan.FromMilliseconds(20));

            await Api.DeleteAsync<V1Alpha1Checkpoint>(ns, "doomed");
            await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Checkpoint>(ns, "doomed"), c => c is null, TimeSpan.FromSeconds(60), "the checkpoint to be gone");
            FilesOf(root, running).Should().BeEmpty("the run stopped and the finalizer deleted what it had written");
            (await fixture.Cluster.KubectlCheckedAsync("get", "events", "-n", ns)).Should().Contain("Deleted").And.NotContain("Available");
        }
        finally
        {
            await RemoveBankAsync(root);
        }
    }

    [Fact]
    public async Task A_run_found_interrupted_for_the_third_time_is_an_Error_and_its_data_is_removed()
    {
        var ns = await fixture.NewNamespaceAsync("cpgiveup");
        var root = await BankAsync($"giveup-{ns}");
        try
        {
            await ConfigMapsAsync(ns, 5);
            await PlanAsync(ns, "app", $"giveup-{ns}");
            await CheckpointAsync(ns, "unlucky", "app");
            var checkpoint = await FinishedAsync(ns, "unlucky");
            checkpoint.Status.Phase.Should().Be(RunPhase.Available, Ready(checkpoint).Message);

            // What the operator finds after its third crash during this run: Protecting, no live lease.
            checkpoint.Status.Phase = RunPhase.Protecting;
            checkpoint.Status.Attempts = 3;
            await Api.ReplaceStatusAsync(checkpoint);

            var failed = await WhenAsync(ns, "unlucky", c => c.Status.Phase == RunPhase.Error, "Error after three interrupted attempts");
            Ready(failed).Reason.Should().Be("RunInterrupted");
            Ready(failed).Message.Should().Be("the run was interrupted 3 times (operator restarts or lost leadership); giving up after 3 attempts");
            FilesOf(root, failed).Should().BeEmpty("what the attempts wrote is removed");
        }
        finally
        {
            await RemoveBankAsync(root);
        }
    }

    [Fact]
    public async Task A_malformed_index_turns_an_Available_checkpoint_into_an_Error_naming_the_field()
    {
        var ns = await fixture.NewNamespaceAsync("cpidx");
        var root = await BankAsync($"idx-{ns}");
        try
        {
            await ConfigMapsAsync(ns, 3);
            await PlanAsync(ns, "app", $"idx-{ns}");
            await CheckpointAsync(ns, "damaged", "app");
            var checkpoint = await FinishedAsync(ns, "damaged");
            checkpoint.Status.Phase.Should().Be(RunPhase.Available, Ready(checkpoint).Message);

            var indexFile = Path.Combine(root, BankLayout.IndexKey($"{ns}/app", checkpoint.Metadata.Uid!));
            var text = await File.ReadAllTextAsync(indexFile);
            // Replaced atomically: the operator's periodic verification must not read a half-written file.
            await File.WriteAllTextAsync(indexFile + ".tmp", text.Replace("\"formatVersion\": 1", "\"formatVersion\": 7", StringComparison.Ordinal).Replace("\"formatVersion\":1", "\"formatVersion\":7", StringComparison.Ordinal));
            File.Move(indexFile + ".tmp", indexFile, overwrite: true);
            await fixture.Cluster.KubectlCheckedAsync("annotate", "checkpoint", "damaged", "-n", ns, "test/poke=1"); // a change: the controller looks again

            var damaged = await WhenAsync(ns, "damaged", c => c.Status.Phase == RunPhase.Error, "Error once its index no longer reads");
            Ready(damaged).Reason.Should().Be("IndexInvalid");
            Ready(damaged).Message.Should().Contain("formatVersion is 7").And.Contain("index.json");

            await fixture.Cluster.KubectlCheckedAsync("delete", "checkpoint", "damaged", "-n", ns, "--timeout=60s");
            FilesOf(root, checkpoint).Should().BeEmpty("a damaged checkpoint's data is deleted too");
        }
        finally
        {
            await RemoveBankAsync(root);
        }
    }

    [Fact]
    public async Task A_full_or_read_only_bank_fails_the_run_with_the_bank_reason()
    {
        var ns = await fixture.NewNamespaceAsync("cpfull");
        await using var mount = await TmpfsMount.MountAsync("256k");
        await BankAsync($"small-{ns}", path: mount.Path);
        await ConfigMapsAsync(ns, 60, valueBytes: 8000); // ~480 KB of ConfigMaps into 256 KB
        await PlanAsync(ns, "app", $"small-{ns}");

        await CheckpointAsync(ns, "too-big", "app");
        var full = await FinishedAsync(ns, "too-big");
        (full.Status.Phase, Ready(full).Reason).Should().Be((RunPhase.Error, "BankFull"));
        Ready(full).Message.Should().Contain("no space left").And.Contain(mount.Path);
        (await IndexAsync(mount.Path, full)).Should().BeNull("a failed run never commits");
        FilesOf(mount.Path, full).Should().BeEmpty("the failed attempt's objects are removed");

        await mount.RemountReadOnlyAsync();
        await CheckpointAsync(ns, "read-only", "app");
        var readOnly = await FinishedAsync(ns, "read-only");
        (readOnly.Status.Phase, Ready(readOnly).Reason).Should().Be((RunPhase.Error, "BankReadOnly"));
        Ready(readOnly).Message.Should().Contain("read-only");
    }

    [Fact]
    public async Task Retention_keeps_the_last_N_and_never_deletes_the_last_Available_checkpoint()
    {
        var ns = await fixture.NewNamespaceAsync("cpkeep");
        var root = await BankAsync($"keep-{ns}");
        try
        {
            await ConfigMapsAsync(ns, 3);
            await PlanAsync(ns, "app", $"keep-{ns}", "  retention: {keepLast: 2}\n");
            var checkpoints = new List<V1Alpha1Checkpoint>();
            foreach (var name in new[] { "cp-1", "cp-2", "cp-3" })
            {
                await CheckpointAsync(ns, name, "app");
                var done = await FinishedAsync(ns, name);
                done.Status.Phase.Should().Be(RunPhase.Available, Ready(done).Message);
                checkpoints.Add(done);
            }

            await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Checkpoint>(ns, "cp-1"), c => c is null, TimeSpan.FromSeconds(30), "retention to delete cp-1");
            FilesOf(root, checkpoints[0]).Should().BeEmpty("its finalizer deleted its data");
            (await Api.ListAsync<V1Alpha1Checkpoint>(ns)).Items.Select(c => c.Metadata.Name).Should().BeEquivalentTo("cp-2", "cp-3");
            (await fixture.Cluster.KubectlCheckedAsync("get", "events", "-n", ns)).Should().Contain("retention deleted Checkpoint cp-1");

            // Every checkpoint is now older than maxAge, yet the newest Available one stays.
            await Task.Delay(TimeSpan.FromSeconds(2));
            await PlanAsync(ns, "app", $"keep-{ns}", "  retention: {maxAge: 1s}\n");
            await Eventually.UntilAsync(() => Api.GetAsync<V1Alpha1Checkpoint>(ns, "cp-2"), c => c is null, TimeSpan.FromSeconds(30), "retention to delete cp-2");
            await Task.Delay(TimeSpan.FromSeconds(3));
            var last = (await Api.GetAsync<V1Alpha1Checkpoint>(ns, "cp-3"))!;
            last.Should().NotBeNull("the newest Available checkpoint is never deleted");
            last.Metadata.DeletionTimestamp.Should().BeNull();
            (await IndexAsync(root, last))!.Resources.Should().NotBeEmpty();
        }
        finally
        {
            await RemoveBankAsync(root);
        }
    }

    [Fact]
    public async Task The_checkpoint_run_command_runs_the_same_executor_against_the_api_server()
    {
        var ns = await fixture.NewNamespaceAsync("cpcli");
        var root = await BankAsync($"cli-{ns}");
        try
        {
            await ConfigMapsAsync(ns, 50);
            await PlanAsync(ns, "app", $"cli-{ns}");

            // The operator would run it too: stop it, so the command is the only runner.
            await fixture.Operator.StopAsync();
            await CheckpointAsync(ns, "by-cli", "app");
            var result = await ProcessRunner.RunAsync(OperatorProcess.Binary, ["checkpoint", "run", $"{ns}/by-cli", "--kubeconfig", fixture.Cluster.KubeconfigPath]);
            result.ExitCode.Should().Be(0, result.StdErr);
            result.StdOut.Should().Contain($"checkpoint {ns}/by-cli Available");
            result.StdErr.Should().MatchRegex(@"\d+/\d+ resources").And.Contain("Protecting");

            var checkpoint = (await Api.GetAsync<V1Alpha1Checkpoint>(ns, "by-cli"))!;
            checkpoint.Status.Phase.Should().Be(RunPhase.Available);
            checkpoint.Metadata.Finalizers.Should().Contain("erebor.io/checkpoint-bank-data", "the command adds the finalizer before it writes to the bank");
            var index = (await IndexAsync(root, checkpoint))!;
            index.Resources.Count(e => e.Key.Kind == "ConfigMap").Should().Be(50);
            checkpoint.Status.ResourcesDone.Should().Be(index.Resources.Count);

            var missing = await ProcessRunner.RunAsync(OperatorProcess.Binary, ["checkpoint", "run", $"{ns}/nope", "--kubeconfig", fixture.Cluster.KubeconfigPath]);
            missing.ExitCode.Should().Be(1);
            missing.StdErr.Should().Contain($"Checkpoint {ns}/nope does not exist");
            var usage = await ProcessRunner.RunAsync(OperatorProcess.Binary, ["checkpoint", "run", "no-slash"]);
            usage.ExitCode.Should().NotBe(0);
            (usage.StdErr + usage.StdOut).Should().Contain("<namespace>/<name>");
        }
        finally
        {
            await fixture.RestartOperatorAsync();
            await RemoveBankAsync(root);
        }
    }

    /// <summary>
    /// SIGKILL of the operator in the middle of a scheduled checkpoint of 2,000 ConfigMaps: after a
    /// restart the checkpoint ends Available with all of them (or Error with a reason), never
    /// Available with fewer; the next scheduled run works.
    /// </summary>
    [Fact]
    public async Task An_operator_killed_mid_checkpoint_restarts_the_run_and_the_next_scheduled_run_works()
    {
        var options = new OperatorProcessOptions { ExtraArgs = ["--checkpoint-lease-duration", "15s"] };
        await fixture.RestartOperatorAsync(options);
        var ns = await fixture.NewNamespaceAsync("cpkill");
        var root = await BankAsync($"kill-{ns}");
        try
        {
            const int count = 2000;
            await ConfigMapsAsync(ns, count);
            await PlanAsync(ns, "minutely", $"kill-{ns}", "  schedule: '* * * * *'\n");
            var plansFolder = Path.Combine(root, "plans");

            // Kill once the first scheduled run has written a few hundred objects but no index.
            var written = await Eventually.UntilAsync(() => Task.FromResult(Directory.Exists(plansFolder)
                    ? Directory.EnumerateFiles(plansFolder, "*.json", SearchOption.AllDirectories).Where(f => f.Contains("/resources/", StringComparison.Ordinal)).Take(300).Count()
                    : 0),
                n => n >= 300, TimeSpan.FromSeconds(120), "the first scheduled run to be writing", TimeSpan.FromMilliseconds(20));
            fixture.Operator.Kill();
            Directory.EnumerateFiles(plansFolder, "index.json", SearchOption.AllDirectories).Should().BeEmpty("the kill came mid-run");
            var first = (await Api.ListAsync<V1Alpha1Checkpoint>(ns)).Items.Should().ContainSingle().Subject;
            first.Status.Phase.Should().Be(RunPhase.Protecting);

            await fixture.RestartOperatorAsync(options);
            var name = first.Metadata.Name!;
            var observedPhases = new List<(RunPhase? Phase, int Done)>();
            var finished = await WhenAsync(ns, name, c =>
            {
                observedPhases.Add((c.Status.Phase, c.Status.ResourcesDone));
                return c.Status.Phase is RunPhase.Available or RunPhase.PartiallyFailed or RunPhase.Error;
            }, "the interrupted run to finish", seconds: 120);
            observedPhases.Where(p => p.Phase == RunPhase.Available).Should().OnlyContain(p => p.Done == count + 1, "Available only with everything");
            if (finished.Status.Phase == RunPhase.Available)
            {
                finished.Status.Attempts.Should().Be(2, "the interrupted attempt was restarted once");
                var index = (await IndexAsync(root, finished))!;
                index.Resources.Count(e => e.Key.Kind == "ConfigMap").Should().Be(count);
                finished.Status.ResourcesDone.Should().Be(count + 1);
                finished.Status.ResourcesTotal.Should().Be(count + 1);
                Ready(finished).Message.Should().Contain($"{count + 1} resources");
            }
            else
            {
                finished.Status.Phase.Should().Be(RunPhase.Error);
                Ready(finished).Reason.Should().NotBeNullOrEmpty();
                (await IndexAsync(root, finished)).Should().BeNull("an Error checkpoint has no index");
            }

            var next = await Eventually.UntilAsync(async () => (await Api.ListAsync<V1Alpha1Checkpoint>(ns)).Items.Where(c => c.Metadata.Name != name).ToList(),
                items => items.Count > 0, TimeSpan.FromSeconds(90), "the next scheduled checkpoint", TimeSpan.FromSeconds(1));
            var nextDone = await FinishedAsync(ns, next[0].Metadata.Name!, seconds: 120);
            nextDone.Status.Phase.Should().Be(RunPhase.Available, Ready(nextDone).Message);
            (await IndexAsync(root, nextDone))!.Resources.Count(e => e.Key.Kind == "ConfigMap").Should().Be(count);
        }
        finally
        {
            await fixture.Cluster.KubectlAsync("delete", "protectionplan", "minutely", "-n", ns);
            await fixture.RestartOperatorAsync();
            await RemoveBankAsync(root);
        }
    }
}
