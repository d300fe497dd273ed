using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

public class AddressCountsTests
{
    private static AddressCounts Count(string subnet, string? gateway, params string[] reserved) =>
        AddressCounts.For(
            Ipv4Cidr.Parse(subnet),
            gateway is null ? null : Ipv4Address.Parse(gateway),
            reserved.Select(AddressRange.Parse));

    [Fact]
    public void A_slash_24_with_a_gateway_leaves_253()
    {
        Count("10.0.0.0/24", "10.0.0.1").Should().Be(new AddressCounts(Usable: 254, Reserved: 1, Assignable: 253));
    }

    [Fact]
    public void Without_gateway_or_reservations_everything_usable_is_assignable()
    {
        Count("10.0.0.0/24", null).Should().Be(new AddressCounts(254, 0, 254));
    }

    [Fact]
    public void Reserved_ranges_add_to_the_gateway()
    {
        Count("10.0.0.0/24", "10.0.0.1", "10.0.0.2-10.0.0.9", "10.0.0.200")
            .Should().Be(new AddressCounts(254, 10, 244));
    }

    [Fact]
    public void Overlapping_and_adjacent_reservations_and_a_gateway_inside_one_count_once()
    {
        Count("10.0.0.0/24", "10.0.0.5", "10.0.0.2-10.0.0.9", "10.0.0.8-10.0.0.12", "10.0.0.13", "10.0.0.4")
            .Should().Be(new AddressCounts(254, 12, 242));
    }

    [Fact]
    public void Network_and_broadcast_are_not_counted_as_reserved_twice()
    {
        Count("10.0.0.0/24", null, "10.0.0.0-10.0.0.3", "10.0.0.250-10.0.0.255")
            .Should().Be(new AddressCounts(254, 3 + 5, 254 - 8));
    }

    [Fact]
    public void Ranges_outside_the_subnet_are_clipped()
    {
        Count("10.0.0.0/24", "10.0.1.1", "9.0.0.0-10.0.0.4", "10.0.5.0-10.0.5.9")
            .Should().Be(new AddressCounts(254, 4, 250));
    }

    [Theory]
    [InlineData("10.0.0.0/31", 2L)]
    [InlineData("10.0.0.0/32", 1L)]
    [InlineData("10.0.0.0/30", 2L)]
    [InlineData("0.0.0.0/0", 4294967294L)]
    public void Usable_follows_rfc_3021(string subnet, long usable)
    {
        Count(subnet, null).Should().Be(new AddressCounts(usable, 0, usable));
    }

    [Fact]
    public void A_fully_reserved_subnet_has_nothing_assignable()
    {
        Count("10.0.0.0/29", "10.0.0.1", "10.0.0.0-10.0.0.7").Should().Be(new AddressCounts(6, 6, 0));
    }
}
