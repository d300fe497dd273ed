using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;
using Erebor.Protection.Tests.Engine;
using Erebor.Protection.Tests.Support;

namespace Erebor.Protection.Tests.Restore;

/// <summary>A real control plane with the Widget CRD and a real operator process running Restores.</summary>
public sealed class RestoreOperatorFixture : EreborClusterFixture
{
    private OperatorProcess? _operator;

    public OperatorProcess Operator => _operator ?? throw new InvalidOperationException("not started");

    /// <summary>Starts a new operator process (after the test killed the previous one).</summary>
    public async Task RestartOperatorAsync()
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
        _operator = await OperatorProcess.StartAsync(Cluster);
    }

    protected override async Task StartedAsync()
    {
        await RoundTrip.InstallWidgetCrdAsync(Cluster, Api);
        _operator = await OperatorProcess.StartAsync(Cluster);
    }

    protected override async Task StoppingAsync()
    {
        if (_operator is not null) { await _operator.DisposeAsync(); }
    }
}

/// <summary>
/// Issue #5's restore acceptance, through the API as a user does it: a namespace of 200+ objects
/// of every protected kind (Erebor Subnets and Routers and a custom resource included) is
/// checkpointed into a filesystem or S3 (s3rver) bank, deleted, and brought back by kubectl-applied
/// Restores that the operator runs.
/// </summary>
[Trait("Category", "Integration")]
public sealed class RestoreAcceptanceTests(RestoreOperatorFixture fixture, BankFixture banks) : IClassFixture<RestoreOperatorFixture>, IClassFixture<BankFixture>
{
    private KubeApi Api => fixture.Api;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_deleted_namespace_of_200_objects_comes_back_equal_in_place_and_into_a_second_namespace(string kind)
    {
        var source = NewName("shop");
        var objects = await RoundTrip.CreateAppAsync(Api, source, scale: 14, widgets: 6);
        objects.Count.Should().BeGreaterThanOrEqualTo(200);
        var plugins = RoundTrip.PluginsWithWidgets;
        var originals = await RoundTrip.SnapshotAsync(Api, plugins, source);
        await using var bank = await banks.CreateAsync(kind);
        var scenario = await RestoreScenario.CreateAsync(fixture, banks, bank, source, [.. BuiltInPlugins.All().Select(p => p.Id), $"{RoundTrip.Widget.ApiVersion}/{RoundTrip.Widget.Kind}"]);
        var (_, index) = await scenario.CheckpointAsync("cp-1");
        index.Resources.Should().Contain(e => e.Key.Kind == "Widget", "the provider enables the generic plugin for Widgets");
        index.Resources.Should().HaveCount(objects.Count + 1, "every object and the namespace");

        // Secrets are not readable in the bank's files.
        var password = Encoding.UTF8.GetBytes("p@ss-0-é");
        var passwordBase64 = Encoding.UTF8.GetBytes(Convert.ToBase64String(password));
        foreach (var (key, bytes) in await bank.RawObjectsAsync())
        {
            bytes.AsSpan().IndexOf(password).Should().Be(-1, $"{key} must not hold a Secret in the clear");
            bytes.AsSpan().IndexOf(passwordBase64).Should().Be(-1, $"{key} must not hold a Secret's base64 data");
        }

        await RoundTrip.DeleteNamespaceAsync(fixture.Cluster, Api, plugins, source);

        // In place, into the recreated namespace, watching the order objects are created in.
        await using (var creations = await CreationWatch.StartAsync(Api, plugins, source))
        {
            await scenario.ApplyRestoreAsync("back", "cp-1");
            var restored = await scenario.WaitForPhaseAsync("back", RunPhase.Completed);
            restored.Status.ResourcesDone.Should().Be(objects.Count + 1);
            restored.Status.ResourcesTotal.Should().Be(objects.Count + 1);
            restored.Status.Executor.Should().BeNull("a finished run releases its claim");
            restored.Status.CompletionTime.Should().NotBeNull();
            Conditions.Find(restored.Status.Conditions, ConditionTypes.Ready)!.Reason.Should().Be("Completed");
            restored.Status.Resources.Should().BeNullOrEmpty("nothing was skipped or failed");
            await creations.AssertDependenciesFirstAsync(objects.Count + 1);
        }

        RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(Api, plugins, source), NamespaceMap.Identity, source);
        var secret = (await Api.GetAsync<JsonObject>(KubeTypes.Secret, source, "secret-000"))!;
        secret["data"]!.ToJsonString().Should().Be(originals[("v1/Secret", "secret-000")]["data"]!.ToJsonString(), "Secrets come back byte for byte");
        (await fixture.Cluster.KubectlCheckedAsync("get", "restores", "-n", scenario.AdminNamespace))
            .Should().MatchRegex($@"back\s+cp-1\s+Completed\s+{objects.Count + 1}\s+{objects.Count + 1}\s+\d+s");
        (await fixture.Cluster.KubectlCheckedAsync("describe", "restore", "back", "-n", scenario.AdminNamespace))
            .Should().MatchRegex(@"Normal\s+RestoreStarted").And.MatchRegex(@"Normal\s+Completed");

