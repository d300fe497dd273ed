using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Erebor.OpenFlow.Connection;

/// <summary>
/// Where to reach a switch, written the way OVS tools write it, from this process's point of view:
/// <c>unix:PATH</c> and <c>tcp:IP:PORT</c> connect to a switch that listens (OVS's
/// <c>BRIDGE.mgmt</c> socket, or a <c>punix:</c>/<c>ptcp:</c> controller target of OVS);
/// <c>punix:PATH</c> and <c>ptcp:PORT[:IP]</c> listen for a switch that connects to us (OVS's
/// <c>unix:</c>/<c>tcp:</c> controller targets, set with <c>ovs-vsctl set-controller</c>).
/// </summary>
public sealed record OpenFlowEndpoint
{
    private OpenFlowEndpoint(string text, EndPoint address, bool listens)
    {
        Text = text;
        Address = address;
        Listens = listens;
    }

    /// <summary>The endpoint as written, e.g. "unix:/run/ovs/br-int.mgmt".</summary>
    public string Text { get; }

    public EndPoint Address { get; }

    /// <summary>True for punix:/ptcp: (we accept the switch's connection), false for unix:/tcp: (we connect).</summary>
    public bool Listens { get; }

    public static OpenFlowEndpoint Unix(string path) => Parse("unix:" + path);

    public static OpenFlowEndpoint ListenUnix(string path) => Parse("punix:" + path);

    public static OpenFlowEndpoint Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var colon = text.IndexOf(':');
        var scheme = colon < 0 ? text : text[..colon];
        var rest = colon < 0 ? string.Empty : text[(colon + 1)..];
        return scheme switch
        {
            "unix" when rest.Length > 0 => new(text, new UnixDomainSocketEndPoint(rest), listens: false),
            "punix" when rest.Length > 0 => new(text, new UnixDomainSocketEndPoint(rest), listens: true),
            "tcp" => new(text, ParseHostAndPort(text, rest), listens: false),
            "ptcp" => new(text, ParsePortAndHost(text, rest), listens: true),
            _ => throw new FormatException($"'{text}' is not an OpenFlow endpoint (unix:PATH, punix:PATH, tcp:IP:PORT or ptcp:PORT[:IP])"),
        };
    }

    public override string ToString() => Text;

    internal Socket CreateSocket() =>
        Address is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    private static IPEndPoint ParseHostAndPort(string text, string rest)
    {
        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || !IPAddress.TryParse(rest[..colon].Trim('[', ']'), out var address) || !TryParsePort(rest[(colon + 1)..], out var port))
        {
            throw new FormatException($"'{text}' is not tcp:IP:PORT");
        }

        return new IPEndPoint(address, port);
    }

    private static IPEndPoint ParsePortAndHost(string text, string rest)
    {
        var colon = rest.IndexOf(':');
        var portText = colon < 0 ? rest : rest[..colon];
        var address = IPAddress.Any;
        if (!TryParsePort(portText, out var port) || (colon >= 0 && !IPAddress.TryParse(rest[(colon + 1)..].Trim('[', ']'), out address)))
        {
            throw new FormatException($"'{text}' is not ptcp:PORT[:IP]");
        }

        return new IPEndPoint(address!, port);
    }

    private static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
}
