namespace Erebor.Domain.Protection;

/// <summary>A dependency cycle between protection plugins; <see cref="Cycle"/> starts and ends with the same node.</summary>
public sealed class ResourceGraphCycleException(IReadOnlyList<string> cycle)
    : Exception("plugin cycle: " + string.Join(" -> ", cycle))
{
    public IReadOnlyList<string> Cycle { get; } = cycle;
}

/// <summary>
/// The order in which protection plugins run: every node after the nodes it depends on. Pure and
/// deterministic: among nodes that are ready at the same time, the one declared first runs first, so
/// the declaration order is the tie-break (protect and restore use the same order).
/// Dependencies on nodes that are not in the graph (a plugin that is not enabled) are ignored and
/// listed in <see cref="MissingDependencies"/>; a cycle throws <see cref="ResourceGraphCycleException"/>.
/// </summary>
public sealed class ResourceGraph
{
    private readonly Dictionary<string, IReadOnlyList<string>> _dependsOn;

    private ResourceGraph(IReadOnlyList<string> order, Dictionary<string, IReadOnlyList<string>> dependsOn, IReadOnlyList<(string Node, string Missing)> missing)
    {
        Order = order;
        _dependsOn = dependsOn;
        MissingDependencies = missing;
    }

    /// <summary>Every node, dependencies first.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>Declared dependencies that name no node of this graph.</summary>
    public IReadOnlyList<(string Node, string Missing)> MissingDependencies { get; }

    /// <summary>The dependencies of <paramref name="node"/> that are in the graph.</summary>
    public IReadOnlyList<string> DependenciesOf(string node) =>
        _dependsOn.TryGetValue(node, out var deps) ? deps : throw new KeyNotFoundException($"'{node}' is not in the resource graph");

    /// <summary>Builds the graph; node names are compared ordinally and must be unique.</summary>
    public static ResourceGraph Build(IEnumerable<(string Node, IEnumerable<string> DependsOn)> nodes)
    {
        var declared = new List<string>();
        var raw = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (node, deps) in nodes)
        {
            if (string.IsNullOrEmpty(node)) { throw new ArgumentException("a resource graph node needs a name"); }
            if (!raw.TryAdd(node, deps.Distinct(StringComparer.Ordinal).ToList()))
            {
                throw new ArgumentException($"'{node}' is declared twice in the resource graph");
            }

            declared.Add(node);
        }

        var missing = new List<(string, string)>();
        var dependsOn = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var node in declared)
        {
            var present = new List<string>();
            foreach (var dep in raw[node])
            {
                if (raw.ContainsKey(dep)) { present.Add(dep); }
                else { missing.Add((node, dep)); }
            }

            dependsOn[node] = present;
        }

        var cycle = FindCycle(declared, dependsOn);
        if (cycle is not null) { throw new ResourceGraphCycleException(cycle); }

        // Kahn's algorithm; ready nodes are taken in declaration order.
        var index = declared.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var remaining = declared.ToDictionary(n => n, n => dependsOn[n].Count, StringComparer.Ordinal);
        var dependents = declared.ToDictionary(n => n, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var node in declared)
        {
            foreach (var dep in dependsOn[node]) { dependents[dep].Add(node); }
        }

        var ready = new SortedSet<int>(declared.Where(n => remaining[n] == 0).Select(n => index[n]));
        var order = new List<string>(declared.Count);
        while (ready.Count > 0)
        {
            var next = declared[ready.Min];
            ready.Remove(ready.Min);
            order.Add(next);
            foreach (var dependent in dependents[next])
            {
                if (--remaining[dependent] == 0) { ready.Add(index[dependent]); }
            }
        }

        return new ResourceGraph(order, dependsOn, missing);
    }

    /// <summary>The first cycle found by a depth-first search in declaration order, closed (first == last), or null.</summary>
    private static List<string>? FindCycle(List<string> declared, Dictionary<string, IReadOnlyList<string>> dependsOn)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 0 new, 1 on stack, 2 done
        var stack = new List<string>();

        List<string>? Visit(string node)
        {
            state[node] = 1;
            stack.Add(node);
            foreach (var dep in dependsOn[node])
            {
                var s = state.GetValueOrDefault(dep);
                if (s == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(dep)).ToList();
                    cycle.Add(dep);
                    return cycle;
                }

                if (s == 0 && Visit(dep) is { } found) { return found; }
            }

            stack.RemoveAt(stack.Count - 1);
            state[node] = 2;
            return null;
        }

        foreach (var node in declared)
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) { return cycle; }
        }

        return null;
    }
}
