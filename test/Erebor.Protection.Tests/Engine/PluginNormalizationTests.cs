using System.Text.Json.Nodes;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Tests.Engine;

/// <summary>
/// Normalisation per plugin, from JSON recorded from the real API server (Engine/Recorded, see
/// EngineRoundTripIntegrationTests.Records_server_json_for_the_normalisation_tables_when_asked).
/// Paths are JSON pointers ("~1" is "/"). Fields that only a controller writes (the local control
/// plane runs none: binder, token controller) are added to the recorded JSON by the row's edit.
/// </summary>
public sealed class PluginNormalizationTests
{
    private static readonly string[] CommonStripped =
        ["/metadata/uid", "/metadata/resourceVersion", "/metadata/creationTimestamp", "/metadata/managedFields", "/status"];

    private static readonly IReadOnlyDictionary<string, IResourcePlugin> Plugins = PluginSet.Select(null).Ordered.ToDictionary(p => p.Type.Kind);

    private static readonly Dictionary<string, Action<JsonObject>> Edits = new()
    {
        ["none"] = _ => { },
        ["owned"] = o =>
        {
            o["metadata"]!["ownerReferences"] = JsonNode.Parse("""[{"apiVersion":"v1","kind":"Foo","name":"x","uid":"1234","controller":true}]""");
            o["metadata"]!["finalizers"] = new JsonArray("example.com/cleanup");
            o["metadata"]!["deletionGracePeriodSeconds"] = 30;
            o["metadata"]!["selfLink"] = "/api/v1/x";
        },
        ["bound"] = o =>
        {
            o["spec"]!["volumeName"] = "pvc-1234";
            var annotations = o["metadata"]!["annotations"]!.AsObject();
            annotations["pv.kubernetes.io/bind-completed"] = "yes";
            annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
            annotations["volume.beta.kubernetes.io/storage-provisioner"] = "rancher.io/local-path";
            annotations["volume.kubernetes.io/selected-node"] = "node-1";
        },
        ["token"] = o => o["secrets"] = JsonNode.Parse("""[{"name":"sa-000-token-x7k2p"},{"name":"keep-me"}]"""),
        ["metadata-name"] = o => o["metadata"]!["labels"]!["kubernetes.io/metadata.name"] = "recorded",
        ["revision"] = o => o["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"] = "3",
        ["ds-generation"] = o => o["metadata"]!["annotations"]!["deprecated.daemonset.template.generation"] = "2",
        ["manual-selector"] = o => o["spec"]!["manualSelector"] = true,
    };