        // Into a second namespace: the same objects, the namespace mapped.
        var copy = NewName("copy");
        await scenario.ApplyRestoreAsync("copy", "cp-1", targetNamespace: copy);
        await scenario.WaitForPhaseAsync("copy", RunPhase.Completed);
        var map = new NamespaceMap(Target: copy);
        RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(Api, plugins, copy), map, source);
        (await Api.GetAsync<JsonObject>(KubeTypes.RoleBinding, copy, "rb-000"))!["subjects"]![0]!["namespace"]!.GetValue<string>().Should().Be(copy);
    }

    [Fact]
    public async Task The_conflict_policy_Skip_leaves_a_changed_object_and_lists_it_while_Update_puts_it_back_even_once_the_plan_is_gone()
    {
        var source = NewName("conf");
        await RoundTrip.CreateAppAsync(Api, source, scale: 1);
        await using var bank = await banks.CreateAsync(BankFixture.Filesystem);
        var scenario = await RestoreScenario.CreateAsync(fixture, banks, bank, source);
        await scenario.CheckpointAsync("cp");
        await Api.PatchAsync<JsonObject>(KubeTypes.ConfigMap, source, "cm-000-0", PatchType.Merge, """{"data":{"empty":"changed"}}""");

        await scenario.ApplyRestoreAsync("skip", "cp", policy: ConflictPolicy.Skip);
        var skipped = await scenario.WaitForPhaseAsync("skip", RunPhase.Completed);
        var entry = skipped.Status.Resources!.Should().ContainSingle(r => r.Kind == "ConfigMap").Subject;
        (entry.Name, entry.Result).Should().Be(("cm-000-0", "Skipped"));
        entry.Message.Should().StartWith(ResourcePlugin.ConflictSkipped).And.Contain("$.data.empty: expected \"\", got \"changed\"");
        Conditions.Find(skipped.Status.Conditions, ConditionTypes.Ready)!.Message.Should().Contain("1 existing ones left as they were (conflict policy Skip)");
        (await Api.GetAsync<JsonObject>(KubeTypes.ConfigMap, source, "cm-000-0"))!["data"]!["empty"]!.GetValue<string>().Should().Be("changed");

        await scenario.ApplyRestoreAsync("update", "cp", policy: ConflictPolicy.Update);
        var updated = await scenario.WaitForPhaseAsync("update", RunPhase.Completed);
        (updated.Status.Resources ?? []).Should().NotContain(r => r.Kind == "ConfigMap");
        (await Api.GetAsync<JsonObject>(KubeTypes.ConfigMap, source, "cm-000-0"))!["data"]!["empty"]!.GetValue<string>().Should().BeEmpty();

        // The plan is gone: the checkpoint recorded its provider, so it still restores.
        await fixture.Cluster.KubectlCheckedAsync("delete", "protectionplan", RestoreScenario.PlanName, "-n", scenario.AdminNamespace);
        var elsewhere = NewName("noplan");
        await scenario.ApplyRestoreAsync("noplan", "cp", targetNamespace: elsewhere);
        await scenario.WaitForPhaseAsync("noplan", RunPhase.Completed);
        (await Api.GetAsync<JsonObject>(KubeTypes.ConfigMap, elsewhere, "cm-000-0")).Should().NotBeNull();
    }

    [Fact]
    public async Task A_restore_waits_for_its_checkpoint_says_why_and_a_malformed_index_is_an_error_naming_the_field()
    {
        var source = NewName("wait");
        await RoundTrip.CreateAppAsync(Api, source, scale: 1);
        await using var bank = await banks.CreateAsync(BankFixture.Filesystem);
        var scenario = await RestoreScenario.CreateAsync(fixture, banks, bank, source);
        var target = NewName("later");

        // No such Checkpoint yet: Error, until it appears and becomes Available.
        await scenario.ApplyRestoreAsync("early", "cp-later", targetNamespace: target);
        var missing = await scenario.WaitForPhaseAsync("early", RunPhase.Error);
        Conditions.Find(missing.Status.Conditions, ConditionTypes.Ready)!.Reason.Should().Be("CheckpointNotFound");
        Conditions.Find(missing.Status.Conditions, ConditionTypes.Ready)!.Message.Should().Be($"Checkpoint {scenario.AdminNamespace}/cp-later does not exist");

        // A Checkpoint that is not Available (its plan does not exist: Error): Pending, saying why.
        await fixture.Cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {{name: cp-later, namespace: {scenario.AdminNamespace}}}\nspec: {{plan: no-such-plan}}\n");
        var pending = await Harness.Eventually.UntilAsync(() => scenario.GetRestoreAsync("early"),
            r => Conditions.Find(r!.Status.Conditions, ConditionTypes.Ready)?.Message.Contains("is Error", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(30), "Restore early waiting for the failed checkpoint");
        pending!.Status.Phase.Should().Be(RunPhase.Pending);
        Conditions.Find(pending.Status.Conditions, ConditionTypes.Ready)!.Reason.Should().Be("CheckpointNotAvailable");
        Conditions.Find(pending.Status.Conditions, ConditionTypes.Ready)!.Message.Should().Be("Checkpoint cp-later is Error; the restore starts when it is Available");
        (await Api.GetAsync<JsonObject>(KubeTypes.Namespace, null, target)).Should().BeNull("nothing is restored before the checkpoint is Available");

        // The same name again, of the real plan: once Available, the waiting Restore runs.
        await fixture.Cluster.KubectlCheckedAsync("delete", "checkpoint", "cp-later", "-n", scenario.AdminNamespace, "--timeout=60s");
        await scenario.CheckpointAsync("cp-later");
        var done = await scenario.WaitForPhaseAsync("early", RunPhase.Completed);
        done.Status.ResourcesDone.Should().BeGreaterThan(10);
        (await Api.GetAsync<JsonObject>(KubeTypes.ConfigMap, target, "cm-000-0")).Should().NotBeNull();

        // A malformed index: Error with the reader's message, nothing restored.
        var (checkpoint, _) = await scenario.CheckpointAsync("cp-bad");
        var indexFile = Path.Combine(bank.RawDirectory, "plans", scenario.AdminNamespace, RestoreScenario.PlanName, "checkpoints", checkpoint.Metadata.Uid!, "index.json");
        var text = await File.ReadAllTextAsync(indexFile);
        await File.WriteAllTextAsync(indexFile, text.Replace("\"formatVersion\":1", "\"formatVersion\":7", StringComparison.Ordinal).Replace("\"formatVersion\": 1", "\"formatVersion\": 7", StringComparison.Ordinal));
        var elsewhere = NewName("bad");
        await scenario.ApplyRestoreAsync("bad", "cp-bad", targetNamespace: elsewhere);
        var invalid = await scenario.WaitForPhaseAsync("bad", RunPhase.Error);
        var condition = Conditions.Find(invalid.Status.Conditions, ConditionTypes.Ready)!;
        condition.Reason.Should().Be("IndexInvalid");
        condition.Message.Should().Contain("formatVersion is 7; this operator reads checkpoint index format version 1");
        (await Api.GetAsync<JsonObject>(KubeTypes.Namespace, null, elsewhere)).Should().BeNull();
        (await fixture.Cluster.KubectlCheckedAsync("describe", "restore", "bad", "-n", scenario.AdminNamespace)).Should().MatchRegex(@"Warning\s+IndexInvalid");
    }

    [Fact]
    public async Task An_operator_killed_mid_restore_is_taken_over_on_restart_and_the_restore_completes_with_everything()
    {
        var source = NewName("kill");
        var objects = await RoundTrip.CreateAppAsync(Api, source, scale: 40);
        var plugins = PluginSet.Select(null);
        var originals = await RoundTrip.SnapshotAsync(Api, plugins, source);
        await using var bank = await banks.CreateAsync(BankFixture.Filesystem);
        var scenario = await RestoreScenario.CreateAsync(fixture, banks, bank, source);
        await scenario.CheckpointAsync("cp");
        var target = NewName("killcopy");

        await scenario.ApplyRestoreAsync("crash", "cp", targetNamespace: target);
        var running = await Harness.Eventually.UntilAsync(() => scenario.GetRestoreAsync("crash"), r => r?.Status.ResourcesDone > 0, TimeSpan.FromSeconds(60), "restore under way", TimeSpan.FromMilliseconds(50));
        fixture.Operator.Kill();
        var killedAt = (await scenario.GetRestoreAsync("crash"))!;
        killedAt.Status.Phase.Should().Be(RunPhase.Restoring);
        killedAt.Status.ResourcesDone.Should().BeLessThan(objects.Count + 1, "the operator was killed mid-restore");
        var deadExecutor = killedAt.Status.Executor;
        deadExecutor.Should().NotBeNull();

        await fixture.RestartOperatorAsync();
        var done = await scenario.WaitForPhaseAsync("crash", RunPhase.Completed, TimeSpan.FromMinutes(3));
        done.Status.ResourcesDone.Should().Be(objects.Count + 1);
        done.Status.Resources.Should().BeNullOrEmpty("objects the killed run created count as done when the run is taken over");
        (await fixture.Cluster.KubectlCheckedAsync("describe", "restore", "crash", "-n", scenario.AdminNamespace))
            .Should().Contain($"taking over from {deadExecutor}");
        RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(Api, plugins, target), new NamespaceMap(Target: target), source);
        running!.Status.StartTime.Should().Be(done.Status.StartTime, "a taken-over run keeps its start time");
    }
}

