using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Features;
using Erebor.Agent.Network;
using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Ovsdb.Vswitch;

namespace Erebor.Agent.Tests.Tunnels;

/// <summary>l2population: other nodes' ports and blocks from NodeAgents and Subnets, and which NodeAgent changes matter.</summary>
public sealed class RemoteNetworkTests
{
    private static readonly TunnelPort Tunnel = new(65000, Ipv4Address.Parse("192.168.7.1"));

    private static V1Alpha1Subnet Subnet(string name, string cidr, int segment, params (string Node, string Cidr)[] blocks) => new()
    {
        Metadata = new ObjectMeta { Namespace = "team", Name = name },
        Spec = new() { Cidr = cidr },
        Status = new()
        {
            SegmentId = segment,
            Gateway = cidr.Replace(".0/24", ".1", StringComparison.Ordinal),
            NodeBlocks = [.. blocks.Select(b => new V1Alpha1Subnet.NodeBlock { Node = b.Node, Cidr = b.Cidr })],
        },
    };

    private static V1Alpha1NodeAgent Agent(string node, string? endpoint, params (string Name, string Subnet, string Mac, string? Ip)[] ports) => new()
    {
        Metadata = new ObjectMeta { Name = node },
        Spec = new() { NodeName = node, TunnelEndpoint = endpoint },
        Status = new()
        {
            LastHeartbeatTime = DateTimeOffset.UnixEpoch,
            Ports = [.. ports.Select(p => new V1Alpha1NodeAgent.NodePort { Name = p.Name, Subnet = p.Subnet, Mac = p.Mac, Ip = p.Ip })],
        },
    };

    private static OvsInterface Interface(string name, long? ofport, params (string Key, string Value)[] ids) =>
        new(Guid.NewGuid(), name, string.Empty, name, "br-int", ofport, ids.ToDictionary(i => i.Key, i => i.Value), "up", "up", null, null);

    private static readonly V1Alpha1Subnet[] Subnets =
    [
        Subnet("web", "10.0.1.0/24", 7, ("node1", "10.0.1.0/26"), ("node2", "10.0.1.64/26"), ("node3", "10.0.1.128/26")),
        Subnet("db", "10.0.2.0/24", 9, ("node2", "10.0.2.64/26")),
    ];

    private static NodeNetwork Local()
    {
        var router = new V1Alpha1Router { Metadata = new ObjectMeta { Namespace = "team", Name = "r" } };
        router.Status.Interfaces = [new V1Alpha1Router.InterfaceStatus { Subnet = "web", Ip = "10.0.1.1", Mac = "0a:00:00:00:00:01" }];
        return DesiredNetwork.Build(Subnets, [router], [Interface("vm1", 1, ("erebor.io/subnet", "team/web"), ("attached-mac", "02:00:00:00:01:01"), ("erebor.io/ip", "10.0.1.10"))], "node1").Network;
    }

    [Fact]
    public void Other_nodes_ports_and_blocks_join_the_network_of_a_node_with_a_tunnel()
    {
        V1Alpha1NodeAgent[] agents =
        [
            Agent("node1", "192.168.7.1", ("vm1", "team/web", "02:00:00:00:01:01", "10.0.1.10")), // this node: never remote
            Agent("node2", "192.168.7.2", ("web2", "team/web", "02:00:00:00:01:22", "10.0.1.70"), ("db2", "team/db", "02:00:00:00:02:22", null)),
            Agent("node3", "192.168.7.3", ("other", "elsewhere/net", "02:00:00:00:09:09", "10.9.0.1"), ("web3", "team/web", "02:00:00:00:01:33", "10.0.1.130")),
            Agent("node4", null, ("web4", "team/web", "02:00:00:00:01:44", "10.0.1.140")), // no tunnel endpoint: unreachable
        ];

        var network = RemoteNetwork.Add(Local(), Subnets, agents, "node1", Tunnel);

        network.Tunnel.Should().Be(Tunnel);
        network.RemotePorts.Select(p => (p.Name, p.Node, p.Endpoint.ToString(), p.SegmentId, p.Ip?.ToString())).Should().Equal(
            ("db2", "node2", "192.168.7.2", 9u, null),
            ("web2", "node2", "192.168.7.2", 7u, "10.0.1.70"),
            ("web3", "node3", "192.168.7.3", 7u, "10.0.1.130"));
        network.RemoteBlocks.Select(b => (b.SegmentId, b.Block.ToString(), b.Node)).Should().Equal(
            (7u, "10.0.1.64/26", "node2"), (7u, "10.0.1.128/26", "node3"), (9u, "10.0.2.64/26", "node2"));
        network.Ports.Should().Equal(Local().Ports, "local ports are untouched");
    }

