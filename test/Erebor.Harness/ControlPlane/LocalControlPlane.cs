using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

using Erebor.Harness.Processes;
using Erebor.Kube.Tls;

namespace Erebor.Harness.ControlPlane;

/// <summary>
/// etcd and kube-apiserver 1.20 as child processes on free loopback ports, with generated
/// certificates and a static token file: a real API server without kubelet, controller-manager or
/// scheduler. So nothing runs Pods, garbage-collects by owner reference or finalizes namespace
/// deletion; Deployments and DaemonSets are objects only.
/// </summary>
/// <remarks>
/// Identities: the admin (<see cref="AdminToken"/>, group system:masters), the static users of
/// <see cref="ControlPlaneOptions.TokenUsers"/> (<see cref="TokenFor"/>), and service accounts made
/// at runtime (<see cref="CreateServiceAccountTokenAsync"/>). The ServiceAccount admission plugin is
/// disabled because without the controller-manager no service-account token Secret ever appears
/// and every Pod would be rejected.
/// </remarks>
public sealed partial class LocalControlPlane : IControlPlane
{
    public const string KeepEnvironmentVariable = "EREBOR_KEEP_CLUSTER";
    public const string ServiceClusterIpRange = "10.96.0.0/16";
    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);
    private static readonly Lazy<Task<bool>> EtcdSupportsNoFsync = new(ProbeEtcdSupportsNoFsyncAsync);

    /// <summary>
    /// One RSA key pair per test process: generating it costs up to half a second per control plane,
    /// and sharing it is harmless because bound service-account tokens also name the account's UID,
    /// which differs between clusters.
    /// </summary>
    private static readonly Lazy<(string SigningKeyPem, string PublicKeyPem)> ServiceAccountKeyPair = new(() =>
    {
        using var key = RSA.Create(2048);
        return (key.ExportPkcs8PrivateKeyPem(), key.ExportSubjectPublicKeyInfoPem());
    });

    private readonly ControlPlaneOptions _options;
    private readonly string _logDirectory;
    private readonly int _etcdClientPort;
    private readonly int _etcdPeerPort;
    private readonly Dictionary<string, string> _userTokens = [];
    private readonly ClusterConnection _connection;
    private BackgroundProcess? _etcd;
    private BackgroundProcess? _apiServer;
    private string _apiServerLogPath = string.Empty;
    private int _apiServerStarts;
    private bool _disposed;

    private LocalControlPlane(ControlPlaneOptions options)
    {
        _options = options;
        WorkDirectory = Directory.CreateTempSubdirectory("erebor-cp-").FullName;
        _logDirectory = Directory.CreateDirectory(Path.Combine(WorkDirectory, "logs")).FullName;
        var ports = LoopbackPorts.Reserve(3);
        (_etcdClientPort, _etcdPeerPort) = (ports[0], ports[1]);
        ApiServerUrl = new Uri($"https://127.0.0.1:{ports[2]}");

        using var ca = CertificateAuthority.Create("erebor-test-ca");
        CaCertificatePem = ca.CertificatePem;
        var serving = ca.IssueServerCertificate(
            ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
            [IPAddress.Loopback, IPAddress.Parse("10.96.0.1")]);
        AdminClientCertificate = ca.IssueClientCertificate("cert-admin", ["system:masters"]);
        WriteFile("ca.crt", CaCertificatePem);
        WriteFile("apiserver.crt", serving.CertificatePem);
        WriteFile("apiserver.key", serving.PrivateKeyPem);

        var (signingKeyPem, publicKeyPem) = ServiceAccountKeyPair.Value;
        ServiceAccountSigningKeyPath = WriteFile("sa.key", signingKeyPem);
        ServiceAccountPublicKeyPath = WriteFile("sa.pub", publicKeyPem);

        AdminToken = NewToken();
        var tokenLines = new List<string> { $"{AdminToken},admin,admin,\"system:masters\"" };
        foreach (var user in options.TokenUsers)
        {
            _userTokens[user.Name] = NewToken();
            tokenLines.Add($"{_userTokens[user.Name]},{user.Name},{user.Name},\"{string.Join(',', user.Groups)}\"");
        }

        WriteFile("tokens.csv", string.Join('\n', tokenLines) + "\n");
        _connection = new ClusterConnection(ApiServerUrl, CaCertificatePem, AdminToken, WorkDirectory, KubeBinaries.Kubectl);
    }

    public Uri ApiServerUrl { get; }

    /// <summary>A client certificate (user cert-admin, group system:masters) the API server accepts through --client-ca-file.</summary>
    public IssuedCertificate AdminClientCertificate { get; }

    public string KubeconfigPath => _connection.KubeconfigPath;
    public string AdminToken { get; }
    public string CaCertificatePem { get; }
    public string WorkDirectory { get; }

    /// <summary>--service-account-issuer: the "iss" of service-account tokens.</summary>
    public string ServiceAccountIssuer => "https://kubernetes.default.svc";

    /// <summary>RSA private key (PKCS#8 PEM) the API server signs service-account tokens with.</summary>
    public string ServiceAccountSigningKeyPath { get; }

    /// <summary>RSA public key (PEM) the API server verifies service-account tokens with.</summary>
    public string ServiceAccountPublicKeyPath { get; }

    public int EtcdProcessId { get; private set; }

    /// <summary>PID of the running (or last) kube-apiserver process.</summary>
    public int ApiServerProcessId { get; private set; }

    /// <summary>Starts etcd and kube-apiserver and returns once the API server is ready and the "default" namespace exists.</summary>
    /// <exception cref="ControlPlaneStartException">With the reason and the tail of the failing component's log.</exception>
    public static async Task<LocalControlPlane> StartAsync(ControlPlaneOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ControlPlaneOptions();
        // Resolve all binaries first so that a missing one fails with its own clear message.
        _ = (KubeBinaries.Etcd, KubeBinaries.ApiServer, KubeBinaries.Kubectl);
        for (var attempt = 1; ; attempt++)
        {
            var controlPlane = new LocalControlPlane(options);
            try
            {
                await controlPlane.StartEtcdAsync(ct);
                await controlPlane.StartApiServerAsync(ct);
                return controlPlane;
            }
            catch (ControlPlaneStartException e) when (attempt < MaxStartAttempts && e.Message.Contains("address already in use", StringComparison.Ordinal))
            {
                // Another process took one of the ports between reservation and bind: new ports.
                await controlPlane.DisposeAsync();
            }
            catch
            {
                await controlPlane.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>The bearer token of a user from <see cref="ControlPlaneOptions.TokenUsers"/>.</summary>
    public string TokenFor(string userName) =>
        _userTokens.TryGetValue(userName, out var token)
            ? token
            : throw new ArgumentException($"No static token user '{userName}'; add it to {nameof(ControlPlaneOptions)}.{nameof(ControlPlaneOptions.TokenUsers)}.", nameof(userName));

    public Task<ProcessResult> KubectlAsync(params string[] args) => _connection.KubectlAsync(args);

    public Task<string> KubectlCheckedAsync(params string[] args) => _connection.KubectlCheckedAsync(args);

    public Task<string> ApplyAsync(string manifest) => _connection.KubectlCheckedAsync(["apply", "-f", "-"], manifest);

    public HttpMessageHandler CreateHttpHandler() => PinnedCertificateAuthority.CreateHttpHandler(CaCertificatePem);

    public Task<string> CreateServiceAccountTokenAsync(string namespaceName, string name, CancellationToken ct = default) =>
        _connection.CreateServiceAccountTokenAsync(namespaceName, name, ct);

    public string WriteKubeconfig(string token, string fileName) => _connection.WriteKubeconfig(token, fileName);

    public async Task StopApiServerAsync()
    {
        if (_apiServer is null) { return; }
        await _apiServer.StopAsync(StopGracePeriod);
        await _apiServer.DisposeAsync();
        _apiServer = null;
    }

    public Task StartApiServerAsync() => StartApiServerAsync(CancellationToken.None);

    public async Task RestartApiServerAsync()
    {
        await StopApiServerAsync();
        await StartApiServerAsync();
    }

    /// <summary>Stops kube-apiserver, then etcd (SIGTERM, SIGKILL after 10 s) and deletes the work directory unless EREBOR_KEEP_CLUSTER=1. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) { return; }
        _disposed = true;
        await StopQuietlyAsync(_apiServer);
        _apiServer = null;
        await StopQuietlyAsync(_etcd);
        _etcd = null;
        _connection.Dispose();
        if (Environment.GetEnvironmentVariable(KeepEnvironmentVariable) == "1") { return; }
        try { Directory.Delete(WorkDirectory, recursive: true); }
        catch (IOException) { /* best effort: a temp directory left behind is harmless */ }
        catch (UnauthorizedAccessException) { /* likewise */ }
    }

    private async Task StartEtcdAsync(CancellationToken ct)
    {
        var logPath = Path.Combine(_logDirectory, "etcd.log");
        var peerUrl = $"http://127.0.0.1:{_etcdPeerPort}";
        var clientUrl = $"http://127.0.0.1:{_etcdClientPort}";
        List<string> args =
        [
            "--name", "erebor",
            "--data-dir", Path.Combine(WorkDirectory, "etcd"),
            "--listen-client-urls", clientUrl,
            "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl,
            "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", $"erebor={peerUrl}",
            // A single member has nobody to wait for: a 100 ms election timeout (default 1 s)
            // makes it leader, and so ready, about 0.9 s sooner.
            "--heartbeat-interval=10",
            "--election-timeout=100",
            "--logger", "zap",
            "--log-outputs", logPath,
        ];
        if (await EtcdSupportsNoFsync.Value)
        {
            args.Add("--unsafe-no-fsync"); // test data is disposable; fsync dominates etcd's write latency
        }

        _etcd = BackgroundProcess.Start("etcd", KubeBinaries.Etcd, args);
        EtcdProcessId = _etcd.Pid;

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        var lastObservation = "no answer yet";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (_etcd.HasExited) { throw StartFailure($"etcd exited with code {_etcd.ExitCode}", _etcd, logPath); }
            if (stopwatch.Elapsed > _options.StartupTimeout)
            {
                throw StartFailure($"etcd was not healthy within {_options.StartupTimeout.TotalSeconds:0} s; last: {lastObservation}", _etcd, logPath);
            }

            try
            {
                var health = await client.GetStringAsync($"{clientUrl}/health", ct);
                if (health.Contains("\"health\":\"true\"", StringComparison.Ordinal)) { return; }
                lastObservation = health;
            }
            catch (HttpRequestException e) { lastObservation = e.Message; }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested) { lastObservation = e.Message; }

            await Task.Delay(50, ct);
        }
    }

    private async Task StartApiServerAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_apiServer is not null) { return; }

        // One log file per start, so that a restart's log does not overwrite the previous one's.
        _apiServerLogPath = Path.Combine(_logDirectory, $"kube-apiserver.{++_apiServerStarts}.log");
        List<string> args =
        [
            $"--etcd-servers=http://127.0.0.1:{_etcdClientPort}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            $"--secure-port={ApiServerUrl.Port}",
            "--insecure-port=0",
            $"--cert-dir={WorkDirectory}",
            $"--tls-cert-file={Path.Combine(WorkDirectory, "apiserver.crt")}",
            $"--tls-private-key-file={Path.Combine(WorkDirectory, "apiserver.key")}",
            $"--client-ca-file={Path.Combine(WorkDirectory, "ca.crt")}",
            $"--token-auth-file={Path.Combine(WorkDirectory, "tokens.csv")}",
            $"--service-account-key-file={ServiceAccountPublicKeyPath}",
            $"--service-account-signing-key-file={ServiceAccountSigningKeyPath}",
            $"--service-account-issuer={ServiceAccountIssuer}",
            "--authorization-mode=RBAC",
            $"--service-cluster-ip-range={ServiceClusterIpRange}",
            "--allow-privileged=true",
            "--disable-admission-plugins=ServiceAccount",
            // The "kubernetes" Endpoints would get 127.0.0.1, which validation rejects (loopback),
            // so the reconciler would log an error every 10 s; nothing in the tests needs them.
            "--endpoint-reconciler-type=none",
            "--profiling=false",
            "--logtostderr=false",
            $"--log-file={_apiServerLogPath}",
            $"--v={_options.ApiServerVerbosity}",
            .. _options.ExtraApiServerArguments,
        ];
        var apiServer = BackgroundProcess.Start("kube-apiserver", KubeBinaries.ApiServer, args);
        _apiServer = apiServer;
        ApiServerProcessId = apiServer.Pid;
        try
        {
            await _connection.WaitUntilReadyAsync(
                _options.StartupTimeout,
                () => apiServer.HasExited ? $"kube-apiserver exited with code {apiServer.ExitCode}" : null,
                ct);
        }
        catch (ControlPlaneStartException e)
        {
            throw StartFailure(e.Message, apiServer, _apiServerLogPath);
        }
    }

    private ControlPlaneStartException StartFailure(string reason, BackgroundProcess process, string logPath) =>
        new($"""
            {reason}.
            Work directory: {WorkDirectory} (set {KeepEnvironmentVariable}=1 to keep it).
            --- {process.Name} output (tail) ---
            {process.OutputTail()}
            --- {logPath} (tail) ---
            {LogTail(logPath)}
            """);

    private static string LogTail(string path, int lines = 60)
    {
        if (!File.Exists(path)) { return "(not written: the process exited before logging)"; }
        try { return string.Join('\n', File.ReadLines(path).TakeLast(lines)); }
        catch (IOException e) { return $"(unreadable: {e.Message})"; }
    }

    private static async Task StopQuietlyAsync(BackgroundProcess? process)
    {
        if (process is null) { return; }
        try
        {
            await process.StopAsync(StopGracePeriod);
            await process.DisposeAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Disposal must not throw; the process is gone or could not be signalled.
        }
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(WorkDirectory, name);
        File.WriteAllText(path, content); // private: the work directory is created with mode 0700
        return path;
    }

    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>--unsafe-no-fsync exists from etcd 3.4.15 on, though 3.4's --help does not list it.</summary>
    private static async Task<bool> ProbeEtcdSupportsNoFsyncAsync()
    {
        var result = await ProcessRunner.RunAsync(KubeBinaries.Etcd, "--version");
        return EtcdVersionLine().Match(result.StdOut) is { Success: true } match
            && Version.TryParse(match.Groups[1].Value, out var version)
            && version >= new Version(3, 4, 15);
    }

    [GeneratedRegex(@"etcd Version: (\d+\.\d+\.\d+)")]
    private static partial Regex EtcdVersionLine();
}
