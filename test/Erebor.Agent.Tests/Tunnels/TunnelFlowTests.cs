using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Features;
using Erebor.Agent.Tests.Unit;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;

namespace Erebor.Agent.Tests.Tunnels;

/// <summary>The flows for other nodes: tunnel classifier, unicast to remote MACs, head-end replication, split horizon, ARP for remote ports.</summary>
public sealed class TunnelFlowTests
{
    private const uint Tunnel = 65000;
    private static readonly Segment Web = new(7, "team/web", Ipv4Cidr.Parse("10.0.1.0/24"), Ipv4Address.Parse("10.0.1.1"), DhcpEnabled: true);
    private static readonly Segment Db = new(9, "team/db", Ipv4Cidr.Parse("10.0.2.0/24"), Ipv4Address.Parse("10.0.2.1"), DhcpEnabled: true);
    private static readonly Ipv4Address Node2 = Ipv4Address.Parse("192.168.7.2");
    private static readonly Ipv4Address Node3 = Ipv4Address.Parse("192.168.7.3");
    private static readonly MacAddress GroupBit = MacAddress.Parse("01:00:00:00:00:00");

    // This node: web (ports 1, 2) and db (port 3). Node 2: a web port and a db port; node 3: a db port only.
    private static readonly NodeNetwork Network = new NodeNetwork(
        [Web, Db],
        [],
        [
            new LocalPort("vm1", 1, MacAddress.Parse("02:00:00:00:01:01"), Web.Id, Ipv4Address.Parse("10.0.1.10")),
            new LocalPort("vm2", 2, MacAddress.Parse("02:00:00:00:01:02"), Web.Id, null),
            new LocalPort("db1", 3, MacAddress.Parse("02:00:00:00:02:01"), Db.Id, Ipv4Address.Parse("10.0.2.10")),
        ])
    {
        Tunnel = new TunnelPort(Tunnel, Ipv4Address.Parse("192.168.7.1")),
        RemotePorts =
        [
            new RemotePort("web2", "node2", Node2, MacAddress.Parse("02:00:00:00:01:22"), Web.Id, Ipv4Address.Parse("10.0.1.22")),
            new RemotePort("db2", "node2", Node2, MacAddress.Parse("02:00:00:00:02:22"), Db.Id, null),
            new RemotePort("db3", "node3", Node3, MacAddress.Parse("02:00:00:00:02:33"), Db.Id, Ipv4Address.Parse("10.0.2.33")),
        ],
    };

    private static IReadOnlyList<FlowMod> Plan(NodeNetwork network) => FlowPlan.Build(network, FeatureSet.All, round: 1);

    private static FlowMod Flood(IReadOnlyList<FlowMod> flows, uint segment, ushort priority) =>
        flows.Single(f => f.TableId == Pipeline.L2Lookup.Id && f.Priority == priority && f.Match.Find(OxmField.Metadata)?.Value == segment && f.Match.Find(OxmField.EthDst) is { Mask: not null });

    [Fact]
    public void The_tunnel_key_is_the_segment_and_tunnel_packets_skip_arp_and_dhcp()
    {
        var classifier = Plan(Network).Where(f => f.TableId == Pipeline.Classifier.Id && f.Match.Find(OxmField.InPort)?.Value == Tunnel).ToList();

        classifier.Select(f => f.Match.Find(OxmField.TunnelId)!.Value.Value).Should().BeEquivalentTo([7UL, 9UL]);
        var web = classifier.Single(f => f.Match.Find(OxmField.TunnelId)!.Value.Value == Web.Id);
        web.Instructions.AsSpan().ToArray().Should().Equal(
            new ApplyActionsInstruction([new SetFieldAction(OxmField.Reg(Pipeline.InPortRegister), Tunnel)]),
            new WriteMetadataInstruction(Web.Id),
            new GotoTableInstruction(Pipeline.L3Lookup.Id));
        FlowCookie.Parse(web.Cookie).App.Should().Be(AppId.Tunnel);
    }