/// <summary>
/// Watches every plugin type in a namespace and records each creation's resourceVersion (the
/// etcd revision of the create, ordered across all types), so a test can check that every
/// dependency type was created before any object of a type that depends on it.
/// </summary>
public sealed class CreationWatch : IAsyncDisposable
{
    private readonly ConcurrentBag<(string PluginId, string Name, long Revision)> _created = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watches = [];
    private readonly PluginSet _plugins;

    private CreationWatch(PluginSet plugins) => _plugins = plugins;

    public static async Task<CreationWatch> StartAsync(KubeApi api, PluginSet plugins, string ns)
    {
        var watch = new CreationWatch(plugins);
        foreach (var plugin in plugins.Ordered)
        {
            var scope = plugin.Type.Namespaced ? ns : null;
            var options = plugin.Type.Namespaced ? null : new ListOptions { FieldSelector = $"metadata.name={ns}" };
            var from = (await api.ListAsync<JsonObject>(plugin.Type, scope, options)).Metadata.ResourceVersion!;
            watch._watches.Add(watch.RecordAsync(api, plugin, scope, from, options));
        }

        return watch;
    }

    private async Task RecordAsync(KubeApi api, IResourcePlugin plugin, string? scope, string from, ListOptions? options)
    {
        try
        {
            await foreach (var change in api.WatchAsync<JsonObject>(plugin.Type, scope, from, options, TimeSpan.FromMinutes(5), _stop.Token))
            {
                if (change.Type != WatchEventType.Added) { continue; }
                var revision = long.Parse(change.Object["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                _created.Add((plugin.Id, ObjectJson.Name(change.Object), revision));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>All <paramref name="expected"/> creations seen; for every type, each type it depends on was created entirely before its first object.</summary>
    public async Task AssertDependenciesFirstAsync(int expected)
    {
        await Harness.Eventually.UntilAsync(() => Task.FromResult(_created.Count), count => count >= expected, TimeSpan.FromSeconds(30), $"{expected} creations watched");
        var byType = _created.GroupBy(c => c.PluginId).ToDictionary(g => g.Key, g => (First: g.Min(c => c.Revision), Last: g.Max(c => c.Revision)));
        var violations = new List<string>();
        foreach (var plugin in _plugins.Ordered.Where(p => byType.ContainsKey(p.Id)))
        {
            foreach (var dependency in plugin.DependsOn.Select(ResourcePlugin.IdOf).Where(byType.ContainsKey))
            {
                if (byType[dependency].Last >= byType[plugin.Id].First)
                {
                    violations.Add($"{plugin.Id}'s first object (revision {byType[plugin.Id].First}) was created before {dependency}'s last (revision {byType[dependency].Last})");
                }
            }
        }

        violations.Should().BeEmpty();
        byType.Keys.Should().HaveCountGreaterThan(10, "the watch saw every kind being created");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watches);
        _stop.Dispose();
    }
}
