namespace Erebor.Operator.Hosting;

/// <summary>What /readyz reports: the webhook is serving, and a leader has its caches synced.</summary>
public sealed class Readiness
{
    private volatile bool _webhookReady;
    private volatile bool _controllersReady = true;

    public bool IsReady => _webhookReady && _controllersReady;

    public bool IsLeader { get; set; }

    public void WebhookReady() => _webhookReady = true;

    /// <summary>A new leader is not ready until its informers have synced.</summary>
    public void ControllersSyncing() => _controllersReady = false;

    public void ControllersReady() => _controllersReady = true;

    public string Describe() => $"webhook={(_webhookReady ? "ready" : "starting")} leader={IsLeader} controllers={(_controllersReady ? "ready" : "syncing")}";
}
