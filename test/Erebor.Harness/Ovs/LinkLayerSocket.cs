using System.Buffers.Binary;
using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Erebor.Packets.Tests.RealClients;

/// <summary>
/// An AF_PACKET raw socket bound to one interface of a network namespace: it sends and receives
/// whole Ethernet frames, as OVS does for the agent's PACKET_OUT and PACKET_IN. A socket belongs to
/// the namespace it was created in, so it is created on a short-lived thread moved there with setns(2).
/// </summary>
internal sealed class LinkLayerSocket : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private const ushort EthPAll = 0x0003;

    private readonly Socket _socket;

    private LinkLayerSocket(Socket socket) => _socket = socket;

    public static LinkLayerSocket Open(string networkNamespace, string interfaceName)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { socket = OpenInNamespace(networkNamespace, interfaceName); }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        return socket is not null ? new LinkLayerSocket(socket) : throw new InvalidOperationException($"cannot open a packet socket on {interfaceName} in {networkNamespace}", failure);
    }

    public void Send(ReadOnlySpan<byte> frame) => _socket.Send(frame);

    /// <summary>The next frame the interface receives (or sends, from another socket), or null when <paramref name="ct"/> fires.</summary>
    public async Task<byte[]?> ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[65536];
        try
        {
            var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            return buffer[..length];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _socket.Dispose();

    private static Socket OpenInNamespace(string networkNamespace, string interfaceName)
    {
        using var original = File.OpenHandle("/proc/thread-self/ns/net");
        using var target = File.OpenHandle($"/var/run/netns/{networkNamespace}");
        Check(SetNamespace(target.DangerousGetHandle().ToInt32(), CloneNewNet), "setns");
        try
        {
            var index = InterfaceIndex(interfaceName);
            if (index == 0) { throw new Win32Exception(Marshal.GetLastPInvokeError(), $"if_nametoindex({interfaceName})"); }
            var socket = new Socket(AddressFamily.Packet, SocketType.Raw, (ProtocolType)IPAddress.HostToNetworkOrder((short)EthPAll));
            socket.Bind(new LinkLayerEndPoint(index));
            return socket;
        }
        finally
        {
            Check(SetNamespace(original.DangerousGetHandle().ToInt32(), CloneNewNet), "setns back");
        }
    }

    private static void Check(int result, string call)
    {
        if (result != 0) { throw new Win32Exception(Marshal.GetLastPInvokeError(), call); }
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNamespace(int fd, int namespaceType);

    [DllImport("libc", EntryPoint = "if_nametoindex", SetLastError = true)]
    private static extern int InterfaceIndex([MarshalAs(UnmanagedType.LPStr)] string name);

    /// <summary>struct sockaddr_ll: family, protocol (network order), interface index, then fields only reception fills.</summary>
    private sealed class LinkLayerEndPoint(int interfaceIndex) : EndPoint
    {
        private const int SockaddrLlLength = 20;

        public override AddressFamily AddressFamily => AddressFamily.Packet;

        public override SocketAddress Serialize()
        {
            var address = new SocketAddress(AddressFamily.Packet, SockaddrLlLength);
            var bytes = address.Buffer.Span;
            BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], EthPAll);
            BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], interfaceIndex);
            return address;
        }
    }
}