    [Fact]
    public void Unicast_to_a_remote_mac_carries_its_segment_key_to_its_node()
    {
        var flow = Plan(Network).Single(f => f.TableId == Pipeline.L2Lookup.Id && f.Match.Find(OxmField.EthDst) is { Mask: null } dst && dst.Value == MacAddress.Parse("02:00:00:00:02:33").Value);

        flow.Match.Find(OxmField.Metadata)!.Value.Value.Should().Be(Db.Id);
        flow.ApplyActions().Should().Equal(new SetFieldAction(OxmField.TunnelId, Db.Id), new SetFieldAction(OxmField.TunIpv4Dst, Node3.Value), new SetFieldAction(OxmField.Reg(Pipeline.OutPortRegister), Tunnel));
        var egress = Plan(Network).Where(f => f.TableId == Pipeline.Egress.Id && f.Match.Find(OxmField.Reg(Pipeline.OutPortRegister))?.Value == Tunnel).ToList();
        egress.Single(f => f.Priority == 100).Instructions.AsSpan().ToArray().Should().Equal(new ApplyActionsInstruction([new OutputAction(Tunnel)]));
        egress.Single(f => f.Priority == 110).Match.Find(OxmField.Reg(Pipeline.InPortRegister))!.Value.Value.Should().Be(Tunnel, "split horizon: from the tunnel, never back into it");
        egress.Single(f => f.Priority == 110).Instructions.AsSpan().ToArray().Should().BeEmpty("drop");
    }

    [Fact]
    public void Broadcast_reaches_the_local_ports_and_one_copy_per_node_with_a_port_on_the_segment_and_never_goes_back_into_the_tunnel()
    {
        var flows = Plan(Network);

        Flood(flows, Web.Id, 90).ApplyActions().Should().Equal(
            new OutputAction(1), new OutputAction(2),
            new SetFieldAction(OxmField.TunnelId, Web.Id), new SetFieldAction(OxmField.TunIpv4Dst, Node2.Value), new OutputAction(Tunnel));
        Flood(flows, Db.Id, 90).ApplyActions().Should().Equal(
            new OutputAction(3),
            new SetFieldAction(OxmField.TunnelId, Db.Id), new SetFieldAction(OxmField.TunIpv4Dst, Node2.Value), new OutputAction(Tunnel),
            new SetFieldAction(OxmField.TunIpv4Dst, Node3.Value), new OutputAction(Tunnel));

        var fromTunnel = Flood(flows, Web.Id, 95);
        fromTunnel.Match.Find(OxmField.Reg(Pipeline.InPortRegister))!.Value.Value.Should().Be(Tunnel);
        fromTunnel.ApplyActions().Should().Equal(new OutputAction(1), new OutputAction(2));
        fromTunnel.Match.Find(OxmField.EthDst).Should().Be(new OxmEntry(OxmField.EthDst, GroupBit.Value, GroupBit.Value));
    }

    [Fact]
    public void Arp_for_a_remote_ports_address_is_answered_locally_with_its_mac()
    {
        var responders = Plan(Network).Where(f => f.TableId == Pipeline.ArpResponder.Id && f.Priority == 100).ToList();
        var remote = responders.Single(f => f.Match.Find(OxmField.ArpTpa)?.Value == Ipv4Address.Parse("10.0.2.33").Value);

        remote.Match.Find(OxmField.Metadata)!.Value.Value.Should().Be(Db.Id);
        remote.ApplyActions().Should().Contain(new SetFieldAction(OxmField.ArpSha, MacAddress.Parse("02:00:00:00:02:33").Value)).And.EndWith(new OutputAction(OpenFlow.OfpPort.InPort));
        responders.Select(f => new Ipv4Address((uint)f.Match.Find(OxmField.ArpTpa)!.Value.Value)).Should().BeEquivalentTo(
            new[] { "10.0.1.10", "10.0.2.10", "10.0.1.22", "10.0.2.33" }.Select(Ipv4Address.Parse), "db2 has no address yet");
        Plan(Network with { Tunnel = null }).Any(f => f.TableId == Pipeline.ArpResponder.Id && f.Match.Find(OxmField.ArpTpa)?.Value == Ipv4Address.Parse("10.0.2.33").Value).Should().BeFalse("no tunnel, no remote port");
    }

    [Fact]
    public void Without_a_tunnel_the_plan_is_the_single_node_one()
    {
        var single = Network with { Tunnel = null, RemotePorts = [] };
        var plan = Plan(single);

        plan.Should().NotContain(f => FlowCookie.Parse(f.Cookie).App == AppId.Tunnel);
        Flood(plan, Db.Id, 90).ApplyActions().Should().Equal(new OutputAction(3));
        plan.Where(f => f.TableId == Pipeline.L2Lookup.Id && f.Priority == 95).Should().BeEmpty();
        Plan(Network).Select(FlowPlan.KeyOf).Should().OnlyHaveUniqueItems();
    }
}
