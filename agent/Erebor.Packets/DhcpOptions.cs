using System.Buffers.Binary;

using Erebor.Domain.Collections;
using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>An option this library has no typed property for, kept raw in the order received.</summary>
public readonly record struct DhcpOption(DhcpOptionCode Code, EquatableArray<byte> Data);

/// <summary>
/// The options of a DHCP message, typed for those the agent uses. Absent is <c>null</c> for single
/// values and empty for lists and byte strings (RFC 2132 gives none of those a zero length). Any
/// other option stays raw in <see cref="Other"/>. Written in the order the properties are declared
/// here: message type first, relay agent information last (RFC 3046 §2.1), then End.
/// </summary>
public sealed record DhcpOptions
{
    /// <summary>Option 51's value for a lease that never expires.</summary>
    public const uint InfiniteLeaseSeconds = uint.MaxValue;

    public static readonly DhcpOptions None = new();

    /// <summary>Option 53.</summary>
    public DhcpMessageType? MessageType { get; init; }

    /// <summary>Option 54: the server's address; in a REQUEST, which server's offer the client takes.</summary>
    public Ipv4Address? ServerIdentifier { get; init; }

    /// <summary>Option 51, in seconds; <see cref="InfiniteLeaseSeconds"/> for ever.</summary>
    public uint? LeaseTimeSeconds { get; init; }

    /// <summary>Option 58, T1, in seconds.</summary>
    public uint? RenewalTimeSeconds { get; init; }

    /// <summary>Option 59, T2, in seconds.</summary>
    public uint? RebindingTimeSeconds { get; init; }

    /// <summary>Option 1.</summary>
    public Ipv4Address? SubnetMask { get; init; }

    /// <summary>Option 3, preferred first.</summary>
    public EquatableArray<Ipv4Address> Routers { get; init; }

    /// <summary>Option 6, preferred first.</summary>
    public EquatableArray<Ipv4Address> DomainNameServers { get; init; }

    /// <summary>Option 15.</summary>
    public string? DomainName { get; init; }

    /// <summary>Option 12.</summary>
    public string? HostName { get; init; }

    /// <summary>Option 26.</summary>
    public ushort? InterfaceMtu { get; init; }

    /// <summary>Option 121 (RFC 3442). A client that gets it ignores <see cref="Routers"/>, so include the default route here too.</summary>
    public EquatableArray<ClasslessStaticRoute> ClasslessStaticRoutes { get; init; }

    /// <summary>Option 56: why a NAK was sent, for the client's log.</summary>
    public string? Message { get; init; }

    /// <summary>Option 50: the address a client asks for.</summary>
    public Ipv4Address? RequestedAddress { get; init; }

    /// <summary>Option 61, raw: a type byte (1 = Ethernet) and the identifier.</summary>
    public EquatableArray<byte> ClientIdentifier { get; init; }

    /// <summary>Option 55: the options the client wants, in its order of preference.</summary>
    public EquatableArray<DhcpOptionCode> ParameterRequestList { get; init; }

    /// <summary>Option 57: the largest DHCP message (IP and UDP headers included) the client accepts.</summary>
    public ushort? MaxMessageSize { get; init; }

    /// <summary>Options with no typed property, in the order received; never a code that has one.</summary>
    public EquatableArray<DhcpOption> Other { get; init; }

    /// <summary>Option 82 (RFC 3046), raw: added by a relay, echoed unchanged in the server's reply.</summary>
    public EquatableArray<byte> RelayAgentInformation { get; init; }

