using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Plugins;

/// <summary>
/// What workloads share: their pod template names service accounts, config, secrets and claims
/// (recorded as per-object dependencies), and the template's metadata.creationTimestamp (always
/// null) goes. A template's nodeName is the user's pinning and stays: the scheduler writes nodeName
/// onto Pods, never into templates, and Pods have no plugin (their controllers recreate them).
/// </summary>
public abstract class WorkloadPlugin(ResourceType type, IEnumerable<ResourceType>? extraDependencies = null)
    : ResourcePlugin(type, [KubeTypes.ServiceAccount, KubeTypes.ConfigMap, KubeTypes.Secret, KubeTypes.PersistentVolumeClaim, KubeTypes.Service, .. extraDependencies ?? []])
{
    protected override void NormalizeType(JsonObject obj)
    {
        ObjectJson.Remove(obj, "spec", "template", "metadata", "creationTimestamp");
        if (ObjectJson.Object(obj, "spec", "template") is { } template && template["metadata"] is JsonObject { Count: 0 }) { template.Remove("metadata"); }
    }

    protected override IEnumerable<ResourceKey> ReferencesOf(JsonObject obj, string? ns) => PodTemplateReferences(ObjectJson.Object(obj, "spec", "template", "spec"), ns);

    public static IEnumerable<ResourceKey> PodTemplateReferences(JsonObject? pod, string? ns)
    {
        if (pod is null) { yield break; }
        ResourceKey Key(string kind, string name) => new("v1", kind, ns, name);
        if (ObjectJson.Str(pod["serviceAccountName"]) is { } sa && sa != "default") { yield return Key("ServiceAccount", sa); }
        foreach (var pull in (pod["imagePullSecrets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (ObjectJson.Str(pull["name"]) is { } n) { yield return Key("Secret", n); }
        }

        foreach (var volume in (pod["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (ObjectJson.Str(volume["configMap"]?["name"]) is { } cm) { yield return Key("ConfigMap", cm); }
            if (ObjectJson.Str(volume["secret"]?["secretName"]) is { } s) { yield return Key("Secret", s); }
            if (ObjectJson.Str(volume["persistentVolumeClaim"]?["claimName"]) is { } c) { yield return Key("PersistentVolumeClaim", c); }
            foreach (var source in (volume["projected"]?["sources"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (ObjectJson.Str(source["configMap"]?["name"]) is { } pcm) { yield return Key("ConfigMap", pcm); }
                if (ObjectJson.Str(source["secret"]?["name"]) is { } ps) { yield return Key("Secret", ps); }
            }
        }

        var containers = (pod["initContainers"] as JsonArray ?? []).Concat(pod["containers"] as JsonArray ?? []).OfType<JsonObject>();
        foreach (var container in containers)
        {
            foreach (var env in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (ObjectJson.Str(env["valueFrom"]?["configMapKeyRef"]?["name"]) is { } cm) { yield return Key("ConfigMap", cm); }
                if (ObjectJson.Str(env["valueFrom"]?["secretKeyRef"]?["name"]) is { } s) { yield return Key("Secret", s); }
            }

            foreach (var from in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (ObjectJson.Str(from["configMapRef"]?["name"]) is { } cm) { yield return Key("ConfigMap", cm); }
                if (ObjectJson.Str(from["secretRef"]?["name"]) is { } s) { yield return Key("Secret", s); }
            }
        }
    }
}

/// <summary>Also strips the deployment.kubernetes.io/revision annotation (the controller's rollout counter).</summary>
public sealed class DeploymentPlugin() : WorkloadPlugin(KubeTypes.Deployment)
{
    protected override void NormalizeType(JsonObject obj)
    {
        base.NormalizeType(obj);
        ObjectJson.RemoveEntries(ObjectJson.Object(obj, "metadata"), "annotations", k => k == "deployment.kubernetes.io/revision");
    }
}

/// <summary>Also strips volumeClaimTemplates[].metadata.creationTimestamp and their status; depends on its governing Service (serviceName).</summary>
public sealed class StatefulSetPlugin() : WorkloadPlugin(KubeTypes.StatefulSet)
{
    protected override void NormalizeType(JsonObject obj)
    {
        base.NormalizeType(obj);
        foreach (var claim in (obj["spec"]?["volumeClaimTemplates"] as JsonArray ?? []).OfType<JsonObject>())
        {
            claim.Remove("status");
            ObjectJson.Remove(claim, "metadata", "creationTimestamp");
        }
    }

    protected override IEnumerable<ResourceKey> ReferencesOf(JsonObject obj, string? ns)
    {
        var refs = base.ReferencesOf(obj, ns);
        return ObjectJson.Str(obj["spec"]?["serviceName"]) is { Length: > 0 } service ? refs.Append(new ResourceKey("v1", "Service", ns, service)) : refs;
    }
}

/// <summary>Also strips the deprecated.daemonset.template.generation annotation (the controller's counter).</summary>
public sealed class DaemonSetPlugin() : WorkloadPlugin(KubeTypes.DaemonSet)
{
    protected override void NormalizeType(JsonObject obj)
    {
        base.NormalizeType(obj);
        ObjectJson.RemoveEntries(ObjectJson.Object(obj, "metadata"), "annotations", k => k == "deprecated.daemonset.template.generation");
    }
}

/// <summary>
/// Also strips what the Job's defaulting derives from its uid: spec.selector (unless
/// spec.manualSelector is true) and the controller-uid / batch.kubernetes.io/controller-uid labels
/// of the Job and its template; the server derives new ones from the restored Job's uid. A
/// restored Job runs again. The template is immutable: an Update of a different Job fails with the
/// server's reason.
/// </summary>
public sealed class JobPlugin() : WorkloadPlugin(KubeTypes.Job)
{
    private static readonly string[] UidLabels = ["controller-uid", "batch.kubernetes.io/controller-uid"];

    protected override void NormalizeType(JsonObject obj)
    {
        base.NormalizeType(obj);
        if (obj["spec"] is JsonObject spec && spec["manualSelector"]?.GetValue<bool>() != true) { spec.Remove("selector"); }
        ObjectJson.RemoveEntries(ObjectJson.Object(obj, "metadata"), "labels", UidLabels.Contains);
        var templateMeta = ObjectJson.Object(obj, "spec", "template", "metadata");
        ObjectJson.RemoveEntries(templateMeta, "labels", UidLabels.Contains);
        if (templateMeta is { Count: 0 }) { ObjectJson.Remove(obj, "spec", "template", "metadata"); }
    }

    protected override void PrepareUpdate(JsonObject update, JsonObject existing)
    {
        CarryOver(update, existing, "spec", "selector");
        foreach (var label in UidLabels)
        {
            CarryOver(update, existing, "metadata", "labels", label);
            CarryOver(update, existing, "spec", "template", "metadata", "labels", label);
        }
    }
}
