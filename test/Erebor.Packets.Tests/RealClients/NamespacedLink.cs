using Erebor.Domain.Networking;
using Erebor.Harness.Ovs;
using Erebor.Harness.Processes;

namespace Erebor.Packets.Tests.RealClients;

/// <summary>
/// Two network namespaces of this test's own joined by a veth pair: the workload side
/// (<see cref="WorkloadNamespace"/>, interface eth0, where the real client runs) and the agent side
/// (interface agent0, where <see cref="Socket"/> plays OVS and the agent). No traffic reaches any
/// other namespace. Disposing deletes both namespaces, which deletes the veth pair with them.
/// </summary>
internal sealed class NamespacedLink : IAsyncDisposable
{
    public const string WorkloadInterface = "eth0";
    private const string AgentInterface = "agent0";

    private readonly List<string> _created = [];

    private NamespacedLink(string suffix)
    {
        WorkloadNamespace = $"ebpk-wl-{suffix}";
        AgentNamespace = $"ebpk-ag-{suffix}";
    }

    public string WorkloadNamespace { get; }

    public string AgentNamespace { get; }

    public LinkLayerSocket Socket { get; private set; } = null!;

    public ProcessOptions InWorkload => new() { NetworkNamespace = WorkloadNamespace, Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<NamespacedLink> CreateAsync(MacAddress workloadMac)
    {
        var link = new NamespacedLink(Convert.ToHexString(Guid.NewGuid().ToByteArray()[..4]).ToLowerInvariant());
        try
        {
            await link.SetUpAsync(workloadMac);
            return link;
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync(MacAddress workloadMac)
    {
        foreach (var ns in new[] { WorkloadNamespace, AgentNamespace })
        {
            await ProcessRunner.RunCheckedAsync("ip", "netns", "add", ns);
            _created.Add(ns);
            await ProcessRunner.RunCheckedAsync("ip", "-n", ns, "link", "set", "lo", "up");
            // No IPv6: router solicitations and MLD reports would only be noise on the link.
            await ProcessRunner.RunCheckedAsync("sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], new ProcessOptions { NetworkNamespace = ns });
        }

        await ProcessRunner.RunCheckedAsync("ip", "-n", AgentNamespace, "link", "add", AgentInterface, "type", "veth", "peer", "name", WorkloadInterface, "netns", WorkloadNamespace);
        await ProcessRunner.RunCheckedAsync("ip", "-n", WorkloadNamespace, "link", "set", WorkloadInterface, "address", workloadMac.ToString(), "up");
        await ProcessRunner.RunCheckedAsync("ip", "-n", AgentNamespace, "link", "set", AgentInterface, "up");
        Socket = LinkLayerSocket.Open(AgentNamespace, AgentInterface);
    }

    public async Task<string> WorkloadAddressesAsync() =>
        await ProcessRunner.RunCheckedAsync("ip", ["-4", "-o", "addr", "show", "dev", WorkloadInterface], InWorkload);

    public async ValueTask DisposeAsync()
    {
        Socket?.Dispose();
        foreach (var ns in _created) { await ProcessRunner.RunAsync("ip", "netns", "del", ns); }
    }
}
