namespace Erebor.Harness.ControlPlane;

/// <summary>What every cluster that runs Erebor needs before the operator starts.</summary>
public static class EreborInstallation
{
    public const string SystemNamespace = "erebor-system";

    /// <summary><c>kubectl apply -f crds/</c>, waits until every CRD is Established, creates erebor-system.</summary>
    public static async Task InstallCrdsAsync(IControlPlane cluster)
    {
        await cluster.KubectlCheckedAsync("apply", "-f", RepositoryPaths.Crds);
        await cluster.KubectlCheckedAsync("wait", "--for", "condition=established", "crd", "--all", "--timeout", "60s");
        await cluster.KubectlCheckedAsync("create", "namespace", SystemNamespace);
    }
}