    internal void WriteTo(ref DhcpOptionWriter writer)
    {
        writer.Write(DhcpOptionCode.MessageType, (byte?)MessageType);
        writer.Write(DhcpOptionCode.ServerIdentifier, ServerIdentifier);
        writer.Write(DhcpOptionCode.LeaseTime, LeaseTimeSeconds);
        writer.Write(DhcpOptionCode.RenewalTime, RenewalTimeSeconds);
        writer.Write(DhcpOptionCode.RebindingTime, RebindingTimeSeconds);
        writer.Write(DhcpOptionCode.SubnetMask, SubnetMask);
        writer.Write(DhcpOptionCode.Routers, Routers);
        writer.Write(DhcpOptionCode.DomainNameServers, DomainNameServers);
        writer.Write(DhcpOptionCode.DomainName, DomainName);
        writer.Write(DhcpOptionCode.HostName, HostName);
        writer.Write(DhcpOptionCode.InterfaceMtu, InterfaceMtu);
        writer.Write(DhcpOptionCode.ClasslessStaticRoutes, ClasslessStaticRoutes);
        writer.Write(DhcpOptionCode.Message, Message);
        writer.Write(DhcpOptionCode.RequestedAddress, RequestedAddress);
        writer.Write(DhcpOptionCode.ClientIdentifier, ClientIdentifier);
        writer.Write(DhcpOptionCode.ParameterRequestList, ParameterRequestList);
        writer.Write(DhcpOptionCode.MaxMessageSize, MaxMessageSize);
        foreach (var option in Other.AsSpan())
        {
            if (IsReserved(option.Code))
            {
                throw new ArgumentException($"option {(byte)option.Code} ({option.Code}) belongs in its typed property or is written by the encoder, not in {nameof(Other)}");
            }

            writer.Write(option.Code, option.Data.AsSpan());
        }

        writer.Write(DhcpOptionCode.RelayAgentInformation, RelayAgentInformation);
    }

    /// <summary>Builds the typed view of options already collected and concatenated per code (RFC 3396), in order of first appearance.</summary>
    internal static DhcpOptions FromRaw(IEnumerable<(DhcpOptionCode Code, byte[] Data)> options)
    {
        var result = None;
        var other = new List<DhcpOption>();
        foreach (var (code, data) in options)
        {
            result = code switch
            {
                DhcpOptionCode.MessageType => result with { MessageType = (DhcpMessageType)ReadFixed(code, data, 1)[0] },
                DhcpOptionCode.ServerIdentifier => result with { ServerIdentifier = ReadAddress(code, data) },
                DhcpOptionCode.LeaseTime => result with { LeaseTimeSeconds = ReadUInt32(code, data) },
                DhcpOptionCode.RenewalTime => result with { RenewalTimeSeconds = ReadUInt32(code, data) },
                DhcpOptionCode.RebindingTime => result with { RebindingTimeSeconds = ReadUInt32(code, data) },
                DhcpOptionCode.SubnetMask => result with { SubnetMask = ReadAddress(code, data) },
                DhcpOptionCode.Routers => result with { Routers = ReadAddresses(code, data) },
                DhcpOptionCode.DomainNameServers => result with { DomainNameServers = ReadAddresses(code, data) },
                DhcpOptionCode.DomainName => result with { DomainName = ReadText(code, data) },
                DhcpOptionCode.HostName => result with { HostName = ReadText(code, data) },
                DhcpOptionCode.InterfaceMtu => result with { InterfaceMtu = ReadUInt16(code, data) },
                DhcpOptionCode.ClasslessStaticRoutes => result with { ClasslessStaticRoutes = ClasslessStaticRoute.DecodeAll(ReadNonEmpty(code, data)) },
                DhcpOptionCode.Message => result with { Message = ReadText(code, data) },
                DhcpOptionCode.RequestedAddress => result with { RequestedAddress = ReadAddress(code, data) },
                DhcpOptionCode.ClientIdentifier => result with { ClientIdentifier = [.. ReadNonEmpty(code, data)] },
                DhcpOptionCode.ParameterRequestList => result with { ParameterRequestList = ReadCodes(code, data) },
                DhcpOptionCode.MaxMessageSize => result with { MaxMessageSize = ReadUInt16(code, data) },
                DhcpOptionCode.RelayAgentInformation => result with { RelayAgentInformation = [.. ReadNonEmpty(code, data)] },
                _ => AddOther(result, code, data),
            };
        }

        return other.Count == 0 ? result : result with { Other = [.. other] };

        DhcpOptions AddOther(DhcpOptions options, DhcpOptionCode code, byte[] data)
        {
            other.Add(new DhcpOption(code, [.. data]));
            return options;
        }
    }

