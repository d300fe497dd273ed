using Erebor.Domain.Networking;
using Erebor.Harness.Dhcp;

namespace Erebor.Packets.Tests;

/// <summary>The load generator's client: the frames it sends and the replies it accepts, against frames a server builds with the same codecs.</summary>
public sealed class DoraClientTests
{
    private static readonly MacAddress ClientMac = MacAddress.Parse("02:00:00:90:00:07");
    private static readonly MacAddress ServerMac = MacAddress.Parse("02:00:00:90:ff:fe");
    private static readonly Ipv4Address ServerIp = Ipv4Address.Parse("10.90.0.2");
    private static readonly Ipv4Address Offered = Ipv4Address.Parse("10.90.0.100");

    private static byte[] Reply(byte[] requestFrame, DhcpMessageType type, Ipv4Address yourAddress, uint? transactionId = null)
    {
        var request = DhcpFrame.Parse(requestFrame).Message;
        var reply = request.CreateReply(type, ServerIp) with { YourAddress = yourAddress, TransactionId = transactionId ?? request.TransactionId };
        return Frames.BuildDhcpReply(reply, DhcpReplyDestination.For(request, ClientMac, reply), ServerMac, ServerIp);
    }

    [Fact]
    public void Discover_offer_request_ack_then_release_to_the_server()
    {
        var client = new DoraClient(ClientMac);
        var discoverFrame = client.Start(0x1234);
        var discover = DhcpFrame.Parse(discoverFrame);
        discover.Ethernet.Destination.Should().Be(MacAddress.Broadcast);
        discover.Message.MessageType.Should().Be(DhcpMessageType.Discover);
        discover.Message.ClientMac.Should().Be(ClientMac);
        discover.Message.IsBroadcast.Should().BeFalse("the client asks for unicast replies, so a server on a shared segment answers its port only");
        client.Phase.Should().Be(DoraPhase.Selecting);

        var requestFrame = client.Receive(Reply(discoverFrame, DhcpMessageType.Offer, Offered));
        client.Phase.Should().Be(DoraPhase.Requesting);
        var request = DhcpFrame.Parse(requestFrame).Message;
        request.MessageType.Should().Be(DhcpMessageType.Request);
        request.TransactionId.Should().Be(0x1234u);
        request.Options.ServerIdentifier.Should().Be(ServerIp);
        request.Options.RequestedAddress.Should().Be(Offered);

        client.Receive(Reply(requestFrame!, DhcpMessageType.Ack, Offered)).Should().BeNull();
        client.Phase.Should().Be(DoraPhase.Bound);
        client.Address.Should().Be(Offered);

        var release = DhcpFrame.Parse(client.Release());
        release.Message.MessageType.Should().Be(DhcpMessageType.Release);
        release.Message.ClientAddress.Should().Be(Offered);
        release.Ethernet.Destination.Should().Be(ServerMac, "a RELEASE is unicast to the server that leased the address");
        release.DestinationAddress.Should().Be(ServerIp);
        client.Phase.Should().Be(DoraPhase.Idle);
    }

    [Fact]
    public void Replies_to_another_transaction_or_client_and_frames_that_are_not_dhcp_are_ignored()
    {
        var client = new DoraClient(ClientMac);
        var discoverFrame = client.Start(7);
        client.Receive(Reply(discoverFrame, DhcpMessageType.Offer, Offered, transactionId: 6)).Should().BeNull("an earlier transaction's late OFFER");
        client.Receive(new DoraClient(MacAddress.Parse("02:00:00:90:00:08")).Start(7)).Should().BeNull("another client's DISCOVER with the same xid");
        client.Receive(new byte[60]).Should().BeNull();
        client.Receive(Reply(discoverFrame, DhcpMessageType.Ack, Offered)).Should().BeNull("an ACK before any OFFER");
        client.Phase.Should().Be(DoraPhase.Selecting);
    }

    [Fact]
    public void A_nak_fails_the_exchange_and_release_needs_a_bound_address()
    {
        var client = new DoraClient(ClientMac);
        var requestFrame = client.Receive(Reply(client.Start(9), DhcpMessageType.Offer, Offered))!;
        client.Receive(Reply(requestFrame, DhcpMessageType.Nak, default));
        client.Phase.Should().Be(DoraPhase.Failed);
        client.Failure.Should().StartWith("NAK");
        client.Invoking(c => c.Release()).Should().Throw<InvalidOperationException>();
    }
}
