using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

using Erebor.Harness.Processes;

namespace Erebor.Harness.Ovs;

/// <summary>
/// One simulated node's Open vSwitch: a private ovsdb-server (host network namespace, unix socket)
/// and an ovs-vswitchd with the userspace (netdev) datapath in a network namespace of its own,
/// because two netdev datapaths in one namespace clash on their "ovs-netdev" tap device.
/// Everything it creates carries a random suffix, so parallel test processes never collide, and
/// disposal removes exactly what this instance created.
/// </summary>
public sealed partial class OvsNode : IAsyncDisposable
{
    private const string VswitchSchema = "/usr/share/openvswitch/vswitch.ovsschema";

    // sun_path holds 108 bytes including the terminating NUL.
    private const int MaxUnixSocketPath = 107;

    private readonly OvsNodeOptions _options;
    private readonly Dictionary<string, Workload> _workloads = [];
    private readonly SemaphoreSlim _daemons = new(1, 1);
    private BackgroundProcess? _ovsdbServer;
    private BackgroundProcess? _vswitchd;
    private bool _networkNamespaceCreated;
    private Task? _disposeTask;

    private OvsNode(string name, OvsNodeOptions options)
    {
        _options = options;
        Name = name;
        NetworkNamespace = name;
        RootDirectory = Path.Combine(options.TempRoot, name);
        RunDirectory = Path.Combine(RootDirectory, "run");
        LogDirectory = Path.Combine(RootDirectory, "log");
        DbDirectory = Path.Combine(RootDirectory, "db");
        // db.sock is ovs-vsctl's default under OVS_RUNDIR, so the env file alone is enough for manual debugging.
        DbSocketPath = Path.Combine(RunDirectory, "db.sock");
        BridgeMgmtSocket = Path.Combine(RunDirectory, options.BridgeName + ".mgmt");
        VswitchdControlSocket = Path.Combine(RunDirectory, "ovs-vswitchd.ctl");
        OvsdbServerControlSocket = Path.Combine(RunDirectory, "ovsdb-server.ctl");
        EnvFilePath = Path.Combine(RootDirectory, "env");
        Environment = new Dictionary<string, string>
        {
            ["OVS_RUNDIR"] = RunDirectory,
            ["OVS_LOGDIR"] = LogDirectory,
            ["OVS_DBDIR"] = DbDirectory,
        };
    }

    /// <summary>Unique name: the requested name plus a random hex suffix.</summary>
    public string Name { get; }

    /// <summary>Network namespace of ovs-vswitchd; host ends of workload veths live here.</summary>
    public string NetworkNamespace { get; }

    public string RootDirectory { get; }
    public string RunDirectory { get; }
    public string LogDirectory { get; }
    public string DbDirectory { get; }
    public string DbSocketPath { get; }

    /// <summary>OVSDB connection string for clients: <c>unix:&lt;DbSocketPath&gt;</c>.</summary>
    public string DbTarget => "unix:" + DbSocketPath;

    public string BridgeName => _options.BridgeName;

    /// <summary>The bridge's OpenFlow management socket (what ovs-ofctl talks to).</summary>
    public string BridgeMgmtSocket { get; }

    public string VswitchdControlSocket { get; }
    public string OvsdbServerControlSocket { get; }

    /// <summary>Shell file exporting OVS_RUNDIR etc.: <c>. $EnvFilePath; ovs-vsctl show</c>.</summary>
    public string EnvFilePath { get; }

    /// <summary>OVS_RUNDIR, OVS_LOGDIR and OVS_DBDIR of this node, as the OVS tools expect them.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public int? VswitchdPid => _vswitchd is { HasExited: false } p ? p.Pid : null;
    public int? OvsdbServerPid => _ovsdbServer is { HasExited: false } p ? p.Pid : null;

