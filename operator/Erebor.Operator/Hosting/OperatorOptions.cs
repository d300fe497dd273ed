using System.Net;

namespace Erebor.Operator.Hosting;

/// <summary>Everything the operator process is told on its command line.</summary>
public sealed record OperatorOptions
{
    public string? Kubeconfig { get; init; }

    /// <summary>The namespace the operator runs in: its Lease and webhook Secret live there.</summary>
    public string Namespace { get; init; } = "erebor-system";

    /// <summary>This replica's name in the leader election.</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    public bool LeaderElect { get; init; } = true;
    public string LeaseName { get; init; } = "erebor-operator";
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Plain HTTP for /metrics, /healthz and /readyz.</summary>
    public IPEndPoint MetricsEndpoint { get; init; } = new(IPAddress.Loopback, 8080);

    /// <summary>HTTPS for the admission webhook; null disables the webhook.</summary>
    public IPEndPoint? WebhookEndpoint { get; init; } = new(IPAddress.Any, 9443);

    /// <summary>The URL the API server calls the webhook at, when it runs outside the cluster.</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>The Service in front of the webhook, when it runs in the cluster.</summary>
    public string WebhookService { get; init; } = "erebor-webhook";

    public string WebhookSecret { get; init; } = "erebor-webhook-tls";

    public int Workers { get; init; } = 2;

    /// <summary>A checkpoint run's lease in the bank: how long a killed run blocks its restart by another replica.</summary>
    public TimeSpan CheckpointLeaseDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often each ProtectionProvider's bank is probed (and its orphaned checkpoint folders collected).</summary>
    public TimeSpan ProviderProbeInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A NodeAgent whose heartbeat is older than this counts as not ready (four default heartbeats).</summary>
    public TimeSpan AgentStaleAfter { get; init; } = TimeSpan.FromSeconds(40);
}
