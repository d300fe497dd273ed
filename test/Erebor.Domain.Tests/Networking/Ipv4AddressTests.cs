using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

public class Ipv4AddressTests
{
    [Theory]
    [InlineData("0.0.0.0", 0x00000000u)]
    [InlineData("10.0.0.1", 0x0A000001u)]
    [InlineData("192.168.1.254", 0xC0A801FEu)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    public void Parses_and_formats_dotted_quads(string text, uint value)
    {
        var address = Ipv4Address.Parse(text);

        address.Value.Should().Be(value);
        address.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("", "'' is not a dotted-quad IPv4 address: it is empty")]
    [InlineData("10.0.0", "'10.0.0' is not a dotted-quad IPv4 address: it has 3 parts, expected 4")]
    [InlineData("10.0.0.1.2", "'10.0.0.1.2' is not a dotted-quad IPv4 address: it has 5 parts, expected 4")]
    [InlineData("10..0.1", "'10..0.1' is not a dotted-quad IPv4 address: octet 2 is empty")]
    [InlineData("010.0.0.1", "'010.0.0.1' is not a dotted-quad IPv4 address: octet 1 ('010') has a leading zero, which is ambiguous (octal or decimal)")]
    [InlineData("10.0.0.256", "'10.0.0.256' is not a dotted-quad IPv4 address: octet 4 ('256') is greater than 255")]
    [InlineData("10.0.0.99999999999", "'10.0.0.99999999999' is not a dotted-quad IPv4 address: octet 4 ('99999999999') is greater than 255")]
    [InlineData("10.0.0.x", "'10.0.0.x' is not a dotted-quad IPv4 address: octet 4 ('x') is not a decimal number")]
    [InlineData("10.0.0.+1", "'10.0.0.+1' is not a dotted-quad IPv4 address: octet 4 ('+1') is not a decimal number")]
    [InlineData("10.0.0.-1", "'10.0.0.-1' is not a dotted-quad IPv4 address: octet 4 ('-1') is not a decimal number")]
    [InlineData(" 10.0.0.1", "' 10.0.0.1' is not a dotted-quad IPv4 address: it contains whitespace")]
    [InlineData("10.0.0.1\n", "'10.0.0.1\n' is not a dotted-quad IPv4 address: it contains whitespace")]
    [InlineData("١٠.0.0.1", "'١٠.0.0.1' is not a dotted-quad IPv4 address: octet 1 ('١٠') is not a decimal number")]
    public void Rejects_anything_but_a_strict_dotted_quad_with_a_precise_reason(string text, string expectedError)
    {
        Ipv4Address.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Be(expectedError);
        FluentActions.Invoking(() => Ipv4Address.Parse(text)).Should().Throw<FormatException>().WithMessage(expectedError);
    }

    [Fact]
    public void Null_is_not_an_address()
    {
        Ipv4Address.TryParse(null, out _).Should().BeFalse();
    }

    [Fact]
    public void Single_zero_octets_are_fine()
    {
        Ipv4Address.TryParse("10.0.0.0", out var address).Should().BeTrue();
        address.Should().Be(new Ipv4Address(0x0A000000));
    }

    [Fact]
    public void Arithmetic_moves_through_octet_boundaries_and_refuses_to_wrap()
    {
        var address = Ipv4Address.Parse("10.0.0.255");

        (address + 1).ToString().Should().Be("10.0.1.0");
        (address - 256).ToString().Should().Be("9.255.255.255");
        address.DistanceTo(Ipv4Address.Parse("10.0.1.4")).Should().Be(5);
        Ipv4Address.Parse("10.0.1.4").DistanceTo(address).Should().Be(-5);
        FluentActions.Invoking(() => Ipv4Address.Parse("255.255.255.255") + 1).Should().Throw<OverflowException>();
        FluentActions.Invoking(() => Ipv4Address.Parse("0.0.0.0") - 1).Should().Throw<OverflowException>();
    }

    [Fact]
    public void Bytes_are_in_network_order()
    {
        var address = Ipv4Address.Parse("192.168.1.2");

        address.ToBytes().Should().Equal(192, 168, 1, 2);
        Ipv4Address.FromBytes([192, 168, 1, 2]).Should().Be(address);
        FluentActions.Invoking(() => Ipv4Address.FromBytes([1, 2, 3])).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Orders_numerically_not_textually()
    {
        var addresses = new[] { "10.0.0.10", "9.255.255.255", "10.0.0.9" }.Select(Ipv4Address.Parse).ToList();

        addresses.Order().Select(a => a.ToString()).Should().Equal("9.255.255.255", "10.0.0.9", "10.0.0.10");
        (addresses[2] < addresses[0]).Should().BeTrue();
        Ipv4Address.Max(addresses[0], addresses[2]).Should().Be(addresses[0]);
        ((IComparable)addresses[0]).CompareTo(null).Should().BePositive();
    }
}
