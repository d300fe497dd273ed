using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;
using Erebor.Operator.Controllers;
using Erebor.Operator.Validation;

namespace Erebor.Operator.Finalizers;

/// <summary>
/// Keeps a Subnet that a Router still attaches from disappearing under it: the deletion waits,
/// with a Ready=False/DeletionBlocked condition and an event naming the Routers, until they let go.
/// </summary>
public sealed class SubnetInUseFinalizer(Informer<V1Alpha1Router> routers, StatusWriter statusWriter, EventRecorder events, TimeProvider time)
    : IEntityFinalizer<V1Alpha1Subnet>
{
    public const string Name = "erebor.io/subnet-in-use";
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);

    public string Identifier => Name;

    public async Task<FinalizeResult> FinalizeAsync(V1Alpha1Subnet subnet, CancellationToken ct)
    {
        var users = RouterValidation.RoutersUsing(routers.List().Where(r => r.Metadata.Namespace == subnet.Metadata.Namespace), subnet.Metadata.Name!).ToList();
        if (users.Count == 0) { return FinalizeResult.Release; }

        var before = KubeJson.Clone(subnet.Status);
        var message = $"deletion waits: still attached to Router(s) {string.Join(", ", users)}; remove those interfaces to let the Subnet go";
        if (Conditions.Set(subnet.Status.Conditions, ConditionTypes.Ready, false, SubnetReasons.DeletionBlocked, message, subnet.Metadata.Generation, time.GetUtcNow()))
        {
            await events.WarningAsync(subnet, SubnetReasons.DeletionBlocked, message, ct);
        }

        subnet.Status.UsedBy = users;
        await statusWriter.WriteIfChangedAsync(subnet, before, ct);

        // A Router change requeues the Subnet at once; the recheck is only a safety net.
        return FinalizeResult.Hold(Recheck);
    }
}
