using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

public class Ipv4CidrTests
{
    private static Ipv4Cidr Cidr(string text) => Ipv4Cidr.Parse(text);

    private static Ipv4Address Ip(string text) => Ipv4Address.Parse(text);

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", 24)]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0)]
    [InlineData("10.1.2.3/32", "10.1.2.3", 32)]
    [InlineData("10.1.2.2/31", "10.1.2.2", 31)]
    [InlineData("172.16.0.0/12", "172.16.0.0", 12)]
    public void Parses_and_formats(string text, string network, int prefixLength)
    {
        var cidr = Cidr(text);

        cidr.Network.Should().Be(Ip(network));
        cidr.PrefixLength.Should().Be(prefixLength);
        cidr.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("10.0.0.1/24", "10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?")]
    [InlineData("10.0.0.128/24", "10.0.0.128/24 has host bits set; did you mean 10.0.0.0/24?")]
    [InlineData("10.1.0.0/8", "10.1.0.0/8 has host bits set; did you mean 10.0.0.0/8?")]
    [InlineData("0.0.0.1/0", "0.0.0.1/0 has host bits set; did you mean 0.0.0.0/0?")]
    [InlineData("10.0.0.0/33", "prefix length 33 is out of range 0-32")]
    [InlineData("10.0.0.0/100", "prefix length 100 is out of range 0-32")]
    [InlineData("10.0.0.0/99999999999", "prefix length 99999999999 is out of range 0-32")]
    [InlineData("10.0.0.0/-1", "prefix length '-1' is not a decimal number")]
    [InlineData("10.0.0.0/x", "prefix length 'x' is not a decimal number")]
    [InlineData("10.0.0.0/24/8", "prefix length '24/8' is not a decimal number")]
    [InlineData("10.0.0.0/024", "prefix length '024' has a leading zero")]
    [InlineData("10.0.0.0/", "'10.0.0.0/' has no prefix length after '/'")]
    [InlineData("10.0.0.0", "'10.0.0.0' has no prefix length; expected CIDR notation such as 10.0.0.0/24")]
    [InlineData("10.0.0/24", "'10.0.0/24' is not a dotted-quad IPv4 address: it has 3 parts, expected 4")]
    [InlineData("10.0.0.01/24", "'10.0.0.01/24' is not a dotted-quad IPv4 address: octet 4 ('01') has a leading zero, which is ambiguous (octal or decimal)")]
    [InlineData("/24", "'/24' is not a dotted-quad IPv4 address: it is empty")]
    [InlineData("10.0.0.0 /24", "'10.0.0.0 /24' contains whitespace")]
    [InlineData("", "the CIDR is empty; expected a block such as 10.0.0.0/24")]
    public void Rejects_bad_cidrs_with_a_precise_reason(string text, string expectedError)
    {
        Ipv4Cidr.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Be(expectedError);
        FluentActions.Invoking(() => Ipv4Cidr.Parse(text)).Should().Throw<FormatException>().WithMessage(expectedError);
    }

    [Fact]
    public void Constructor_refuses_host_bits_so_equal_blocks_are_equal_values()
    {
        FluentActions.Invoking(() => new Ipv4Cidr(Ip("10.0.0.1"), 24))
            .Should().Throw<ArgumentException>().WithMessage("10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?*");
        FluentActions.Invoking(() => new Ipv4Cidr(Ip("10.0.0.0"), 33)).Should().Throw<ArgumentOutOfRangeException>();
        Ipv4Cidr.Enclosing(Ip("10.0.0.77"), 24).Should().Be(Cidr("10.0.0.0/24"));
        default(Ipv4Cidr).Should().Be(Cidr("0.0.0.0/0"));
    }