    [Fact]
    public void A_local_port_wins_a_mac_or_ip_conflict_and_the_first_node_by_name_wins_among_remotes()
    {
        V1Alpha1NodeAgent[] agents =
        [
            Agent("node3", "192.168.7.3", ("moved", "team/web", "02:00:00:00:01:22", "10.0.1.71"), ("gw", "team/web", "02:00:00:00:01:55", "10.0.1.1")),
            Agent("node2", "192.168.7.2", ("stale", "team/web", "02:00:00:00:01:01", "10.0.1.99"), ("web2", "team/web", "02:00:00:00:01:22", "10.0.1.70"), ("dup-ip", "team/web", "02:00:00:00:01:23", "10.0.1.10")),
        ];

        var ports = RemoteNetwork.Add(Local(), Subnets, agents, "node1", Tunnel).RemotePorts;

        ports.Select(p => p.Name).Should().Equal(["dup-ip", "web2", "gw"], "vm1's MAC is local (stale is left out); node2 comes before node3 for web2's MAC");
        ports.Single(p => p.Name == "dup-ip").Ip.Should().BeNull("10.0.1.10 is vm1's: L2 still reaches the port, but ARP and routing go to vm1");
        ports.Single(p => p.Name == "gw").Ip.Should().BeNull("10.0.1.1 is the router's");
        FlowPlan.Build(RemoteNetwork.Add(Local(), Subnets, agents, "node1", Tunnel), FeatureSet.All, 1).Select(FlowPlan.KeyOf).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Without_a_tunnel_port_nothing_is_remote_and_the_tunnel_port_is_found_by_name_once_numbered()
    {
        var local = Local();
        RemoteNetwork.Add(local, Subnets, [Agent("node2", "192.168.7.2", ("web2", "team/web", "02:00:00:00:01:22", "10.0.1.70"))], "node1", tunnel: null).Should().BeSameAs(local);

        RemoteNetwork.TunnelOf([Interface(RemoteNetwork.TunnelPortName, 65000)], "192.168.7.1").Should().Be(Tunnel);
        RemoteNetwork.TunnelOf([Interface(RemoteNetwork.TunnelPortName, -1)], "192.168.7.1").Should().BeNull("OVS has not numbered it yet");
        RemoteNetwork.TunnelOf([Interface(RemoteNetwork.TunnelPortName, 65000)], null).Should().BeNull("no --tunnel-ip");
        RemoteNetwork.TunnelOf([Interface("vm1", 1)], "192.168.7.1").Should().BeNull();
    }

    [Fact]
    public void Only_another_nodes_endpoint_or_ports_wake_the_synchronizer_never_a_heartbeat()
    {
        var changes = new RemoteNodeChanges("node1");
        var node2 = Agent("node2", "192.168.7.2", ("web2", "team/web", "02:00:00:00:01:22", "10.0.1.70"));

        changes.Matter(new InformerEvent<V1Alpha1NodeAgent>(WatchEventType.Added, node2)).Should().BeTrue();
        node2.Status.LastHeartbeatTime = DateTimeOffset.UnixEpoch.AddSeconds(10);
        node2.Status.FlowCount = 42;
        node2.Status.PacketInsByApp = new() { ["l3"] = 3 };
        changes.Matter(new InformerEvent<V1Alpha1NodeAgent>(WatchEventType.Modified, node2)).Should().BeFalse("a heartbeat changes no flow");
        node2.Status.Ports![0].Ip = "10.0.1.71";
        changes.Matter(new InformerEvent<V1Alpha1NodeAgent>(WatchEventType.Modified, node2)).Should().BeTrue("a port's address changed");
        node2.Spec.TunnelEndpoint = "192.168.7.22";
        changes.Matter(new InformerEvent<V1Alpha1NodeAgent>(WatchEventType.Modified, node2)).Should().BeTrue("the node moved");
        changes.Matter(new InformerEvent<V1Alpha1NodeAgent>(WatchEventType.Modified, Agent("node1", "192.168.7.1"))).Should().BeFalse("this node's own NodeAgent");
        changes.Matter(new InformerEvent<V1Alpha1NodeAgent>(WatchEventType.Deleted, node2)).Should().BeTrue();

        // And the flows agree: a heartbeat-only change plans the same flows.
        var before = FlowPlan.Build(RemoteNetwork.Add(Local(), Subnets, [node2], "node1", Tunnel), FeatureSet.All, 1);
        node2.Status.LastHeartbeatTime = DateTimeOffset.UnixEpoch.AddSeconds(20);
        node2.Status.FlowCount = 43;
        FlowPlan.Build(RemoteNetwork.Add(Local(), Subnets, [node2], "node1", Tunnel), FeatureSet.All, 1).Should().Equal(before);
    }
}
