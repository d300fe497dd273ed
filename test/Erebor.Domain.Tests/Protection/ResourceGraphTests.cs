using Erebor.Domain.Protection;

namespace Erebor.Domain.Tests.Protection;

public sealed class ResourceGraphTests
{
    private static (string, IEnumerable<string>)[] Parse(string spec) =>
        spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(node =>
        {
            var parts = node.Split(':', 2, StringSplitOptions.TrimEntries);
            var deps = parts.Length == 2 ? parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            return (parts[0], (IEnumerable<string>)deps);
        }).ToArray();

    public static TheoryData<string, string> Orders => new()
    {
        // declared "node: deps; ..." -> expected order
        { "a; b; c", "a b c" },
        { "c: b; b: a; a", "a b c" },
        { "w: s, c; s; c", "s c w" },
        { "b: a; a; c: a", "a b c" }, // ready nodes in declaration order: b before c
        { "x: missing; y: x", "x y" }, // a dependency that is not enabled is ignored
        { "a; b: a, a", "a b" },
        {
            "apps/Deployment: v1/ConfigMap, v1/Secret, v1/Service, v1/PersistentVolumeClaim, v1/ServiceAccount; v1/Namespace; v1/ServiceAccount: v1/Namespace; v1/ConfigMap: v1/Namespace; v1/Secret: v1/Namespace; "
            + "rbac.authorization.k8s.io/Role: v1/Namespace; rbac.authorization.k8s.io/RoleBinding: rbac.authorization.k8s.io/Role, v1/ServiceAccount; v1/PersistentVolumeClaim: v1/Namespace; v1/Service: v1/Namespace; "
            + "erebor.io/Router: erebor.io/Subnet; erebor.io/Subnet: v1/Namespace",
            "v1/Namespace v1/ServiceAccount v1/ConfigMap v1/Secret rbac.authorization.k8s.io/Role rbac.authorization.k8s.io/RoleBinding v1/PersistentVolumeClaim v1/Service apps/Deployment erebor.io/Subnet erebor.io/Router"
        },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Orders_dependencies_first_with_declaration_order_as_tie_break(string spec, string expected)
    {
        var graph = ResourceGraph.Build(Parse(spec));
        graph.Order.Should().Equal(expected.Split(' '));
        foreach (var node in graph.Order)
        {
            foreach (var dep in graph.DependenciesOf(node)) { graph.Order.ToList().IndexOf(dep).Should().BeLessThan(graph.Order.ToList().IndexOf(node), $"{dep} before {node}"); }
        }
    }

    [Theory]
    [InlineData("apps/Deployment: v1/ConfigMap; v1/ConfigMap: apps/Deployment", "plugin cycle: apps/Deployment -> v1/ConfigMap -> apps/Deployment")]
    [InlineData("a: a", "plugin cycle: a -> a")]
    [InlineData("n; a: n, c; b: a; c: b", "plugin cycle: a -> c -> b -> a")]
    [InlineData("x; y: x; a: b; b: c; c: a", "plugin cycle: a -> b -> c -> a")]
    public void A_cycle_is_an_error_naming_the_cycle(string spec, string message)
    {
        var build = () => ResourceGraph.Build(Parse(spec));
        var error = build.Should().Throw<ResourceGraphCycleException>().Which;
        error.Message.Should().Be(message);
        error.Cycle[0].Should().Be(error.Cycle[^1]);
    }

    [Fact]
    public void Missing_dependencies_are_listed_and_duplicates_refused()
    {
        ResourceGraph.Build(Parse("erebor.io/Router: erebor.io/Subnet")).MissingDependencies.Should().Equal(("erebor.io/Router", "erebor.io/Subnet"));
        var twice = () => ResourceGraph.Build(Parse("a; a"));
        twice.Should().Throw<ArgumentException>().WithMessage("*'a' is declared twice*");
        var unknown = () => ResourceGraph.Build(Parse("a")).DependenciesOf("b");
        unknown.Should().Throw<KeyNotFoundException>();
    }
}