    [Theory]
    [InlineData("10.0.0.0/24", "255.255.255.0", "10.0.0.255", 256L, "10.0.0.1", "10.0.0.254", 254L)]
    [InlineData("10.0.0.0/30", "255.255.255.252", "10.0.0.3", 4L, "10.0.0.1", "10.0.0.2", 2L)]
    [InlineData("10.0.0.4/31", "255.255.255.254", "10.0.0.5", 2L, "10.0.0.4", "10.0.0.5", 2L)]
    [InlineData("10.0.0.7/32", "255.255.255.255", "10.0.0.7", 1L, "10.0.0.7", "10.0.0.7", 1L)]
    [InlineData("0.0.0.0/0", "0.0.0.0", "255.255.255.255", 4294967296L, "0.0.0.1", "255.255.255.254", 4294967294L)]
    [InlineData("128.0.0.0/1", "128.0.0.0", "255.255.255.255", 2147483648L, "128.0.0.1", "255.255.255.254", 2147483646L)]
    public void Knows_its_mask_broadcast_and_usable_range(
        string text, string mask, string broadcast, long addressCount, string firstUsable, string lastUsable, long usableCount)
    {
        var cidr = Cidr(text);

        cidr.Mask.Should().Be(Ip(mask));
        cidr.Broadcast.Should().Be(Ip(broadcast));
        cidr.AddressCount.Should().Be(addressCount);
        cidr.FirstUsable.Should().Be(Ip(firstUsable));
        cidr.LastUsable.Should().Be(Ip(lastUsable));
        cidr.UsableAddressCount.Should().Be(usableCount);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0", true)]
    [InlineData("10.0.0.0/24", "10.0.0.255", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0", false)]
    [InlineData("10.0.0.0/24", "9.255.255.255", false)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("10.0.0.7/32", "10.0.0.7", true)]
    [InlineData("10.0.0.7/32", "10.0.0.6", false)]
    public void Contains_addresses(string cidr, string address, bool expected)
    {
        Cidr(cidr).Contains(Ip(address)).Should().Be(expected);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0/24", true, true, true)]
    [InlineData("10.0.0.0/24", "10.0.0.128/25", true, false, true)]
    [InlineData("10.0.0.128/25", "10.0.0.0/24", false, true, true)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false, false, false)]
    [InlineData("10.0.0.0/25", "10.0.0.128/25", false, false, false)]
    [InlineData("10.0.0.0/23", "10.0.1.0/24", true, false, true)]
    [InlineData("0.0.0.0/0", "10.0.0.7/32", true, false, true)]
    [InlineData("10.0.0.7/32", "10.0.0.6/31", false, true, true)]
    [InlineData("10.0.0.7/32", "10.0.0.8/32", false, false, false)]
    [InlineData("255.255.255.255/32", "255.255.255.254/31", false, true, true)]
    public void Containment_and_overlap(string left, string right, bool leftContainsRight, bool rightContainsLeft, bool overlap)
    {
        Cidr(left).Contains(Cidr(right)).Should().Be(leftContainsRight);
        Cidr(right).Contains(Cidr(left)).Should().Be(rightContainsLeft);
        Cidr(left).Overlaps(Cidr(right)).Should().Be(overlap);
        Cidr(right).Overlaps(Cidr(left)).Should().Be(overlap);
    }

    [Fact]
    public void Contains_a_range_only_when_both_ends_are_inside()
    {
        var cidr = Cidr("10.0.0.0/24");

        cidr.Contains(AddressRange.Parse("10.0.0.2-10.0.0.9")).Should().BeTrue();
        cidr.Contains(AddressRange.Parse("10.0.0.250-10.0.1.3")).Should().BeFalse();
    }

    [Theory]
    [InlineData("10.0.0.0/24", 26, 4)]
    [InlineData("10.0.0.0/24", 24, 1)]
    [InlineData("10.0.0.0/24", 32, 256)]
    [InlineData("10.0.0.0/30", 31, 2)]
    [InlineData("10.0.0.7/32", 32, 1)]
    [InlineData("10.0.0.0/16", 28, 4096)]
    public void Subdivides_into_adjacent_blocks_lowest_first(string parent, int prefixLength, int expectedCount)
    {
        var blocks = Cidr(parent).Subdivide(prefixLength).ToList();

        blocks.Should().HaveCount(expectedCount);
        blocks.Should().OnlyContain(block => block.PrefixLength == prefixLength && Cidr(parent).Contains(block));
        blocks.Should().BeInAscendingOrder();
        blocks.Zip(blocks.Skip(1)).Should().NotContain(pair => pair.First.Broadcast + 1 != pair.Second.Network);
        blocks[0].Network.Should().Be(Cidr(parent).Network);
        blocks[^1].Broadcast.Should().Be(Cidr(parent).Broadcast);
    }

    [Fact]
    public void Subdivides_lazily_even_the_whole_address_space()
    {
        var blocks = Cidr("0.0.0.0/0").Subdivide(32);

        blocks.Take(3).Select(b => b.ToString()).Should().Equal("0.0.0.0/32", "0.0.0.1/32", "0.0.0.2/32");
        Cidr("0.0.0.0/0").Subdivide(1).Select(b => b.ToString()).Should().Equal("0.0.0.0/1", "128.0.0.0/1");
    }

    [Theory]
    [InlineData(23)]
    [InlineData(33)]
    public void Refuses_to_subdivide_into_larger_or_impossible_blocks_before_enumerating(int prefixLength)
    {
        FluentActions.Invoking(() => Cidr("10.0.0.0/24").Subdivide(prefixLength))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("a /24 can only be divided into blocks of /24 to /32*");
    }
}
