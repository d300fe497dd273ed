using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Domain.Protection;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Tests.Engine;

/// <summary>The executors against an in-memory API server: order, progress, paging, selection and failure handling.</summary>
public sealed class ExecutorTests
{
    private const string Ns = "shop";
    private static readonly string[] KindOrder = ["Namespace", "ServiceAccount", "ConfigMap", "Secret", "Role", "RoleBinding", "Subnet", "Router", "PersistentVolumeClaim", "Service", "Deployment", "StatefulSet", "DaemonSet", "Job"];

    private static HashSet<string> AllButSnapshots() =>
        [.. PluginSet.Select(null).Ordered.Select(p => $"{p.Type.Group}/{p.Type.Plural}")];

    private static FakeKubeApi Seeded(int scale, string ns = Ns)
    {
        var api = new FakeKubeApi { Served = AllButSnapshots() };
        api.Seed(KubeTypes.Namespace, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns }, ["status"] = new JsonObject { ["phase"] = "Active" } });
        foreach (var (type, obj) in SampleApp.Objects(ns, scale))
        {
            if (type == KubeTypes.Subnet) { obj["status"] = new JsonObject { ["segmentId"] = 7 }; }
            api.Seed(type, obj);
        }

        return api;
    }

    private static async Task<(ProtectResult Result, InMemoryCheckpointStore Store, RecordingReporter Reporter)> ProtectAsync(FakeKubeApi api, ProtectionSelection selection, PluginSet? plugins = null, int pageSize = 500)
    {
        var store = new InMemoryCheckpointStore();
        var reporter = new RecordingReporter();
        var result = await new ProtectExecutor(api, plugins ?? PluginSet.Select(null)) { PageSize = pageSize }.RunAsync("uid-1", selection, store.OpenWriter("plan", "uid-1"), reporter);
        return (result, store, reporter);
    }

    [Fact]
    public async Task Protect_runs_in_graph_order_page_by_page_with_progress_known_up_front()
    {
        var api = Seeded(scale: 4);
        var count = 1 + SampleApp.Objects(Ns, 4).Count;

        var (result, store, reporter) = await ProtectAsync(api, new ProtectionSelection([Ns]), pageSize: 3);

        result.Index.Resources.Select(e => e.Key.Kind).Distinct().Should().Equal(KindOrder);
        result.Index.Resources.Should().HaveCount(count);
        api.MaxPageSize.Should().Be(3);
        api.PagesListed.Should().BeGreaterThan(count / 3);
        reporter.Progress[0].Should().Be(new RunProgress(0, count, 0, 0), "the total is counted before any object");
        reporter.Progress.Select(p => p.Done).Should().BeInAscendingOrder().And.EndWith(count);
        reporter.Progress.Should().OnlyContain(p => p.Total == count);
        result.Summary.Progress.Should().Be(new RunProgress(count, count, 0, 0));
        result.Summary.NotDone.Should().HaveCount(4).And.OnlyContain(r => r.Aspect == "volume-data" && r.Message!.StartsWith("no VolumeSnapshot API"));
        result.Summary.HasFailures.Should().BeFalse();
        store.MaxBufferedBytes.Should().BeLessThan(8192);

        var stored = JsonNode.Parse(await store.OpenResourceAsync("plan", "uid-1", result.Index.Resources.Single(e => e.Key.Name == "net-000"), default))!;
        stored["status"].Should().BeNull();
        stored["metadata"]!["uid"].Should().BeNull();
        var secretEntry = result.Index.Resources.Single(e => e.Key.Name == "secret-000");
        secretEntry.Encrypted.Should().BeTrue();
        System.Text.Encoding.UTF8.GetString(store.Raw("plan", "uid-1", secretEntry.Key)).Should().NotContain("secret-000", "the bank got it encrypted");
    }

    [Fact]
    public async Task Restore_creates_dependencies_first_into_the_mapped_namespace_and_a_rerun_changes_nothing()
    {
        var api = Seeded(scale: 3);
        var (protect, store, _) = await ProtectAsync(api, new ProtectionSelection([Ns]));
        var map = new NamespaceMap(Target: "copy");
        var reporter = new RecordingReporter();

        var summary = await new RestoreExecutor(api, PluginSet.Select(null)).RunAsync(store, "plan", "uid-1", new RestoreOptions(map), reporter);

        summary.HasFailures.Should().BeFalse(string.Join("\n", summary.NotDone));
        summary.Progress.Should().Be(new RunProgress(protect.Index.Resources.Count, protect.Index.Resources.Count, 0, 0));
        var creates = api.Journal.Where(j => j.StartsWith("create", StringComparison.Ordinal)).ToList();
        creates[0].Should().Be("create Namespace /copy");
        creates.Select(c => c.Split(' ')[1]).Distinct().Should().Equal(KindOrder);
        creates.Skip(1).Should().OnlyContain(c => c.Contains(" copy/"));
        creates.FindIndex(c => c.StartsWith("create Router", StringComparison.Ordinal)).Should().BeGreaterThan(creates.FindLastIndex(c => c.StartsWith("create Subnet", StringComparison.Ordinal)));
        reporter.Results.Should().OnlyContain(r => r.Key.Namespace == null || r.Key.Namespace == "copy");
        api.All(KubeTypes.Subnet, "copy").Should().OnlyContain(s => s["status"] == null);

        foreach (var plugin in PluginSet.Select(null).Ordered.Where(p => p.Type.Namespaced))
        {
            foreach (var original in api.All(plugin.Type, Ns))
            {
                var copy = (await api.GetAsync<JsonObject>(plugin.Type, "copy", ObjectJson.Name(original)))!;
                RestoreComparison.Differences(plugin, original, copy, map).Should().BeEmpty();
            }
        }

        api.Journal.Clear();
        var again = await new RestoreExecutor(api, PluginSet.Select(null)).RunAsync(store, "plan", "uid-1", new RestoreOptions(map, ConflictPolicy.Update));
        again.NotDone.Should().BeEmpty();
        api.Journal.Should().BeEmpty("every object is already identical");
    }

    [Fact]
    public async Task Selection_follows_labels_and_explicit_resources_and_reports_missing_ones()
    {
        var api = Seeded(scale: 2);
        api.Seed(KubeTypes.Namespace, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = "other" } });
        api.Seed(KubeTypes.ConfigMap, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "extra", ["namespace"] = "other" } });
        api.Seed(KubeTypes.ConfigMap, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "unlabelled", ["namespace"] = Ns } });
        var selection = new ProtectionSelection([Ns], "app=shop", [new ResourceKey("v1", "ConfigMap", "other", "extra"), new ResourceKey("v1", "ConfigMap", "other", "gone"), new ResourceKey("v1", "ConfigMap", Ns, "unlabelled")]);

        var (result, _, _) = await ProtectAsync(api, selection, PluginSet.Select(["ConfigMap", "Namespace"]));

        result.Index.Resources.Select(e => e.Key.ToString()).Should().Equal(
            "Namespace/shop", "Namespace/other", "ConfigMap/other/extra", "ConfigMap/shop/unlabelled", "ConfigMap/shop/cm-000-0", "ConfigMap/shop/cm-000-1", "ConfigMap/shop/cm-001-0", "ConfigMap/shop/cm-001-1");
        result.Summary.NotDone.Should().Equal(new ResourceResult(new ResourceKey("v1", "ConfigMap", "other", "gone"), ResourceOutcome.Failed, "named in the selection but not found"));
        result.Summary.HasFailures.Should().BeTrue();
    }

    [Fact]
    public async Task A_type_the_server_does_not_serve_is_skipped_and_its_dependents_are_skipped_on_restore()
    {
        var api = Seeded(scale: 2);
        var (protect, store, _) = await ProtectAsync(api, new ProtectionSelection([Ns]));
        api.Served!.Remove("erebor.io/subnets");

        var unserved = await ProtectAsync(api, new ProtectionSelection([Ns]));
        unserved.Result.Summary.NotDone.Should().ContainSingle(r => r.Aspect == "type").Which.Message.Should().Be("subnets.erebor.io/v1alpha1 is not served by the API server");
        unserved.Result.Summary.HasFailures.Should().BeFalse();

        var summary = await new RestoreExecutor(api, PluginSet.Select(null)).RunAsync(store, "plan", "uid-1", new RestoreOptions(new NamespaceMap(Target: "copy")));
        summary.NotDone.Where(r => r.Key.Kind == "Subnet").Should().OnlyContain(r => r.Outcome == ResourceOutcome.Failed).And.HaveCount(2);
        summary.NotDone.Single(r => r.Key.Kind == "Router").Should().Be(new ResourceResult(new ResourceKey("erebor.io/v1alpha1", "Router", "copy", "router-001"), ResourceOutcome.Skipped, "depends on Subnet/shop/net-000, which was not restored"));
        summary.Progress.Failed.Should().Be(2);
        protect.Summary.HasFailures.Should().BeFalse();
    }

    [Fact]
    public async Task Claims_get_a_volume_snapshot_when_the_api_exists_and_a_restore_in_place_takes_its_data_from_it()
    {
        var api = Seeded(scale: 1);
        api.Served!.Add("snapshot.storage.k8s.io/volumesnapshots");
        var (protect, store, _) = await ProtectAsync(api, new ProtectionSelection([Ns]), PluginSet.Select(["Namespace", "PersistentVolumeClaim"]));

        var snapshotName = PersistentVolumeClaimPlugin.SnapshotName("data-000", "uid-1");
        snapshotName.Should().Be("data-000-uid1");
        (await api.GetAsync<JsonObject>(KubeTypes.VolumeSnapshot, Ns, snapshotName))!["spec"]!["source"]!["persistentVolumeClaimName"]!.GetValue<string>().Should().Be("data-000");
        protect.Summary.NotDone.Should().BeEmpty();

        await api.DeleteAsync(KubeTypes.PersistentVolumeClaim, Ns, "data-000");
        var inPlace = new RecordingReporter();
        await new RestoreExecutor(api, PluginSet.Select(["Namespace", "PersistentVolumeClaim"])).RunAsync(store, "plan", "uid-1", new RestoreOptions(NamespaceMap.Identity), inPlace);
        var claim = (await api.GetAsync<JsonObject>(KubeTypes.PersistentVolumeClaim, Ns, "data-000"))!;
        claim["spec"]!["dataSource"]!.ToJsonString().Should().Be($$"""{"apiGroup":"snapshot.storage.k8s.io","kind":"VolumeSnapshot","name":"{{snapshotName}}"}""");
        claim["metadata"]!["annotations"]!.AsObject().ContainsKey(PersistentVolumeClaimPlugin.SnapshotAnnotation).Should().BeFalse();
        inPlace.Results.Should().Contain(r => r.Aspect == "volume-data" && r.Outcome == ResourceOutcome.Done);

        var elsewhere = await new RestoreExecutor(api, PluginSet.Select(["Namespace", "PersistentVolumeClaim"])).RunAsync(store, "plan", "uid-1", new RestoreOptions(new NamespaceMap(Target: "copy")));
        elsewhere.NotDone.Should().ContainSingle().Which.Message.Should().Contain("cannot take its data from another namespace");
        (await api.GetAsync<JsonObject>(KubeTypes.PersistentVolumeClaim, "copy", "data-000"))!["spec"]!["dataSource"].Should().BeNull();
    }

    [Fact]
    public async Task A_bank_failure_ends_the_run_without_a_commit_and_a_missing_index_is_an_error()
    {
        var api = Seeded(scale: 1);
        var store = new InMemoryCheckpointStore();
        var run = () => new ProtectExecutor(api, PluginSet.Select(null)).RunAsync("uid-x", new ProtectionSelection([Ns]), new FailingWriter(store.OpenWriter("plan", "uid-x"), failAfter: 5));
        await run.Should().ThrowAsync<IOException>().WithMessage("bank full");
        (await store.ReadIndexAsync("plan", "uid-x", default)).Should().BeNull("nothing reads as a checkpoint");

        var restore = () => new RestoreExecutor(api, PluginSet.Select(null)).RunAsync(store, "plan", "uid-x", new RestoreOptions(NamespaceMap.Identity));
        await restore.Should().ThrowAsync<InvalidOperationException>().WithMessage("*no committed index*");
    }

    [Fact]
    public async Task An_object_being_deleted_fails_with_the_reason_and_the_skip_policy_reports_the_differences()
    {
        var api = Seeded(scale: 1);
        var (_, store, _) = await ProtectAsync(api, new ProtectionSelection([Ns]), PluginSet.Select(["Namespace", "ConfigMap"]));
        var existing = (await api.GetAsync<JsonObject>(KubeTypes.ConfigMap, Ns, "cm-000-0"))!;
        existing["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z";
        await api.ReplaceAsync(KubeTypes.ConfigMap, existing);
        existing = (await api.GetAsync<JsonObject>(KubeTypes.ConfigMap, Ns, "cm-000-1"))!;
        existing["data"]!["empty"] = "changed";
        await api.ReplaceAsync(KubeTypes.ConfigMap, existing);

        var summary = await new RestoreExecutor(api, PluginSet.Select(["Namespace", "ConfigMap"])).RunAsync(store, "plan", "uid-1", new RestoreOptions(NamespaceMap.Identity, ConflictPolicy.Skip));

        summary.NotDone.Select(r => r.ToString()).Should().Equal(
            "ConfigMap/shop/cm-000-0: Failed (ConfigMap/shop/cm-000-0 is being deleted (deletionTimestamp set); restore once it is gone, or into another namespace)",
            "ConfigMap/shop/cm-000-1: Skipped (exists and differs (conflict policy Skip): $.data.empty: expected \"\", got \"changed\")");
    }

    [Fact]
    public void Plugin_sets_reject_cycles_unknown_names_and_duplicate_types()
    {
        var a = new ResourceType("example.com", "v1", "Alpha", "alphas", true);
        var b = new ResourceType("example.com", "v1", "Beta", "betas", true);
        var cycle = () => new PluginSet([new NamespacePlugin(), new GenericPlugin(a, [b]), new GenericPlugin(b, [a])]);
        cycle.Should().Throw<ResourceGraphCycleException>().WithMessage("plugin cycle: example.com/Alpha -> example.com/Beta -> example.com/Alpha");

        var unknown = () => PluginSet.Select(["apps/ReplicaSet"]);
        unknown.Should().Throw<ArgumentException>().WithMessage("unknown plugin 'apps/ReplicaSet'; known: v1/Namespace, *");
        var twice = () => new PluginSet([new ConfigMapPlugin(), new GenericPlugin(KubeTypes.ConfigMap)]);
        twice.Should().Throw<ArgumentException>().WithMessage("two plugins for v1/ConfigMap");

        var generic = PluginSet.Select(["Router", "example.com/Alpha", "Namespace", "Subnet"], [new GenericPlugin(a, [KubeTypes.Router])]);
        generic.Ordered.Select(p => p.Id).Should().Equal("v1/Namespace", "erebor.io/Subnet", "erebor.io/Router", "example.com/Alpha");
        PluginSet.Select(["apps/v1/Deployment"]).Ordered.Single().Id.Should().Be("apps/Deployment");
    }

    [Fact]
    public void Selections_and_namespace_maps_come_from_the_api_objects()
    {
        var plan = new V1Alpha1ProtectionPlan { Metadata = new() { Name = "p", Namespace = "shop" } };
        plan.Spec.Selection.LabelSelector = new() { MatchLabels = new() { ["app"] = "shop" }, MatchExpressions = [new() { Key = "tier", Operator = "In", Values = ["a", "b"] }, new() { Key = "legacy", Operator = "DoesNotExist" }] };
        var selection = ProtectionSelection.FromPlan(plan);
        selection.Namespaces.Should().Equal("shop");
        selection.LabelSelector.Should().Be("app=shop,tier in (a,b),!legacy");

        var restore = new V1Alpha1Restore { Spec = { TargetNamespace = "t", NamespaceMapping = new() { ["a"] = "b" }, ConflictPolicy = ConflictPolicy.Update } };
        var options = RestoreOptions.FromRestore(restore);
        options.Namespaces.Map("a").Should().Be("b");
        options.Namespaces.Map("shop").Should().Be("t");
        NamespaceMap.Identity.Map("shop").Should().Be("shop");
        options.ConflictPolicy.Should().Be(ConflictPolicy.Update);
    }

    private sealed class FailingWriter(ICheckpointWriter inner, int failAfter) : ICheckpointWriter
    {
        private int _added;

        public Task<ResourceEntry> AddAsync(ResourceKey key, Stream json, bool encrypt, IReadOnlyList<ResourceKey> dependsOn, CancellationToken ct) =>
            ++_added > failAfter ? throw new IOException("bank full") : inner.AddAsync(key, json, encrypt, dependsOn, ct);

        public Task<CheckpointIndex> CommitAsync(CancellationToken ct) => inner.CommitAsync(ct);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
