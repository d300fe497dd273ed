using Erebor.Domain.Networking;

namespace Erebor.Packets.Tests;

public class DhcpMessageTests
{
    private static readonly MacAddress Client = MacAddress.Parse("00:05:3c:04:8d:59");

    /// <summary>The fixed BOOTP fields (RFC 2131 figure 1) of a broadcast BOOTREQUEST from <see cref="Client"/>, up to and including the magic cookie.</summary>
    private static string FixedFields(string op = "01", string ciaddr = "00000000") => string.Concat(
        op, "01 06 00", // op, htype Ethernet, hlen 6, hops 0
        "3903f326", // xid
        "0000 8000", // secs 0, flags: broadcast bit
        ciaddr, "00000000 00000000 00000000", // ciaddr, yiaddr, siaddr, giaddr
        "00053c048d59", new string('0', 20), // chaddr: 6 bytes of MAC, 10 of padding
        new string('0', 128), // sname, 64 bytes
        new string('0', 256), // file, 128 bytes
        "63825363"); // magic cookie 99.130.83.99

    private static readonly byte[] Discover = Hex.Bytes(
        FixedFields(),
        "35 01 01", // 53 message type: DISCOVER
        "0c 04 686f7374", // 12 host name "host"
        "32 04 c0a80164", // 50 requested address 192.168.1.100
        "3d 07 01 00053c048d59", // 61 client identifier: type 1 (Ethernet) + MAC
        "37 05 01 03 06 0f 79", // 55 parameter request list: 1, 3, 6, 15, 121
        "39 02 05dc", // 57 max message size 1500
        "ff", // end: 240 + 3 + 6 + 6 + 9 + 7 + 4 + 1 = 276 bytes
        new string('0', 48)); // pad to the 300-byte BOOTP minimum

    private static readonly DhcpMessage DiscoverMessage = new()
    {
        Operation = DhcpOperation.BootRequest,
        ClientHardwareAddress = [.. Client.ToBytes()],
        TransactionId = 0x3903F326,
        Flags = DhcpFlags.Broadcast,
        Options = new DhcpOptions
        {
            MessageType = DhcpMessageType.Discover,
            HostName = "host",
            RequestedAddress = Ipv4Address.Parse("192.168.1.100"),
            ClientIdentifier = [0x01, .. Client.ToBytes()],
            ParameterRequestList = [DhcpOptionCode.SubnetMask, DhcpOptionCode.Routers, DhcpOptionCode.DomainNameServers, DhcpOptionCode.DomainName, DhcpOptionCode.ClasslessStaticRoutes],
            MaxMessageSize = 1500,
        },
    };

    [Fact]
    public void Parses_a_hand_built_discover()
    {
        var message = DhcpMessage.Parse(Discover);

        message.Should().Be(DiscoverMessage);
        message.ClientMac.Should().Be(Client);
        message.IsBroadcast.Should().BeTrue();
        message.MessageType.Should().Be(DhcpMessageType.Discover);
    }

    [Fact]
    public void Writes_the_discover_byte_for_byte_padded_to_300()
    {
        DiscoverMessage.GetLength().Should().Be(DhcpMessage.BootpMinimumLength);
        DiscoverMessage.ToBytes().Should().Equal(Discover);
    }

    [Fact]
    public void Round_trips_every_typed_option_in_a_reply()
    {
        var ack = DiscoverMessage.CreateReply(DhcpMessageType.Ack, Ipv4Address.Parse("10.0.1.1")) with
        {
            YourAddress = Ipv4Address.Parse("10.0.1.10"),
            NextServerAddress = Ipv4Address.Parse("10.0.1.2"),
            ServerName = "erebor",
            BootFileName = "pxelinux.0",
            Options = DhcpOptions.None with
            {
                MessageType = DhcpMessageType.Ack,
                ServerIdentifier = Ipv4Address.Parse("10.0.1.1"),
                LeaseTimeSeconds = 3600,
                RenewalTimeSeconds = 1800,
                RebindingTimeSeconds = 3150,
                SubnetMask = Ipv4Address.Parse("255.255.255.0"),
                Routers = [Ipv4Address.Parse("10.0.1.1")],
                DomainNameServers = [Ipv4Address.Parse("10.96.0.10"), Ipv4Address.Parse("10.96.0.11")],
                DomainName = "cluster.local",
                HostName = "pod-a",
                InterfaceMtu = 1450,
                ClasslessStaticRoutes = [new(Ipv4Cidr.Parse("0.0.0.0/0"), Ipv4Address.Parse("10.0.1.1")), new(Ipv4Cidr.Parse("10.0.2.0/24"), default)],
                Other = [new DhcpOption((DhcpOptionCode)119, [0x03, 0x66, 0x6f, 0x6f, 0x00])],
                RelayAgentInformation = [0x01, 0x03, 0x61, 0x62, 0x63],
            },
        };

        DhcpMessage.Parse(ack.ToBytes()).Should().Be(ack);
    }