    public static TheoryData<string, string, string, string> Rows => new()
    {
        // recorded file, edit, stripped (beyond the common ones), kept
        { "Namespace-recorded", "metadata-name", "/spec/finalizers /metadata/labels/kubernetes.io~1metadata.name", "/metadata/name /metadata/labels/team /metadata/annotations/note" },
        { "ServiceAccount-sa-000", "token", "", "/imagePullSecrets/0/name" },
        { "ConfigMap-cm-000-0", "owned", "/metadata/ownerReferences /metadata/finalizers /metadata/deletionGracePeriodSeconds /metadata/selfLink", "/data/app.properties /data/empty /metadata/labels/app /metadata/annotations/owner /metadata/namespace" },
        { "Secret-secret-000", "none", "", "/data/password /data/blob /type" },
        { "Role-role-000", "none", "", "/rules/0/verbs" },
        { "RoleBinding-rb-000", "none", "", "/roleRef/name /subjects/0/namespace /subjects/1/name" },
        { "PersistentVolumeClaim-data-000", "bound", "/spec/volumeName /metadata/finalizers /metadata/annotations/pv.kubernetes.io~1bind-completed /metadata/annotations/pv.kubernetes.io~1bound-by-controller /metadata/annotations/volume.beta.kubernetes.io~1storage-provisioner /metadata/annotations/volume.kubernetes.io~1selected-node", "/spec/accessModes /spec/resources/requests/storage /spec/volumeMode /metadata/annotations/owner" },
        { "Service-svc-000", "none", "/spec/clusterIP /spec/clusterIPs", "/spec/ports/0/port /spec/ports/0/targetPort /spec/selector/app /spec/type /spec/sessionAffinity" },
        { "Service-svc-001", "none", "", "/spec/clusterIP /spec/clusterIPs /spec/ports/0/port" },
        { "Service-svc-002", "none", "/spec/clusterIP /spec/clusterIPs /spec/ports/0/nodePort", "/spec/type /spec/externalTrafficPolicy /spec/ports/0/port" },
        { "Deployment-web-000", "revision", "/metadata/generation /metadata/annotations/deployment.kubernetes.io~1revision /spec/template/metadata/creationTimestamp", "/spec/replicas /spec/strategy /spec/template/metadata/labels/app /spec/template/spec/containers/0/envFrom" },
        { "StatefulSet-db-000", "none", "/metadata/generation /spec/volumeClaimTemplates/0/status /spec/volumeClaimTemplates/0/metadata/creationTimestamp /spec/template/metadata/creationTimestamp", "/spec/serviceName /spec/volumeClaimTemplates/0/metadata/name /spec/volumeClaimTemplates/0/spec/resources" },
        { "DaemonSet-agent-000", "ds-generation", "/metadata/generation /metadata/annotations/deprecated.daemonset.template.generation", "/spec/updateStrategy /spec/selector/matchLabels/app" },
        { "Job-job-000", "none", "/spec/selector /spec/template/metadata/labels/controller-uid /spec/template/metadata/creationTimestamp", "/spec/template/metadata/labels/job-name /spec/backoffLimit /metadata/labels/app /spec/template/spec/restartPolicy" },
        { "Job-job-000", "manual-selector", "/spec/template/metadata/labels/controller-uid", "/spec/selector/matchLabels /spec/manualSelector" },
        { "Subnet-net-000", "none", "/metadata/generation", "/spec/cidr /spec/dhcp/leaseSeconds /spec/dhcp/dnsServers" },
        { "Router-router-001", "none", "/metadata/generation", "/spec/interfaces/0/subnet /spec/interfaces/1/ip" },
    };

