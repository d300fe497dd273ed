using Erebor.Protection.Banks;

namespace Erebor.Protection.Tests.Support;

/// <summary>A real bank with every call passed through; tests override the calls they watch or race with.</summary>
public class DelegatingBank(IBank inner) : IBank
{
    public string Location => inner.Location;

    public virtual Task<IBankObjectWriter> OpenWriteAsync(string key, CancellationToken ct) => inner.OpenWriteAsync(key, ct);

    public virtual Task<IBankObjectWriter> OpenBatchedWriteAsync(string key, CancellationToken ct) => inner.OpenBatchedWriteAsync(key, ct);

    public virtual Task SyncAsync(CancellationToken ct) => inner.SyncAsync(ct);

    public virtual Task<Stream> OpenReadAsync(string key, CancellationToken ct) => inner.OpenReadAsync(key, ct);

    public virtual Task<BankObjectInfo?> StatAsync(string key, CancellationToken ct) => inner.StatAsync(key, ct);

    public virtual IAsyncEnumerable<BankObjectInfo> ListAsync(string prefix, CancellationToken ct) => inner.ListAsync(prefix, ct);

    public virtual IAsyncEnumerable<string> ListFoldersAsync(string prefix, CancellationToken ct) => inner.ListFoldersAsync(prefix, ct);

    public virtual Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);

    public virtual Task<bool> TryCreateAsync(string key, ReadOnlyMemory<byte> content, CancellationToken ct) => inner.TryCreateAsync(key, content, ct);

    public virtual Task<LeaseAttempt> TryAcquireLeaseAsync(string key, string holder, TimeSpan duration, CancellationToken ct) => inner.TryAcquireLeaseAsync(key, holder, duration, ct);

    public virtual Task<BankLease> RenewLeaseAsync(BankLease lease, TimeSpan duration, CancellationToken ct) => inner.RenewLeaseAsync(lease, duration, ct);

    public virtual Task ReleaseLeaseAsync(BankLease lease, CancellationToken ct) => inner.ReleaseLeaseAsync(lease, ct);

    public virtual Task<LeaseRecord?> ReadLeaseAsync(string key, CancellationToken ct) => inner.ReadLeaseAsync(key, ct);

    public virtual Task<BankProbeResult> ProbeAsync(CancellationToken ct) => inner.ProbeAsync(ct);

    public virtual ValueTask DisposeAsync() => inner.DisposeAsync();
}