    public static async Task<OvsNode> StartAsync(string name, OvsNodeOptions? options = null, CancellationToken ct = default)
    {
        ValidateName(name, nameof(name));
        var node = new OvsNode(UniqueName(name), options ?? new OvsNodeOptions());
        if (node.BridgeMgmtSocket.Length > MaxUnixSocketPath)
        {
            throw new ArgumentException($"socket path {node.BridgeMgmtSocket} is longer than {MaxUnixSocketPath} bytes; use a shorter name or TempRoot", nameof(name));
        }

        try
        {
            await node.InitializeAsync(ct);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private async Task InitializeAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(RunDirectory);
        Directory.CreateDirectory(LogDirectory);
        Directory.CreateDirectory(DbDirectory);
        await File.WriteAllTextAsync(EnvFilePath, EnvFileText(), ct);

        await RunIpAsync(["netns", "add", NetworkNamespace], ct);
        _networkNamespaceCreated = true;
        await RunIpAsync(["-n", NetworkNamespace, "link", "set", "lo", "up"], ct);
        // Host ends of the veths would otherwise send MLD and router solicitations into the workloads.
        await DisableIpv6Async(NetworkNamespace, ct);

        await RunOvsToolAsync("ovsdb-tool", ["create", Path.Combine(DbDirectory, "conf.db"), VswitchSchema], ct: ct);
        await StartOvsdbServerAsync(ct);
        await InitializeDatabaseAsync(ct);
        await StartVswitchdAsync(ct);

        if (_options.CreateBridge)
        {
            List<string> args =
            [
                "add-br", BridgeName, "--", "set", "Bridge", BridgeName,
                $"datapath_type={_options.DatapathType}",
                $"protocols={_options.Protocols}",
                $"fail_mode={_options.FailMode}",
                "other-config:disable-in-band=true",
            ];
            args.AddRange(_options.BridgeOtherConfig.Select(kv => MapEntry("other-config", kv.Key, kv.Value)));
            await VsctlAsync([.. args]);
            await WaitForBridgeAsync(ct);
        }
    }

    /// <summary>What ovs-ctl does on a real node: create the root row and record the versions and a system-id.</summary>
    private async Task InitializeDatabaseAsync(CancellationToken ct)
    {
        var version = OvsVersionPattern().Match(await RunOvsToolAsync("ovs-vswitchd", ["--version"], ct)).Groups["version"].Value;
        var dbVersion = (await RunOvsToolAsync("ovsdb-tool", ["schema-version", VswitchSchema], ct)).Trim();
        await VsctlAsync("--no-wait", "init", "--", "set", "Open_vSwitch", ".",
            $"ovs_version={Quote(version)}", $"db_version={Quote(dbVersion)}", MapEntry("external_ids", "system-id", Name));
    }

    /// <summary>ovs-vsctl against this node's database; throws <see cref="ProcessFailedException"/> with stderr on failure.
    /// Waits for ovs-vswitchd to apply the change unless the first argument is <c>--no-wait</c>.</summary>
    public async Task<string> VsctlAsync(params string[] args) => (await RunVsctlAsync(args, _options.StartTimeout)).StdOut;

    /// <summary>ovs-ofctl -O OpenFlow13; an argument equal to the bridge name is replaced by its management socket.</summary>
    public Task<string> OfctlAsync(params string[] args) =>
        RunOvsToolAsync("ovs-ofctl", ["-O", _options.Protocols, .. args.Select(a => a == BridgeName ? "unix:" + BridgeMgmtSocket : a)]);

    /// <summary>ovs-appctl addressed to this node's ovs-vswitchd.</summary>
    public Task<string> AppctlAsync(params string[] args) =>
        RunOvsToolAsync("ovs-appctl", ["-t", VswitchdControlSocket, .. args]);

    /// <summary>The port's OpenFlow port number, or -1 while OVS has not assigned one.</summary>
    public async Task<int> OfPortAsync(string portName)
    {
        var value = (await VsctlAsync("--no-wait", "get", "Interface", portName, "ofport")).Trim();
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ofport) ? ofport : -1;
    }

    /// <summary>SIGKILL, as a crash would: flows are lost, the database and tap devices stay.</summary>
    public async Task KillVswitchdAsync()
    {
        await _daemons.WaitAsync();
        try
        {
            await KillAsync(_vswitchd);
            _vswitchd = null;
        }
        finally { _daemons.Release(); }
    }

    public async Task RestartVswitchdAsync()
    {
        await KillVswitchdAsync();
        await StartVswitchdAsync();
    }

    /// <summary>SIGKILL of ovsdb-server; the database file stays, ovs-vswitchd keeps forwarding and reconnects later.</summary>
    public async Task KillOvsdbServerAsync()
    {
        await _daemons.WaitAsync();
        try
        {
            await KillAsync(_ovsdbServer);
            _ovsdbServer = null;
        }
        finally { _daemons.Release(); }
    }

    public async Task RestartOvsdbServerAsync()
    {
        await KillOvsdbServerAsync();
        await StartOvsdbServerAsync();
    }

    /// <summary>Starts ovsdb-server on the existing database and waits until its socket answers.</summary>
    public async Task StartOvsdbServerAsync(CancellationToken ct = default)
    {
        await _daemons.WaitAsync(ct);
        try
        {
            if (OvsdbServerPid is not null) { throw new InvalidOperationException($"ovsdb-server of {Name} is already running"); }
            await KillAsync(_ovsdbServer); // one that crashed by itself
            var log = Path.Combine(LogDirectory, "ovsdb-server.log");
            _ovsdbServer = BackgroundProcess.Start($"ovsdb-server {Name}", "ovsdb-server",
            [
                Path.Combine(DbDirectory, "conf.db"),
                "--remote=punix:" + DbSocketPath,
                "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
                "--pidfile=" + Path.Combine(RunDirectory, "ovsdb-server.pid"),
                "--overwrite-pidfile",
                "--unixctl=" + OvsdbServerControlSocket,
                "--log-file=" + log,
                "--no-chdir",
                "-vconsole:off",
            ], new ProcessOptions { Environment = Environment });
            await WaitForSocketAsync(DbSocketPath, _ovsdbServer, log, ct);
        }
        finally { _daemons.Release(); }
    }

