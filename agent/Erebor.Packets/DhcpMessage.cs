using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

using Erebor.Domain.Collections;
using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>
/// A DHCPv4 message (RFC 2131 §2, options per RFC 2132): the BOOTP fixed fields, the magic cookie
/// and the options. Parsing copies into this record so a server can keep it; writing produces at
/// least <see cref="BootpMinimumLength"/> bytes, padded after End, because old BOOTP relays and
/// clients drop anything shorter. The encoder never overloads sname/file with options.
/// </summary>
public sealed record DhcpMessage
{
    /// <summary>op through file: the fixed BOOTP part.</summary>
    public const int FixedFieldsLength = 236;

    /// <summary>Fixed fields plus the magic cookie: the shortest DHCP message with no options at all.</summary>
    public const int MinimumLength = FixedFieldsLength + 4;

    /// <summary>The BOOTP message size (RFC 951) that RFC 1542 §2.1 tells senders to pad to.</summary>
    public const int BootpMinimumLength = 300;

    public const byte EthernetHardwareType = 1;
    public const int MaxHardwareAddressLength = 16;
    public const int ServerNameLength = 64;
    public const int BootFileNameLength = 128;

    public const ushort ServerPort = 67;
    public const ushort ClientPort = 68;

    private const uint MagicCookie = 0x63825363; // 99.130.83.99
    private const int ChaddrOffset = 28;
    private const int ServerNameOffset = 44;
    private const int BootFileNameOffset = 108;

    public required DhcpOperation Operation { get; init; }

    /// <summary>htype: 1 for Ethernet (ARP hardware type numbers).</summary>
    public byte HardwareType { get; init; } = EthernetHardwareType;

    /// <summary>chaddr, exactly hlen bytes long (at most 16).</summary>
    public EquatableArray<byte> ClientHardwareAddress { get; init; }

    /// <summary>Relay agents increment it; clients send 0.</summary>
    public byte Hops { get; init; }

    /// <summary>xid: chosen by the client, echoed by the server.</summary>
    public required uint TransactionId { get; init; }

    /// <summary>secs: seconds since the client began acquiring or renewing.</summary>
    public ushort SecondsElapsed { get; init; }

    public DhcpFlags Flags { get; init; }

    /// <summary>ciaddr: the client's address, only when it already holds one (BOUND, RENEW, REBIND, INFORM).</summary>
    public Ipv4Address ClientAddress { get; init; }

    /// <summary>yiaddr: the address the server offers or assigns.</summary>
    public Ipv4Address YourAddress { get; init; }

    /// <summary>siaddr: the next server in the boot process (TFTP), not the DHCP server; that is option 54.</summary>
    public Ipv4Address NextServerAddress { get; init; }

    /// <summary>giaddr: the relay agent the message passed through, 0.0.0.0 when none.</summary>
    public Ipv4Address RelayAgentAddress { get; init; }

    /// <summary>sname: text up to 64 bytes, NUL-terminated when shorter; empty when options overload it.</summary>
    public string ServerName { get; init; } = string.Empty;

    /// <summary>file: text up to 128 bytes, NUL-terminated when shorter; empty when options overload it.</summary>
    public string BootFileName { get; init; } = string.Empty;

    public DhcpOptions Options { get; init; } = DhcpOptions.None;

    public DhcpMessageType? MessageType => Options.MessageType;

    public bool IsBroadcast => Flags.HasFlag(DhcpFlags.Broadcast);

    /// <summary>chaddr as a MAC address when the client is on Ethernet (htype 1, hlen 6), else null.</summary>
    public MacAddress? ClientMac =>
        HardwareType == EthernetHardwareType && ClientHardwareAddress.Count == MacAddress.ByteLength
            ? MacAddress.FromBytes(ClientHardwareAddress.AsSpan())
            : null;

    /// <summary>
    /// A reply to this request with the fields RFC 2131 Table 3 fixes for every reply: op BOOTREPLY,
    /// htype, chaddr, xid, flags and giaddr copied, option 53 and 54 set, and option 82 echoed
    /// (RFC 3046 §2.2). A NAK through a relay gets the broadcast bit (RFC 2131 §4.3.2). ciaddr,
    /// yiaddr and the other options are the caller's, because they depend on the message type.
    /// </summary>
    public DhcpMessage CreateReply(DhcpMessageType type, Ipv4Address serverIdentifier) => new()
    {
        Operation = DhcpOperation.BootReply,
        HardwareType = HardwareType,
        ClientHardwareAddress = ClientHardwareAddress,
        TransactionId = TransactionId,
        Flags = type == DhcpMessageType.Nak && RelayAgentAddress != default ? Flags | DhcpFlags.Broadcast : Flags,
        RelayAgentAddress = RelayAgentAddress,
        Options = new DhcpOptions
        {
            MessageType = type,
            ServerIdentifier = serverIdentifier,
            RelayAgentInformation = Options.RelayAgentInformation,
        },
    };

