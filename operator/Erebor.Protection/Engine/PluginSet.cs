using Erebor.Domain.Protection;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Engine;

/// <summary>
/// The enabled plugins in dependency order (protect and restore both run in <see cref="Ordered"/>).
/// Building it validates the graph: a cycle throws <see cref="ResourceGraphCycleException"/>
/// ("plugin cycle: a -> b -> a"); two plugins for one type throw.
/// </summary>
public sealed class PluginSet
{
    private readonly Dictionary<(string Group, string Kind), IResourcePlugin> _byType = [];

    public PluginSet(IEnumerable<IResourcePlugin> plugins)
    {
        var list = plugins.ToList();
        foreach (var plugin in list)
        {
            if (!_byType.TryAdd((plugin.Type.Group, plugin.Type.Kind), plugin))
            {
                throw new ArgumentException($"two plugins for {plugin.Id}");
            }
        }

        Graph = ResourceGraph.Build(list.Select(p => (p.Id, p.DependsOn.Select(ResourcePlugin.IdOf))));
        var byId = list.ToDictionary(p => p.Id, StringComparer.Ordinal);
        Ordered = Graph.Order.Select(id => byId[id]).ToList();
    }

    public ResourceGraph Graph { get; }

    /// <summary>Dependencies first.</summary>
    public IReadOnlyList<IResourcePlugin> Ordered { get; }

    /// <summary>The plugin for a stored key's group and kind (any version), or null.</summary>
    public IResourcePlugin? For(ResourceKey key) =>
        _byType.GetValueOrDefault((ResourcePlugin.GroupOf(key.ApiVersion), key.Kind));

    /// <summary>
    /// <see cref="Select"/>, where a provider may also enable a custom resource type no built-in
    /// plugin knows, by "group/version/Kind" (e.g. "example.com/v1/Widget"): the API server's
    /// discovery gives its plural and scope, and a <see cref="GenericPlugin"/> protects it. A type
    /// the server does not serve is an unknown plugin.
    /// </summary>
    public static async Task<PluginSet> SelectAsync(IReadOnlyCollection<string>? enabled, IKubeReader reader, CancellationToken ct)
    {
        var builtIn = BuiltInPlugins.All();
        var generic = new List<IResourcePlugin>();
        foreach (var name in enabled ?? [])
        {
            var slash = name.LastIndexOf('/');
            if (slash <= 0 || !name[..slash].Contains('/', StringComparison.Ordinal)) { continue; } // not group/version/Kind
            var (apiVersion, kind) = (name[..slash], name[(slash + 1)..]);
            var group = ResourcePlugin.GroupOf(apiVersion);
            if (builtIn.Concat(generic).Any(p => p.Type.Group == group && p.Type.Kind == kind)) { continue; }
            if (await reader.DiscoverAsync(apiVersion, kind, ct) is { } type) { generic.Add(new GenericPlugin(type)); }
        }

        return Select(enabled, generic);
    }

    /// <summary>
    /// The plugins that restore <paramref name="index"/>: the built-ins plus a <see cref="GenericPlugin"/>
    /// for every other type the index holds that the API server serves (found by discovery), narrowed
    /// to <paramref name="enabled"/> like <see cref="Select"/>. A type the server does not serve gets
    /// no plugin, so its objects are reported as skipped.
    /// </summary>
    public static async Task<PluginSet> ForIndexAsync(IReadOnlyCollection<string>? enabled, CheckpointIndex index, IKubeReader reader, CancellationToken ct)
    {
        var builtIn = BuiltInPlugins.All();
        var generic = new List<IResourcePlugin>();
        foreach (var (apiVersion, kind) in index.Resources.Select(e => (e.Key.ApiVersion, e.Key.Kind)).Distinct())
        {
            var group = ResourcePlugin.GroupOf(apiVersion);
            if (builtIn.Concat(generic).Any(p => p.Type.Group == group && p.Type.Kind == kind)) { continue; }
            if (await reader.DiscoverAsync(apiVersion, kind, ct) is { } type) { generic.Add(new GenericPlugin(type)); }
        }

        return Select(enabled, generic);
    }

    /// <summary>
    /// The built-in plugins (plus <paramref name="extra"/>, e.g. <see cref="GenericPlugin"/>s)
    /// narrowed to <paramref name="enabled"/> as a provider lists them ("apps/Deployment",
    /// "v1/ConfigMap" or just "ConfigMap"; empty or null enables all). An unknown name throws,
    /// naming the known ones.
    /// </summary>
    public static PluginSet Select(IReadOnlyCollection<string>? enabled, IEnumerable<IResourcePlugin>? extra = null)
    {
        var available = BuiltInPlugins.All().Concat(extra ?? []).ToList();
        if (enabled is null || enabled.Count == 0) { return new PluginSet(available); }
        var chosen = new List<IResourcePlugin>();
        foreach (var name in enabled)
        {
            var match = available.Where(p => string.Equals(p.Id, name, StringComparison.OrdinalIgnoreCase)
                || string.Equals(p.Type.Kind, name, StringComparison.OrdinalIgnoreCase)
                || string.Equals($"{p.Type.ApiVersion}/{p.Type.Kind}", name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count != 1)
            {
                throw new ArgumentException(match.Count == 0
                    ? $"unknown plugin '{name}'; known: {string.Join(", ", available.Select(p => p.Id))}"
                    : $"plugin name '{name}' is ambiguous: {string.Join(", ", match.Select(p => p.Id))}");
            }

            if (!chosen.Contains(match[0])) { chosen.Add(match[0]); }
        }

        // keep the built-in tie-break order, whatever order the provider lists them in
        return new PluginSet(available.Where(chosen.Contains));
    }
}
