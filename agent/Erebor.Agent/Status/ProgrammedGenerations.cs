using Erebor.Agent.Apps;
using Erebor.Api;
using Erebor.Kube.Entities;

namespace Erebor.Agent.Status;

/// <summary>
/// The generation of each Subnet and Router whose flows are installed, keyed "namespace/name".
/// The flows come from both spec and status (the operator resolves gateways, blocks, interface
/// addresses), so a generation counts only once the operator has resolved it: an object reports
/// min(metadata.generation, status.observedGeneration).
/// </summary>
public sealed record ProgrammedGenerations(IReadOnlyDictionary<string, long> Subnets, IReadOnlyDictionary<string, long> Routers)
{
    public static ProgrammedGenerations None { get; } = new(new Dictionary<string, long>(), new Dictionary<string, long>());

    /// <summary>
    /// What <paramref name="network"/> (just installed) programs: the Subnets it wired as segments,
    /// and the Routers all of whose resolved interfaces it wired.
    /// </summary>
    public static ProgrammedGenerations Of(IEnumerable<V1Alpha1Subnet> subnets, IEnumerable<V1Alpha1Router> routers, NodeNetwork network)
    {
        var segments = network.Segments.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var interfaces = network.RouterInterfaces.GroupBy(i => i.Router).ToDictionary(g => g.Key, g => g.Count());
        var subnetGenerations = new Dictionary<string, long>();
        foreach (var subnet in subnets)
        {
            var key = ObjectKey.Of(subnet).ToString();
            if (segments.Contains(key) && Resolved(subnet.Metadata, subnet.Status) is { } generation) { subnetGenerations[key] = generation; }
        }

        var routerGenerations = new Dictionary<string, long>();
        foreach (var router in routers)
        {
            var key = ObjectKey.Of(router).ToString();
            if (interfaces.GetValueOrDefault(key) == router.Status.Interfaces.Count && Resolved(router.Metadata, router.Status) is { } generation) { routerGenerations[key] = generation; }
        }

        return new ProgrammedGenerations(subnetGenerations, routerGenerations);
    }

    private static long? Resolved(ObjectMeta metadata, ConditionedStatus status) =>
        metadata.Generation is { } generation && status.ObservedGeneration is { } observed ? Math.Min(generation, observed) : null;
}
