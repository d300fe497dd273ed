namespace Erebor.Harness;

/// <summary>Polls until a condition over real, asynchronous state holds; fails with the last state seen.</summary>
public static class Eventually
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        Exception? lastError = null;
        do
        {
            try
            {
                last = await probe();
                lastError = null;
                if (done(last)) { return last; }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = default!;
                lastError = e;
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last seen: {Describe(last)}{(lastError is null ? string.Empty : $"; last error: {lastError.Message}")}");
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "nothing",
        string s => s.Length > 3000 ? s[..3000] + "..." : s,
        _ => System.Text.Json.JsonSerializer.Serialize(value),
    };
}
