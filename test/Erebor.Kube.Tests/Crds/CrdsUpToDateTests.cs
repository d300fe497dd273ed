using Erebor.Api;
using Erebor.Kube.Crds;

namespace Erebor.Kube.Tests.Crds;

/// <summary>The committed crds/ directory is exactly what the generator makes of Erebor.Api today.</summary>
public sealed class CrdsUpToDateTests
{
    private const string Remedy = "crds/ is out of date with the Erebor.Api types: run `make crds` and commit the result";

    [Fact]
    public void The_committed_crds_are_what_the_generator_makes_of_the_api_types()
    {
        var crdsDirectory = Path.Combine(RepositoryRoot(), "crds");
        var expected = CrdGenerator.GenerateAll(typeof(ApiGroup).Assembly);

        var committed = Directory.Exists(crdsDirectory)
            ? Directory.GetFiles(crdsDirectory, "*.yaml").Select(Path.GetFileName).ToList()
            : [];
        committed.Should().BeEquivalentTo(expected.Select(file => file.FileName), Remedy);
        foreach (var (fileName, yaml) in expected)
        {
            File.ReadAllText(Path.Combine(crdsDirectory, fileName)).Should().Be(yaml, $"{fileName} differs; {Remedy}");
        }
    }

    /// <summary>The directory holding Operator.sln, found by walking up from the test binaries.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Operator.sln above {AppContext.BaseDirectory}; the tests must run from inside the repository.");
    }
}
