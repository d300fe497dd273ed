namespace Erebor.Agent.Apps.Dhcp;

/// <summary>
/// Group commit of a state that is written whole (the lease file): a caller that changed the
/// state asks for a write and may await the one that includes its change. One write runs at a
/// time, on the thread pool, and writes the latest state, so every change made while a write runs
/// costs one more write in all, not one each: under a burst of DHCP requests the file is written
/// about once per write time instead of once per request, and each request waits for at most two writes.
/// </summary>
public sealed class GroupCommit(Action write)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _next;
    private bool _running;

    /// <summary>
    /// Asks for a write that starts after this call. The task completes when that write is done
    /// and fails with its exception; a caller that does not need to wait may drop it.
    /// </summary>
    public Task RequestAsync()
    {
        lock (_lock)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var requested = _next.Task;
            if (!_running)
            {
                _running = true;
                _ = Task.Run(Drain);
            }

            return requested;
        }
    }

    private void Drain()
    {
        while (true)
        {
            TaskCompletionSource batch;
            lock (_lock)
            {
                if (_next is null)
                {
                    _running = false;
                    return;
                }

                batch = _next;
                _next = null;
            }

            try
            {
                write();
                batch.SetResult();
            }
            catch (Exception e)
            {
                batch.SetException(e);
            }
        }
    }
}
