using System.Globalization;
using System.Text.RegularExpressions;

using Erebor.Harness.Processes;

namespace Erebor.Harness.Ovs;

/// <summary>
/// A "VM": a network namespace whose eth0 is one end of a veth pair; the other end is a port of the
/// node's bridge. Created by <see cref="OvsNode.AddWorkloadAsync"/>; disposing it removes the port,
/// the veth and the namespace.
/// </summary>
public sealed partial class Workload : IAsyncDisposable
{
    public const string Interface = "eth0";

    private readonly OvsNode _node;
    private readonly Lock _disposal = new();
    private bool _networkNamespaceCreated;
    private bool _vethCreated;
    private bool _portAdded;
    private Task? _disposeTask;

    internal Workload(OvsNode node, string name, string networkNamespace, string portName, string mac)
    {
        _node = node;
        Name = name;
        NetworkNamespace = networkNamespace;
        PortName = portName;
        Mac = mac;
    }

    public string Name { get; }
    public string NetworkNamespace { get; }

    /// <summary>Host-side veth end and OVS port name (at most 15 characters), in the node's namespace.</summary>
    public string PortName { get; }

    public string Mac { get; }

    internal async Task CreateAsync(WorkloadOptions options)
    {
        var mtu = options.Mtu.ToString(CultureInfo.InvariantCulture);
        await OvsNode.RunIpAsync(["netns", "add", NetworkNamespace]);
        _networkNamespaceCreated = true;
        // Before eth0 exists, so that it never gets a link-local address: IPv6 MLD and router
        // solicitations would otherwise reach the controller as PACKET_INs.
        await OvsNode.DisableIpv6Async(NetworkNamespace);
        await OvsNode.RunIpAsync(["-n", NetworkNamespace, "link", "set", "lo", "up"]);

        // Created inside the node's namespace with the peer placed straight into the workload's, so
        // the host end never exists in the host namespace where parallel tests could clash on its name.
        await OvsNode.RunIpAsync(["-n", _node.NetworkNamespace, "link", "add", PortName, "type", "veth", "peer", "name", Interface, "netns", NetworkNamespace]);
        _vethCreated = true;
        await OvsNode.RunIpAsync(["-n", NetworkNamespace, "link", "set", Interface, "address", Mac, "mtu", mtu, "up"]);
        // Without this, checksums stay partial through AF_PACKET and UDP/TCP silently fail (ICMP/ARP work).
        await ExecCheckedAsync("ethtool", "-K", Interface, "tx", "off");
        if (options.Ipv4Cidr is { } cidr)
        {
            await OvsNode.RunIpAsync(["-n", NetworkNamespace, "addr", "add", cidr, "dev", Interface]);
        }

        if (options.Gateway is { } gateway)
        {
            await OvsNode.RunIpAsync(["-n", NetworkNamespace, "route", "add", "default", "via", gateway, "dev", Interface]);
        }

        await OvsNode.RunIpAsync(["-n", _node.NetworkNamespace, "link", "set", PortName, "mtu", mtu, "up"]);

        List<string> addPort =
        [
            "add-port", _node.BridgeName, PortName, "--", "set", "Interface", PortName,
            OvsNode.MapEntry("external_ids", "iface-id", options.IfaceId ?? Name),
            OvsNode.MapEntry("external_ids", "attached-mac", Mac),
        ];
        addPort.AddRange(options.ExternalIds.Select(kv => OvsNode.MapEntry("external_ids", kv.Key, kv.Value)));
        if (options.OfPortRequest is { } ofport) { addPort.Add($"ofport_request={ofport}"); }
        await _node.VsctlAsync([.. addPort]);
        _portAdded = true;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await _node.OfPortAsync(PortName) <= 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                var error = await _node.VsctlAsync("--no-wait", "get", "Interface", PortName, "error");
                throw new TimeoutException($"OVS gave port {PortName} no ofport within 20 s; Interface.error: {error.Trim()}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Runs a command inside the workload's namespace; the caller checks the exit code.</summary>
    public Task<ProcessResult> ExecAsync(string file, params string[] args) =>
        ProcessRunner.RunAsync(file, args, new ProcessOptions { NetworkNamespace = NetworkNamespace });

    /// <summary>Pings <paramref name="ip"/>; <paramref name="timeoutSeconds"/> bounds the whole run.
    /// Throws when ping could not send at all (e.g. no route), since that is a setup error, not loss.</summary>
    public async Task<PingResult> PingAsync(string ip, int count = 3, double intervalSeconds = 0.2, int timeoutSeconds = 5)
    {
        var result = await ExecAsync("ping", "-n",
            "-c", count.ToString(CultureInfo.InvariantCulture),
            "-i", intervalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
            "-w", timeoutSeconds.ToString(CultureInfo.InvariantCulture),
            ip);
        try { return PingResult.Parse(result.StdOut); }
        catch (FormatException) { throw new ProcessFailedException(result); }
    }

    /// <summary>The first IPv4 address on eth0 (without prefix length), or null.</summary>
    public async Task<string?> Ipv4AddressAsync()
    {
        var output = await ExecCheckedAsync("ip", "-4", "-o", "addr", "show", "dev", Interface);
        var match = InetField().Match(output);
        return match.Success ? match.Groups["address"].Value : null;
    }

    /// <summary>Removes every address from eth0, e.g. before DHCP (a pre-set address makes a unicast OFFER bounce).</summary>
    public Task FlushAddressesAsync() => ExecCheckedAsync("ip", "addr", "flush", "dev", Interface);

    private async Task<string> ExecCheckedAsync(string file, params string[] args)
    {
        var result = await ExecAsync(file, args);
        return result.Succeeded ? result.StdOut : throw new ProcessFailedException(result);
    }

    /// <summary>Removes the OVS port, the veth pair and the namespace; never throws, safe to call repeatedly.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_disposal) { _disposeTask ??= DisposeCoreAsync(); }
        return new ValueTask(_disposeTask);
    }

    private async Task DisposeCoreAsync()
    {
        if (_portAdded)
        {
            // --no-wait: ovs-vswitchd may be down (killed by a test); it reconciles when it comes back.
            await _node.RunVsctlAsync(["--no-wait", "--if-exists", "del-port", _node.BridgeName, PortName], TimeSpan.FromSeconds(5), checkExit: false);
        }

        // Deleting a namespace frees its devices asynchronously; deleting the veth first makes its removal synchronous.
        if (_vethCreated)
        {
            await OvsNode.RunIpAsync(["-n", _node.NetworkNamespace, "link", "del", PortName], checkExit: false);
        }

        if (_networkNamespaceCreated)
        {
            await OvsNode.RunIpAsync(["netns", "del", NetworkNamespace], checkExit: false);
        }

        _node.Forget(this);
    }

    [GeneratedRegex(@"inet (?<address>[\d.]+)/")]
    private static partial Regex InetField();
}
