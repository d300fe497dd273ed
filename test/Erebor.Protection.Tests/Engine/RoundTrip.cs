using System.Text.Json.Nodes;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Kube.Client;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Tests.Engine;

/// <summary>Creating the sample app, snapshotting it, deleting it and comparing a restore with the original: shared by the round-trip tests.</summary>
public static class RoundTrip
{
    /// <summary>A custom resource no built-in plugin knows: the generic plugin protects and restores it.</summary>
    public static readonly ResourceType Widget = new("example.erebor.test", "v1", "Widget", "widgets", true);

    public const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.erebor.test}
        spec:
          group: example.erebor.test
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget}
          versions:
            - name: v1
              served: true
              storage: true
              subresources: {status: {}}
              schema:
                openAPIV3Schema:
                  type: object
                  properties:
                    spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
                    status: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """;

    /// <summary>The built-in plugins plus the generic one for <see cref="Widget"/>.</summary>
    public static PluginSet PluginsWithWidgets => PluginSet.Select(null, [new GenericPlugin(Widget)]);

    /// <summary>Installs the Widget CRD (once per cluster; applying again is harmless) and waits until it is served.</summary>
    public static async Task InstallWidgetCrdAsync(IControlPlane cluster, KubeApi api)
    {
        await cluster.ApplyAsync(WidgetCrd);
        await Eventually.UntilAsync(() => KubeReader.For(api).ServesAsync(Widget.Group, Widget.Version, Widget.Plural, CancellationToken.None), served => served, TimeSpan.FromSeconds(30), "the Widget CRD served");
    }

    /// <summary>The namespace (labelled, annotated) and <see cref="SampleApp.Objects"/> at <paramref name="scale"/>, plus <paramref name="widgets"/> Widgets.</summary>
    public static async Task<List<(ResourceType Type, JsonObject Object)>> CreateAppAsync(KubeApi api, string ns, int scale, int widgets = 0)
    {
        await api.CreateAsync(KubeTypes.Namespace, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["team"] = "a" }, ["annotations"] = new JsonObject { ["note"] = "protected" } },
        });
        var objects = SampleApp.Objects(ns, scale);
        for (var i = 0; i < widgets; i++)
        {
            objects.Add((Widget, new JsonObject
            {
                ["apiVersion"] = Widget.ApiVersion,
                ["kind"] = Widget.Kind,
                ["metadata"] = new JsonObject { ["name"] = $"widget-{i:D3}", ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = "shop" } },
                ["spec"] = new JsonObject { ["size"] = i, ["colour"] = i % 2 == 0 ? "red" : "blue", ["parts"] = new JsonArray("a", "b") },
            }));
        }

        foreach (var (type, obj) in objects) { await api.CreateAsync(type, obj); }

        // Status the operator would have written: must not travel with the checkpoint.
        await api.PatchAsync<JsonObject>(KubeTypes.Subnet, ns, "net-000", PatchType.Merge, """{"status":{"segmentId":4242,"gateway":"10.0.0.1","nodeCount":3}}""", new PatchOptions { Status = true });
        return objects;
    }

    /// <summary>Every live object of the plugins' types in <paramref name="ns"/>, by plugin id and name.</summary>
    public static async Task<Dictionary<(string, string), JsonObject>> SnapshotAsync(KubeApi api, PluginSet plugins, string ns)
    {
        var reader = KubeReader.For(api);
        var all = new Dictionary<(string, string), JsonObject>();
        foreach (var plugin in plugins.Ordered)
        {
            if (plugin.Type == KubeTypes.Namespace)
            {
                if (await api.GetAsync<JsonObject>(KubeTypes.Namespace, null, ns) is { } namespaceObject) { all[(plugin.Id, ns)] = KubeReader.WithTypeMeta(namespaceObject, KubeTypes.Namespace); }
                continue;
            }

            await foreach (var obj in reader.ListAsync(plugin.Type, ns, null, 100, CancellationToken.None)) { all[(plugin.Id, ObjectJson.Name(obj))] = obj; }
        }

        return all;
    }

    /// <summary>The restored objects are exactly the originals the plugins protect, each equal after normalisation and mapping.</summary>
    public static void AssertRestoredEqual(PluginSet plugins, Dictionary<(string, string), JsonObject> originals, Dictionary<(string, string), JsonObject> restored, NamespaceMap map, string originalNamespace)
    {
        var byId = plugins.Ordered.ToDictionary(p => p.Id);
        var expectedKeys = originals.Keys.Where(k => byId[k.Item1].SkipReason(originals[k]) is null)
            .Select(k => k.Item1 == "v1/Namespace" ? (k.Item1, map.Map(originalNamespace)) : k).ToHashSet();
        restored.Keys.Should().BeEquivalentTo(expectedKeys);
        var problems = new List<string>();
        foreach (var ((id, name), original) in originals)
        {
            var plugin = byId[id];
            if (plugin.SkipReason(original) is not null) { continue; }
            var restoredName = id == "v1/Namespace" ? map.Map(name) : name;
            var differences = RestoreComparison.Differences(plugin, original, restored[(id, restoredName)], map);
            problems.AddRange(differences.Select(d => $"{id} {name}: {d}"));
        }

        problems.Should().BeEmpty();
    }

    /// <summary>
    /// Deletes the namespace for real on a control plane without a controller-manager: every object
    /// of the plugins' types first (no namespace controller empties it, no garbage collector
    /// follows owners; claims lose the pvc-protection finalizer no controller would remove), then
    /// the namespace, whose "kubernetes" finalizer is removed through /finalize as the namespace
    /// controller does once the namespace is empty. Returns once GET says the namespace is gone.
    /// </summary>
    public static async Task DeleteNamespaceAsync(IControlPlane cluster, KubeApi api, PluginSet plugins, string ns)
    {
        var reader = KubeReader.For(api);
        foreach (var plugin in plugins.Ordered.Where(p => p.Type.Namespaced))
        {
            var names = new List<string>();
            await foreach (var obj in reader.ListAsync(plugin.Type, ns, null, 500, CancellationToken.None)) { names.Add(ObjectJson.Name(obj)); }
            foreach (var name in names)
            {
                if (plugin.Type == KubeTypes.PersistentVolumeClaim)
                {
                    await api.PatchAsync<JsonObject>(plugin.Type, ns, name, PatchType.Merge, """{"metadata":{"finalizers":null}}""");
                }

                await api.DeleteAsync(plugin.Type, ns, name, PropagationPolicy.Background);
            }
        }

        // What the token controller would have made: a service account's token Secrets.
        var secrets = new List<string>();
        await foreach (var obj in reader.ListAsync(KubeTypes.Secret, ns, null, 500, CancellationToken.None)) { secrets.Add(ObjectJson.Name(obj)); }
        foreach (var name in secrets) { await api.DeleteAsync(KubeTypes.Secret, ns, name); }

        await api.DeleteAsync(KubeTypes.Namespace, null, ns);
        var finalize = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns }, ["spec"] = new JsonObject { ["finalizers"] = new JsonArray() } };
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, finalize.ToJsonString());
            await cluster.KubectlCheckedAsync("replace", "--raw", $"/api/v1/namespaces/{ns}/finalize", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }

        await Eventually.UntilAsync(() => api.GetAsync<JsonObject>(KubeTypes.Namespace, null, ns), gone => gone is null, TimeSpan.FromSeconds(30), $"namespace {ns} gone");
    }
}
