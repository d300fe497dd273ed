using System.Runtime.Versioning;

namespace Erebor.Packets.Tests.RealClients;

/// <summary>A temporary directory for a client's script, configuration, lease file and what its script records.</summary>
internal sealed class ScratchDirectory(string prefix) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory(prefix);

    public string Path => _directory.FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, content.ReplaceLineEndings("\n") + "\n");
        return path;
    }

    /// <summary>Writes an executable script; the clients run it by path.</summary>
    [SupportedOSPlatform("linux")]
    public string WriteScript(string name, string content)
    {
        var path = Write(name, content);
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>An <c>env | sort</c> dump as a dictionary.</summary>
    public Dictionary<string, string> ReadEnvironment(string name) =>
        System.IO.File.ReadAllLines(File(name))
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .GroupBy(pair => pair[0])
            .ToDictionary(group => group.Key, group => group.First()[1]);

    public void Dispose() => _directory.Delete(recursive: true);
}
