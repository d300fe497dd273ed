namespace Erebor.Protection.Plugins;

public static class BuiltInPlugins
{
    /// <summary>
    /// Every built-in plugin, in the order that breaks ties in the graph: Namespace, then
    /// ServiceAccount/ConfigMap/Secret/Role, RoleBinding, Subnet, Router, PersistentVolumeClaim,
    /// Service, and the workloads.
    /// </summary>
    public static IReadOnlyList<IResourcePlugin> All() =>
    [
        new NamespacePlugin(),
        new ServiceAccountPlugin(),
        new ConfigMapPlugin(),
        new SecretPlugin(),
        new RolePlugin(),
        new RoleBindingPlugin(),
        new SubnetPlugin(),
        new RouterPlugin(),
        new PersistentVolumeClaimPlugin(),
        new ServicePlugin(),
        new DeploymentPlugin(),
        new StatefulSetPlugin(),
        new DaemonSetPlugin(),
        new JobPlugin(),
    ];
}
