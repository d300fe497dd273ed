using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness.ControlPlane;
using Erebor.Kube.Client;
using Erebor.Protection.Banks;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Tests.Engine;

/// <summary>A real API server with Erebor's CRDs and an admin client.</summary>
public sealed class EngineClusterFixture : EreborClusterFixture;

[Trait("Category", "Integration")]
public sealed class EngineRoundTripIntegrationTests(EngineClusterFixture fixture) : IClassFixture<EngineClusterFixture>
{
    private KubeApi Api => fixture.Api;

    private static string NewName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_checkpoint_through_the_filesystem_bank_restores_equal_and_its_secrets_are_unreadable_in_the_files()
    {
        var source = NewName("bank");
        await RoundTrip.CreateAppAsync(Api, source, scale: 3);
        var plugins = PluginSet.Select(null);
        var originals = await RoundTrip.SnapshotAsync(Api, plugins, source);
        var root = Directory.CreateTempSubdirectory("erebor-bank-").FullName;
        try
        {
            var store = new CheckpointStore(new FilesystemBank(root), new BankEncryptionKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            var plan = $"{source}/nightly";
            await using (var writer = await store.BeginAsync(plan, "cp-1", "engine-test", CancellationToken.None))
            {
                var protect = await new ProtectExecutor(Api, plugins).RunAsync("cp-1", new ProtectionSelection([source]), writer, new RecordingReporter());
                protect.Summary.HasFailures.Should().BeFalse(string.Join("\n", protect.Summary.NotDone));
            }

            var index = await store.ReadIndexAsync(plan, "cp-1", CancellationToken.None);
            index.Should().NotBeNull("the executor committed the checkpoint");
            index!.Resources.Where(e => e.Key.Kind == "Secret").Should().OnlyContain(e => e.Encrypted);
            var plaintext = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("p@ss-0-é"));
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                File.ReadAllText(file).Should().NotContain(plaintext, $"{file} must not hold a Secret's data in the clear").And.NotContain("p@ss-0");
            }

            var target = NewName("bankcopy");
            var map = new NamespaceMap(new Dictionary<string, string> { [source] = target });
            var restore = await new RestoreExecutor(Api, plugins).RunAsync(store, plan, "cp-1", new RestoreOptions(map), new RecordingReporter());
            restore.HasFailures.Should().BeFalse(string.Join("\n", restore.NotDone));
            RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(Api, plugins, target), map, source);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_namespace_of_200_objects_round_trips_into_a_new_namespace_and_back_into_the_original()
    {
        var source = NewName("shop");
        var objects = await RoundTrip.CreateAppAsync(Api, source, scale: 15);
        objects.Count.Should().BeGreaterThanOrEqualTo(200);
        var plugins = PluginSet.Select(null);
        var originals = await RoundTrip.SnapshotAsync(Api, plugins, source);

        // protect
        var store = new InMemoryCheckpointStore();
        var progress = new RecordingReporter();
        var protect = await new ProtectExecutor(Api, plugins) { PageSize = 7 }.RunAsync("cp-uid-1", new ProtectionSelection([source]), store.OpenWriter("plan", "cp-uid-1"), progress);
        protect.Summary.HasFailures.Should().BeFalse(string.Join("\n", protect.Summary.NotDone));
        protect.Index.Resources.Should().HaveCount(objects.Count + 1, "every object and the namespace");
        protect.Summary.Progress.Should().Be(new RunProgress(objects.Count + 1, objects.Count + 1, 0, 0));
        protect.Summary.NotDone.Should().OnlyContain(r => r.Aspect == PersistentVolumeClaimPlugin.VolumeDataAspect && r.Outcome == ResourceOutcome.Skipped && r.Message!.Contains("no VolumeSnapshot API"));
        protect.Summary.NotDone.Should().HaveCount(15, "one volume-data result per claim");
        progress.Progress.Select(p => p.Total).Distinct().Should().Equal([objects.Count + 1], "the total is counted before the first object");
        progress.Progress.Select(p => p.Done).Should().BeInAscendingOrder();
        var order = protect.Index.Resources.Select(e => e.Key.Kind).Distinct().ToList();
        order.Should().Equal("Namespace", "ServiceAccount", "ConfigMap", "Secret", "Role", "RoleBinding", "Subnet", "Router", "PersistentVolumeClaim", "Service", "Deployment", "StatefulSet", "DaemonSet", "Job");
        store.MaxBufferedBytes.Should().BeLessThan(16 * 1024, "objects are stored one by one");
        var secretEntry = protect.Index.Resources.Single(e => e.Key.Kind == "Secret" && e.Key.Name == "secret-000");
        secretEntry.Encrypted.Should().BeTrue();
        protect.Index.Resources.Single(e => e.Key.Kind == "Router" && e.Key.Name == "router-001").DependsOn
            .Should().Contain(new ResourceKey("erebor.io/v1alpha1", "Subnet", source, "net-000"));

        // restore into a new namespace
        var target = NewName("copy");
        var map = new NamespaceMap(new Dictionary<string, string> { [source] = target });
        var restoreReporter = new RecordingReporter();
        var restore = await new RestoreExecutor(Api, plugins).RunAsync(store, "plan", "cp-uid-1", new RestoreOptions(map), restoreReporter);
        restore.HasFailures.Should().BeFalse(string.Join("\n", restore.NotDone));
        restore.Progress.Should().Be(new RunProgress(objects.Count + 1, objects.Count + 1, 0, 0));
        restoreReporter.Results.Where(r => r.Aspect is null).Select(r => r.Key.Kind).Distinct().Should().Equal(order, "dependencies are restored first");
        RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(Api, plugins, target), map, source);

