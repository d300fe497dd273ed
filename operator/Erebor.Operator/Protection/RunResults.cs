using System.Globalization;
using Erebor.Api;
using Erebor.Protection.Engine;
using Erebor.Protection.Plugins;

namespace Erebor.Operator.Protection;

/// <summary>How a finished run reads in status: phase, Ready condition reason and message.</summary>
public sealed record RunVerdict(RunPhase Phase, string Reason, string Message);

/// <summary>Turns engine results into the status of a Checkpoint or Restore.</summary>
public static class RunResults
{
    /// <summary>
    /// At most this many skipped or failed resources are listed in status (an object in etcd stays
    /// well under its size limit); the condition message says how many more there were.
    /// </summary>
    public const int MaxListed = 1000;

    /// <summary>The status entry of one skipped or failed result (an aspect goes into the message: "volume-data: ...").</summary>
    public static ResourceRunStatus ToStatus(ResourceResult result) => new()
    {
        ApiVersion = result.Key.ApiVersion,
        Kind = result.Key.Kind,
        Namespace = result.Key.Namespace,
        Name = result.Key.Name,
        Result = result.Outcome.ToString(),
        Message = result.Aspect is null ? result.Message : $"{result.Aspect}: {result.Message}",
    };

    /// <summary>
    /// A restore is Completed only when every object of the checkpoint exists in the cluster:
    /// restored, found identical, or left as it was because it exists and the conflict policy is
    /// Skip. Anything else (a failure, an object skipped because no plugin restores its type or a
    /// dependency failed) makes it PartiallyFailed, naming the first such resource. An aspect
    /// skipped by design (a claim's volume data without a snapshot API) does not.
    /// </summary>
    public static RunVerdict Restore(RunSummary summary, string target)
    {
        var progress = summary.Progress;
        var failed = summary.NotDone.Where(r => r.Outcome == ResourceOutcome.Failed).ToList();
        var missing = summary.NotDone.Where(r => r.Outcome == ResourceOutcome.Skipped && r.Aspect is null && r.Message?.StartsWith(ResourcePlugin.ConflictSkipped, StringComparison.Ordinal) != true).ToList();
        var kept = summary.NotDone.Count(r => r.Outcome == ResourceOutcome.Skipped && r.Aspect is null) - missing.Count;
        var keptText = kept > 0 ? string.Create(CultureInfo.InvariantCulture, $", {kept} existing ones left as they were (conflict policy Skip)") : string.Empty;
        if (failed.Count == 0 && missing.Count == 0)
        {
            return new RunVerdict(RunPhase.Completed, RestoreReasons.Completed, string.Create(CultureInfo.InvariantCulture, $"{progress.Total} resources restored into {target}{keptText}"));
        }

        var first = failed.Concat(missing).First();
        return new RunVerdict(RunPhase.PartiallyFailed, RestoreReasons.ResourcesNotRestored, string.Create(CultureInfo.InvariantCulture,
            $"{progress.Total - failed.Count(r => r.Aspect is null) - missing.Count} of {progress.Total} resources restored into {target}; {failed.Count} failed, {missing.Count} not restored{keptText}; first: {first}"));
    }
}

/// <summary>The Ready condition's reasons on a Restore.</summary>
public static class RestoreReasons
{
    public const string CheckpointNotAvailable = "CheckpointNotAvailable";
    public const string CheckpointNotFound = "CheckpointNotFound";
    public const string PlanNotFound = "PlanNotFound";
    public const string ProviderNotFound = "ProviderNotFound";
    public const string IndexInvalid = "IndexInvalid";
    public const string IndexMissing = "IndexMissing";
    public const string InvalidPlugins = "InvalidPlugins";
    public const string SiteNotSupported = "SiteNotSupported";
    public const string DecryptionFailed = "DecryptionFailed";
    public const string Restoring = "Restoring";
    public const string Completed = "Completed";
    public const string ResourcesNotRestored = "ResourcesNotRestored";
}
