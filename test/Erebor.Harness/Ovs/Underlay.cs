using Erebor.Harness.Processes;

namespace Erebor.Harness.Ovs;

/// <summary>
/// A point-to-point underlay between two simulated nodes, for userspace (netdev) tunnels: a veth
/// pair joins the nodes' network namespaces, each end is a port of a standalone bridge br-phy,
/// and br-phy's own interface holds the node's tunnel endpoint address. ovs-vswitchd learns the
/// route from its namespace's kernel table and resolves the peer's MAC itself (tnl/arp), so a
/// geneve port on br-int with <c>local_ip</c> set reaches the other node.
/// </summary>
public sealed class Underlay : IAsyncDisposable
{
    public const string Bridge = "br-phy";
    private readonly OvsNode _left;
    private readonly OvsNode _right;
    private readonly string _leftPort;

    private Underlay(OvsNode left, OvsNode right, string leftPort, string leftIp, string rightIp)
    {
        _left = left;
        _right = right;
        _leftPort = leftPort;
        LeftEndpoint = leftIp;
        RightEndpoint = rightIp;
    }

    public string LeftEndpoint { get; }
    public string RightEndpoint { get; }

    /// <summary>Joins <paramref name="left"/> and <paramref name="right"/>; <paramref name="network"/> is a /24 prefix like "192.168.77".</summary>
    public static async Task<Underlay> ConnectAsync(OvsNode left, OvsNode right, string network)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (leftPort, rightPort) = ($"phy{suffix}a", $"phy{suffix}b");
        var (leftIp, rightIp) = ($"{network}.1", $"{network}.2");
        await Ip("link", "add", leftPort, "netns", left.NetworkNamespace, "type", "veth", "peer", "name", rightPort, "netns", right.NetworkNamespace);
        var underlay = new Underlay(left, right, leftPort, leftIp, rightIp);
        try
        {
            await AttachAsync(left, leftPort, leftIp);
            await AttachAsync(right, rightPort, rightIp);
            return underlay;
        }
        catch
        {
            await underlay.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds a geneve port to <paramref name="node"/>'s br-int whose remote endpoint and key the flows choose.</summary>
    public static Task AddTunnelPortAsync(OvsNode node, string localIp, string portName = "tun0", int ofport = 100) =>
        node.VsctlAsync("add-port", node.BridgeName, portName, "--", "set", "interface", portName, "type=geneve",
            "options:remote_ip=flow", "options:key=flow", $"options:local_ip={localIp}", $"ofport_request={ofport}");

    /// <summary>
    /// Makes both vswitchds learn the other endpoint's MAC (a ping between the endpoints passes
    /// br-phy, which OVS snoops once the node has a tunnel port), so that the first tunnelled
    /// packet is not dropped while OVS resolves it: tests that count first packets need that.
    /// </summary>
    public async Task ResolveEndpointsAsync()
    {
        await Eventually.UntilAsync(
            async () =>
            {
                await ProcessRunner.RunAsync("ping", ["-c", "1", "-W", "1", RightEndpoint], new ProcessOptions { NetworkNamespace = _left.NetworkNamespace });
                return await _left.AppctlAsync("tnl/arp/show") + await _right.AppctlAsync("tnl/arp/show");
            },
            arp => arp.Contains(RightEndpoint, StringComparison.Ordinal) && arp.Contains(LeftEndpoint, StringComparison.Ordinal),
            TimeSpan.FromSeconds(15),
            "both nodes to resolve the other's tunnel endpoint");
    }

    public async ValueTask DisposeAsync()
    {
        // Deleting one end of a veth deletes the pair.
        await ProcessRunner.RunAsync("ip", ["-n", _left.NetworkNamespace, "link", "del", _leftPort]);
    }

    private static async Task AttachAsync(OvsNode node, string port, string ip)
    {
        await Ip("-n", node.NetworkNamespace, "link", "set", port, "up");
        await ProcessRunner.RunCheckedAsync("ethtool", ["-K", port, "tx", "off"], new ProcessOptions { NetworkNamespace = node.NetworkNamespace });
        await node.VsctlAsync("--may-exist", "add-br", Bridge, "--", "set", "bridge", Bridge, "datapath_type=netdev", "fail_mode=standalone", "--", "add-port", Bridge, port);
        await Ip("-n", node.NetworkNamespace, "addr", "add", $"{ip}/24", "dev", Bridge);
        await Ip("-n", node.NetworkNamespace, "link", "set", Bridge, "up");
    }

    private static Task<string> Ip(params string[] args) => ProcessRunner.RunCheckedAsync("ip", args);
}
