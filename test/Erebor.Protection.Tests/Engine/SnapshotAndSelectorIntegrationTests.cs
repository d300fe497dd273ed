using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Tests.Engine;

/// <summary>A cluster that serves snapshot.storage.k8s.io/v1 VolumeSnapshots (the CRD only: no snapshot controller runs).</summary>
public sealed class SnapshotClusterFixture : IAsyncLifetime
{
    private const string VolumeSnapshotCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: volumesnapshots.snapshot.storage.k8s.io
          annotations:
            api-approved.kubernetes.io: "https://github.com/kubernetes-csi/external-snapshotter/pull/419"
        spec:
          group: snapshot.storage.k8s.io
          names: {kind: VolumeSnapshot, listKind: VolumeSnapshotList, plural: volumesnapshots, singular: volumesnapshot}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            subresources: {status: {}}
            schema:
              openAPIV3Schema:
                type: object
                x-kubernetes-preserve-unknown-fields: true
        """;

    public EngineClusterFixture Inner { get; } = new();

    public async Task InitializeAsync()
    {
        await Inner.InitializeAsync();
        await Inner.Cluster.ApplyAsync(VolumeSnapshotCrd);
        await Inner.Cluster.KubectlCheckedAsync("wait", "--for", "condition=established", "crd/volumesnapshots.snapshot.storage.k8s.io", "--timeout", "60s");
    }

    public Task DisposeAsync() => Inner.DisposeAsync();
}

[Trait("Category", "Integration")]
public sealed class SnapshotAndSelectorIntegrationTests(SnapshotClusterFixture fixture) : IClassFixture<SnapshotClusterFixture>
{
    private KubeApi Api => fixture.Inner.Api;

    private async Task<string> CreateAppAsync(int scale)
    {
        var ns = "sel-" + Guid.NewGuid().ToString("N")[..8];
        await Api.CreateAsync(KubeTypes.Namespace, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        foreach (var (type, obj) in SampleApp.Objects(ns, scale)) { await Api.CreateAsync(type, obj); }
        return ns;
    }

    [Fact]
    public async Task Discovery_finds_the_snapshot_api_and_claims_are_protected_with_a_volume_snapshot_and_restored_from_it()
    {
        var ns = await CreateAppAsync(scale: 2);
        var plugins = PluginSet.Select(["Namespace", "PersistentVolumeClaim"]);
        var store = new InMemoryCheckpointStore();

        var protect = await new ProtectExecutor(Api, plugins).RunAsync("3f2a9c", new ProtectionSelection([ns]), store.OpenWriter("plan", "3f2a9c"));

        protect.Summary.NotDone.Should().BeEmpty();
        var snapshot = (await Api.GetAsync<JsonObject>(KubeTypes.VolumeSnapshot, ns, "data-001-3f2a9c"))!;
        snapshot["spec"]!["source"]!["persistentVolumeClaimName"]!.GetValue<string>().Should().Be("data-001");

        foreach (var claim in new[] { "data-000", "data-001" })
        {
            await Api.DeleteAsync(KubeTypes.PersistentVolumeClaim, ns, claim);
            await Api.PatchAsync<JsonObject>(KubeTypes.PersistentVolumeClaim, ns, claim, PatchType.Merge, """{"metadata":{"finalizers":null}}""");
        }

        var restore = await new RestoreExecutor(Api, plugins).RunAsync(store, "plan", "3f2a9c", new RestoreOptions(NamespaceMap.Identity));
        restore.HasFailures.Should().BeFalse(string.Join("\n", restore.NotDone));
        var restored = (await Api.GetAsync<JsonObject>(KubeTypes.PersistentVolumeClaim, ns, "data-001"))!;
        restored["spec"]!["dataSource"]!["name"]!.GetValue<string>().Should().Be("data-001-3f2a9c");
        restored["spec"]!["dataSource"]!["kind"]!.GetValue<string>().Should().Be("VolumeSnapshot");
    }

    [Fact]
    public async Task A_label_selector_is_counted_and_paged_on_the_server()
    {
        var ns = await CreateAppAsync(scale: 6);
        var plugins = PluginSet.Select(null);
        var expected = SampleApp.Objects(ns, 6).Count(o => o.Object["metadata"]!["labels"]!["tier"]!.GetValue<string>() == "t1");
        var reporter = new RecordingReporter();

        var protect = await new ProtectExecutor(Api, plugins) { PageSize = 2 }.RunAsync("sel", new ProtectionSelection([ns], "tier=t1"), new InMemoryCheckpointStore().OpenWriter("p", "sel"), reporter);

        protect.Index.Resources.Should().HaveCount(expected + 1, "the namespace is always protected");
        protect.Index.Resources.Skip(1).Should().OnlyContain(e => e.Key.Namespace == ns);
        reporter.Progress[0].Total.Should().Be(expected + 1, "counted by paging when a selector hides remainingItemCount");
    }
}
