using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Plugins;

/// <summary>
/// Namespaces of the selection (always protected, whatever the label selector). Strips
/// spec.finalizers (the API server's "kubernetes") and the kubernetes.io/metadata.name label (set
/// by the server from the name, wrong under a namespace mapping). Restore creates the mapped name.
/// </summary>
public sealed class NamespacePlugin() : ResourcePlugin(KubeTypes.Namespace)
{
    public override Task<int> CountAsync(PluginContext context, ProtectionSelection selection, CancellationToken ct) =>
        Task.FromResult(Names(selection).Count());

    public override async IAsyncEnumerable<ListedObject> ListAsync(PluginContext context, ProtectionSelection selection, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var name in Names(selection))
        {
            var obj = await context.Api.GetAsync<JsonObject>(Type, null, name, ct);
            yield return new ListedObject(new ResourceKey(Type.ApiVersion, Type.Kind, null, name), obj is null ? null : KubeReader.WithTypeMeta(obj, Type));
        }
    }

    private IEnumerable<string> Names(ProtectionSelection selection) =>
        selection.AllNamespaces.Concat(selection.ExplicitResources.Where(Handles).Select(k => k.Name)).Distinct(StringComparer.Ordinal);

    protected override void NormalizeType(JsonObject obj)
    {
        ObjectJson.RemoveEntries(ObjectJson.Object(obj, "metadata"), "labels", k => k == "kubernetes.io/metadata.name");
        ObjectJson.Remove(obj, "spec", "finalizers");
        if (obj["spec"] is JsonObject { Count: 0 }) { obj.Remove("spec"); }
    }

    protected override void MapNamespaces(JsonObject obj, NamespaceMap map) =>
        ObjectJson.Metadata(obj)["name"] = map.Map(ObjectJson.Name(obj));

    protected override void PrepareUpdate(JsonObject update, JsonObject existing) => CarryOver(update, existing, "spec", "finalizers");
}

/// <summary>Strips the token Secrets the token controller lists in secrets (&lt;name&gt;-token-xxxxx); other secrets and imagePullSecrets stay.</summary>
public sealed partial class ServiceAccountPlugin() : ResourcePlugin(KubeTypes.ServiceAccount)
{
    protected override void NormalizeType(JsonObject obj)
    {
        if (obj["secrets"] is not JsonArray secrets) { return; }
        var prefix = ObjectJson.Name(obj) + "-token-";
        foreach (var entry in secrets.ToList())
        {
            var name = ObjectJson.Str(entry?["name"]);
            if (name is not null && name.StartsWith(prefix, StringComparison.Ordinal) && TokenSuffix().IsMatch(name[prefix.Length..])) { secrets.Remove(entry); }
        }

        if (secrets.Count == 0) { obj.Remove("secrets"); }
    }

    protected override void PrepareUpdate(JsonObject update, JsonObject existing) => CarryOver(update, existing, "secrets");

    protected override IEnumerable<ResourceKey> ReferencesOf(JsonObject obj, string? ns) =>
        (obj["imagePullSecrets"] as JsonArray ?? []).Select(s => ObjectJson.Str(s?["name"])).OfType<string>().Select(n => new ResourceKey("v1", "Secret", ns, n));

    [GeneratedRegex("^[a-z0-9]{5}$")]
    private static partial Regex TokenSuffix();
}

/// <summary>Nothing beyond the common fields; leaves out kube-root-ca.crt, which the cluster publishes into every namespace.</summary>
public sealed class ConfigMapPlugin() : ResourcePlugin(KubeTypes.ConfigMap)
{
    public override string? SkipReason(JsonObject live) =>
        ObjectJson.Name(live) == "kube-root-ca.crt" ? "published by the cluster into every namespace" : null;
}

/// <summary>Encrypted in the bank. Leaves out service-account token Secrets: the cluster issues new ones for the restored accounts.</summary>
public sealed class SecretPlugin() : ResourcePlugin(KubeTypes.Secret, encrypt: true)
{
    public override string? SkipReason(JsonObject live) =>
        ObjectJson.Str(live["type"]) == "kubernetes.io/service-account-token" ? "service-account token: the cluster issues a new one for the restored account" : null;
}

public sealed class RolePlugin() : ResourcePlugin(KubeTypes.Role);

/// <summary>Maps subjects[].namespace with the restore's namespace mapping. roleRef is immutable: an Update that changes it fails with the server's message.</summary>
public sealed class RoleBindingPlugin() : ResourcePlugin(KubeTypes.RoleBinding, [KubeTypes.Role, KubeTypes.ServiceAccount])
{
    protected override void MapNamespaces(JsonObject obj, NamespaceMap map)
    {
        foreach (var subject in (obj["subjects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (ObjectJson.Str(subject["namespace"]) is { } ns) { subject["namespace"] = map.Map(ns); }
        }
    }

    protected override IEnumerable<ResourceKey> ReferencesOf(JsonObject obj, string? ns)
    {
        if (obj["roleRef"] is JsonObject roleRef && ObjectJson.Str(roleRef["kind"]) == "Role" && ObjectJson.Str(roleRef["name"]) is { } role)
        {
            yield return new ResourceKey(KubeTypes.Role.ApiVersion, "Role", ns, role);
        }

        foreach (var subject in (obj["subjects"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (ObjectJson.Str(subject["kind"]) == "ServiceAccount" && ObjectJson.Str(subject["name"]) is { } sa)
            {
                yield return new ResourceKey("v1", "ServiceAccount", ObjectJson.Str(subject["namespace"]) ?? ns, sa);
            }
        }
    }
}

/// <summary>
/// Strips what the server allocates: spec.clusterIP and spec.clusterIPs (kept when "None": a
/// headless service), spec.ipFamilies, spec.ipFamilyPolicy when it is the default SingleStack,
/// ports[].nodePort and spec.healthCheckNodePort (a restored copy next to the original would clash
/// on them; a pinned node port is therefore re-allocated). Update keeps the existing allocations.
/// </summary>
public sealed class ServicePlugin() : ResourcePlugin(KubeTypes.Service)
{
    protected override void NormalizeType(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec) { return; }
        if (ObjectJson.Str(spec["clusterIP"]) != "None")
        {
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
        }

        spec.Remove("ipFamilies");
        if (ObjectJson.Str(spec["ipFamilyPolicy"]) == "SingleStack") { spec.Remove("ipFamilyPolicy"); }
        spec.Remove("healthCheckNodePort");
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>()) { port.Remove("nodePort"); }
    }

    protected override void PrepareUpdate(JsonObject update, JsonObject existing)
    {
        foreach (var field in new[] { "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort" }) { CarryOver(update, existing, "spec", field); }
        if (update["spec"]?["ports"] is JsonArray ports && existing["spec"]?["ports"] is JsonArray existingPorts)
        {
            foreach (var port in ports.OfType<JsonObject>())
            {
                var match = existingPorts.OfType<JsonObject>().FirstOrDefault(p => JsonNode.DeepEquals(p["port"], port["port"]) && JsonNode.DeepEquals(p["protocol"], port["protocol"]));
                if (match?["nodePort"] is { } nodePort && port["nodePort"] is null) { port["nodePort"] = nodePort.DeepClone(); }
            }
        }
    }
}
