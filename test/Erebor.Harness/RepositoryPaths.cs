namespace Erebor.Harness;

/// <summary>Paths inside the repository the tests were built from.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln"))) { return directory.FullName; }
        }

        throw new InvalidOperationException($"No Operator.sln above {AppContext.BaseDirectory}; the tests must run from inside the repository.");
    });

    /// <summary>The directory holding Operator.sln.</summary>
    public static string Root => RootPath.Value;

    public static string Crds => Path.Combine(Root, "crds");

    public static string Samples => Path.Combine(Root, "config", "samples");
}
