using Erebor.Domain.Collections;
using Erebor.Domain.Networking;

namespace Erebor.Packets;

/// <summary>One route of option 121 (RFC 3442); a router of 0.0.0.0 means the destination is on-link.</summary>
public readonly record struct ClasslessStaticRoute(Ipv4Cidr Destination, Ipv4Address Router)
{
    /// <summary>Bytes on the wire: the prefix length, only the significant octets of the destination, then the router.</summary>
    public int EncodedLength => 1 + SignificantOctets(Destination.PrefixLength) + Ipv4Address.ByteLength;

    internal static int SignificantOctets(int prefixLength) => (prefixLength + 7) / 8;

    internal int WriteTo(Span<byte> destination)
    {
        destination[0] = (byte)Destination.PrefixLength;
        Span<byte> network = stackalloc byte[Ipv4Address.ByteLength];
        Destination.Network.WriteBytes(network);
        var octets = SignificantOctets(Destination.PrefixLength);
        network[..octets].CopyTo(destination[1..]);
        Router.WriteBytes(destination[(1 + octets)..]);
        return EncodedLength;
    }

    /// <summary>Decodes a whole option 121 value into its routes.</summary>
    internal static EquatableArray<ClasslessStaticRoute> DecodeAll(ReadOnlySpan<byte> data)
    {
        var routes = new List<ClasslessStaticRoute>();
        Span<byte> network = stackalloc byte[Ipv4Address.ByteLength];
        while (!data.IsEmpty)
        {
            var prefixLength = data[0];
            if (prefixLength > Ipv4Cidr.MaxPrefixLength) { throw new PacketDecodeException($"option 121 has a route of width {prefixLength}, above 32"); }

            var octets = SignificantOctets(prefixLength);
            var length = 1 + octets + Ipv4Address.ByteLength;
            if (data.Length < length) { throw new PacketDecodeException($"option 121 has a /{prefixLength} route needing {length} bytes, but only {data.Length} remain"); }

            network.Clear();
            data.Slice(1, octets).CopyTo(network);
            // RFC 3442 sends whole octets; bits past the width in the last one carry no meaning, so they are cleared.
            var destination = Ipv4Cidr.Enclosing(Ipv4Address.FromBytes(network), prefixLength);
            routes.Add(new ClasslessStaticRoute(destination, Ipv4Address.FromBytes(data.Slice(1 + octets, Ipv4Address.ByteLength))));
            data = data[length..];
        }

        return [.. routes];
    }

    public override string ToString() => $"{Destination} via {Router}";
}
