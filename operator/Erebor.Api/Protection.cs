using System.ComponentModel;
using Erebor.Kube.Entities;

namespace Erebor.Api;

public enum BankType
{
    Filesystem,
    S3,
}

public enum RunPhase
{
    Pending,
    Protecting,
    Restoring,
    Available,
    Completed,
    PartiallyFailed,
    Error,
    Deleting,
    Deleted,
}

public enum ConflictPolicy
{
    Skip,
    Update,
}

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "ProtectionProvider", "protectionproviders", Scope = EntityScope.Cluster, ShortNames = ["pprov"], Categories = [ApiGroup.Category])]
[Description("Where checkpoints are stored (a bank) and which plugins protect resources. Cluster-scoped, for admins.")]
[PrinterColumn("Bank", "string", ".spec.bank.type", Order = 1)]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 2)]
[PrinterColumn("Reason", "string", ".status.conditions[?(@.type==\"Ready\")].reason", Order = 3)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1ProtectionProvider : CustomResource<V1Alpha1ProtectionProvider.ProviderSpec, V1Alpha1ProtectionProvider.ProviderStatus>
{
    public sealed class ProviderSpec
    {
        [Required]
        public BankSpec Bank { get; set; } = new();

        [Description("Secret holding the key that encrypts Secrets in the bank (key 'key', 32 bytes base64).")]
        public SecretReference? EncryptionKeySecret { get; set; }

        [Description("Enabled plugins by resource type (e.g. 'apps/Deployment'; a custom resource as 'group/version/Kind'); empty enables all built-in ones.")]
        public List<string>? Plugins { get; set; }
    }

    public sealed class BankSpec
    {
        [Required]
        public BankType Type { get; set; }

        [Description("Directory of a Filesystem bank.")]
        public string? Path { get; set; }

        public S3BankSpec? S3 { get; set; }
    }

    public sealed class S3BankSpec
    {
        [Required]
        [Description("S3-compatible endpoint URL.")]
        public string Endpoint { get; set; } = string.Empty;

        [Required]
        public string Bucket { get; set; } = string.Empty;

        public string? Region { get; set; }
        public string? Prefix { get; set; }

        [Required]
        [Description("Secret with accessKeyId and secretAccessKey.")]
        public SecretReference CredentialsSecret { get; set; } = new();
    }

    public sealed class ProviderStatus : ConditionedStatus
    {
        public bool Reachable { get; set; }
        public bool Writable { get; set; }
        public long? FreeBytes { get; set; }
    }
}

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "ProtectionPlan", "protectionplans", ShortNames = ["plan"], Categories = [ApiGroup.Category])]
[Description("What to protect, with which provider, how often and for how long.")]
[PrinterColumn("Provider", "string", ".spec.provider", Order = 1)]
[PrinterColumn("Schedule", "string", ".spec.schedule", Order = 2)]
[PrinterColumn("Suspended", "boolean", ".spec.suspend", Order = 3)]
[PrinterColumn("Last", "date", ".status.lastScheduleTime", Order = 4)]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1ProtectionPlan : CustomResource<V1Alpha1ProtectionPlan.PlanSpec, V1Alpha1ProtectionPlan.PlanStatus>
{
    public sealed class PlanSpec
    {
        [Required]
        [Description("Name of a ProtectionProvider.")]
        public string Provider { get; set; } = string.Empty;

        public Selection Selection { get; set; } = new();

        [Description("Cron schedule: 5 fields or @hourly/@daily/@weekly/@monthly/@yearly, optional 'CRON_TZ=Zone ' prefix.")]
        public string? Schedule { get; set; }

        public Retention? Retention { get; set; }

        [Description("Stops scheduled runs; on-demand Checkpoints still run.")]
        public bool Suspend { get; set; }
    }

    public sealed class Selection
    {
        [Description("Namespaces to protect; defaults to the plan's own.")]
        public List<string>? Namespaces { get; set; }

        public LabelSelector? LabelSelector { get; set; }

        [Description("Explicit resources, in addition to the selector.")]
        public List<ResourceReference>? Resources { get; set; }
    }

    public sealed class Retention
    {
        [Range(1, 10000)]
        public int? KeepLast { get; set; }

        [Pattern("^[0-9]+(s|m|h|d)$")]
        [Description("Maximum age, e.g. 7d or 12h.")]
        public string? MaxAge { get; set; }
    }

    public sealed class PlanStatus : ConditionedStatus
    {
        [Format("date-time")]
        public DateTimeOffset? LastScheduleTime { get; set; }

        [Format("date-time")]
        public DateTimeOffset? NextScheduleTime { get; set; }

        public string? LastCheckpoint { get; set; }
    }
}

public sealed class ResourceReference
{
    [Required]
    public string ApiVersion { get; set; } = string.Empty;

    [Required]
    public string Kind { get; set; } = string.Empty;

    public string? Namespace { get; set; }

    [Required]
    public string Name { get; set; } = string.Empty;
}

public sealed class ResourceRunStatus
{
    public string ApiVersion { get; set; } = string.Empty;
    public string Kind { get; set; } = string.Empty;
    public string? Namespace { get; set; }
    public string Name { get; set; } = string.Empty;

