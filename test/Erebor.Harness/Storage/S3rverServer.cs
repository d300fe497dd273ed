using Amazon.Runtime;
using Amazon.S3;

using Erebor.Harness.ControlPlane;
using Erebor.Harness.Processes;

namespace Erebor.Harness.Storage;

/// <summary>
/// A real S3-protocol server: the s3rver npm package (installed once with npm into
/// $EREBOR_CACHE/npm/s3rver-&lt;version&gt;, outside the repository), run with node on a free loopback
/// port with its data in a temporary directory (node runs with --openssl-legacy-provider: s3rver
/// encrypts ListObjectsV2 continuation tokens with a cipher OpenSSL 3 only has there); stopped by its PID and the directory removed on dispose.
/// </summary>
public sealed class S3rverServer : IAsyncDisposable
{
    public const string Version = "3.7.1";
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private readonly BackgroundProcess _process;

    private S3rverServer(BackgroundProcess process, string dataDirectory, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public string DataDirectory { get; }
    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";
    public int Pid => _process.Pid;

    /// <summary>The server's last log lines (for a failing test's message).</summary>
    public string OutputTail() => _process.OutputTail();

    /// <summary>
    /// Starts s3rver on a free port. The port can be taken between choosing it and s3rver binding it
    /// (another test reserving ports), and a plain TCP connect would then reach the other listener:
    /// so readiness is an HTTP answer while s3rver still runs, and a lost port means a new one.
    /// </summary>
    public static async Task<S3rverServer> StartAsync(CancellationToken ct = default)
    {
        var script = await InstallAsync(ct);
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(script, FreePort());
            try
            {
                if (await AnswersAsync(server, TimeSpan.FromSeconds(30), ct)) { return server; }
                await server.DisposeAsync();
                if (attempt == 3) { throw new InvalidOperationException($"s3rver exited three times (its port was taken each time?): {server.OutputTail()}"); }
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    private static S3rverServer Launch(string script, int port)
    {
        var data = Directory.CreateTempSubdirectory("erebor-s3rver-").FullName;
        var process = BackgroundProcess.Start("s3rver", "node", ["--openssl-legacy-provider", script, "-d", data, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (Environment.GetEnvironmentVariable("EREBOR_S3RVER_LOG") is { Length: > 0 } log)
        {
            process.Line += line => { lock (InstallLock) { File.AppendAllText(log, line + "\n"); } };
        }

        return new S3rverServer(process, data, port);
    }

    /// <summary>True once s3rver answers HTTP on its port; false when it exited (port lost); throws after <paramref name="timeout"/>.</summary>
    private static async Task<bool> AnswersAsync(S3rverServer server, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (server._process.HasExited) { return false; }
            try
            {
                using var response = await http.GetAsync(server.Endpoint, ct);
                if (!server._process.HasExited) { return true; } // any HTTP answer: only s3rver speaks HTTP there
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, ct);
            }
        }
    }

    public async Task CreateBucketAsync(string bucket)
    {
        using var client = Client();
        await client.PutBucketAsync(bucket);
    }

    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = Endpoint,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        UseHttp = true,
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    /// <summary>A loopback port nothing listened on a moment ago.</summary>
    public static int FreePort() => LoopbackPorts.Reserve(1)[0];

    private static async Task<string> InstallAsync(CancellationToken ct)
    {
        var cache = Environment.GetEnvironmentVariable("EREBOR_CACHE") is { Length: > 0 } c ? c : "/var/cache/erebor";
        var prefix = Path.Combine(cache, "npm", $"s3rver-{Version}");
        var script = Path.Combine(prefix, "node_modules", "s3rver", "bin", "s3rver.js");
        await InstallLock.WaitAsync(ct);
        try
        {
            if (File.Exists(script)) { return script; }
            Directory.CreateDirectory(prefix);
            await ProcessRunner.RunCheckedAsync("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--no-save", $"s3rver@{Version}"],
                new ProcessOptions { Timeout = TimeSpan.FromMinutes(5) }, ct);
            return File.Exists(script) ? script : throw new InvalidOperationException($"npm installed s3rver@{Version} but {script} is missing");
        }
        finally
        {
            InstallLock.Release();
        }
    }
}
