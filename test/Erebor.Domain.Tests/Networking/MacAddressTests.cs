using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

public class MacAddressTests
{
    [Theory]
    [InlineData("02:00:00:00:00:01", 0x020000000001UL, "02:00:00:00:00:01")]
    [InlineData("FA:16:3E:AB:cd:EF", 0xFA163EABCDEFUL, "fa:16:3e:ab:cd:ef")]
    [InlineData("ff:ff:ff:ff:ff:ff", 0xFFFFFFFFFFFFUL, "ff:ff:ff:ff:ff:ff")]
    [InlineData("00:00:00:00:00:00", 0UL, "00:00:00:00:00:00")]
    public void Parses_either_case_and_formats_lower_case(string text, ulong value, string formatted)
    {
        var mac = MacAddress.Parse(text);

        mac.Value.Should().Be(value);
        mac.ToString().Should().Be(formatted);
    }

    [Theory]
    [InlineData("", "'' is not a MAC address: it is empty; expected six colon-separated hex pairs such as 02:00:00:00:00:01")]
    [InlineData("02:00:00:00:00", "'02:00:00:00:00' is not a MAC address: it has 5 parts; expected six colon-separated hex pairs such as 02:00:00:00:00:01")]
    [InlineData("02-00-00-00-00-01", "'02-00-00-00-00-01' is not a MAC address: it has 1 parts; expected six colon-separated hex pairs such as 02:00:00:00:00:01")]
    [InlineData("02:00:00:00:00:1", "'02:00:00:00:00:1' is not a MAC address: octet 6 ('1') is not two hex digits; expected six colon-separated hex pairs such as 02:00:00:00:00:01")]
    [InlineData("02:00:0g:00:00:01", "'02:00:0g:00:00:01' is not a MAC address: octet 3 ('0g') is not two hex digits; expected six colon-separated hex pairs such as 02:00:00:00:00:01")]
    public void Rejects_other_spellings(string text, string expectedError)
    {
        MacAddress.TryParse(text, out _, out var error).Should().BeFalse();
        error.Should().Be(expectedError);
        FluentActions.Invoking(() => MacAddress.Parse(text)).Should().Throw<FormatException>().WithMessage(expectedError);
    }

    [Fact]
    public void Converts_to_and_from_bytes_in_transmission_order()
    {
        var mac = MacAddress.Parse("02:11:22:33:44:55");

        mac.ToBytes().Should().Equal(0x02, 0x11, 0x22, 0x33, 0x44, 0x55);
        MacAddress.FromBytes([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]).Should().Be(mac);
        FluentActions.Invoking(() => MacAddress.FromBytes([1, 2, 3])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new MacAddress(1UL << 48)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Broadcast_is_all_ones_and_the_largest_value()
    {
        MacAddress.Broadcast.Value.Should().Be(MacAddress.MaxValue).And.Be(0xFFFFFFFFFFFFUL);
        MacAddress.Broadcast.Should().Be(MacAddress.Parse("ff:ff:ff:ff:ff:ff"));
        MacAddress.Broadcast.ToString().Should().Be("ff:ff:ff:ff:ff:ff");
        MacAddress.Broadcast.IsBroadcast.Should().BeTrue();
        MacAddress.Broadcast.IsMulticast.Should().BeTrue();
        MacAddress.Parse("02:00:00:00:00:01").IsBroadcast.Should().BeFalse();
        new MacAddress(MacAddress.MaxValue).Should().Be(MacAddress.Broadcast);
        FluentActions.Invoking(() => new MacAddress(MacAddress.MaxValue + 1)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData("01:00:5e:00:00:01", true, false)]
    [InlineData("02:00:00:00:00:01", false, true)]
    [InlineData("fa:16:3e:00:00:01", false, true)]
    [InlineData("00:1b:21:00:00:01", false, false)]
    public void Reads_the_multicast_and_local_bits(string text, bool multicast, bool local)
    {
        var mac = MacAddress.Parse(text);

        mac.IsMulticast.Should().Be(multicast);
        mac.IsUnicast.Should().Be(!multicast);
        mac.IsLocallyAdministered.Should().Be(local);
    }

    [Fact]
    public void Stable_local_is_deterministic_and_differs_per_seed()
    {
        var first = MacAddress.StableLocal("router-uid-1/subnet-a");

        MacAddress.StableLocal("router-uid-1/subnet-a").Should().Be(first);
        MacAddress.StableLocal("router-uid-1/subnet-b").Should().NotBe(first);
        MacAddress.StableLocal(string.Empty).Should().NotBe(first);
    }

    [Fact]
    public void Stable_local_is_the_sha256_prefix_with_the_local_bit_set_and_the_multicast_bit_cleared()
    {
        // SHA-256("") = e3b0c442 98fc1c14 ...: e3 has the multicast bit set and the local bit set, so it becomes e2.
        MacAddress.StableLocal(string.Empty).ToString().Should().Be("e2:b0:c4:42:98:fc");
    }

    [Fact]
    public void Stable_local_is_always_locally_administered_unicast()
    {
        var macs = Enumerable.Range(0, 2000).Select(i => MacAddress.StableLocal($"seed-{i}")).ToList();

        macs.Should().OnlyContain(mac => mac.IsLocallyAdministered && mac.IsUnicast);
        macs.Distinct().Should().HaveCount(macs.Count);
    }
}
