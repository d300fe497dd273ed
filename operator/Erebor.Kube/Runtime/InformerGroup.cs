using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Microsoft.Extensions.Logging;

namespace Erebor.Kube.Runtime;

/// <summary>The informers several controllers share: created in one place, run together, synced together.</summary>
public sealed class InformerGroup(IKubeApi api, ILogger logger, TimeProvider time)
{
    private readonly List<Func<CancellationToken, Task>> _runs = [];
    private readonly List<Func<CancellationToken, Task>> _syncs = [];

    public Informer<T> Add<T>()
        where T : class, IKubernetesObject
    {
        var informer = new Informer<T>(api, logger: logger, time: time);
        _runs.Add(informer.RunAsync);
        _syncs.Add(informer.WaitForSyncAsync);
        return informer;
    }

    /// <summary>Runs every informer until <paramref name="ct"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(_runs.Select(run => run(ct)));

    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(_syncs.Select(sync => sync(ct)));
}