    /// <summary>Starts ovs-vswitchd and waits until it answers (and so does the bridge, if the database has one).</summary>
    public async Task StartVswitchdAsync(CancellationToken ct = default)
    {
        await _daemons.WaitAsync(ct);
        try
        {
            if (VswitchdPid is not null) { throw new InvalidOperationException($"ovs-vswitchd of {Name} is already running"); }
            await KillAsync(_vswitchd); // one that crashed by itself
            var log = Path.Combine(LogDirectory, "ovs-vswitchd.log");
            _vswitchd = BackgroundProcess.Start($"ovs-vswitchd {Name}", "ovs-vswitchd",
            [
                DbTarget,
                "--pidfile=" + Path.Combine(RunDirectory, "ovs-vswitchd.pid"),
                // a killed predecessor leaves its pidfile behind
                "--overwrite-pidfile",
                "--unixctl=" + VswitchdControlSocket,
                "--log-file=" + log,
                "--no-chdir",
                "-vconsole:off",
            ], new ProcessOptions { NetworkNamespace = NetworkNamespace, Environment = Environment });
            await WaitForSocketAsync(VswitchdControlSocket, _vswitchd, log, ct);
        }
        finally { _daemons.Release(); }

        var bridgeExists = await RunVsctlAsync(["--no-wait", "br-exists", BridgeName], _options.StartTimeout, checkExit: false);
        if (bridgeExists.Succeeded) { await WaitForBridgeAsync(ct); }
    }

    private Task WaitForBridgeAsync(CancellationToken ct) =>
        WaitForSocketAsync(BridgeMgmtSocket, _vswitchd, Path.Combine(LogDirectory, "ovs-vswitchd.log"), ct);

    /// <summary>Creates a workload namespace wired to the bridge; returns once OVS has given its port an ofport.</summary>
    public async Task<Workload> AddWorkloadAsync(string name, WorkloadOptions options)
    {
        ValidateName(name, nameof(name));
        var portName = options.PortName ?? name;
        if (portName.Length > 15 || !PortNamePattern().IsMatch(portName))
        {
            throw new ArgumentException($"port name '{portName}' must be 1-15 characters of [A-Za-z0-9._-]; set WorkloadOptions.PortName", nameof(options));
        }

        // The veth's host end is created directly inside this node's namespace (see Workload), so port
        // names only need to be unique per node, not across the machine.
        var workload = new Workload(this, name, $"{Name}-{name}", portName, options.Mac);
        lock (_workloads)
        {
            if (_disposeTask is not null) { throw new ObjectDisposedException(Name); }
            if (_workloads.ContainsKey(name) || _workloads.Values.Any(w => w.PortName == portName))
            {
                throw new InvalidOperationException($"node {Name} already has a workload named {name} or a port named {portName}");
            }

            _workloads.Add(name, workload);
        }

        try
        {
            await workload.CreateAsync(options);
            return workload;
        }
        catch
        {
            await workload.DisposeAsync();
            throw;
        }
    }

    internal void Forget(Workload workload)
    {
        lock (_workloads) { _workloads.Remove(workload.Name); }
    }

