using Erebor.Domain.Networking;
using Erebor.Packets;

namespace Erebor.Harness.Dhcp;

/// <summary>Where a <see cref="DoraClient"/> is in its exchange.</summary>
public enum DoraPhase
{
    Idle,
    Selecting,
    Requesting,
    Bound,
    Failed,
}

/// <summary>
/// One DHCP client's DISCOVER-OFFER-REQUEST-ACK exchange as a state machine over whole Ethernet
/// frames, with no I/O: <see cref="Start"/> gives the DISCOVER to send, <see cref="Receive"/>
/// takes any frame the client's port saw and says what to send next, and <see cref="Release"/>
/// gives the RELEASE of the address once bound. Frames that are not this exchange's replies
/// (another client's, an earlier transaction's, not DHCP at all) are ignored, as a real client does.
/// The client asks for unicast replies (no broadcast flag), so a server on a shared segment
/// answers this client's port only.
/// </summary>
public sealed class DoraClient(MacAddress mac)
{
    public MacAddress Mac { get; } = mac;

    public DoraPhase Phase { get; private set; } = DoraPhase.Idle;

    public uint TransactionId { get; private set; }

    /// <summary>The address offered, then bound.</summary>
    public Ipv4Address Address { get; private set; }

    /// <summary>The server that made the offer (option 54) and the MAC its frames came from.</summary>
    public Ipv4Address Server { get; private set; }

    public MacAddress ServerMac { get; private set; }

    /// <summary>Why the exchange failed (a NAK's message), when <see cref="Phase"/> is Failed.</summary>
    public string? Failure { get; private set; }

    /// <summary>Begins a new exchange with transaction id <paramref name="transactionId"/>; returns the DISCOVER frame.</summary>
    public byte[] Start(uint transactionId)
    {
        TransactionId = transactionId;
        Phase = DoraPhase.Selecting;
        Address = default;
        Server = default;
        Failure = null;
        return Broadcast(Message(DhcpMessageType.Discover));
    }

    /// <summary>
    /// Feeds a received frame. Returns the frame to send next (the REQUEST after an OFFER), or
    /// null; <see cref="Phase"/> tells whether the exchange moved on.
    /// </summary>
    public byte[]? Receive(ReadOnlySpan<byte> frame)
    {
        if (Phase is not (DoraPhase.Selecting or DoraPhase.Requesting)) { return null; }
        if (!DhcpFrame.TryParse(frame, out var parsed)) { return null; }
        var reply = parsed.Message;
        if (reply.Operation != DhcpOperation.BootReply || reply.TransactionId != TransactionId || reply.ClientMac != Mac) { return null; }

        switch (Phase, reply.MessageType)
        {
            case (DoraPhase.Selecting, DhcpMessageType.Offer) when reply.Options.ServerIdentifier is { } server:
                Address = reply.YourAddress;
                Server = server;
                ServerMac = parsed.Ethernet.Source;
                Phase = DoraPhase.Requesting;
                return Broadcast(Message(DhcpMessageType.Request) with
                {
                    Options = new DhcpOptions { MessageType = DhcpMessageType.Request, ServerIdentifier = server, RequestedAddress = Address },
                });
            case (DoraPhase.Requesting, DhcpMessageType.Ack) when reply.YourAddress == Address:
                Phase = DoraPhase.Bound;
                return null;
            case (DoraPhase.Requesting, DhcpMessageType.Nak):
                Phase = DoraPhase.Failed;
                Failure = "NAK: " + (reply.Options.Message ?? "no message");
                return null;
            default:
                return null;
        }
    }

    /// <summary>The RELEASE of the bound address, unicast to the server (RFC 2131 §4.4.6); the client is idle afterwards.</summary>
    public byte[] Release()
    {
        if (Phase != DoraPhase.Bound) { throw new InvalidOperationException($"nothing to release in phase {Phase}"); }
        Phase = DoraPhase.Idle;
        var release = Message(DhcpMessageType.Release) with
        {
            ClientAddress = Address,
            Options = new DhcpOptions { MessageType = DhcpMessageType.Release, ServerIdentifier = Server },
        };
        return Write(new EthernetHeader(ServerMac, Mac), new Ipv4Header(Address, Server), release);
    }

    private DhcpMessage Message(DhcpMessageType type) => new()
    {
        Operation = DhcpOperation.BootRequest,
        TransactionId = TransactionId,
        ClientHardwareAddress = [.. Mac.ToBytes()],
        Options = new DhcpOptions { MessageType = type },
    };

    private byte[] Broadcast(DhcpMessage message) =>
        Write(new EthernetHeader(MacAddress.Broadcast, Mac), new Ipv4Header(new Ipv4Address(0), DhcpReplyDestination.LimitedBroadcast), message);

    private static byte[] Write(EthernetHeader ethernet, Ipv4Header ip, DhcpMessage message)
    {
        var frame = new byte[Frames.GetDhcpLength(ethernet, message)];
        Frames.WriteDhcp(frame, ethernet, ip, DhcpMessage.ClientPort, DhcpMessage.ServerPort, message);
        return frame;
    }
}
