using System.Buffers.Binary;
using System.ComponentModel;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Erebor.Harness.Ovs;

/// <summary>
/// An AF_PACKET raw socket bound to one interface of a network namespace: it sends and receives
/// whole Ethernet frames, as OVS does for the agent's PACKET_OUT and PACKET_IN. A socket belongs to
/// the namespace it was created in, so it is created on a short-lived thread moved there with setns(2).
/// </summary>
public sealed class LinkLayerSocket : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private const ushort EthPAll = 0x0003;
    private const int SolSocket = 1;
    private const int SoAttachFilter = 26;

    private readonly Socket _socket;

    private LinkLayerSocket(Socket socket) => _socket = socket;

    /// <summary>
    /// Opens a socket on <paramref name="interfaceName"/> of <paramref name="networkNamespace"/>.
    /// With <paramref name="udpDestinationPort"/>, the kernel hands it only IPv4 UDP datagrams to
    /// that port (a classic BPF filter), so a load generator among many ports of one L2 segment
    /// does not wake up for every broadcast the others send.
    /// </summary>
    public static LinkLayerSocket Open(string networkNamespace, string interfaceName, ushort? udpDestinationPort = null)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                socket = OpenInNamespace(networkNamespace, interfaceName);
                if (udpDestinationPort is { } port) { AttachUdpPortFilter(socket, port); }
            }
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
            var length = await ReceiveAsync(buffer, ct);
            return buffer[..length];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Receives the next frame into <paramref name="buffer"/> and returns its length (no allocation, for load generators).</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken ct) => _socket.ReceiveAsync(buffer, SocketFlags.None, ct);

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

    /// <summary>
    /// ldh [12]; jeq IPv4; ldb [23]; jeq UDP; ldxb 4*([14]&amp;0xf); ldh [x+16]; jeq port; accept; drop
    /// (no VLAN tags here: the workloads' links are untagged).
    /// </summary>
    private static void AttachUdpPortFilter(Socket socket, ushort port)
    {
        (ushort Code, byte True, byte False, uint K)[] program =
        [
            (0x28, 0, 0, 12), (0x15, 0, 6, 0x0800), (0x30, 0, 0, 23), (0x15, 0, 4, 17),
            (0xb1, 0, 0, 14), (0x48, 0, 0, 16), (0x15, 0, 1, port), (0x06, 0, 0, 0x40000), (0x06, 0, 0, 0),
        ];
        var instructions = new byte[program.Length * 8];
        for (var i = 0; i < program.Length; i++)
        {
            var at = instructions.AsSpan(i * 8);
            BinaryPrimitives.WriteUInt16LittleEndian(at, program[i].Code);
            at[2] = program[i].True;
            at[3] = program[i].False;
            BinaryPrimitives.WriteUInt32LittleEndian(at[4..], program[i].K);
        }

        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the kernel copies the program.
        var pinned = GCHandle.Alloc(instructions, GCHandleType.Pinned);
        try
        {
            var fprog = new byte[16];
            BinaryPrimitives.WriteUInt16LittleEndian(fprog, (ushort)program.Length);
            BinaryPrimitives.WriteInt64LittleEndian(fprog.AsSpan(8), pinned.AddrOfPinnedObject().ToInt64());
            socket.SetRawSocketOption(SolSocket, SoAttachFilter, fprog);
        }
        finally
        {
            pinned.Free();
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
