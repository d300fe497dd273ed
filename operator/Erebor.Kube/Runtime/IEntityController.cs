using Erebor.Kube.Entities;

namespace Erebor.Kube.Runtime;

/// <summary>What a reconcile asks of the runtime afterwards.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static ReconcileResult Done => default;

    public static ReconcileResult RequeueIn(TimeSpan delay) => new(delay);
}

/// <summary>
/// The logic of one kind (KubeOps' shape). The runtime calls it from a work queue: never twice at
/// once for the same object, with retries and backoff when it throws.
/// </summary>
public interface IEntityController<in T>
    where T : IKubernetesObject
{
    /// <summary>
    /// Called for added and modified objects, for changes of watched related objects, and on
    /// resync; not for objects being deleted (finalizers handle those). Receives a private copy.
    /// Must be idempotent: it converges the world and the status toward the spec.
    /// </summary>
    Task<ReconcileResult> ReconcileAsync(T entity, CancellationToken ct);

    /// <summary>Called once the object is gone from the API server, with its last known state.</summary>
    Task DeletedAsync(T entity, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Whether a finalizer let go of its object.</summary>
public readonly record struct FinalizeResult(bool Released, TimeSpan RetryAfter)
{
    public static FinalizeResult Release => new(true, TimeSpan.Zero);

    /// <summary>The object must stay (e.g. still in use); the finalizer is asked again later.</summary>
    public static FinalizeResult Hold(TimeSpan retryAfter) => new(false, retryAfter);
}

/// <summary>
/// Releases what an object held before the API server may delete it. The runtime attaches
/// <see cref="Identifier"/> to every live object and removes it once <see cref="FinalizeAsync"/>
/// releases.
/// </summary>
public interface IEntityFinalizer<in T>
    where T : IKubernetesObject
{
    /// <summary>The finalizer name in metadata.finalizers, e.g. "erebor.io/subnet-in-use".</summary>
    string Identifier { get; }

    Task<FinalizeResult> FinalizeAsync(T entity, CancellationToken ct);
}
