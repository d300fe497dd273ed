using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Operator;
using Erebor.Harness.Processes;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;

namespace Erebor.Bench.Protection;

/// <summary>
/// Protect and restore of N objects (<see cref="BenchApplication"/>) against a real control plane
/// into a filesystem bank, each run a separate process whose peak memory is measured, against the
/// floor a user would try first: <c>kubectl get ... -o json &gt; file</c> of the same objects.
/// Protect and restore run <see cref="Rounds"/> times each (new Checkpoints, new target
/// namespaces) and report the median.
/// </summary>
public static class ProtectionBenchmark
{
    private const string Provider = "bench";
    private const string KeySecret = "bench-bank-key";
    private const string Name = "bench";

    /// <summary>Protect and restore each run this often per object count; the median counts.</summary>
    private const int Rounds = 3;

    /// <summary>
    /// The managed heap limit of one more protect and restore per object count, as the runtime sets
    /// it for a Job with a memory limit (75% of the container's): the same limit must do for 1k and
    /// 10k objects, and peak memory under it shows what the run needs rather than what the GC let
    /// pile up on an unconstrained 23 GB machine.
    /// </summary>
    private const long JobHeapLimitBytes = 64L * 1024 * 1024;

    private static readonly Dictionary<string, string> JobHeapLimit = new() { ["DOTNET_GCHeapHardLimit"] = "0x" + JobHeapLimitBytes.ToString("x", System.Globalization.CultureInfo.InvariantCulture) };

    public static async Task<ProtectionBenchmarkResult> RunAsync(IReadOnlyList<int> sizes, Action<string> say)
    {
        var bank = Directory.CreateTempSubdirectory("erebor-bench-bank-").FullName;
        try
        {
            await using var cluster = await ControlPlanes.StartAsync();
            await EreborInstallation.InstallCrdsAsync(cluster);
            var key = RandomNumberGenerator.GetBytes(32);
            await cluster.KubectlCheckedAsync("create", "secret", "generic", KeySecret, "-n", EreborInstallation.SystemNamespace, $"--from-literal=key={Convert.ToBase64String(key)}");
            await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionProvider\nmetadata: {{name: {Provider}}}\nspec:\n  bank: {{type: Filesystem, path: '{bank}'}}\n  encryptionKeySecret: {{namespace: {EreborInstallation.SystemNamespace}, name: {KeySecret}}}\n");
            using var api = new KubeApi(KubeConfig.FromFile(cluster.KubeconfigPath));
            var runs = new List<ProtectionRun>();
            foreach (var objects in sizes)
            {
                runs.Add(await RunOneAsync(cluster, api, bank, objects, say));
            }

            return new ProtectionBenchmarkResult(BenchApplication.Mix, $"filesystem ({Mounts.FilesystemTypeOf(bank)}), Secrets encrypted", runs, ProtectionResults.Verdict(runs), Machine.Current());
        }
        finally
        {
            Directory.Delete(bank, recursive: true);
        }
    }

    private static async Task<ProtectionRun> RunOneAsync(IControlPlane cluster, KubeApi api, string bank, int objects, Action<string> say)
    {
        var ns = $"prot-{objects}";
        say($"{objects} objects: creating them in namespace {ns}");
        await cluster.KubectlCheckedAsync("create", "namespace", ns);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(BenchApplication.Objects(ns, objects), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (item, ct) => await api.CreateAsync(item.Type, item.Object, ct));
        var createSeconds = clock.Elapsed.TotalSeconds;
        say($"created in {createSeconds:F1} s; floor: kubectl get {string.Join(',', BenchApplication.KubectlKinds)} -o json > file");

        var (floor, floorBytes) = await KubectlGetAsync(cluster, ns, objects);
        say($"kubectl get: {floor.Seconds:F2} s, {floorBytes / 1048576.0:F1} MiB, kubectl peak RSS {floor.PeakRssBytes / 1048576} MiB");

        await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: ProtectionPlan\nmetadata: {{name: {Name}, namespace: {ns}}}\nspec: {{provider: {Provider}}}\n");
        var protectRuns = new List<(TimeSpan, long)>();
        string? firstUid = null;
        for (var round = 1; round <= Rounds; round++)
        {
            var (run, uid) = await ProtectAsync(cluster, api, ns, round == 1 ? Name : $"{Name}-{round}", objects, null);
            firstUid ??= uid;
            protectRuns.Add((run.Elapsed, run.PeakRssBytes ?? 0));
            say($"protect {round}/{Rounds}: {run.Elapsed.TotalSeconds:F2} s, peak RSS {(run.PeakRssBytes ?? 0) / 1048576} MiB");
        }

        var protect = Measured.MedianOf(objects, protectRuns);
        var (bankBytes, bankFiles) = Usage(Path.Combine(bank, BankLayout.CheckpointFolder($"{ns}/{Name}", firstUid!)));
        say($"protect (median of {Rounds}): {protect.Seconds:F2} s ({protect.ObjectsPerSecond:F0} objects/s), bank {bankBytes / 1048576.0:F1} MiB in {bankFiles} files, peak RSS {protect.PeakRssBytes / 1048576} MiB");
        var (limitedRun, _) = await ProtectAsync(cluster, api, ns, $"{Name}-limited", objects, JobHeapLimit);
        var protectLimited = Measured.Of(objects, limitedRun.Elapsed, limitedRun.PeakRssBytes ?? 0);
        say($"protect with a {JobHeapLimitBytes / 1048576} MiB heap limit: {protectLimited.Seconds:F2} s, peak RSS {protectLimited.PeakRssBytes / 1048576} MiB");

        var restoreRuns = new List<(TimeSpan, long)>();
        for (var round = 1; round <= Rounds; round++)
        {
            var run = await RestoreAsync(cluster, api, ns, $"{Name}-{round}", $"{ns}-restored-{round}", objects, null);
            restoreRuns.Add((run.Elapsed, run.PeakRssBytes ?? 0));
            say($"restore {round}/{Rounds} into {ns}-restored-{round}: {run.Elapsed.TotalSeconds:F2} s, peak RSS {(run.PeakRssBytes ?? 0) / 1048576} MiB");
        }

        var restore = Measured.MedianOf(objects, restoreRuns);
        say($"restore (median of {Rounds}): {restore.Seconds:F2} s ({restore.ObjectsPerSecond:F0} objects/s), peak RSS {restore.PeakRssBytes / 1048576} MiB");
        var limitedRestore = await RestoreAsync(cluster, api, ns, $"{Name}-limited", $"{ns}-restored-limited", objects, JobHeapLimit);
        var restoreLimited = Measured.Of(objects, limitedRestore.Elapsed, limitedRestore.PeakRssBytes ?? 0);
        say($"restore with a {JobHeapLimitBytes / 1048576} MiB heap limit: {restoreLimited.Seconds:F2} s, peak RSS {restoreLimited.PeakRssBytes / 1048576} MiB");

        return ProtectionResults.Run(objects, createSeconds, floor, floorBytes, protect, bankBytes, bankFiles, restore, objects, protectLimited, restoreLimited);
    }

