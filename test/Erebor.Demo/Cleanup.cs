namespace Erebor.Demo;

/// <summary>
/// Everything the demo started, stopped in reverse order whatever happens (the tour ends,
/// fails or is interrupted): each harness object stops its own processes by PID and removes its
/// own namespaces, bridges and files.
/// </summary>
internal sealed class Cleanup(Narrator narrator) : IAsyncDisposable
{
    private readonly Stack<(IAsyncDisposable Resource, string What)> _started = new();

    /// <summary>Registers <paramref name="resource"/> for clean-up and returns it.</summary>
    public T Own<T>(T resource, string what)
        where T : IAsyncDisposable
    {
        _started.Push((resource, what));
        return resource;
    }

    public async ValueTask DisposeAsync()
    {
        if (_started.Count == 0) { return; }
        narrator.Say($"cleaning up what the demo started ({_started.Count} things)");
        while (_started.TryPop(out var entry))
        {
            try
            {
                await entry.Resource.DisposeAsync();
                narrator.Say("  removed " + entry.What);
            }
            catch (Exception e)
            {
                narrator.Problem($"could not remove {entry.What}: {e.Message}");
            }
        }
    }
}
