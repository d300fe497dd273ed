using System.Globalization;

namespace Erebor.Harness.Processes;

/// <summary>
/// Peak resident memory (the kernel's high-water mark, VmHWM in /proc/&lt;pid&gt;/status) of a
/// process. A process that has exited has no memory left to read, so a child's peak is taken by
/// <see cref="Sampler"/> polling it while it runs: VmHWM only grows, so the last value read is the
/// peak up to one poll interval before the exit.
/// </summary>
public static class PeakRss
{
    /// <summary>VmHWM of a running process, in bytes.</summary>
    /// <exception cref="IOException">The process is gone (or is a zombie without memory).</exception>
    public static long Of(int pid)
    {
        string status;
        try
        {
            status = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new IOException($"process {pid} is gone", e);
        }

        return Parse(status) ?? throw new IOException($"process {pid} has no memory to read (it is exiting)");
    }

    /// <summary>The VmHWM line of a /proc/&lt;pid&gt;/status text, in bytes; null when it has none (a zombie, a kernel thread).</summary>
    /// <exception cref="FormatException">A VmHWM line that is not "&lt;number&gt; kB".</exception>
    public static long? Parse(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        foreach (var line in status.Split('\n'))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) { continue; }
            var parts = line["VmHWM:".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[1] != "kB" || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                throw new FormatException($"unexpected VmHWM line in /proc status: '{line.Trim()}'");
            }

            return kib * 1024;
        }

        return null;
    }

    /// <summary>Polls a process's VmHWM every <paramref name="interval"/> until disposed or the process is gone.</summary>
    public static Sampler Sample(int pid, TimeSpan? interval = null) => new(pid, interval ?? TimeSpan.FromMilliseconds(10));

    public sealed class Sampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        internal Sampler(int pid, TimeSpan interval)
        {
            Pid = pid;
            _loop = Task.Run(() => PollAsync(interval, _stop.Token));
        }

        public int Pid { get; }

        /// <summary>The largest VmHWM read so far (0 when the process was never seen with memory).</summary>
        public long PeakBytes => Interlocked.Read(ref _peak);

        /// <summary>Stops polling and returns the peak.</summary>
        public async Task<long> StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            return PeakBytes;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _stop.Dispose();
        }

        private async Task PollAsync(TimeSpan interval, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var now = Of(Pid);
                    if (now > Interlocked.Read(ref _peak)) { Interlocked.Exchange(ref _peak, now); }
                }
                catch (IOException)
                {
                    return; // exited: the last value read stands
                }

                try { await Task.Delay(interval, ct); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