        var subnet = (await Api.GetAsync<JsonObject>(KubeTypes.Subnet, target, "net-000"))!;
        subnet["status"]?["segmentId"].Should().BeNull("a restored Subnet carries no status");
        var secret = (await Api.GetAsync<JsonObject>(KubeTypes.Secret, target, "secret-000"))!;
        Convert.FromBase64String(secret["data"]![SampleApp.BinaryKey]!.GetValue<string>()).Should().Equal(SampleApp.BinaryValue);
        var binding = (await Api.GetAsync<JsonObject>(KubeTypes.RoleBinding, target, "rb-000"))!;
        binding["subjects"]![0]!["namespace"]!.GetValue<string>().Should().Be(target);

        // a second run (a resume after a crash) leaves everything as it is
        var again = await new RestoreExecutor(Api, plugins).RunAsync(store, "plan", "cp-uid-1", new RestoreOptions(map, ConflictPolicy.Update));
        again.HasFailures.Should().BeFalse(string.Join("\n", again.NotDone));
        again.NotDone.Should().BeEmpty();

        // delete the objects (not the namespace: no controller-manager finalizes it here), restore in place
        foreach (var (type, obj) in objects)
        {
            await Api.DeleteAsync(type, source, ObjectJson.Name(obj), PropagationPolicy.Background);
            if (type == KubeTypes.PersistentVolumeClaim)
            {
                // kubernetes.io/pvc-protection: no controller removes it here
                await Api.PatchAsync<JsonObject>(type, source, ObjectJson.Name(obj), PatchType.Merge, """{"metadata":{"finalizers":null}}""");
            }
        }

