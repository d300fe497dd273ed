using Erebor.Api;
using Erebor.Kube.Client;

namespace Erebor.Protection.Plugins;

/// <summary>The resource types the built-in plugins protect.</summary>
public static class KubeTypes
{
    public static readonly ResourceType Namespace = new("", "v1", "Namespace", "namespaces", false);
    public static readonly ResourceType ServiceAccount = new("", "v1", "ServiceAccount", "serviceaccounts", true);
    public static readonly ResourceType ConfigMap = new("", "v1", "ConfigMap", "configmaps", true);
    public static readonly ResourceType Secret = new("", "v1", "Secret", "secrets", true);
    public static readonly ResourceType PersistentVolumeClaim = new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true);
    public static readonly ResourceType Service = new("", "v1", "Service", "services", true);
    public static readonly ResourceType Role = new("rbac.authorization.k8s.io", "v1", "Role", "roles", true);
    public static readonly ResourceType RoleBinding = new("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true);
    public static readonly ResourceType Deployment = new("apps", "v1", "Deployment", "deployments", true);
    public static readonly ResourceType StatefulSet = new("apps", "v1", "StatefulSet", "statefulsets", true);
    public static readonly ResourceType DaemonSet = new("apps", "v1", "DaemonSet", "daemonsets", true);
    public static readonly ResourceType Job = new("batch", "v1", "Job", "jobs", true);
    public static readonly ResourceType VolumeSnapshot = new("snapshot.storage.k8s.io", "v1", "VolumeSnapshot", "volumesnapshots", true);
    public static readonly ResourceType Subnet = ResourceType.For<V1Alpha1Subnet>();
    public static readonly ResourceType Router = ResourceType.For<V1Alpha1Router>();
}
