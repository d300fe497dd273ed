using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Erebor.Ovsdb;

/// <summary>An OVSDB server address in OVS syntax: <c>unix:/path/db.sock</c> or <c>tcp:host:port</c>.</summary>
public sealed record OvsdbEndpoint(EndPoint Address, string Text)
{
    public static OvsdbEndpoint Parse(string text)
    {
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            return new OvsdbEndpoint(new UnixDomainSocketEndPoint(text["unix:".Length..]), text);
        }

        if (text.StartsWith("tcp:", StringComparison.Ordinal))
        {
            var hostPort = text["tcp:".Length..];
            var colon = hostPort.LastIndexOf(':');
            if (colon > 0 && int.TryParse(hostPort[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                var host = hostPort[..colon].Trim('[', ']');
                EndPoint address = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
                return new OvsdbEndpoint(address, text);
            }
        }

        throw new FormatException($"'{text}' is not an OVSDB endpoint (unix:PATH or tcp:HOST:PORT)");
    }

    public override string ToString() => Text;

    internal async Task<Stream> ConnectAsync(CancellationToken ct)
    {
        var socket = Address is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(Address, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
