using Erebor.Agent.Tests.Integration;
using Erebor.Harness.Agent;
using Erebor.Harness.Ovs;

namespace Erebor.Agent.Tests.Tunnels;

[Trait("Category", "Integration")]
[Collection(AgentClusterCollection.Name)]
public sealed class TunnelPortRemovalTests(AgentClusterFixture fixture)
{
    private const string Port = "erebor-tun";

    [Fact]
    public async Task An_agent_restarted_without_a_tunnel_ip_removes_the_tunnel_port_of_its_earlier_run()
    {
        await using var node = await OvsNode.StartAsync("tunrm");
        await using (var tunnelled = await AgentProcess.StartAsync(fixture.Cluster, node, extraArgs: ["--tunnel-ip", "192.0.2.1"]))
        {
            (await node.VsctlAsync("list-ports", node.BridgeName)).Should().Contain(Port);
            (await node.VsctlAsync("get", "Interface", Port, "type")).Trim().Should().Be("geneve");
            tunnelled.Kill();
        }

        await using var plain = await AgentProcess.StartAsync(fixture.Cluster, node);

        (await node.VsctlAsync("list-ports", node.BridgeName)).Should().NotContain(Port);
        (await node.VsctlAsync("--bare", "--columns=name", "find", "Interface", $"name={Port}")).Trim().Should().BeEmpty("the Interface row goes with its Port");
        plain.OutputTail().Should().Contain($"Tunnel port {Port} removed from {node.BridgeName}").And.Contain("no --tunnel-ip");
        (await node.OfctlAsync("dump-aggregate", node.BridgeName)).Should().NotContain("flow_count=0", "the restarted agent programmed its pipeline");
    }
}
