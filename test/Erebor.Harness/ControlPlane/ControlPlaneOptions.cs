namespace Erebor.Harness.ControlPlane;

/// <summary>A static identity in the API server's token file; its token comes from <see cref="LocalControlPlane.TokenFor"/>.</summary>
public sealed record TokenUser(string Name, params string[] Groups);

public sealed record ControlPlaneOptions
{
    /// <summary>
    /// Extra users besides the admin, provisioned in kube-apiserver's static token file at start
    /// (1.20 cannot add any later; use service-account tokens for identities made at runtime).
    /// Local control plane only.
    /// </summary>
    public IReadOnlyList<TokenUser> TokenUsers { get; init; } = [];

    /// <summary>How long to wait for etcd and then the API server to become ready.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>kube-apiserver's log verbosity (-v).</summary>
    public int ApiServerVerbosity { get; init; } = 1;

    /// <summary>Appended to kube-apiserver's arguments, e.g. <c>--feature-gates=...</c> or <c>--audit-log-path=...</c>. Local control plane only.</summary>
    public IReadOnlyList<string> ExtraApiServerArguments { get; init; } = [];
}
