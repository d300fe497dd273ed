using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Dhcp;
using Erebor.Agent.Network;
using Erebor.Agent.Status;
using Erebor.Api;
using Erebor.Kube.Entities;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Tests.Unit;

/// <summary>What the agent reports as programmed: generations from the objects it installed, ports and leases per subnet.</summary>
public sealed class NodeAgentStatusUnitTests
{
    private sealed class Counts(Dictionary<string, (long, long)> bySegment) : ILeaseCounts
    {
        public (long InUse, long Available)? CountOf(Segment segment, NodeNetwork network) => bySegment.TryGetValue(segment.Name, out var c) ? c : null;
    }

    private static V1Alpha1Subnet Subnet(string name, string cidr, int? segment, long generation, long? observed) => new()
    {
        Metadata = new ObjectMeta { Namespace = "ns", Name = name, Generation = generation },
        Spec = new() { Cidr = cidr },
        Status = new() { SegmentId = segment, Gateway = cidr.Replace(".0/24", ".1", StringComparison.Ordinal), ObservedGeneration = observed },
    };

    private static V1Alpha1Router Router(string name, long generation, long observed, params string[] subnets)
    {
        var router = new V1Alpha1Router { Metadata = new ObjectMeta { Namespace = "ns", Name = name, Generation = generation } };
        router.Status.ObservedGeneration = observed;
        router.Status.Interfaces = [.. subnets.Select((s, i) => new V1Alpha1Router.InterfaceStatus { Subnet = s, Ip = $"10.0.{i + 1}.1", Mac = $"0a:00:00:00:00:0{i + 1}" })];
        return router;
    }

    private static OvsInterface Port(string name, long ofport, string subnet, string mac) =>
        new(Guid.NewGuid(), name, string.Empty, name, "br-int", ofport, new Dictionary<string, string> { ["erebor.io/subnet"] = subnet, ["attached-mac"] = mac }, "up", "up", null, null);

    [Fact]
    public void Generations_count_once_the_operator_resolved_them_and_only_for_what_was_wired()
    {
        V1Alpha1Subnet[] subnets =
        [
            Subnet("web", "10.0.1.0/24", 5, generation: 3, observed: 3),
            Subnet("db", "10.0.2.0/24", 6, generation: 4, observed: 3), // spec changed, the operator has not resolved it yet
            Subnet("new", "10.0.3.0/24", segment: null, generation: 1, observed: null), // not validated: not wired
        ];
        V1Alpha1Router[] routers =
        [
            Router("r", generation: 2, observed: 2, "web", "db"),
            Router("half", generation: 1, observed: 1, "web", "new"), // one interface on a subnet that is not wired
        ];
        var (network, _) = DesiredNetwork.Build(subnets, routers, []);

        var programmed = ProgrammedGenerations.Of(subnets, routers, network);

        programmed.Subnets.Should().BeEquivalentTo(new Dictionary<string, long> { ["ns/web"] = 3, ["ns/db"] = 3 });
        programmed.Routers.Should().BeEquivalentTo(new Dictionary<string, long> { ["ns/r"] = 2 });
    }

    [Fact]
    public void Describe_lists_every_wired_subnet_with_its_ports_and_this_nodes_leases()
    {
        V1Alpha1Subnet[] subnets = [Subnet("web", "10.0.1.0/24", 5, 3, 3), Subnet("db", "10.0.2.0/24", 6, 1, 1)];
        OvsInterface[] ports = [Port("p1", 1, "ns/web", "02:00:00:00:00:01"), Port("p2", 2, "ns/web", "02:00:00:00:00:02"), Port("p3", 3, "ns/db", "02:00:00:00:00:03")];
        var (network, _) = DesiredNetwork.Build(subnets, [Router("r", 2, 2, "web")], ports);
        var programmed = new ProgrammedGenerations(new Dictionary<string, long> { ["ns/web"] = 3 }, new Dictionary<string, long> { ["ns/r"] = 2 });

        var (described, routers) = NodeAgentReporter.Describe(network, programmed, new Counts(new() { ["ns/web"] = (2, 58) }));

        described.Select(s => (s.Subnet, s.ObservedGeneration, s.Ports, s.LeasesUsed, s.LeasesAvailable)).Should().Equal(
            ("ns/db", (long?)null, 1, 0, 0), // installed but not yet recorded as programmed; no block here
            ("ns/web", 3L, 2, 2, 58));
        routers.Select(r => (r.Router, r.ObservedGeneration)).Should().Equal(("ns/r", (long?)2));
    }
}