    public static DhcpMessage Parse(ReadOnlySpan<byte> message) => Decode(message);

    public static bool TryParse(ReadOnlySpan<byte> message, [NotNullWhen(true)] out DhcpMessage? parsed)
    {
        try
        {
            parsed = Decode(message);
            return true;
        }
        catch (PacketDecodeException)
        {
            parsed = null;
            return false;
        }
    }

    /// <summary>The bytes <see cref="WriteTo"/> writes.</summary>
    public int GetLength()
    {
        var options = DhcpOptionWriter.Measuring;
        Options.WriteTo(ref options);
        return Math.Max(BootpMinimumLength, MinimumLength + options.Length + 1);
    }

    /// <summary>Writes the message into <paramref name="destination"/>, which must hold <see cref="GetLength"/> bytes; returns that length.</summary>
    public int WriteTo(Span<byte> destination)
    {
        var length = GetLength();
        if (destination.Length < length) { throw new ArgumentException($"the DHCP message needs {length} bytes, the buffer has {destination.Length}", nameof(destination)); }
        if (ClientHardwareAddress.Count > MaxHardwareAddressLength) { throw new InvalidOperationException($"chaddr holds at most {MaxHardwareAddressLength} bytes, got {ClientHardwareAddress.Count}"); }

        var message = destination[..length];
        message.Clear();
        message[0] = (byte)Operation;
        message[1] = HardwareType;
        message[2] = (byte)ClientHardwareAddress.Count;
        message[3] = Hops;
        BinaryPrimitives.WriteUInt32BigEndian(message[4..], TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(message[8..], SecondsElapsed);
        BinaryPrimitives.WriteUInt16BigEndian(message[10..], (ushort)Flags);
        ClientAddress.WriteBytes(message[12..]);
        YourAddress.WriteBytes(message[16..]);
        NextServerAddress.WriteBytes(message[20..]);
        RelayAgentAddress.WriteBytes(message[24..]);
        ClientHardwareAddress.AsSpan().CopyTo(message[ChaddrOffset..]);
        WriteFixedText(ServerName, message.Slice(ServerNameOffset, ServerNameLength), "sname");
        WriteFixedText(BootFileName, message.Slice(BootFileNameOffset, BootFileNameLength), "file");
        BinaryPrimitives.WriteUInt32BigEndian(message[FixedFieldsLength..], MagicCookie);

        var options = new DhcpOptionWriter(message[MinimumLength..]);
        Options.WriteTo(ref options);
        options.WriteMarker(DhcpOptionCode.End);
        // What follows End is already zero: Pad options up to the BOOTP minimum.
        return length;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[GetLength()];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Writes <paramref name="text"/> into a zeroed field; a text as long as the field has no NUL, as with strncpy.</summary>
    private static void WriteFixedText(string text, Span<byte> field, string name)
    {
        if (DhcpText.GetByteCount(text) > field.Length) { throw new InvalidOperationException($"{name} holds at most {field.Length} bytes of text, got '{text}'"); }
        DhcpText.Write(text, field);
    }

    private static DhcpMessage Decode(ReadOnlySpan<byte> message)
    {
        if (message.Length < MinimumLength) { throw new PacketDecodeException($"a DHCP message needs at least {MinimumLength} bytes (fixed fields and magic cookie), got {message.Length}"); }

        var cookie = BinaryPrimitives.ReadUInt32BigEndian(message[FixedFieldsLength..]);
        if (cookie != MagicCookie) { throw new PacketDecodeException($"magic cookie is 0x{cookie:X8}, expected 0x{MagicCookie:X8}: plain BOOTP, not DHCP"); }

        var operation = message[0];
        if (operation is not ((byte)DhcpOperation.BootRequest or (byte)DhcpOperation.BootReply)) { throw new PacketDecodeException($"op is {operation}, expected 1 (BOOTREQUEST) or 2 (BOOTREPLY)"); }

        var hardwareAddressLength = message[2];
        if (hardwareAddressLength > MaxHardwareAddressLength) { throw new PacketDecodeException($"hlen is {hardwareAddressLength}, but chaddr holds at most {MaxHardwareAddressLength} bytes"); }

        var serverNameField = message.Slice(ServerNameOffset, ServerNameLength);
        var bootFileField = message.Slice(BootFileNameOffset, BootFileNameLength);
        var collector = new RawOptionCollector();
        var overload = collector.Collect(message[MinimumLength..], "options", allowOverload: true);
        // RFC 2131 §4.1: the options field first, then file, then sname.
        var fileHoldsOptions = overload is 1 or 3;
        var serverNameHoldsOptions = overload is 2 or 3;
        if (fileHoldsOptions) { collector.Collect(bootFileField, "file", allowOverload: false); }
        if (serverNameHoldsOptions) { collector.Collect(serverNameField, "sname", allowOverload: false); }

        return new DhcpMessage
        {
            Operation = (DhcpOperation)operation,
            HardwareType = message[1],
            ClientHardwareAddress = [.. message.Slice(ChaddrOffset, hardwareAddressLength)],
            Hops = message[3],
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(message[4..]),
            SecondsElapsed = BinaryPrimitives.ReadUInt16BigEndian(message[8..]),
            Flags = (DhcpFlags)BinaryPrimitives.ReadUInt16BigEndian(message[10..]),
            ClientAddress = Ipv4Address.FromBytes(message[12..16]),
            YourAddress = Ipv4Address.FromBytes(message[16..20]),
            NextServerAddress = Ipv4Address.FromBytes(message[20..24]),
            RelayAgentAddress = Ipv4Address.FromBytes(message[24..28]),
            ServerName = serverNameHoldsOptions ? string.Empty : ReadFixedText(serverNameField),
            BootFileName = fileHoldsOptions ? string.Empty : ReadFixedText(bootFileField),
            Options = DhcpOptions.FromRaw(collector.Options),
        };
    }

    /// <summary>Text up to the first NUL, or the whole field when it has none.</summary>
    private static string ReadFixedText(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return DhcpText.Read(end < 0 ? field : field[..end]);
    }

    /// <summary>
    /// Walks option areas (options, then file and sname when overloaded), concatenating repeated
    /// codes (RFC 3396) in order of first appearance.
    /// </summary>
    private sealed class RawOptionCollector
    {
        private readonly List<(DhcpOptionCode Code, List<byte> Data)> _options = [];

        public IEnumerable<(DhcpOptionCode Code, byte[] Data)> Options => _options.Select(option => (option.Code, option.Data.ToArray()));

        /// <summary>Collects the options of one area; returns the option overload value (52) when this area may and does carry one, else 0.</summary>
        public byte Collect(ReadOnlySpan<byte> area, string areaName, bool allowOverload)
        {
            byte overload = 0;
            var position = 0;
            // An area may end without End: some relays trim it, and the bytes run out cleanly then.
            while (position < area.Length)
            {
                var code = (DhcpOptionCode)area[position];
                if (code == DhcpOptionCode.End) { break; }
                if (code == DhcpOptionCode.Pad) { position++; continue; }
                if (position + 1 >= area.Length) { throw new PacketDecodeException($"option {(byte)code} at {areaName} offset {position} has no length byte"); }

                var length = area[position + 1];
                var data = area.Slice(position + 2, Math.Min(length, area.Length - position - 2));
                if (data.Length < length) { throw new PacketDecodeException($"option {(byte)code} at {areaName} offset {position} claims {length} bytes, but only {data.Length} remain"); }
                position += 2 + length;

                if (code == DhcpOptionCode.OptionOverload)
                {
                    if (!allowOverload) { throw new PacketDecodeException($"option 52 (option overload) appears inside the overloaded {areaName} field"); }
                    if (overload != 0) { throw new PacketDecodeException("option 52 (option overload) appears twice"); }
                    if (length != 1 || data[0] is < 1 or > 3) { throw new PacketDecodeException($"option 52 (option overload) must be one byte of 1, 2 or 3, got {Convert.ToHexString(data)}"); }
                    overload = data[0];
                    continue;
                }

                var index = _options.FindIndex(option => option.Code == code);
                if (index < 0) { _options.Add((code, [.. data])); }
                else { _options[index].Data.AddRange(data); }
            }

            return overload;
        }
    }
}