    /// <summary>A new Checkpoint of the plan, run by the command; fails unless it ends Available with every object.</summary>
    private static async Task<(ProcessResult Run, string Uid)> ProtectAsync(IControlPlane cluster, KubeApi api, string ns, string name, int objects, IReadOnlyDictionary<string, string>? environment)
    {
        await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Checkpoint\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{plan: {Name}}}\n");
        var run = await OperatorCommandAsync(cluster, environment, "checkpoint", "run", $"{ns}/{name}");
        var checkpoint = (await api.GetAsync<V1Alpha1Checkpoint>(ns, name))!;
        if (checkpoint.Status.Phase != RunPhase.Available || checkpoint.Status.ResourcesDone != objects + 1)
        {
            throw new InvalidOperationException($"checkpoint {ns}/{name} is {checkpoint.Status.Phase} with {checkpoint.Status.ResourcesDone} resources, expected Available with {objects} objects and the namespace");
        }

        return (run, checkpoint.Metadata.Uid!);
    }

    /// <summary>A new Restore of the first checkpoint into <paramref name="target"/>, run by the command; fails unless every object is there.</summary>
    private static async Task<ProcessResult> RestoreAsync(IControlPlane cluster, KubeApi api, string ns, string name, string target, int objects, IReadOnlyDictionary<string, string>? environment)
    {
        await cluster.ApplyAsync($"apiVersion: erebor.io/v1alpha1\nkind: Restore\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{checkpoint: {Name}, targetNamespace: {target}}}\n");
        var run = await OperatorCommandAsync(cluster, environment, "restore", "run", $"{ns}/{name}");
        var count = await CountAsync(api, target);
        return count == objects ? run : throw new InvalidOperationException($"restore {ns}/{name} left {count} of {objects} objects in {target}");
    }

    /// <summary>The operator binary's one-shot command (a separate process, as a Job would run it), timed, with its peak memory.</summary>
    private static async Task<ProcessResult> OperatorCommandAsync(IControlPlane cluster, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(OperatorProcess.Binary, [.. args, "--kubeconfig", cluster.KubeconfigPath],
            new ProcessOptions { MeasurePeakRss = true, Timeout = TimeSpan.FromMinutes(30), Environment = environment ?? new Dictionary<string, string>() });
        return result.Succeeded ? result : throw new ProcessFailedException(result);
    }

    /// <summary><c>kubectl get &lt;kinds&gt; -n ns -o json &gt; file</c>, through a shell redirect as a user would; checks it holds every object.</summary>
    private static async Task<(Measured Run, long Bytes)> KubectlGetAsync(IControlPlane cluster, string ns, int objects)
    {
        var file = Path.GetTempFileName();
        try
        {
            var result = await ProcessRunner.RunAsync("/bin/sh",
                ["-c", "exec \"$0\" \"$@\" > \"$OUT\"", KubeBinaries.Kubectl, "--kubeconfig", cluster.KubeconfigPath, "get", string.Join(',', BenchApplication.KubectlKinds), "-n", ns, "-o", "json"],
                new ProcessOptions { Environment = new Dictionary<string, string> { ["OUT"] = file }, MeasurePeakRss = true, Timeout = TimeSpan.FromMinutes(10) });
            if (!result.Succeeded) { throw new ProcessFailedException(result); }
            await using (var stream = File.OpenRead(file))
            {
                var items = (await JsonNode.ParseAsync(stream))?["items"] as JsonArray;
                if (items?.Count != objects) { throw new InvalidDataException($"kubectl get wrote {items?.Count} items, expected {objects}"); }
            }

            return (Measured.Of(objects, result.Elapsed, result.PeakRssBytes ?? 0), new FileInfo(file).Length);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Objects of the benchmark's kinds in a namespace.</summary>
    private static async Task<int> CountAsync(KubeApi api, string ns)
    {
        var count = 0;
        foreach (var type in BenchApplication.Objects(ns, 20).Select(o => o.Type).Distinct())
        {
            count += (await api.ListAsync<JsonObject>(type, ns)).Items.Count;
        }

        return count;
    }

    /// <summary>Bytes and files under a bank folder (what the checkpoint costs on disk).</summary>
    private static (long Bytes, int Files) Usage(string directory)
    {
        var files = new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        return (files.Sum(f => f.Length), files.Count);
    }
}
