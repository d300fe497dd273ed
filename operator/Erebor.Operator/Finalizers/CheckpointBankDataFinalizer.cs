using Erebor.Api;
using Erebor.Kube.Runtime;
using Erebor.Operator.Protection;

namespace Erebor.Operator.Finalizers;

/// <summary>A deleted Checkpoint goes only once its data is gone from the bank (Deleting -> Deleted), index first.</summary>
public sealed class CheckpointBankDataFinalizer(CheckpointExecutor executor) : IEntityFinalizer<V1Alpha1Checkpoint>
{
    public string Identifier => CheckpointExecutor.Finalizer;

    public Task<FinalizeResult> FinalizeAsync(V1Alpha1Checkpoint checkpoint, CancellationToken ct) => executor.DeleteBankDataAsync(checkpoint, ct);
}