    /// <summary>Stops both daemons (vswitchd with --cleanup, which removes its tap devices), deletes the
    /// workloads and the namespace and removes the directories. Never throws; safe to call repeatedly.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_workloads) { _disposeTask ??= DisposeCoreAsync(); }
        return new ValueTask(_disposeTask);
    }

    private async Task DisposeCoreAsync()
    {
        Workload[] workloads;
        lock (_workloads) { workloads = [.. _workloads.Values]; }
        foreach (var workload in workloads) { await workload.DisposeAsync(); }

        await _daemons.WaitAsync();
        try
        {
            await StopAsync(_vswitchd, VswitchdControlSocket, "exit", "--cleanup");
            await StopAsync(_ovsdbServer, OvsdbServerControlSocket, "exit");
            _vswitchd = _ovsdbServer = null;
        }
        finally { _daemons.Release(); }

        if (_networkNamespaceCreated)
        {
            await RunIpAsync(["netns", "del", NetworkNamespace], checkExit: false);
        }

        try
        {
            if (Directory.Exists(RootDirectory)) { Directory.Delete(RootDirectory, recursive: true); }
        }
        catch (IOException) { /* a daemon still holding a file: leave the directory for a human */ }
        catch (UnauthorizedAccessException) { /* same */ }
    }

    /// <summary>Asks the daemon to exit through its control socket, then SIGKILLs it if that did not work.</summary>
    private static async Task StopAsync(BackgroundProcess? daemon, string controlSocket, params string[] exitCommand)
    {
        if (daemon is null) { return; }
        if (!daemon.HasExited)
        {
            await ProcessRunner.RunAsync("ovs-appctl", ["-t", controlSocket, .. exitCommand], new ProcessOptions { Timeout = TimeSpan.FromSeconds(5) });
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await daemon.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { daemon.Kill(); }
        }

        await daemon.DisposeAsync();
    }

    private static async Task KillAsync(BackgroundProcess? daemon)
    {
        if (daemon is null) { return; }
        daemon.Kill();
        await daemon.DisposeAsync();
    }

    private async Task WaitForSocketAsync(string path, BackgroundProcess? daemon, string logFile, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.StartTimeout);
        while (!await AcceptsConnectionsAsync(path))
        {
            if (daemon is null || daemon.HasExited)
            {
                throw new InvalidOperationException($"{daemon?.Name ?? "daemon"} exited before {path} answered; log tail:\n{LogTail(logFile)}");
            }

            try { await Task.Delay(20, timeout.Token); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{path} did not answer within {_options.StartTimeout}; log tail:\n{LogTail(logFile)}");
            }
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string LogTail(string logFile)
    {
        try { return string.Join('\n', File.ReadLines(logFile).TakeLast(30)); }
        catch (IOException) { return "(no log)"; }
    }

    internal async Task<ProcessResult> RunVsctlAsync(IEnumerable<string> args, TimeSpan timeout, bool checkExit = true)
    {
        // --timeout makes ovs-vsctl give up by itself (e.g. waiting for a killed ovs-vswitchd) before the runner has to kill it.
        var seconds = Math.Max(1, (int)timeout.TotalSeconds);
        var result = await ProcessRunner.RunAsync("ovs-vsctl",
            ["--db=" + DbTarget, $"--timeout={seconds}", .. args],
            new ProcessOptions { Environment = Environment, Timeout = timeout + TimeSpan.FromSeconds(5) });
        return !checkExit || result.Succeeded ? result : throw new ProcessFailedException(result);
    }

    private Task<string> RunOvsToolAsync(string tool, IEnumerable<string> args, CancellationToken ct = default) =>
        ProcessRunner.RunCheckedAsync(tool, args, new ProcessOptions { Environment = Environment, Timeout = _options.StartTimeout }, ct);

    internal static async Task<ProcessResult> RunIpAsync(IEnumerable<string> args, CancellationToken ct = default, bool checkExit = true)
    {
        var result = await ProcessRunner.RunAsync("ip", args, new ProcessOptions { Timeout = TimeSpan.FromSeconds(30) }, ct);
        return !checkExit || result.Succeeded ? result : throw new ProcessFailedException(result);
    }

    internal static Task DisableIpv6Async(string networkNamespace, CancellationToken ct = default) =>
        ProcessRunner.RunCheckedAsync("sysctl",
            ["-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"],
            new ProcessOptions { NetworkNamespace = networkNamespace }, ct);

    /// <summary>An ovs-vsctl map entry argument; keys and values are quoted so that '/', '.' and ':' survive.</summary>
    internal static string MapEntry(string column, string key, string value) => $"{column}:{Quote(key)}={Quote(value)}";

    private static string Quote(string value) => '"' + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + '"';

    private static string UniqueName(string name) =>
        $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";

    internal static void ValidateName(string name, string parameter)
    {
        if (name.Length is 0 or > 24 || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' must be 1-24 characters of [a-z0-9-], starting with a letter or digit", parameter);
        }
    }

    private string EnvFileText() =>
        $"""
        # . this file to inspect node {Name} by hand, e.g. ovs-vsctl show; ovs-ofctl -O OpenFlow13 dump-flows $MGMT
        export OVS_RUNDIR={RunDirectory} OVS_LOGDIR={LogDirectory} OVS_DBDIR={DbDirectory}
        export DB=unix:{DbSocketPath} MGMT=unix:{BridgeMgmtSocket} VSWITCHD_CTL={VswitchdControlSocket} NETNS={NetworkNamespace}
        alias appctl="ovs-appctl -t $VSWITCHD_CTL"

        """;

    [GeneratedRegex(@"\(Open vSwitch\) (?<version>\S+)")]
    private static partial Regex OvsVersionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex PortNamePattern();
}
