using Erebor.Harness.Ovs;

namespace Erebor.Agent.Tests.Harness;

public sealed class PingResultTests
{
    [Fact]
    public void Parses_replies_statistics_and_ttl()
    {
        const string output = """
            PING 10.0.1.11 (10.0.1.11) 56(84) bytes of data.
            64 bytes from 10.0.1.11: icmp_seq=1 ttl=63 time=0.512 ms
            64 bytes from 10.0.1.11: icmp_seq=2 ttl=63 time=0.201 ms

            --- 10.0.1.11 ping statistics ---
            2 packets transmitted, 2 received, 0% packet loss, time 201ms
            rtt min/avg/max/mdev = 0.201/0.356/0.512/0.155 ms
            """;

        var result = PingResult.Parse(output);

        result.Should().BeEquivalentTo(new
        {
            Transmitted = 2,
            Received = 2,
            LossPercent = 0.0,
            RttMin = TimeSpan.FromMilliseconds(0.201),
            RttAvg = TimeSpan.FromMilliseconds(0.356),
            RttMax = TimeSpan.FromMilliseconds(0.512),
            Ttl = 63,
            AllReceived = true,
        });
    }

    [Fact]
    public void Parses_total_loss_with_errors()
    {
        const string output = """
            PING 10.0.1.99 (10.0.1.99) 56(84) bytes of data.
            From 10.0.1.10 icmp_seq=1 Destination Host Unreachable

            --- 10.0.1.99 ping statistics ---
            3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2041ms
            """;

        var result = PingResult.Parse(output);

        result.Should().BeEquivalentTo(new { Transmitted = 3, Received = 0, LossPercent = 100.0, Ttl = (int?)null, RttAvg = (TimeSpan?)null, AllReceived = false });
    }

    [Fact]
    public void Rejects_output_without_statistics() =>
        FluentActions.Invoking(() => PingResult.Parse("ping: connect: Network is unreachable"))
            .Should().Throw<FormatException>();
}
