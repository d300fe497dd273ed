using System.Text.Json.Nodes;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Engine;

/// <summary>What "compares equal after normalisation" means, for restores and their tests.</summary>
public static class RestoreComparison
{
    /// <summary>
    /// Differences (JSON paths with both values) between a live <paramref name="original"/> and the
    /// live <paramref name="restored"/> copy: both normalised by the plugin, the original mapped the
    /// way a restore maps it. Empty when the restore reproduced the object.
    /// </summary>
    public static IReadOnlyList<string> Differences(IResourcePlugin plugin, JsonObject original, JsonObject restored, NamespaceMap namespaces) =>
        ObjectJson.Differences(plugin.MapForRestore(plugin.Normalize(original), namespaces), plugin.Normalize(restored));
}
