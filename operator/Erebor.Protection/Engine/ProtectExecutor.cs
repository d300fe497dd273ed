using System.Text.Json;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Engine;

/// <summary>A committed protect run: the bank's index and what happened to each resource.</summary>
public sealed record ProtectResult(CheckpointIndex Index, RunSummary Summary);

/// <summary>
/// One protect run: every enabled plugin in dependency order lists its selected objects page by
/// page, normalises each and streams it into the checkpoint writer one object at a time, then the
/// writer commits. Per-resource problems (an object that vanished, a type the server does not serve,
/// an API error) become results and the run goes on; a failure of the bank (the writer) or
/// cancellation ends the run without a commit, so the checkpoint never reads as Available.
/// Callable in-process by the controller or by a command of the operator binary.
/// </summary>
public sealed class ProtectExecutor(IKubeApi api, PluginSet plugins, IKubeReader? reader = null)
{
    private readonly IKubeReader _reader = reader ?? KubeReader.For(api);

    /// <summary>Objects per list page (memory is bounded by one page).</summary>
    public int PageSize { get; init; } = 500;

    /// <param name="runId">The checkpoint's uid (names volume snapshots; stable when a run is retried).</param>
    public async Task<ProtectResult> RunAsync(string runId, ProtectionSelection selection, ICheckpointWriter writer, IRunReporter? reporter = null, CancellationToken ct = default)
    {
        var context = new PluginContext(api, _reader, runId) { PageSize = PageSize };
        var tally = new RunTally(reporter ?? NullRunReporter.Instance);

        foreach (var plugin in plugins.Ordered)
        {
            try
            {
                tally.Total += await plugin.CountAsync(context, selection, ct);
            }
            catch (KubeApiException)
            {
                // listing the type reports it below
            }
        }

        await tally.ReportTotalAsync(ct);
        foreach (var plugin in plugins.Ordered)
        {
            await ProtectTypeAsync(context, plugin, selection, writer, tally, ct);
        }

        tally.Total = tally.Progress.Done; // objects that appeared or vanished while listing
        var index = await writer.CommitAsync(ct);
        return new ProtectResult(index, tally.Summary());
    }

    private static async Task ProtectTypeAsync(PluginContext context, IResourcePlugin plugin, ProtectionSelection selection, ICheckpointWriter writer, RunTally tally, CancellationToken ct)
    {
        try
        {
            await foreach (var listed in plugin.ListAsync(context, selection, ct))
            {
                foreach (var result in await ProtectOneAsync(context, plugin, listed, writer, ct)) { await tally.AddAsync(result, ct); }
            }
        }
        catch (KubeApiException e)
        {
            var key = new ResourceKey(plugin.Type.ApiVersion, plugin.Type.Kind, null, "*");
            await tally.AddAsync(e.IsNotFound
                ? new ResourceResult(key, ResourceOutcome.Skipped, $"{plugin.Type.Plural}.{plugin.Type.ApiVersion} is not served by the API server", "type")
                : new ResourceResult(key, ResourceOutcome.Failed, "listing failed: " + e.Message, "type"), ct);
        }
    }

    private static async Task<IReadOnlyList<ResourceResult>> ProtectOneAsync(PluginContext context, IResourcePlugin plugin, ListedObject listed, ICheckpointWriter writer, CancellationToken ct)
    {
        if (listed.Object is not { } live) { return [new ResourceResult(listed.Key, ResourceOutcome.Failed, "named in the selection but not found")]; }
        if (plugin.SkipReason(live) is { } reason) { return [new ResourceResult(listed.Key, ResourceOutcome.Skipped, reason)]; }

        var normalized = plugin.Normalize(live);
        IReadOnlyList<ResourceResult> extras;
        try
        {
            extras = await plugin.ProtectExtrasAsync(context, live, normalized, ct);
        }
        catch (KubeApiException e)
        {
            return [new ResourceResult(listed.Key, ResourceOutcome.Failed, e.Message)];
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes<JsonNode>(normalized, KubeJson.Options);
        using (var stream = new MemoryStream(bytes, writable: false))
        {
            await writer.AddAsync(listed.Key, stream, plugin.Encrypt, plugin.DependenciesOf(normalized).ToList(), ct);
        }

        return [new ResourceResult(listed.Key, ResourceOutcome.Done), .. extras];
    }
}