    [Description("Done, Skipped or Failed.")]
    public string Result { get; set; } = string.Empty;

    public string? Message { get; set; }
}

public abstract class RunStatus : ConditionedStatus
{
    public RunPhase? Phase { get; set; }
    public int ResourcesDone { get; set; }
    public int ResourcesTotal { get; set; }

    [Format("date-time")]
    public DateTimeOffset? StartTime { get; set; }

    [Format("date-time")]
    public DateTimeOffset? CompletionTime { get; set; }

    [Description("Resources that were skipped or failed (done ones are counted only).")]
    public List<ResourceRunStatus>? Resources { get; set; }

    [Description("Who runs this now: an operator replica or a 'run' command. Another executor takes the run over only once heartbeatTime is stale.")]
    public string? Executor { get; set; }

    [Format("date-time")]
    [Description("Renewed by the executor while it runs.")]
    public DateTimeOffset? HeartbeatTime { get; set; }
}

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "Checkpoint", "checkpoints", ShortNames = ["cp"], Categories = [ApiGroup.Category])]
[Description("One protection run of a plan into its provider's bank.")]
[PrinterColumn("Plan", "string", ".spec.plan", Order = 1)]
[PrinterColumn("Phase", "string", ".status.phase", Order = 2)]
[PrinterColumn("Done", "integer", ".status.resourcesDone", Order = 3)]
[PrinterColumn("Total", "integer", ".status.resourcesTotal", Order = 4)]
[PrinterColumn("Size", "integer", ".status.sizeBytes", Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1Checkpoint : CustomResource<V1Alpha1Checkpoint.CheckpointSpec, V1Alpha1Checkpoint.CheckpointStatus>
{
    public sealed class CheckpointSpec
    {
        [Required]
        [Description("The ProtectionPlan (same namespace) this checkpoint runs.")]
        public string Plan { get; set; } = string.Empty;
    }

    public sealed class CheckpointStatus : RunStatus
    {
        [Description("Bytes stored in the bank (the ciphertext for encrypted objects).")]
        public long? SizeBytes { get; set; }

        [Description("The ProtectionProvider whose bank holds the data, recorded when a run starts (deletion finds the bank even once the plan is gone).")]
        public string? Provider { get; set; }

        [Description("Runs started; an interrupted run restarts from scratch, at most 3 times.")]
        public int? Attempts { get; set; }
    }
}

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "Restore", "restores", ShortNames = ["rst"], Categories = [ApiGroup.Category])]
[Description("Brings a Checkpoint back into the same or another namespace.")]
[PrinterColumn("Checkpoint", "string", ".spec.checkpoint", Order = 1)]
[PrinterColumn("Target", "string", ".spec.targetNamespace", Order = 2)]
[PrinterColumn("Phase", "string", ".status.phase", Order = 3)]
[PrinterColumn("Done", "integer", ".status.resourcesDone", Order = 4)]
[PrinterColumn("Total", "integer", ".status.resourcesTotal", Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1Restore : CustomResource<V1Alpha1Restore.RestoreSpec, V1Alpha1Restore.RestoreStatus>
{
    public sealed class RestoreSpec
    {
        [Required]
        [Description("The Checkpoint (same namespace) to restore.")]
        public string Checkpoint { get; set; } = string.Empty;

        [Pattern(Patterns.DnsLabel)]
        [Description("Namespace to restore into; defaults to the original namespace.")]
        public string? TargetNamespace { get; set; }

        [Description("Original namespace -> target namespace, for checkpoints spanning several namespaces.")]
        public Dictionary<string, string>? NamespaceMapping { get; set; }

        [Default("\"Skip\"")]
        [Description("What to do with an object that already exists.")]
        public ConflictPolicy ConflictPolicy { get; set; } = ConflictPolicy.Skip;

        [Description("A Site to restore on instead of this cluster.")]
        public string? Site { get; set; }
    }

    public sealed class RestoreStatus : RunStatus;
}

[KubernetesEntity(ApiGroup.Name, ApiGroup.Version, "Site", "sites", Scope = EntityScope.Cluster, ShortNames = ["st"], Categories = [ApiGroup.Category])]
[Description("A bottom cluster registered under this (top) cluster.")]
[PrinterColumn("Region", "string", ".spec.region", Order = 1)]
[PrinterColumn("Zone", "string", ".spec.zone", Order = 2)]
[PrinterColumn("Version", "string", ".status.version", Order = 3)]
[PrinterColumn("Nodes", "integer", ".status.nodes", Order = 4)]
[PrinterColumn("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", Order = 5)]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp", Order = 9)]
public sealed class V1Alpha1Site : CustomResource<V1Alpha1Site.SiteSpec, V1Alpha1Site.SiteStatus>
{
    public sealed class SiteSpec
    {
        [Required]
        [Description("Secret holding the bottom cluster's kubeconfig under key 'kubeconfig'.")]
        public SecretReference KubeconfigSecret { get; set; } = new();

        public string? Region { get; set; }
        public string? Zone { get; set; }
    }

    public sealed class SiteStatus : ConditionedStatus
    {
        public string? Version { get; set; }
        public int? Nodes { get; set; }

        [Format("date-time")]
        public DateTimeOffset? LastProbeTime { get; set; }
    }
}
