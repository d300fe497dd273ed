using Erebor.Agent.Network;
using Erebor.Api;
using Erebor.Kube.Entities;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Tests.Unit;

public sealed class DesiredNetworkTests
{
    private static V1Alpha1Subnet Subnet(string ns, string name, string cidr, int? segment, string? gateway = null) => new()
    {
        Metadata = new ObjectMeta { Namespace = ns, Name = name },
        Spec = new() { Cidr = cidr },
        Status = new() { SegmentId = segment, Gateway = gateway ?? cidr.Replace(".0/24", ".1", StringComparison.Ordinal) },
    };

    private static OvsInterface Port(string name, long? ofport, params (string Key, string Value)[] ids) =>
        new(Guid.NewGuid(), name, string.Empty, name, "br-int", ofport, ids.ToDictionary(i => i.Key, i => i.Value), "up", "up", null, null);

    [Fact]
    public void Wires_valid_ports_and_says_why_it_ignores_the_others()
    {
        V1Alpha1Subnet[] subnets = [Subnet("a", "web", "10.0.1.0/24", 5), Subnet("a", "pending", "10.0.9.0/24", segment: null)];
        var router = new V1Alpha1Router { Metadata = new ObjectMeta { Namespace = "a", Name = "r" } };
        router.Status.Interfaces = [new V1Alpha1Router.InterfaceStatus { Subnet = "web", Ip = "10.0.1.1", Mac = "0a:00:00:00:00:01" }, new V1Alpha1Router.InterfaceStatus { Subnet = "pending", Ip = "10.0.9.1", Mac = "0a:00:00:00:00:02" }];
        OvsInterface[] interfaces =
        [
            Port("good", 4, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:04"), ("erebor.io/ip", "10.0.1.4")),
            Port("dhcp", 5, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:05")),
            Port("not-ours", 6, ("attached-mac", "02:00:00:00:00:06")),
            Port("no-ofport", -1, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:07")),
            Port("unknown-subnet", 8, ("erebor.io/subnet", "b/web"), ("attached-mac", "02:00:00:00:00:08")),
            Port("not-ready", 9, ("erebor.io/subnet", "a/pending"), ("attached-mac", "02:00:00:00:00:09")),
            Port("bad-mac", 10, ("erebor.io/subnet", "a/web"), ("attached-mac", "zz")),
            Port("multicast", 11, ("erebor.io/subnet", "a/web"), ("attached-mac", "01:00:5e:00:00:01")),
            Port("outside", 12, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:0c"), ("erebor.io/ip", "10.9.9.9")),
        ];

        var (network, ignored) = DesiredNetwork.Build(subnets, [router], interfaces);

        network.Segments.Should().ContainSingle().Which.Id.Should().Be(5u, "a Subnet without a segment id is not wired yet");
        network.RouterInterfaces.Should().ContainSingle().Which.Ip.ToString().Should().Be("10.0.1.1");
        network.Ports.Select(p => (p.Name, p.OfPort, p.Ip?.ToString())).Should().Equal(("dhcp", 5u, null), ("good", 4u, "10.0.1.4"));
        ignored.Select(i => i.Name).Should().BeEquivalentTo(["no-ofport", "unknown-subnet", "not-ready", "bad-mac", "multicast", "outside"], "a port without erebor.io/subnet is simply not ours");
        ignored.Single(i => i.Name == "outside").Reason.Should().Be("external_ids:erebor.io/ip 10.9.9.9 is outside a/web (10.0.1.0/24)");
        ignored.Single(i => i.Name == "unknown-subnet").Reason.Should().Be("Subnet b/web does not exist or is not Ready");
    }

    [Fact]
    public void A_second_port_with_a_mac_or_static_address_already_wired_on_its_segment_is_ignored_with_the_first_ports_name()
    {
        V1Alpha1Subnet[] subnets = [Subnet("a", "web", "10.0.1.0/24", 5), Subnet("a", "db", "10.0.2.0/24", 6)];
        OvsInterface[] interfaces =
        [
            Port("p1", 1, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:01"), ("erebor.io/ip", "10.0.1.4")),
            Port("p2-same-mac", 2, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:01")),
            Port("p3-same-ip", 3, ("erebor.io/subnet", "a/web"), ("attached-mac", "02:00:00:00:00:03"), ("erebor.io/ip", "10.0.1.4")),
            Port("p4-other-segment", 4, ("erebor.io/subnet", "a/db"), ("attached-mac", "02:00:00:00:00:01")),
        ];

        var (network, ignored) = DesiredNetwork.Build(subnets, [], interfaces);

        network.Ports.Select(p => p.Name).Should().Equal(["p1", "p4-other-segment"], "a MAC is unique per segment, not per node");
        ignored.Select(i => (i.Name, i.Reason)).Should().Equal(
            ("p2-same-mac", "external_ids:attached-mac 02:00:00:00:00:01 is already port p1's on a/web"),
            ("p3-same-ip", "address 10.0.1.4 is already port p1's on a/web"));
    }
}
