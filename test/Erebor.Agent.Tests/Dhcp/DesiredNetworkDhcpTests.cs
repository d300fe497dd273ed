using Erebor.Agent.Apps.Dhcp;
using Erebor.Agent.Network;
using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Entities;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Tests.Dhcp;

public sealed class DesiredNetworkDhcpTests
{
    private sealed class Leases(Dictionary<(string, string, MacAddress), Ipv4Address> map) : ILeaseView
    {
        public Ipv4Address? AddressOf(string segment, string port, MacAddress mac) => map.TryGetValue((segment, port, mac), out var ip) ? ip : null;
    }

    private static OvsInterface Port(string name, long ofport, params (string Key, string Value)[] ids) =>
        new(Guid.NewGuid(), name, string.Empty, name, "br-int", ofport, ids.ToDictionary(i => i.Key, i => i.Value), "up", "up", null, null);

    private static V1Alpha1Subnet Subnet() => new()
    {
        Metadata = new ObjectMeta { Namespace = "a", Name = "web" },
        Spec = new()
        {
            Cidr = "10.0.1.0/24",
            ReservedRanges = ["10.0.1.2-10.0.1.4", "10.0.1.9"],
            Dhcp = new() { DnsServers = ["10.0.1.53"], Domain = "a.example", LeaseSeconds = 600, Mtu = 1450, StaticRoutes = [new StaticRoute { Destination = "192.168.0.0/16", NextHop = "10.0.1.100" }] },
        },
        Status = new() { SegmentId = 5, Gateway = "10.0.1.1", NodeBlocks = [new() { Node = "n1", Cidr = "10.0.1.0/26" }, new() { Node = "n2", Cidr = "10.0.1.64/26" }] },
    };

    [Fact]
    public void The_node_block_and_options_come_from_the_subnet_and_leased_addresses_from_the_lease_view()
    {
        var mac = MacAddress.Parse("02:00:00:00:00:05");
        var leases = new Leases(new() { [("a/web", "vm-dhcp", mac)] = Ipv4Address.Parse("10.0.1.10") });
        OvsInterface[] interfaces =
        [
            Port("tap5", 5, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:05"), ("iface-id", "vm-dhcp")),
            Port("tap6", 6, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:06"), ("erebor.io/ip", "10.0.1.20")),
        ];

        var (network, _) = DesiredNetwork.Build([Subnet()], [], interfaces, "n2", leases);

        var dhcp = network.Segments.Single().Dhcp!;
        dhcp.NodeBlock.Should().Be(Ipv4Cidr.Parse("10.0.1.64/26"));
        dhcp.Reserved.Should().Equal(AddressRange.Parse("10.0.1.2-10.0.1.4"), AddressRange.Parse("10.0.1.9"));
        dhcp.DnsServers.Should().Equal(Ipv4Address.Parse("10.0.1.53"));
        dhcp.LeaseSeconds.Should().Be(600u);
        dhcp.Mtu.Should().Be((ushort)1450);
        dhcp.StaticRoutes.Should().Equal(new DhcpRoute(Ipv4Cidr.Parse("192.168.0.0/16"), Ipv4Address.Parse("10.0.1.100")));

        var leased = network.Ports.Single(p => p.Name == "tap5");
        leased.Ip.Should().Be(Ipv4Address.Parse("10.0.1.10"));
        leased.StaticIp.Should().BeFalse();
        leased.Identity.Should().Be("vm-dhcp");
        network.Ports.Single(p => p.Name == "tap6").Should().Match<Apps.LocalPort>(p => p.StaticIp && p.Ip == Ipv4Address.Parse("10.0.1.20") && p.Identity == "tap6");

        DesiredNetwork.Build([Subnet()], [], interfaces, "n3", leases).Network.Segments.Single().Dhcp.Should().BeNull("a node without a block serves no DHCP");
        DesiredNetwork.Build([Subnet()], [], interfaces, "n2", leases).Network.Should().BeEquivalentTo(network, "pure: the same inputs give the same network");
    }
}