        var inPlace = await new RestoreExecutor(Api, plugins).RunAsync(store, "plan", "cp-uid-1", new RestoreOptions(NamespaceMap.Identity));
        inPlace.HasFailures.Should().BeFalse(string.Join("\n", inPlace.NotDone));
        RoundTrip.AssertRestoredEqual(plugins, originals, await RoundTrip.SnapshotAsync(Api, plugins, source), NamespaceMap.Identity, source);
        var restoredSecret = (await Api.GetAsync<JsonObject>(KubeTypes.Secret, source, "secret-001"))!;
        restoredSecret["data"]!.ToJsonString().Should().Be(originals[("v1/Secret", "secret-001")]["data"]!.ToJsonString());
    }

    /// <summary>
    /// Re-records the server JSON the normalisation tables read (Engine/Recorded): run with
    /// EREBOR_RECORD_FIXTURES=&lt;dir&gt;; a no-op otherwise.
    /// </summary>
    [Fact]
    public async Task Records_server_json_for_the_normalisation_tables_when_asked()
    {
        var directory = Environment.GetEnvironmentVariable("EREBOR_RECORD_FIXTURES");
        if (string.IsNullOrEmpty(directory)) { return; }
        var ns = "recorded";
        await RoundTrip.CreateAppAsync(Api, ns, scale: 3);
        var options = new System.Text.Json.JsonSerializerOptions { WriteIndented = true };
        foreach (var (id, name) in new[] { ("v1/Namespace", ns), ("v1/ServiceAccount", "sa-000"), ("v1/ConfigMap", "cm-000-0"), ("v1/Secret", "secret-000"), ("rbac.authorization.k8s.io/Role", "role-000"), ("rbac.authorization.k8s.io/RoleBinding", "rb-000"), ("v1/PersistentVolumeClaim", "data-000"), ("v1/Service", "svc-000"), ("v1/Service", "svc-001"), ("v1/Service", "svc-002"), ("apps/Deployment", "web-000"), ("apps/StatefulSet", "db-000"), ("apps/DaemonSet", "agent-000"), ("batch/Job", "job-000"), ("erebor.io/Subnet", "net-000"), ("erebor.io/Router", "router-001") })
        {
            var plugin = PluginSet.Select(null).Ordered.Single(p => p.Id == id);
            var obj = (await Api.GetAsync<JsonObject>(plugin.Type, plugin.Type.Namespaced ? ns : null, name))!;
            await File.WriteAllTextAsync(Path.Combine(directory, $"{plugin.Type.Kind}-{name}.json"), KubeReader.WithTypeMeta(obj, plugin.Type).ToJsonString(options) + "\n");
        }
    }

    [Fact]
    public async Task Conflicts_are_skipped_or_updated_by_policy_and_an_identical_object_is_left_alone()
    {
        var source = NewName("conf");
        await RoundTrip.CreateAppAsync(Api, source, scale: 1);
        var plugins = PluginSet.Select(["ConfigMap", "Service", "Job", "Namespace"]);
        var store = new InMemoryCheckpointStore();
        var protect = await new ProtectExecutor(Api, plugins).RunAsync("uid-2", new ProtectionSelection([source]), store.OpenWriter("p", "uid-2"));
        protect.Index.Resources.Should().HaveCount(1 + 2 + 1 + 1);

        await Api.PatchAsync<JsonObject>(KubeTypes.ConfigMap, source, "cm-000-0", PatchType.Merge, """{"data":{"empty":"changed"}}""");
        await Api.PatchAsync<JsonObject>(KubeTypes.Service, source, "svc-000", PatchType.Merge, """{"metadata":{"labels":{"tier":"x"}}}""");

        var skip = await new RestoreExecutor(Api, plugins).RunAsync(store, "p", "uid-2", new RestoreOptions(NamespaceMap.Identity, ConflictPolicy.Skip));
        skip.NotDone.Select(r => (r.Key.Name, r.Outcome)).Should().BeEquivalentTo([("cm-000-0", ResourceOutcome.Skipped), ("svc-000", ResourceOutcome.Skipped)]);
        skip.NotDone[0].Message.Should().Contain("$.data.empty: expected \"\", got \"changed\"");
        (await Api.GetAsync<JsonObject>(KubeTypes.ConfigMap, source, "cm-000-0"))!["data"]!["empty"]!.GetValue<string>().Should().Be("changed");

        var clusterIp = (await Api.GetAsync<JsonObject>(KubeTypes.Service, source, "svc-000"))!["spec"]!["clusterIP"]!.GetValue<string>();
        var update = await new RestoreExecutor(Api, plugins).RunAsync(store, "p", "uid-2", new RestoreOptions(NamespaceMap.Identity, ConflictPolicy.Update));
        update.HasFailures.Should().BeFalse(string.Join("\n", update.NotDone));
        (await Api.GetAsync<JsonObject>(KubeTypes.ConfigMap, source, "cm-000-0"))!["data"]!["empty"]!.GetValue<string>().Should().BeEmpty();
        var service = (await Api.GetAsync<JsonObject>(KubeTypes.Service, source, "svc-000"))!;
        service["metadata"]!["labels"]!["tier"]!.GetValue<string>().Should().NotBe("x");
        service["spec"]!["clusterIP"]!.GetValue<string>().Should().Be(clusterIp, "an update keeps the allocated cluster IP");
    }
}

/// <summary>Collects what a run reports.</summary>
public sealed class RecordingReporter : IRunReporter
{
    public List<ResourceResult> Results { get; } = [];
    public List<RunProgress> Progress { get; } = [];

    public ValueTask OnResultAsync(ResourceResult result, RunProgress progress, CancellationToken ct)
    {
        Results.Add(result);
        Progress.Add(progress);
        return ValueTask.CompletedTask;
    }

    public ValueTask OnProgressAsync(RunProgress progress, CancellationToken ct)
    {
        Progress.Add(progress);
        return ValueTask.CompletedTask;
    }
}
