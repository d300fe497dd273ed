using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Features;
using Erebor.Agent.Apps.L3;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Matching;

namespace Erebor.Agent.Tests.Unit;

public sealed class FlowPlanTests
{
    private static readonly Segment Web = new(7, "team/web", Ipv4Cidr.Parse("10.0.1.0/24"), Ipv4Address.Parse("10.0.1.1"), DhcpEnabled: true);
    private static readonly Segment Db = new(9, "team/db", Ipv4Cidr.Parse("10.0.2.0/24"), Ipv4Address.Parse("10.0.2.1"), DhcpEnabled: true);
    private static readonly MacAddress RouterWebMac = MacAddress.Parse("0a:00:00:00:00:07");

    private static readonly NodeNetwork Network = new(
        [Web, Db],
        [new RouterInterface("team/r", Web.Id, Web.Gateway, RouterWebMac), new RouterInterface("team/r", Db.Id, Db.Gateway, MacAddress.Parse("0a:00:00:00:00:09"))],
        [
            new LocalPort("vm1", 1, MacAddress.Parse("02:00:00:00:01:01"), Web.Id, Ipv4Address.Parse("10.0.1.10")),
            new LocalPort("vm2", 2, MacAddress.Parse("02:00:00:00:01:02"), Web.Id, null),
            new LocalPort("db1", 3, MacAddress.Parse("02:00:00:00:02:01"), Db.Id, Ipv4Address.Parse("10.0.2.10")),
        ]);

    [Fact]
    public void Every_goto_moves_forward_and_every_table_miss_is_declared()
    {
        foreach (var table in Pipeline.Tables.Where(t => t.Next is not null))
        {
            table.Next!.Value.Should().BeGreaterThan(table.Id, $"OpenFlow only allows goto_table to a later table ({table.Name})");
            Pipeline.Tables.Should().Contain(t => t.Id == table.Next, $"{table.Name} continues in a declared table");
        }

        var flows = FlowPlan.Build(Network, FeatureSet.All, round: 3);
        foreach (var flow in flows)
        {
            foreach (var goTo in flow.Instructions.AsSpan().ToArray().OfType<GotoTableInstruction>())
            {
                goTo.TableId.Should().BeGreaterThan(flow.TableId);
            }
        }

        flows.Where(f => f.Priority == 0).Select(f => f.TableId).Should().BeEquivalentTo(Pipeline.Tables.Select(t => t.Id), "each table has exactly one miss flow");
    }

    [Fact]
    public void Flow_keys_are_unique_and_every_cookie_carries_the_round_and_its_app()
    {
        var flows = FlowPlan.Build(Network, FeatureSet.All, round: 42);
        flows.Select(FlowPlan.KeyOf).Should().OnlyHaveUniqueItems("two flows with the same table, priority and match would replace each other");
        flows.Should().OnlyContain(f => FlowCookie.Parse(f.Cookie).Round == 42 && FlowCookie.IsOurs(f.Cookie));
        FlowPlan.Build(Network, FeatureSet.All, round: 42).Should().Equal(flows, "planning is deterministic");
    }

    [Fact]
    public void The_arp_responder_answers_for_gateways_and_ports_with_an_address_and_lets_self_probes_pass()
    {
        var arp = new ArpResponderFeature().Flows(Network).ToList();
        var answered = arp.Where(f => f.Priority == 100).Select(f => new Ipv4Address((uint)f.Match.Find(OxmField.ArpTpa)!.Value.Value)).ToList();
        answered.Should().BeEquivalentTo(new[] { "10.0.1.1", "10.0.2.1", "10.0.1.10", "10.0.2.10" }.Select(Ipv4Address.Parse), "vm2 has no address yet, so nobody answers for it");

        var gateway = arp.Single(f => f.Priority == 100 && f.Match.Find(OxmField.ArpTpa)!.Value.Value == Web.Gateway.Value);
        gateway.Match.Find(OxmField.Metadata)!.Value.Value.Should().Be(Web.Id, "a gateway answers only on its own segment");
        var actions = gateway.ApplyActions();
        actions.OfType<SetFieldAction>().Should().Contain(a => a.Field == OxmField.EthSrc && a.Value == RouterWebMac.Value);
        actions.OfType<SetFieldAction>().Should().Contain(a => a.Field == OxmField.ArpOp && a.Value == 2);
        actions.Last().Should().Be(new OutputAction(Erebor.OpenFlow.OfpPort.InPort));

        var selfProbe = arp.Single(f => f.Priority == 110 && f.Match.Find(OxmField.InPort)!.Value.Value == 1);
        selfProbe.Instructions.AsSpan().ToArray().Should().ContainSingle().Which.Should().Be(new GotoTableInstruction(Pipeline.Dhcp.Id));
    }

    [Fact]
    public void Broadcast_floods_only_the_ports_of_the_same_segment()
    {
        var flood = new L2Feature().Flows(Network).Where(f => f.Priority == 90).ToList();
        flood.Should().HaveCount(2);
        var web = flood.Single(f => f.Match.Find(OxmField.Metadata)!.Value.Value == Web.Id);
        web.ApplyActions().Should().Equal(new OutputAction(1), new OutputAction(2));
    }

    [Fact]
    public void The_classifier_binds_each_port_to_its_own_mac_and_segment()
    {
        var classifier = new ClassifierFeature().Flows(Network).ToList();
        classifier.Should().HaveCount(3);
        var db1 = classifier.Single(f => f.Match.Find(OxmField.InPort)!.Value.Value == 3);
        db1.Match.Find(OxmField.EthSrc)!.Value.Value.Should().Be(MacAddress.Parse("02:00:00:00:02:01").Value, "a spoofed source MAC misses and is dropped");
        db1.Instructions.AsSpan().ToArray().OfType<WriteMetadataInstruction>().Single().Metadata.Should().Be(Db.Id);
    }

    [Fact]
    public void Table_40_sends_ttl_0_and_1_to_the_agent_above_the_reactive_flows_through_the_l3_meter()
    {
        var table40 = new L3LookupFeature().Flows(Network).Where(f => f.TableId == Pipeline.L3Forwarding.Id).ToList();
        var expiring = table40.Where(f => f.Match.Find(OxmField.IpTtl) is not null).ToList();

        expiring.Select(f => f.Match.Find(OxmField.IpTtl)!.Value.Value).Should().BeEquivalentTo(new ulong[] { 0, 1 });
        expiring.Should().OnlyContain(f => f.Priority > L3Router.FlowPriority, "a /32's dec_ttl would drop a TTL-1 packet silently");
        var miss = table40.Single(f => f.Match.Find(OxmField.IpTtl) is null);
        foreach (var flow in expiring)
        {
            flow.Match.Find(OxmField.EthType)!.Value.Value.Should().Be(EtherTypes.IPv4);
            flow.Match.Fields.Should().HaveCount(2, "any router MAC and segment: table 30 only lets routed packets in");
            flow.Instructions.Should().Equal(miss.Instructions, "the same metered path to the agent as the L3 miss");
            FlowCookie.Parse(flow.Cookie).App.Should().Be(AppId.L3, "the agent hands these PACKET_INs to the L3 app");
        }

        new L3LookupFeature().Flows(Network with { RouterInterfaces = [] }).Should().BeEmpty();
    }

    [Fact]
    public void Without_routers_nothing_is_sent_to_the_agent()
    {
        var flows = FlowPlan.Build(Network with { RouterInterfaces = [] }, FeatureSet.All, round: 1);
        flows.Should().NotContain(f => f.Instructions.AsSpan().ToArray().OfType<MeterInstruction>().Any());
    }
}
