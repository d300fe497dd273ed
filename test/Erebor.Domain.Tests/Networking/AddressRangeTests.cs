using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

public class AddressRangeTests
{
    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5", "10.0.0.5", 1L)]
    [InlineData("10.0.0.2-10.0.0.9", "10.0.0.2", "10.0.0.9", 8L)]
    [InlineData("10.0.0.250-10.0.1.3", "10.0.0.250", "10.0.1.3", 10L)]
    [InlineData("10.0.0.5-10.0.0.5", "10.0.0.5", "10.0.0.5", 1L)]
    [InlineData("0.0.0.0-255.255.255.255", "0.0.0.0", "255.255.255.255", 4294967296L)]
    public void Parses_single_addresses_and_inclusive_ranges(string text, string first, string last, long count)
    {
        var range = AddressRange.Parse(text);

        range.First.Should().Be(Ipv4Address.Parse(first));
        range.Last.Should().Be(Ipv4Address.Parse(last));
        range.Count.Should().Be(count);
    }

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5")]
    [InlineData("10.0.0.5-10.0.0.5", "10.0.0.5")]
    [InlineData("10.0.0.2-10.0.0.9", "10.0.0.2-10.0.0.9")]
    public void Formats_in_the_shortest_form(string text, string expected)
    {
        AddressRange.Parse(text).ToString().Should().Be(expected);
    }

    [Theory]
    [InlineData("", "the address range is empty; expected a.b.c.d or a.b.c.d-a.b.c.e")]
    [InlineData("10.0.0.x", "'10.0.0.x' is not a dotted-quad IPv4 address: octet 4 ('x') is not a decimal number")]
    [InlineData("10.0.0/24", "'10.0.0/24' is not a dotted-quad IPv4 address: it has 3 parts, expected 4")]
    [InlineData("10.0.0.2-10.0.0", "range end '10.0.0' is not a dotted-quad IPv4 address: it has 3 parts, expected 4")]
    [InlineData("10.0.0.02-10.0.0.9", "range start '10.0.0.02' is not a dotted-quad IPv4 address: octet 4 ('02') has a leading zero, which is ambiguous (octal or decimal)")]
    [InlineData("10.0.0.2-", "range end '' is not a dotted-quad IPv4 address: it is empty")]
    [InlineData("10.0.0.2 - 10.0.0.9", "range start '10.0.0.2 ' is not a dotted-quad IPv4 address: it contains whitespace")]
    [InlineData("10.0.0.9-10.0.0.2", "'10.0.0.9-10.0.0.2' ends before it starts; did you mean 10.0.0.2-10.0.0.9?")]
    [InlineData("10.0.0.1-10.0.0.2-10.0.0.3", "'10.0.0.1-10.0.0.2-10.0.0.3' has more than one '-'; expected a.b.c.d or a.b.c.d-a.b.c.e")]
    public void Rejects_bad_ranges_with_a_precise_reason(string text, string expectedError)
    {
        AddressRange.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Be(expectedError);
        FluentActions.Invoking(() => AddressRange.Parse(text)).Should().Throw<FormatException>().WithMessage(expectedError);
    }

    [Fact]
    public void Constructor_refuses_backwards_ranges()
    {
        FluentActions.Invoking(() => new AddressRange(Ipv4Address.Parse("10.0.0.9"), Ipv4Address.Parse("10.0.0.2")))
            .Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData("10.0.0.2-10.0.0.9", "10.0.0.9-10.0.0.12", "10.0.0.9")]
    [InlineData("10.0.0.2-10.0.0.9", "10.0.0.4-10.0.0.5", "10.0.0.4-10.0.0.5")]
    [InlineData("10.0.0.2-10.0.0.9", "10.0.0.0-10.0.0.255", "10.0.0.2-10.0.0.9")]
    [InlineData("10.0.0.2-10.0.0.9", "10.0.0.10-10.0.0.12", null)]
    [InlineData("10.0.0.2", "10.0.0.2", "10.0.0.2")]
    public void Intersects(string left, string right, string? expected)
    {
        var a = AddressRange.Parse(left);
        var b = AddressRange.Parse(right);

        a.Intersect(b).Should().Be(b.Intersect(a));
        a.Intersect(b)?.ToString().Should().Be(expected);
        a.Overlaps(b).Should().Be(expected is not null);
        if (expected is null) { a.Intersect(b).Should().BeNull(); }
    }

    [Fact]
    public void Contains_both_ends()
    {
        var range = AddressRange.Parse("10.0.0.2-10.0.0.9");

        range.Contains(Ipv4Address.Parse("10.0.0.2")).Should().BeTrue();
        range.Contains(Ipv4Address.Parse("10.0.0.9")).Should().BeTrue();
        range.Contains(Ipv4Address.Parse("10.0.0.10")).Should().BeFalse();
        range.Contains(Ipv4Address.Parse("10.0.0.1")).Should().BeFalse();
    }
}
