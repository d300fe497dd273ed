using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Threading.Channels;

using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;
using Erebor.Ovsdb;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Tests.Ovsdb;

/// <summary>The OVSDB client against a real ovsdb-server and ovs-vswitchd from the harness.</summary>
[Trait("Category", "Integration")]
public sealed class OvsdbIntegrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly WorkloadOptions Vm1 = new()
    {
        Mac = "02:00:00:00:01:10",
        Ipv4Cidr = "10.0.1.10/24",
        IfaceId = "default/vm1",
        ExternalIds = new Dictionary<string, string> { ["erebor.io/subnet"] = "default/blue" },
    };

    [Fact]
    public async Task Lists_databases_reads_the_schema_and_runs_transactions()
    {
        await using var node = await OvsNode.StartAsync("ovsdb-rpc");
        await using var client = await Connect(node.DbTarget);

        (await client.ListDbsAsync()).Should().Contain(VswitchDatabase.Name);
        var schema = await client.GetSchemaAsync(VswitchDatabase.Name);
        schema.GetProperty("tables").TryGetProperty("Interface", out _).Should().BeTrue();

        var results = await client.TransactAsync(VswitchDatabase.Name,
        [
            OvsdbOp.Comment("integration test"),
            OvsdbOp.Mutate("Open_vSwitch", OvsdbCondition.All, [OvsdbMutation.Insert("external_ids", OvsdbValue.Map([new("erebor.io/test", "yes")]))]),
            OvsdbOp.Select("Open_vSwitch", OvsdbCondition.All, "external_ids"),
        ]);
        OvsdbValue.ReadStringMap(results[2].GetProperty("rows")[0].GetProperty("external_ids")).Should().Contain("erebor.io/test", "yes");

        var duplicateBridge = () => client.TransactAsync(VswitchDatabase.Name,
        [
            OvsdbOp.Insert("Bridge", new JsonObject { ["name"] = node.BridgeName }, "bridge"),
            OvsdbOp.Mutate("Open_vSwitch", OvsdbCondition.All, [OvsdbMutation.Insert("bridges", OvsdbValue.Set([OvsdbValue.NamedUuid("bridge")]))]),
        ]);
        var rejected = await duplicateBridge.Should().ThrowAsync<OvsdbTransactionException>();
        rejected.Which.Error.Should().Be("constraint violation", "bridge names are unique");
        rejected.Which.OperationIndex.Should().Be(2, "the commit failed, not an operation");

        var info = await new VswitchDatabase(client).GetSystemInfoAsync();
        info.DatapathTypes.Should().Contain("netdev");
    }

    [Fact]
    public async Task Ensures_a_bridge_from_scratch_then_leaves_it_alone_then_corrects_drift()
    {
        await using var node = await OvsNode.StartAsync("ovsdb-ensure", new OvsNodeOptions { CreateBridge = false });
        await using var client = await Connect(node.DbTarget);
        var vswitch = new VswitchDatabase(client);
        var controller = "unix:" + Path.Combine(node.RunDirectory, "controller.sock");
        var spec = new BridgeSpec(node.BridgeName, "netdev")
        {
            ControllerTarget = controller,
            Controller = new ControllerSettings { InactivityProbeMs = 30000 },
            OtherConfig = new Dictionary<string, string> { ["disable-in-band"] = "true" },
        };

        var created = await vswitch.EnsureBridgeAsync(spec);

        created.Should().BeEquivalentTo(new { Created = true, CorrectedColumns = Array.Empty<string>(), ControllerChanged = true });
        await WaitUntilAsync(async () => (await ProcessRunner.RunAsync("ovs-ofctl", "-O", "OpenFlow13", "show", "unix:" + node.BridgeMgmtSocket)).Succeeded);
        (await node.VsctlAsync("get", "Bridge", node.BridgeName, "datapath_type", "fail_mode", "protocols", "other_config:disable-in-band"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("netdev", "secure", "[OpenFlow13]", "\"true\"");
        (await node.VsctlAsync("get", "Controller", node.BridgeName, "target", "connection_mode", "max_backoff", "inactivity_probe"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal($"\"{controller}\"", "out-of-band", "1000", "30000");

        (await vswitch.EnsureBridgeAsync(spec)).Should().BeEquivalentTo(new { created.Uuid, Created = false, CorrectedColumns = Array.Empty<string>(), ControllerChanged = false });

        await node.VsctlAsync("set", "Bridge", node.BridgeName, "fail_mode=standalone", "protocols=OpenFlow10,OpenFlow13",
            "other-config:disable-in-band=false", "other-config:someone-else=keep");
        await node.VsctlAsync("set", "Controller", node.BridgeName, "max_backoff=8000");

        var fixedUp = await vswitch.EnsureBridgeAsync(spec);

        fixedUp.Should().BeEquivalentTo(new { created.Uuid, Created = false, ControllerChanged = true });
        fixedUp.CorrectedColumns.Should().BeEquivalentTo("fail_mode", "protocols", "other_config:disable-in-band");
        (await node.VsctlAsync("get", "Bridge", node.BridgeName, "fail_mode", "protocols", "other_config"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("secure", "[OpenFlow13]", "{disable-in-band=\"true\", someone-else=keep}");
        (await node.VsctlAsync("--columns=max_backoff", "list", "Controller")).Should().Contain("1000").And.NotContain("8000", "the replaced row is garbage-collected");
    }

    [Fact]
    public async Task Interface_table_sees_a_workload_port_appear_with_ofport_and_identity_and_disappear()
    {
        await using var node = await OvsNode.StartAsync("ovsdb-ifaces");
        await using var client = await Connect(node.DbTarget);
        await using var interfaces = await InterfaceTable.StartAsync(client, node.BridgeName);
        var changes = new ChangeRecorder(interfaces);

        interfaces.Interfaces.Keys.Should().Equal(node.BridgeName);
        interfaces.OvsVersion.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
        interfaces.DatapathTypes.Should().Contain("netdev");

        var workload = await node.AddWorkloadAsync("vm1", Vm1 with { OfPortRequest = 5 });

        var plugged = await changes.NextAsync(c => c.Interface.Name == workload.PortName && c.Interface.OfPort > 0 && c.Interface.LinkState == "up");
        plugged.Interface.Should().BeEquivalentTo(new
        {
            OfPort = 5L,
            Port = workload.PortName,
            Bridge = node.BridgeName,
            Type = "",
            IfaceId = "default/vm1",
            AttachedMac = "02:00:00:00:01:10",
            Error = (string?)null,
        });
        plugged.Interface.ExternalIds.Should().Contain("erebor.io/subnet", "default/blue");

        await workload.DisposeAsync();

        var unplugged = await changes.NextAsync(c => c.Kind == InterfaceChangeKind.Removed);
        unplugged.Interface.Name.Should().Be(workload.PortName);
        interfaces.Interfaces.Keys.Should().Equal(node.BridgeName);
    }

    [Fact]
    public async Task After_an_ovsdb_server_restart_the_client_reconnects_and_reports_what_changed_meanwhile()
    {
        await using var node = await OvsNode.StartAsync("ovsdb-restart");
        var gone = await node.AddWorkloadAsync("vm1", Vm1);
        // A long first backoff makes sure the changes below happen while the client is disconnected.
        await using var client = await Connect(node.DbTarget, minBackoff: TimeSpan.FromSeconds(5));
        await using var interfaces = await InterfaceTable.StartAsync(client, node.BridgeName);
        var changes = new ChangeRecorder(interfaces);
        var disconnected = new TaskCompletionSource();
        var reconnected = new TaskCompletionSource();
        client.Disconnected += () => disconnected.TrySetResult();
        client.Connected += () => reconnected.TrySetResult();

        await node.KillOvsdbServerAsync();
        await disconnected.Task.WaitAsync(Patience);
        await node.StartOvsdbServerAsync();
        client.IsConnected.Should().BeFalse();
        await gone.DisposeAsync();
        var added = await node.AddWorkloadAsync("vm2", Vm1 with { Mac = "02:00:00:00:01:11", IfaceId = "default/vm2" });
        client.IsConnected.Should().BeFalse("otherwise this test proves nothing");

        (await changes.NextAsync(c => c.Interface.Name == added.PortName && c.Interface.OfPort > 0)).Kind.Should().Be(InterfaceChangeKind.Added);
        (await changes.NextAsync(c => c.Interface.Name == gone.PortName)).Kind.Should().Be(InterfaceChangeKind.Removed);
        // Monitors are re-established (and their changes raised) just before Connected.
        await reconnected.Task.WaitAsync(Patience);

        // and the re-established monitor delivers live updates again
        await added.DisposeAsync();
        (await changes.NextAsync(c => c.Interface.Name == added.PortName)).Kind.Should().Be(InterfaceChangeKind.Removed);
    }

    [Fact]
    public async Task Removes_a_port_only_from_the_bridge_that_has_it()
    {
        await using var node = await OvsNode.StartAsync("ovsdb-rmport");
        await using var client = await Connect(node.DbTarget);
        var vswitch = new VswitchDatabase(client);
        // A patch port: a Port and Interface row that need no device.
        await node.VsctlAsync("--no-wait", "add-br", "br-other", "--", "set", "Bridge", "br-other", "datapath_type=netdev",
            "--", "add-port", "br-other", "rm-me", "--", "set", "Interface", "rm-me", "type=patch", "options:peer=nowhere");

        (await vswitch.RemovePortAsync(node.BridgeName, "rm-me")).Should().BeFalse("the port is on another bridge");
        (await node.VsctlAsync("--no-wait", "list-ports", "br-other")).Should().Contain("rm-me");

        (await vswitch.RemovePortAsync("br-other", "rm-me")).Should().BeTrue();
        (await node.VsctlAsync("--no-wait", "list-ports", "br-other")).Should().NotContain("rm-me");
        (await node.VsctlAsync("--no-wait", "--bare", "--columns=name", "find", "Interface", "name=rm-me")).Trim().Should().BeEmpty("the Interface row goes with its Port");
        (await vswitch.RemovePortAsync("br-other", "rm-me")).Should().BeFalse("there is nothing left to remove");
    }

    [Fact]
    public async Task Over_tcp_the_servers_echo_probes_are_answered_and_the_connection_stays_up()
    {
        await using var node = await OvsNode.StartAsync("ovsdb-tcp");
        var port = FreeLoopbackPort();
        var remote = $"ptcp:{port}:127.0.0.1";
        // ovsdb-server serves the Manager rows as remotes (--remote=db:...); probe this one every second.
        await node.VsctlAsync("--no-wait", "set-manager", remote, "--", "set", "Manager", remote, "inactivity_probe=1000");
        await using var client = await Connect($"tcp:127.0.0.1:{port}", probeInterval: TimeSpan.Zero);
        var disconnects = 0;
        client.Disconnected += () => Interlocked.Increment(ref disconnects);

        await Task.Delay(TimeSpan.FromSeconds(3.5)); // an unanswered probe would drop us after 2 s

        (await client.ListDbsAsync()).Should().Contain(VswitchDatabase.Name);
        disconnects.Should().Be(0);
    }

    private static async Task<OvsdbClient> Connect(string endpoint, TimeSpan? minBackoff = null, TimeSpan? probeInterval = null)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var defaults = new OvsdbClientOptions { Endpoint = endpoint };
        return await OvsdbClient.ConnectAsync(defaults with
        {
            MinBackoff = minBackoff ?? defaults.MinBackoff,
            ProbeInterval = probeInterval ?? defaults.ProbeInterval,
        }, ct: timeout.Token);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition()) { await Task.Delay(50, timeout.Token); }
    }

    /// <summary>Queues the table's changes so a test can wait for the one it expects.</summary>
    private sealed class ChangeRecorder
    {
        private readonly Channel<InterfaceChange> _changes = Channel.CreateUnbounded<InterfaceChange>();

        public ChangeRecorder(InterfaceTable table) => table.Changed += change => _changes.Writer.TryWrite(change);

        public async Task<InterfaceChange> NextAsync(Func<InterfaceChange, bool> predicate)
        {
            using var timeout = new CancellationTokenSource(Patience);
            while (true)
            {
                var change = await _changes.Reader.ReadAsync(timeout.Token);
                if (predicate(change)) { return change; }
            }
        }
    }
}
