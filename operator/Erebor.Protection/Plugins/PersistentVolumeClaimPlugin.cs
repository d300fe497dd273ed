using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Plugins;

/// <summary>
/// The claim object, without its binding: spec.volumeName and the annotations the binder and the
/// provisioner write (pv.kubernetes.io/*, volume.beta.kubernetes.io/storage-provisioner,
/// volume.kubernetes.io/storage-provisioner, volume.kubernetes.io/selected-node); a restored claim
/// binds to a new volume.
/// <para>Volume data goes through CSI snapshots when the API server serves
/// snapshot.storage.k8s.io/v1 volumesnapshots (one discovery GET per run): protect creates a
/// VolumeSnapshot of the claim (named after the claim and the run, so a resumed run reuses it) and
/// records its name in the stored object; a restore into the same namespace sets the claim's
/// dataSource to it. Without the API, or across namespaces (a data source cannot name another
/// namespace), the result has a "volume-data" aspect Skipped with the reason.</para>
/// </summary>
public sealed class PersistentVolumeClaimPlugin() : ResourcePlugin(KubeTypes.PersistentVolumeClaim)
{
    public const string SnapshotAnnotation = AnnotationPrefix + "volume-snapshot";
    public const string VolumeDataAspect = "volume-data";
    private static readonly string[] BindingAnnotations =
    [
        "pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller", "pv.kubernetes.io/migrated-to",
        "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner", "volume.kubernetes.io/selected-node",
    ];

    protected override void NormalizeType(JsonObject obj)
    {
        ObjectJson.Remove(obj, "spec", "volumeName");
        ObjectJson.RemoveEntries(ObjectJson.Object(obj, "metadata"), "annotations", BindingAnnotations.Contains);
    }

    public override async Task<IReadOnlyList<ResourceResult>> ProtectExtrasAsync(PluginContext context, JsonObject live, JsonObject normalized, CancellationToken ct)
    {
        var key = KeyOf(live);
        var snapshots = KubeTypes.VolumeSnapshot;
        if (!await context.ServesAsync(snapshots.Group, snapshots.Version, snapshots.Plural, ct))
        {
            return [new ResourceResult(key, ResourceOutcome.Skipped, "no VolumeSnapshot API (snapshot.storage.k8s.io/v1 is not served): the claim is protected without its data", VolumeDataAspect)];
        }

        var name = SnapshotName(key.Name, context.RunId);
        var snapshot = new JsonObject
        {
            ["apiVersion"] = snapshots.ApiVersion,
            ["kind"] = snapshots.Kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = key.Namespace, ["labels"] = new JsonObject { ["protection.erebor.io/checkpoint"] = Label(context.RunId) } },
            ["spec"] = new JsonObject { ["source"] = new JsonObject { ["persistentVolumeClaimName"] = key.Name } },
        };
        try
        {
            await context.Api.CreateAsync(snapshots, snapshot, ct);
        }
        catch (KubeApiException e) when (e.IsAlreadyExists)
        {
            // a resumed run: the snapshot of this run is already there
        }
        catch (KubeApiException e)
        {
            return [new ResourceResult(key, ResourceOutcome.Failed, $"VolumeSnapshot {name}: {e.Message}", VolumeDataAspect)];
        }

        ObjectJson.Metadata(normalized)["annotations"] ??= new JsonObject();
        normalized["metadata"]!["annotations"]![SnapshotAnnotation] = name;
        return [new ResourceResult(key, ResourceOutcome.Done, $"VolumeSnapshot {key.Namespace}/{name}", VolumeDataAspect)];
    }

    protected override Task PrepareCreateAsync(RestoreContext context, JsonObject stored, JsonObject desired, List<ResourceResult> results, CancellationToken ct)
    {
        var snapshot = ObjectJson.Str(stored["metadata"]?["annotations"]?[SnapshotAnnotation]);
        if (snapshot is null) { return Task.CompletedTask; }
        var key = KeyOf(desired);
        var originalNamespace = ObjectJson.Namespace(stored);
        if (originalNamespace != key.Namespace)
        {
            results.Add(new ResourceResult(key, ResourceOutcome.Skipped, $"volume data is in VolumeSnapshot {originalNamespace}/{snapshot}; a claim cannot take its data from another namespace", VolumeDataAspect));
            return Task.CompletedTask;
        }

        if (desired["spec"] is JsonObject spec && spec["dataSource"] is null)
        {
            spec["dataSource"] = new JsonObject { ["apiGroup"] = KubeTypes.VolumeSnapshot.Group, ["kind"] = KubeTypes.VolumeSnapshot.Kind, ["name"] = snapshot };
            results.Add(new ResourceResult(key, ResourceOutcome.Done, $"from VolumeSnapshot {snapshot}", VolumeDataAspect));
        }

        return Task.CompletedTask;
    }

    protected override void PrepareUpdate(JsonObject update, JsonObject existing)
    {
        CarryOver(update, existing, "spec", "volumeName");
        foreach (var annotation in BindingAnnotations) { CarryOver(update, existing, "metadata", "annotations", annotation); }
    }

    public static string SnapshotName(string claim, string runId)
    {
        var suffix = "-" + Label(runId);
        return (claim.Length + suffix.Length > 253 ? claim[..(253 - suffix.Length)] : claim) + suffix;
    }

    private static string Label(string runId) => new(runId.ToLowerInvariant().Where(c => char.IsAsciiLetterOrDigit(c)).Take(12).ToArray());
}
