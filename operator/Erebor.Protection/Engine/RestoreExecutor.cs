using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Engine;

/// <summary>Where and how a restore writes.</summary>
public sealed record RestoreOptions(NamespaceMap Namespaces, ConflictPolicy ConflictPolicy = ConflictPolicy.Skip)
{
    public static RestoreOptions FromRestore(V1Alpha1Restore restore) => new(NamespaceMap.FromRestore(restore), restore.Spec.ConflictPolicy);
}

/// <summary>
/// One restore run: reads the checkpoint index, then restores its resources type by type in the
/// plugins' dependency order (dependencies before dependents), up to <see cref="Parallelism"/>
/// objects of a type at once, each read from the bank on its own. An object whose recorded dependency failed is skipped with that reason. Re-running after a
/// crash is safe: objects that already exist identically are left alone (Done, "unchanged").
/// A missing index throws <see cref="InvalidOperationException"/>; a malformed one throws the
/// reader's <see cref="InvalidDataException"/>; everything else becomes per-resource results.
/// </summary>
public sealed class RestoreExecutor(IKubeApi api, PluginSet plugins, IKubeReader? reader = null)
{
    private const string DependencySkipped = "depends on ";
    private readonly IKubeReader _reader = reader ?? KubeReader.For(api);

    /// <summary>Objects of one type restored at a time (one read from the bank and one API request each).</summary>
    public int Parallelism { get; init; } = 8;

    public async Task<RunSummary> RunAsync(ICheckpointReader checkpoints, string plan, string checkpointUid, RestoreOptions options, IRunReporter? reporter = null, CancellationToken ct = default)
    {
        var index = await checkpoints.ReadIndexAsync(plan, checkpointUid, ct)
            ?? throw new InvalidOperationException($"checkpoint {plan}/{checkpointUid} has no committed index: it never became Available");
        return await RunAsync(checkpoints, index, options, reporter, ct);
    }

    /// <summary>Restores the checkpoint whose <paramref name="index"/> the caller has already read (and validated).</summary>
    public async Task<RunSummary> RunAsync(ICheckpointReader checkpoints, CheckpointIndex index, RestoreOptions options, IRunReporter? reporter = null, CancellationToken ct = default)
    {
        var (plan, checkpointUid) = (index.Plan, index.CheckpointUid);
        var context = new RestoreContext(api, _reader, checkpointUid, options.Namespaces, options.ConflictPolicy);
        var tally = new RunTally(reporter ?? NullRunReporter.Instance) { Total = index.Resources.Count };
        await tally.ReportTotalAsync(ct);

        var failed = new ConcurrentDictionary<ResourceKey, bool>();
        using var tallying = new SemaphoreSlim(1, 1);
        foreach (var plugin in plugins.Ordered)
        {
            // Dependencies are between types (the plugin graph), never between objects of one type:
            // a type's objects go in parallel, and the next type starts when they are all done.
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Parallelism), CancellationToken = ct };
            await Parallel.ForEachAsync(index.Resources.Where(e => plugins.For(e.Key) == plugin), parallel, async (entry, token) =>
            {
                var results = await RestoreOneAsync(checkpoints, plan, checkpointUid, context, plugin, entry, failed, token);
                await tallying.WaitAsync(token);
                try
                {
                    foreach (var result in results)
                    {
                        if (result.Aspect is null && (result.Outcome == ResourceOutcome.Failed || result.Message?.StartsWith(DependencySkipped, StringComparison.Ordinal) == true)) { failed[entry.Key] = true; }
                        await tally.AddAsync(result, token);
                    }
                }
                finally
                {
                    tallying.Release();
                }
            });
        }

        foreach (var entry in index.Resources.Where(e => plugins.For(e.Key) is null))
        {
            await tally.AddAsync(new ResourceResult(entry.Key, ResourceOutcome.Skipped, $"no enabled plugin restores {ResourcePlugin.GroupOf(entry.Key.ApiVersion) switch { "" => "v1", var g => g }}/{entry.Key.Kind}"), ct);
        }

        return tally.Summary();
    }

    private static async Task<IReadOnlyList<ResourceResult>> RestoreOneAsync(ICheckpointReader checkpoints, string plan, string checkpointUid, RestoreContext context, IResourcePlugin plugin, ResourceEntry entry, ConcurrentDictionary<ResourceKey, bool> failed, CancellationToken ct)
    {
        var target = entry.Key with { Namespace = context.Namespaces.MapNullable(entry.Key.Namespace) };
        if (entry.DependsOn.FirstOrDefault(failed.ContainsKey) is { } missing)
        {
            return [new ResourceResult(target, ResourceOutcome.Skipped, $"{DependencySkipped}{missing}, which was not restored")];
        }

        try
        {
            JsonObject stored;
            await using (var stream = await checkpoints.OpenResourceAsync(plan, checkpointUid, entry, ct))
            {
                stored = await ParseAsync(stream, ct) as JsonObject
                    ?? throw new InvalidDataException($"{entry.Key} is not a JSON object in the checkpoint");
            }

            return await plugin.RestoreAsync(context, stored, ct);
        }
        catch (KubeApiException e)
        {
            return [new ResourceResult(target, ResourceOutcome.Failed, e.Message)];
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            return [new ResourceResult(target, ResourceOutcome.Failed, "checkpoint data: " + e.Message)];
        }
    }

    /// <summary>
    /// Parses a stored object from one buffer of its exact size (the reader has usually buffered it
    /// already). JsonNode.ParseAsync would rent a pooled buffer per object and never return it (the
    /// node keeps its document), so every large object would cost a fresh large-object-heap array.
    /// </summary>
    private static async Task<JsonNode?> ParseAsync(Stream stream, CancellationToken ct)
    {
        if (stream is not MemoryStream memory || !memory.TryGetBuffer(out _))
        {
            memory = new MemoryStream();
            await stream.CopyToAsync(memory, ct);
            memory.Position = 0;
        }

        memory.TryGetBuffer(out var bytes);
        return JsonNode.Parse(bytes.AsSpan((int)memory.Position));
    }
}
