using Erebor.Domain.Networking;

namespace Erebor.Demo.Tests;

public sealed class DhcpLeaseTests
{
    [Fact]
    public void The_last_lease_line_of_the_client_output_is_the_lease()
    {
        const string output = """
            udhcpc: started, v1.35.0
            udhcpc: broadcasting discover
            erebor-lease ip=10.10.1.10;mask=24;router=10.10.1.1;dns=10.10.1.2 10.10.1.3;domain=demo.internal
            udhcpc: lease of 10.10.1.10 obtained from 10.10.1.1, lease time 3600
            erebor-lease ip=10.10.1.11;mask=25;router=10.10.1.1;dns=;domain=
            """;

        DhcpLease.Find(output).Should().Be(new DhcpLease(Ipv4Address.Parse("10.10.1.11"), 25, "10.10.1.1", string.Empty, string.Empty));
        DhcpLease.Find(output.Split('\n')[2]).Should().Be(new DhcpLease(Ipv4Address.Parse("10.10.1.10"), 24, "10.10.1.1", "10.10.1.2 10.10.1.3", "demo.internal"));
    }

    [Theory]
    [InlineData("udhcpc: no lease, failing")]
    [InlineData("erebor-lease ip=;mask=24;router=10.10.1.1")]
    [InlineData("erebor-lease ip=10.10.1.300;mask=24")]
    [InlineData("erebor-lease ip=10.10.1.10;mask=33")]
    public void Output_without_a_usable_lease_line_has_no_lease(string output) => DhcpLease.Find(output).Should().BeNull();

    [Fact]
    public void The_block_holding_the_address_names_the_node_that_leased_it()
    {
        var lease = new DhcpLease(Ipv4Address.Parse("10.10.1.70"), 24, "10.10.1.1", string.Empty, string.Empty);
        (string, Ipv4Cidr)[] blocks = [("node-1", Ipv4Cidr.Parse("10.10.1.0/26")), ("node-2", Ipv4Cidr.Parse("10.10.1.64/26"))];

        lease.BlockIn(blocks).Should().Be(("node-2", Ipv4Cidr.Parse("10.10.1.64/26")));
        lease.BlockIn(blocks.Take(1)).Should().BeNull();
    }
}