    public static JsonObject Recorded(string name) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Erebor.Harness.RepositoryPaths.Root, "test", "Erebor.Protection.Tests", "Engine", "Recorded", name + ".json")))!.AsObject();

    private static JsonNode? At(JsonNode? node, string pointer)
    {
        foreach (var raw in pointer.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var part = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(part, out var v) ? v : null,
                JsonArray a when int.TryParse(part, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (node is null) { return null; }
        }

        return node;
    }

    private static bool Has(JsonNode? root, string pointer)
    {
        var parent = At(root, pointer[..pointer.LastIndexOf('/')]);
        var last = pointer[(pointer.LastIndexOf('/') + 1)..].Replace("~1", "/", StringComparison.Ordinal);
        return parent switch
        {
            JsonObject o => o.ContainsKey(last),
            JsonArray a => int.TryParse(last, out var i) && i < a.Count,
            _ => false,
        };
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Normalisation_strips_what_the_server_populated_and_keeps_the_users_intent(string file, string edit, string stripped, string kept)
    {
        var live = Recorded(file);
        Edits[edit](live);
        var plugin = Plugins[live["kind"]!.GetValue<string>()];
        var before = live.ToJsonString();
        var strippedPaths = stripped.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var keptPaths = kept.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var path in strippedPaths.Concat(keptPaths)) { Has(live, path).Should().BeTrue($"the recorded {file} ({edit}) has {path}"); }

        var normalized = plugin.Normalize(live);

        live.ToJsonString().Should().Be(before, "the live object is not modified");
        foreach (var path in CommonStripped.Concat(strippedPaths)) { Has(normalized, path).Should().BeFalse($"{path} is stripped"); }
        foreach (var path in keptPaths) { JsonNode.DeepEquals(At(normalized, path), At(live, path)).Should().BeTrue($"{path} is kept"); }
        ObjectJson.Canonical(plugin.Normalize(normalized)).Should().Be(ObjectJson.Canonical(normalized), "normalising twice changes nothing");
    }

    [Fact]
    public void Service_account_keeps_secrets_it_did_not_get_from_the_token_controller()
    {
        var sa = Recorded("ServiceAccount-sa-000");
        Edits["token"](sa);
        Plugins["ServiceAccount"].Normalize(sa)["secrets"]!.ToJsonString().Should().Be("""[{"name":"keep-me"}]""");
    }

    [Fact]
    public void Cluster_generated_objects_are_left_out_with_a_reason()
    {
        var token = Recorded("Secret-secret-000");
        token["type"] = "kubernetes.io/service-account-token";
        Plugins["Secret"].SkipReason(token).Should().Contain("service-account token");
        Plugins["Secret"].SkipReason(Recorded("Secret-secret-000")).Should().BeNull();
        var rootCa = Recorded("ConfigMap-cm-000-0");
        rootCa["metadata"]!["name"] = "kube-root-ca.crt";
        Plugins["ConfigMap"].SkipReason(rootCa).Should().Contain("published by the cluster");
        Plugins["Secret"].Encrypt.Should().BeTrue();
        Plugins.Values.Where(p => p.Encrypt).Should().ContainSingle();
    }

    [Fact]
    public void Restore_maps_the_namespace_and_rolebinding_subjects_and_drops_status_and_bookkeeping()
    {
        var map = new NamespaceMap(new Dictionary<string, string> { ["recorded"] = "copy" });
        var binding = Plugins["RoleBinding"].MapForRestore(Plugins["RoleBinding"].Normalize(Recorded("RoleBinding-rb-000")), map);
        binding["metadata"]!["namespace"]!.GetValue<string>().Should().Be("copy");
        binding["subjects"]![0]!["namespace"]!.GetValue<string>().Should().Be("copy");
        binding["subjects"]![1]!["namespace"].Should().BeNull("a User has no namespace");

        var ns = Plugins["Namespace"].MapForRestore(Plugins["Namespace"].Normalize(Recorded("Namespace-recorded")), map);
        ns["metadata"]!["name"]!.GetValue<string>().Should().Be("copy");

        var subnet = Recorded("Subnet-net-000");
        subnet["metadata"]!["annotations"]![ResourcePlugin.AnnotationPrefix + "x"] = "y";
        var restored = Plugins["Subnet"].MapForRestore(subnet, new NamespaceMap(Target: "elsewhere"));
        restored["status"].Should().BeNull();
        restored["metadata"]!["annotations"]!.AsObject().Select(p => p.Key).Should().Equal("owner");
        restored["metadata"]!["namespace"]!.GetValue<string>().Should().Be("elsewhere");
    }

    [Fact]
    public void Per_object_dependencies_name_what_the_object_refers_to()
    {
        static string Keys(string kind, string file) => string.Join(" ", Plugins[kind].DependenciesOf(Plugins[kind].Normalize(Recorded(file))).Select(k => k.ToString()));
        Keys("Router", "Router-router-001").Should().Be("Namespace/recorded Subnet/recorded/net-000 Subnet/recorded/net-001");
        Keys("RoleBinding", "RoleBinding-rb-000").Should().Be("Namespace/recorded Role/recorded/role-000 ServiceAccount/recorded/sa-000");
        Keys("Deployment", "Deployment-web-000").Should().Be("Namespace/recorded ConfigMap/recorded/cm-000-0 Secret/recorded/secret-000");
        Keys("StatefulSet", "StatefulSet-db-000").Should().Be("Namespace/recorded Secret/recorded/secret-000 Service/recorded/svc-000");
        Keys("Job", "Job-job-000").Should().Be("Namespace/recorded PersistentVolumeClaim/recorded/data-000");
        Keys("Namespace", "Namespace-recorded").Should().BeEmpty();
    }
}
