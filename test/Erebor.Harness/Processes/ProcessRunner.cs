using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Erebor.Harness.Processes;

/// <summary>What a finished command printed and returned.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>From start to exit.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The process's peak resident memory when <see cref="ProcessOptions.MeasurePeakRss"/> asked for it (see <see cref="PeakRss"/>).</summary>
    public long? PeakRssBytes { get; init; }
}

/// <summary>Thrown by <see cref="ProcessRunner.RunCheckedAsync"/> when a command exits non-zero.</summary>
public sealed class ProcessFailedException(ProcessResult result)
    : Exception($"`{result.CommandLine}` exited {result.ExitCode}: {Tail(result.StdErr, result.StdOut)}")
{
    public ProcessResult Result { get; } = result;

    private static string Tail(string stderr, string stdout)
    {
        var text = (string.IsNullOrWhiteSpace(stderr) ? stdout : stderr).Trim();
        return text.Length > 2000 ? "..." + text[^2000..] : text;
    }
}

/// <summary>Options shared by one-shot commands and background processes.</summary>
public sealed record ProcessOptions
{
    /// <summary>Run inside this network namespace (through <c>ip netns exec</c>).</summary>
    public string? NetworkNamespace { get; init; }
    public string? WorkingDirectory { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public string? StandardInput { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Poll the process's peak resident memory while it runs (<see cref="ProcessResult.PeakRssBytes"/>; one-shot commands only).</summary>
    public bool MeasurePeakRss { get; init; }
}

/// <summary>Runs external commands (OVS tools, etcd, kube-apiserver, DHCP clients) without a shell.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, ProcessOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ProcessOptions();
        using var process = new Process { StartInfo = BuildStartInfo(file, args, options) };
        process.StartInfo.RedirectStandardInput = options.StandardInput is not null;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        var clock = Stopwatch.StartNew();
        process.Start();
        await using var memory = options.MeasurePeakRss ? PeakRss.Sample(process.Id) : null;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (options.StandardInput is not null)
        {
            await process.StandardInput.WriteAsync(options.StandardInput);
            process.StandardInput.Close();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            if (ct.IsCancellationRequested) { throw; }
            throw new TimeoutException($"`{Describe(process.StartInfo)}` did not finish within {options.Timeout}");
        }

        var elapsed = clock.Elapsed;
        process.WaitForExit(); // flushes the asynchronous output readers
        long? peak = memory is null ? null : await memory.StopAsync();
        lock (stdout)
        {
            lock (stderr)
            {
                return new ProcessResult(Describe(process.StartInfo), process.ExitCode, stdout.ToString(), stderr.ToString()) { Elapsed = elapsed, PeakRssBytes = peak };
            }
        }
    }

    public static Task<ProcessResult> RunAsync(string file, params string[] args) => RunAsync(file, args, null);

    /// <summary>Runs a command and returns its standard output; throws <see cref="ProcessFailedException"/> on a non-zero exit.</summary>
    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> args, ProcessOptions? options = null, CancellationToken ct = default)
    {
        var result = await RunAsync(file, args, options, ct);
        return result.Succeeded ? result.StdOut : throw new ProcessFailedException(result);
    }

    public static Task<string> RunCheckedAsync(string file, params string[] args) => RunCheckedAsync(file, args, null);

    internal static ProcessStartInfo BuildStartInfo(string file, IEnumerable<string> args, ProcessOptions options)
    {
        var argv = args.ToList();
        if (options.NetworkNamespace is { } netns)
        {
            argv.InsertRange(0, ["netns", "exec", netns, file]);
            file = "ip";
        }

        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = options.WorkingDirectory ?? string.Empty,
        };
        foreach (var arg in argv) { info.ArgumentList.Add(arg); }
        foreach (var (key, value) in options.Environment) { info.Environment[key] = value; }
        return info;
    }

    internal static string Describe(ProcessStartInfo info) =>
        string.Join(' ', new[] { info.FileName }.Concat(info.ArgumentList.Select(a => a.Contains(' ') ? $"'{a}'" : a)));

    internal static void KillTree(Process process)
    {
        try { process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { /* already gone */ }
    }
}

/// <summary>
/// A long-running process this code started (etcd, kube-apiserver, an agent): keeps the tail of
/// its output for diagnostics and stops it by PID, politely first.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private const int TailLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private BackgroundProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Raised for every line the process prints (stdout and stderr), e.g. for a test's log.</summary>
    public event Action<string>? Line;

    public static BackgroundProcess Start(string name, string file, IEnumerable<string> args, ProcessOptions? options = null)
    {
        var process = new Process { StartInfo = ProcessRunner.BuildStartInfo(file, args, options ?? new ProcessOptions()), EnableRaisingEvents = true };
        var background = new BackgroundProcess(process, name);
        process.OutputDataReceived += (_, e) => background.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => background.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return background;
    }

    public string OutputTail()
    {
        lock (_tail) { return string.Join('\n', _tail); }
    }

    public Task WaitForExitAsync(CancellationToken ct = default) => _process.WaitForExitAsync(ct);

    /// <summary>SIGTERM, then SIGKILL of the whole tree if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) { return; }
        _ = Signal(_process.Id, SigTerm);
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    /// <summary>SIGKILL of the whole tree, as a crash would.</summary>
    public void Kill()
    {
        ProcessRunner.KillTree(_process);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) { return; }
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines) { _tail.Dequeue(); }
        }

        Line?.Invoke(line);
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
