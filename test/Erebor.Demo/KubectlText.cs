namespace Erebor.Demo;

/// <summary>Trims kubectl output for reading aloud.</summary>
internal static class KubectlText
{
    /// <summary>
    /// <c>kubectl describe</c> without the "Managed Fields:" block (kubectl 1.20 prints the whole
    /// server-side-apply bookkeeping, which tells a reader nothing here).
    /// </summary>
    public static string WithoutManagedFields(string describe)
    {
        var kept = new List<string>();
        int? skippingDeeperThan = null;
        foreach (var line in describe.Split('\n'))
        {
            var indent = line.Length - line.TrimStart(' ').Length;
            if (skippingDeeperThan is { } depth)
            {
                if (line.Trim().Length == 0 || indent > depth) { continue; }
                skippingDeeperThan = null;
            }

            if (line.TrimStart(' ').StartsWith("Managed Fields:", StringComparison.Ordinal))
            {
                skippingDeeperThan = indent;
                continue;
            }

            kept.Add(line);
        }

        return string.Join('\n', kept);
    }
}
