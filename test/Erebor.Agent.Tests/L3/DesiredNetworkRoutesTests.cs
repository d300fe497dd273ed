using Erebor.Agent.Apps;
using Erebor.Agent.Network;
using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Entities;

namespace Erebor.Agent.Tests.L3;

public sealed class DesiredNetworkRoutesTests
{
    [Fact]
    public void A_routers_static_routes_reach_the_node_network_and_malformed_ones_are_left_out()
    {
        var subnet = new V1Alpha1Subnet
        {
            Metadata = new ObjectMeta { Namespace = "a", Name = "web" },
            Spec = new() { Cidr = "10.0.1.0/24" },
            Status = new() { SegmentId = 5, Gateway = "10.0.1.1" },
        };
        var router = new V1Alpha1Router { Metadata = new ObjectMeta { Namespace = "a", Name = "r" } };
        router.Spec.StaticRoutes =
        [
            new StaticRoute { Destination = "10.99.0.0/16", NextHop = "10.0.1.20" },
            new StaticRoute { Destination = "not-a-cidr", NextHop = "10.0.1.20" },
        ];
        router.Status.Interfaces = [new V1Alpha1Router.InterfaceStatus { Subnet = "web", Ip = "10.0.1.1", Mac = "0a:00:00:00:00:01" }];

        var (network, _) = DesiredNetwork.Build([subnet], [router], []);

        network.Routes.Should().Equal(new RouterRoute("a/r", Ipv4Cidr.Parse("10.99.0.0/16"), Ipv4Address.Parse("10.0.1.20")));
        network.RouterInterfaces.Should().ContainSingle().Which.Router.Should().Be("a/r", "routes and interfaces name the router alike");
    }
}
