using Erebor.Harness;

namespace Erebor.Operator.Tests;

/// <summary>The Helm chart carries copies of crds/ and config/rbac; they must not drift (make chart syncs them).</summary>
public sealed class ChartTests
{
    private static string Chart(params string[] parts) => Path.Combine([RepositoryPaths.Root, "charts", "erebor", .. parts]);

    [Fact]
    public void The_chart_crds_are_exactly_crds()
    {
        var expected = Directory.GetFiles(RepositoryPaths.Crds, "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        var actual = Directory.GetFiles(Chart("crds"), "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        actual.Should().BeEquivalentTo(expected, "charts/erebor/crds is a copy of crds/; run `make chart`");
    }

    [Theory]
    [InlineData("operator")]
    [InlineData("agent")]
    public void The_chart_rbac_is_config_rbac_in_the_release_namespace(string component)
    {
        var expected = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "config", "rbac", $"{component}.yaml"))
            .Replace("namespace: erebor-system", "namespace: {{ .Release.Namespace }}", StringComparison.Ordinal);
        File.ReadAllText(Chart("templates", component, "rbac.yaml")).Should().Be(expected, "run `make chart`");
    }
}