    [Fact]
    public void Options_go_out_message_type_first_and_relay_information_last()
    {
        var offer = new DhcpMessage
        {
            Operation = DhcpOperation.BootReply,
            TransactionId = 1,
            Options = new DhcpOptions
            {
                RelayAgentInformation = [0x01, 0x01, 0x07],
                LeaseTimeSeconds = 60,
                MessageType = DhcpMessageType.Offer,
                ServerIdentifier = Ipv4Address.Parse("10.0.1.1"),
            },
        };

        var options = offer.ToBytes().AsSpan(DhcpMessage.MinimumLength, 3 + 6 + 6 + 5 + 1);

        options.ToArray().Should().Equal(Hex.Bytes(
            "35 01 02", // 53 OFFER
            "36 04 0a000101", // 54 server identifier
            "33 04 0000003c", // 51 lease time 60 s
            "52 03 010107", // 82 relay agent information, last
            "ff"));
    }

    public static TheoryData<string, string> Rfc3442Examples => new()
    {
        // RFC 3442 §2: "subnet number" and "significant octets" for each width.
        { "0.0.0.0/0", "00" },
        { "10.0.0.0/8", "08 0a" },
        { "10.17.0.0/16", "10 0a11" },
        { "10.27.129.0/24", "18 0a1b81" },
        { "10.229.0.128/25", "19 0ae50080" },
        { "10.198.122.47/32", "20 0ac67a2f" },
    };

    [Theory]
    [MemberData(nameof(Rfc3442Examples))]
    public void Classless_static_routes_use_the_RFC_3442_encoding(string destination, string destinationDescriptor)
    {
        var router = Ipv4Address.Parse("10.0.0.1");
        var message = new DhcpMessage
        {
            Operation = DhcpOperation.BootReply,
            TransactionId = 1,
            Options = new DhcpOptions { ClasslessStaticRoutes = [new(Ipv4Cidr.Parse(destination), router)] },
        };
        var descriptor = Hex.Bytes(destinationDescriptor, "0a000001");

        var bytes = message.ToBytes();

        Hex.Of(bytes.AsSpan(DhcpMessage.MinimumLength, 2 + descriptor.Length)).Should().Be("79" + descriptor.Length.ToString("X2", null) + Hex.Of(descriptor));
        DhcpMessage.Parse(bytes).Options.ClasslessStaticRoutes.Should().Equal(new ClasslessStaticRoute(Ipv4Cidr.Parse(destination), router));
    }

    [Fact]
    public void Classless_static_routes_clear_bits_past_the_width()
    {
        // /25 with significant octets 10.229.0.255: the last octet's low 7 bits are past the width.
        var message = Hex.Bytes(FixedFields(), "79 09 19 0ae500ff 0a000001", "ff");

        DhcpMessage.Parse(message).Options.ClasslessStaticRoutes.Should().Equal(new ClasslessStaticRoute(Ipv4Cidr.Parse("10.229.0.128/25"), Ipv4Address.Parse("10.0.0.1")));
    }