    /// <summary>Codes <see cref="Other"/> must not hold: those with a typed property, and those the encoder owns.</summary>
    private static bool IsReserved(DhcpOptionCode code) => code switch
    {
        DhcpOptionCode.Pad or DhcpOptionCode.End or DhcpOptionCode.OptionOverload => true,
        DhcpOptionCode.MessageType or DhcpOptionCode.ServerIdentifier or DhcpOptionCode.LeaseTime or DhcpOptionCode.RenewalTime
            or DhcpOptionCode.RebindingTime or DhcpOptionCode.SubnetMask or DhcpOptionCode.Routers or DhcpOptionCode.DomainNameServers
            or DhcpOptionCode.DomainName or DhcpOptionCode.HostName or DhcpOptionCode.InterfaceMtu or DhcpOptionCode.ClasslessStaticRoutes
            or DhcpOptionCode.Message or DhcpOptionCode.RequestedAddress or DhcpOptionCode.ClientIdentifier
            or DhcpOptionCode.ParameterRequestList or DhcpOptionCode.MaxMessageSize or DhcpOptionCode.RelayAgentInformation => true,
        _ => false,
    };

    private static ReadOnlySpan<byte> ReadFixed(DhcpOptionCode code, byte[] data, int length) =>
        data.Length == length ? data : throw new PacketDecodeException($"option {(byte)code} ({code}) must be {length} bytes long, got {data.Length}");

    private static ReadOnlySpan<byte> ReadNonEmpty(DhcpOptionCode code, byte[] data) =>
        data.Length > 0 ? data : throw new PacketDecodeException($"option {(byte)code} ({code}) is empty");

    private static ushort ReadUInt16(DhcpOptionCode code, byte[] data) => BinaryPrimitives.ReadUInt16BigEndian(ReadFixed(code, data, sizeof(ushort)));

    private static uint ReadUInt32(DhcpOptionCode code, byte[] data) => BinaryPrimitives.ReadUInt32BigEndian(ReadFixed(code, data, sizeof(uint)));

    private static Ipv4Address ReadAddress(DhcpOptionCode code, byte[] data) => Ipv4Address.FromBytes(ReadFixed(code, data, Ipv4Address.ByteLength));

    private static EquatableArray<Ipv4Address> ReadAddresses(DhcpOptionCode code, byte[] data)
    {
        if (data.Length == 0 || data.Length % Ipv4Address.ByteLength != 0)
        {
            throw new PacketDecodeException($"option {(byte)code} ({code}) must hold a non-empty list of 4-byte addresses, got {data.Length} bytes");
        }

        var addresses = new Ipv4Address[data.Length / Ipv4Address.ByteLength];
        for (var i = 0; i < addresses.Length; i++) { addresses[i] = Ipv4Address.FromBytes(data.AsSpan(i * Ipv4Address.ByteLength, Ipv4Address.ByteLength)); }
        return [.. addresses];
    }

    private static EquatableArray<DhcpOptionCode> ReadCodes(DhcpOptionCode code, byte[] data) =>
        [.. Array.ConvertAll(ReadNonEmpty(code, data).ToArray(), b => (DhcpOptionCode)b)];

    /// <summary>Drops trailing NULs, which some clients append although RFC 2132 says not to.</summary>
    private static string ReadText(DhcpOptionCode code, byte[] data) => DhcpText.Read(ReadNonEmpty(code, data).TrimEnd((byte)0));
}
