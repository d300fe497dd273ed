using Erebor.Kube.Client;
using Erebor.Kube.Entities;

namespace Erebor.Operator.Controllers;

/// <summary>Writes a status only when it changed, so reconciles that find nothing new cost no write.</summary>
public sealed class StatusWriter(IKubeApi api)
{
    /// <summary>Replaces the status subresource if <paramref name="entity"/>'s status differs from <paramref name="before"/>.</summary>
    public async Task<bool> WriteIfChangedAsync<T, TStatus>(T entity, TStatus before, CancellationToken ct)
        where T : class, IStatusObject<TStatus>
        where TStatus : class, new()
    {
        if (KubeJson.Serialize(entity.Status) == KubeJson.Serialize(before)) { return false; }
        var updated = await api.ReplaceStatusAsync(entity, ct);
        entity.Metadata.ResourceVersion = updated.Metadata.ResourceVersion;
        return true;
    }
}