    [Theory]
    [InlineData("79 05 21 0a000001", "width 33")]
    [InlineData("79 05 18 0a0000 01", "needing 8 bytes")]
    public void Classless_static_routes_reject_bad_descriptors(string option, string reason)
    {
        var message = Hex.Bytes(FixedFields(), option, "ff");

        Action parse = () => DhcpMessage.Parse(message);

        parse.Should().Throw<PacketDecodeException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void Long_options_are_split_and_concatenated_per_RFC_3396()
    {
        // 70 DNS servers are 280 bytes: one option of 255 bytes and one of 25, both code 6.
        var servers = Enumerable.Range(1, 70).Select(i => new Ipv4Address(0x0A000000u + (uint)i)).ToArray();
        var message = new DhcpMessage { Operation = DhcpOperation.BootReply, TransactionId = 1, Options = new DhcpOptions { DomainNameServers = [.. servers] } };

        var bytes = message.ToBytes();

        bytes[DhcpMessage.MinimumLength].Should().Be(6);
        bytes[DhcpMessage.MinimumLength + 1].Should().Be(255);
        bytes[DhcpMessage.MinimumLength + 2 + 255].Should().Be(6);
        bytes[DhcpMessage.MinimumLength + 2 + 255 + 1].Should().Be(25);
        DhcpMessage.Parse(bytes).Should().Be(message);
    }

    [Fact]
    public void Option_overload_reads_file_then_sname()
    {
        // Option 52 = 3: file and sname hold options too; RFC 2131 §4.1 reads options, file, sname in that order.
        // The host name is split across all three areas and concatenated (RFC 3396).
        var file = Hex.Bytes("0c 02 7374", "33 04 00000e10", "ff").Concat(new byte[128 - 11]).ToArray(); // "st", lease 3600
        var sname = Hex.Bytes("0c 01 61", "ff").Concat(new byte[64 - 4]).ToArray(); // "a"
        var message = Hex.Bytes(FixedFields(), "35 01 01", "34 01 03", "0c 02 686f", "ff"); // "ho"
        sname.CopyTo(message, 44);
        file.CopyTo(message, 108);

        var parsed = DhcpMessage.Parse(message);

        parsed.Options.HostName.Should().Be("hosta");
        parsed.Options.LeaseTimeSeconds.Should().Be(3600);
        parsed.ServerName.Should().BeEmpty();
        parsed.BootFileName.Should().BeEmpty();
    }

    [Fact]
    public void Without_overload_sname_and_file_are_text()
    {
        var message = Hex.Bytes(FixedFields(), "ff");
        "boot-server"u8.CopyTo(message.AsSpan(44));
        "pxelinux.0"u8.CopyTo(message.AsSpan(108));

        var parsed = DhcpMessage.Parse(message);

        parsed.ServerName.Should().Be("boot-server");
        parsed.BootFileName.Should().Be("pxelinux.0");
    }

    [Theory]
    [InlineData("34 01 04", "one byte of 1, 2 or 3")]
    [InlineData("34 01 01 34 01 02", "appears twice")]
    [InlineData("35 02 0101", "must be 1 bytes long")]
    [InlineData("35 01 01 35 01 03", "must be 1 bytes long")] // a repeated single-value option concatenates to 2 bytes
    [InlineData("03 06 0a0000010a00", "non-empty list of 4-byte addresses")]
    [InlineData("3d 00", "is empty")]
    [InlineData("33 04 0000", "claims 4 bytes")]
    [InlineData("33", "has no length byte")]
    public void Rejects_malformed_options(string options, string reason)
    {
        var message = Hex.Bytes(FixedFields(), options);

        Action parse = () => DhcpMessage.Parse(message);

        parse.Should().Throw<PacketDecodeException>().WithMessage($"*{reason}*");
        DhcpMessage.TryParse(message, out var parsed).Should().BeFalse();
        parsed.Should().BeNull();
    }

    [Fact]
    public void Rejects_plain_bootp_and_a_bad_op()
    {
        var bootp = Hex.Bytes(FixedFields()[..^8], "00000000", "ff");
        var badOp = Hex.Bytes(FixedFields(op: "03"), "ff");

        ((Action)(() => DhcpMessage.Parse(bootp))).Should().Throw<PacketDecodeException>().WithMessage("*plain BOOTP*");
        ((Action)(() => DhcpMessage.Parse(badOp))).Should().Throw<PacketDecodeException>().WithMessage("*op is 3*");
    }

    [Fact]
    public void Accepts_options_without_end_and_text_with_trailing_nul()
    {
        var message = Hex.Bytes(FixedFields(), "35 01 03", "0c 05 686f737400");

        var parsed = DhcpMessage.Parse(message);

        parsed.MessageType.Should().Be(DhcpMessageType.Request);
        parsed.Options.HostName.Should().Be("host");
    }

    [Fact]
    public void Unknown_options_are_kept_raw_in_order_and_may_not_shadow_typed_ones()
    {
        var message = Hex.Bytes(FixedFields(), "50 00", "3c 03 616263", "ff"); // 80 rapid commit (empty), 60 vendor class "abc"

        var parsed = DhcpMessage.Parse(message);

        parsed.Options.Other.Should().Equal(new DhcpOption((DhcpOptionCode)80, []), new DhcpOption((DhcpOptionCode)60, [0x61, 0x62, 0x63]));
        var shadowing = parsed with { Options = parsed.Options with { Other = [new DhcpOption(DhcpOptionCode.Routers, [10, 0, 0, 1])] } };
        ((Action)(() => shadowing.ToBytes())).Should().Throw<ArgumentException>().WithMessage("*typed property*");
    }

    [Fact]
    public void Create_reply_copies_what_RFC_2131_table_3_copies()
    {
        var relayed = DiscoverMessage with
        {
            Flags = DhcpFlags.None,
            RelayAgentAddress = Ipv4Address.Parse("10.0.9.1"),
            Hops = 1,
            SecondsElapsed = 4,
            Options = DiscoverMessage.Options with { RelayAgentInformation = [0x01, 0x01, 0x07] },
        };

        var nak = relayed.CreateReply(DhcpMessageType.Nak, Ipv4Address.Parse("10.0.1.1"));

        nak.Operation.Should().Be(DhcpOperation.BootReply);
        nak.TransactionId.Should().Be(relayed.TransactionId);
        nak.ClientHardwareAddress.Should().Equal(relayed.ClientHardwareAddress);
        nak.RelayAgentAddress.Should().Be(relayed.RelayAgentAddress);
        nak.Hops.Should().Be(0);
        nak.SecondsElapsed.Should().Be(0);
        nak.IsBroadcast.Should().BeTrue("a NAK through a relay sets the broadcast bit (RFC 2131 §4.3.2)");
        nak.Options.Should().Be(new DhcpOptions { MessageType = DhcpMessageType.Nak, ServerIdentifier = Ipv4Address.Parse("10.0.1.1"), RelayAgentInformation = [0x01, 0x01, 0x07] });
        relayed.CreateReply(DhcpMessageType.Offer, Ipv4Address.Parse("10.0.1.1")).IsBroadcast.Should().BeFalse();
    }
}
