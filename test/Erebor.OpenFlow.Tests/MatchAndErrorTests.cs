using Erebor.Domain.Collections;
using Erebor.Domain.Networking;
using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Tests;

public class MatchAndErrorTests
{
    [Fact]
    public void An_all_ones_mask_is_an_exact_match_and_value_bits_outside_the_mask_are_cleared()
    {
        var match = Match.Create().Metadata(0x1234, ulong.MaxValue).Reg(1, 0xabcd, 0xff00);

        match.Find(OxmField.Metadata).Should().Be(new OxmEntry(OxmField.Metadata, 0x1234));
        match.Find(OxmField.Reg(1)).Should().Be(new OxmEntry(OxmField.Reg(1), 0xab00, 0xff00));
    }

    [Fact]
    public void Builder_rejects_duplicates_unmaskable_masks_and_oversized_values()
    {
        FluentActions.Invoking(() => Match.Create().InPort(1).InPort(2)).Should().Throw<ArgumentException>().WithMessage("*in_port is already*");
        FluentActions.Invoking(() => Match.Create().With(OxmField.EthType, 0x800, 0xff)).Should().Throw<ArgumentException>().WithMessage("*eth_type cannot be masked*");
        FluentActions.Invoking(() => Match.Create().With(OxmField.IpProto, 256)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Match.Create().With(OxmField.IpTtl, 1, 0xfe)).Should().Throw<ArgumentException>().WithMessage("*ip_ttl cannot be masked*");
        FluentActions.Invoking(() => new SetFieldAction(OxmField.EthSrc, 1UL << 48)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new RegLoadAction(new NxmSubfield(OxmField.Reg(0), 0, 4), 16)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new RegMoveAction(NxmSubfield.Whole(OxmField.Reg(0)), NxmSubfield.Whole(OxmField.EthSrc))).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Encoding_a_flow_whose_match_lacks_a_prerequisite_names_it()
    {
        var flow = new FlowMod { Match = Match.Create().Ipv4Dst(Ipv4Address.Parse("10.0.0.1")) };

        FluentActions.Invoking(() => OpenFlowCodec.Encode(flow, 1)).Should().Throw<ArgumentException>().WithMessage("*ipv4_dst requires eth_type=0x800*");
        FluentActions.Invoking(() => OpenFlowCodec.Encode(flow with { Match = Match.Create().EthType(EtherTypes.Arp).Ipv4Dst(Ipv4Address.Parse("10.0.0.1")) }, 1))
            .Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => OpenFlowCodec.Encode(flow with { Match = Match.Create().EthType(EtherTypes.IPv4).IpProto(17).TcpDst(80) }, 1))
            .Should().Throw<ArgumentException>().WithMessage("*tcp_dst requires ip_proto=0x6*");
        FluentActions.Invoking(() => OpenFlowCodec.Encode(flow with { Match = Match.Create().EthType(EtherTypes.Arp).IpTtl(1) }, 1))
            .Should().Throw<ArgumentException>().WithMessage("*ip_ttl requires eth_type=0x800 or 0x86dd*");
    }

    [Fact]
    public void Errors_describe_themselves_with_names_meaning_and_the_failed_request()
    {
        var failedFlowMod = OpenFlowCodec.Encode(new FlowMod(), 0x99)[..48];
        var error = new ErrorMessage(OfpErrorType.BadMatch, 9, EquatableArray.Create<byte>(failedFlowMod));

        error.Name.Should().Be("OFPBMC_BAD_PREREQ");
        error.FailedRequest.Should().Be((OfpType.FlowMod, 0x99u));
        error.Describe().Should().Be("OFPET_BAD_MATCH OFPBMC_BAD_PREREQ(9): a field's prerequisite is missing [failed request: FlowMod xid=153]");

        new ErrorMessage(OfpErrorType.Experimenter, 2313, default, OfpExperimenter.Onf).Describe()
            .Should().Be("OFPET_EXPERIMENTER(experimenter 0x4f4e4600) OFPBFC_MSG_FAILED(2313): one message in the bundle failed");
        new ErrorMessage(OfpErrorType.Experimenter, 4, default, OfpExperimenter.Nicira).Name.Should().Be("NXBRC_MUST_BE_ZERO");
        new ErrorMessage(OfpErrorType.HelloFailed, 0, EquatableArray.Create("We support only 1.0"u8)).Describe()
            .Should().Contain("OFPHFC_INCOMPATIBLE").And.Contain("\"We support only 1.0\"");
        new ErrorMessage((OfpErrorType)99, 1).Name.Should().Be("error type 99/code 1");
    }

    [Fact]
    public void Ipv4_fields_take_an_address_and_prefix_or_a_cidr_and_reject_a_zero_prefix()
    {
        var byPrefix = Match.Create().Ipv4Dst(Ipv4Address.Parse("10.0.1.77"), 24);
        var byCidr = Match.Create().Ipv4Dst(Ipv4Cidr.Parse("10.0.1.0/24"));

        byPrefix.Should().Be(byCidr);
        byCidr.Find(OxmField.Ipv4Dst).Should().Be(new OxmEntry(OxmField.Ipv4Dst, 0x0a000100, 0xffffff00));
        Match.Create().TunIpv4Dst(Ipv4Address.Parse("192.168.0.2")).Find(OxmField.TunIpv4Dst).Should().Be(new OxmEntry(OxmField.TunIpv4Dst, 0xc0a80002));
        Match.Create().ArpTpa(Ipv4Cidr.Parse("10.0.0.1/32")).Find(OxmField.ArpTpa).Should().Be(new OxmEntry(OxmField.ArpTpa, 0x0a000001));
        FluentActions.Invoking(() => Match.Create().Ipv4Src(Ipv4Address.Parse("10.0.0.0"), 0)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Match.Create().Ipv4Src(Ipv4Cidr.Parse("0.0.0.0/0"))).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Match.Create().Ipv4Src(Ipv4Address.Parse("10.0.0.0"), 33)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Mac_fields_take_the_domain_mac_address()
    {
        var match = Match.Create().EthDst(MacAddress.Broadcast).EthSrc(MacAddress.Parse("02:00:00:00:aa:01"), MacAddress.Parse("ff:ff:ff:00:00:00"));

        match.Find(OxmField.EthDst).Should().Be(new OxmEntry(OxmField.EthDst, MacAddress.MaxValue));
        match.Find(OxmField.EthSrc).Should().Be(new OxmEntry(OxmField.EthSrc, 0x020000000000, 0xffffff000000));
    }
}
