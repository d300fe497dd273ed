using System.Buffers;
using System.Buffers.Binary;

using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow;

/// <summary>
/// Encodes messages into OpenFlow 1.3 wire frames and decodes frames back. Encoding computes each
/// message's exact length first and writes it in one pass into the caller's buffer; decoding
/// accepts exactly one whole frame and throws only <see cref="OpenFlowDecodeException"/>.
/// </summary>
public static class OpenFlowCodec
{
    /// <summary>The wire version of OpenFlow 1.3.</summary>
    public const byte Version13 = 4;

    public const int HeaderLength = 8;

    /// <summary>The length field is 16 bits, so no message is longer.</summary>
    public const int MaxMessageLength = ushort.MaxValue;

    public static int GetEncodedLength(OpenFlowMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var length = HeaderLength + message.BodyLength;
        if (length > MaxMessageLength)
        {
            throw new ArgumentException($"{message.Type} would be {length} bytes, more than the {MaxMessageLength} an OpenFlow message can hold", nameof(message));
        }

        return length;
    }

    /// <summary>Appends one frame to <paramref name="output"/> without intermediate allocations.</summary>
    public static int Encode(OpenFlowMessage message, uint xid, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = GetEncodedLength(message);
        var writer = new WireWriter(output.GetSpan(length));
        Write(ref writer, message, xid, length);
        output.Advance(length);
        return length;
    }

    public static byte[] Encode(OpenFlowMessage message, uint xid)
    {
        var length = GetEncodedLength(message);
        var frame = new byte[length];
        var writer = new WireWriter(frame);
        Write(ref writer, message, xid, length);
        return frame;
    }

    /// <summary>
    /// The total length of the frame starting at <paramref name="buffer"/>, once its header has
    /// arrived (false until then); for splitting a byte stream into frames.
    /// </summary>
    public static bool TryGetFrameLength(ReadOnlySpan<byte> buffer, out int length)
    {
        length = 0;
        if (buffer.Length < HeaderLength) { return false; }
        length = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (length < HeaderLength) { throw new OpenFlowDecodeException($"frame length {length} is shorter than the {HeaderLength}-byte header"); }
        return true;
    }

    /// <summary>Decodes exactly one frame; its length field must match <paramref name="frame"/>'s length.</summary>
    public static OpenFlowFrame Decode(ReadOnlySpan<byte> frame)
    {
        var reader = new WireReader(frame);
        var body = ReadHeader(ref reader, out var version, out var type, out var xid);
        if (!reader.IsEmpty) { throw new OpenFlowDecodeException($"{reader.Remaining} bytes follow the {frame.Length - reader.Remaining}-byte frame"); }
        return new OpenFlowFrame(xid, DecodeBody(version, type, ref body), version);
    }

    /// <param name="length">The message's <see cref="GetEncodedLength"/>, which the caller already needed.</param>
    internal static void Write(ref WireWriter writer, OpenFlowMessage message, uint xid, int length)
    {
        var start = writer.Position;
        writer.U8(Version13);
        writer.U8((byte)message.Type);
        writer.U16((ushort)length);
        writer.U32(xid);
        message.WriteBody(ref writer, xid);
        if (writer.Position - start != length)
        {
            throw new InvalidOperationException($"{message.GetType().Name} wrote {writer.Position - start} bytes but declared {length}");
        }
    }

    /// <summary>A whole message embedded in another one (a bundle-add), delimited by its own header.</summary>
    internal static OpenFlowMessage ReadNested(ref WireReader reader)
    {
        var body = ReadHeader(ref reader, out var version, out var type, out _);
        return DecodeBody(version, type, ref body);
    }

    /// <summary>Reads an ofp_header and returns a reader over the body its length field declares.</summary>
    private static WireReader ReadHeader(ref WireReader reader, out byte version, out byte type, out uint xid)
    {
        version = reader.U8();
        type = reader.U8();
        var length = reader.CheckLength(reader.U16(), HeaderLength, 4, "message");
        xid = reader.U32();
        return reader.Slice(length - HeaderLength, "message body");
    }

    private static OpenFlowMessage DecodeBody(byte version, byte type, ref WireReader body)
    {
        // HELLO and ERROR keep their layout across versions, so they are readable before (or
        // instead of) agreeing on 1.3; everything else must be 1.3.
        if (version != Version13 && type is not ((byte)OfpType.Hello or (byte)OfpType.Error))
        {
            throw new OpenFlowDecodeException($"message type {type} has OpenFlow wire version {version}; only 1.3 ({Version13}) is supported");
        }

        var whole = body;
        OpenFlowMessage? message = (OfpType)type switch
        {
            OfpType.Hello => Hello.ReadBody(ref body),
            OfpType.Error => ErrorMessage.ReadBody(ref body),
            OfpType.EchoRequest => new EchoRequest(body.CopyRest()),
            OfpType.EchoReply => new EchoReply(body.CopyRest()),
            OfpType.Experimenter => ReadExperimenter(ref body),
            OfpType.FeaturesRequest => new FeaturesRequest(),
            OfpType.FeaturesReply => FeaturesReply.ReadBody(ref body),
            OfpType.GetConfigRequest => new GetConfigRequest(),
            OfpType.GetConfigReply => new GetConfigReply((FragmentHandling)body.U16(), body.U16()),
            OfpType.SetConfig => new SetConfig((FragmentHandling)body.U16(), body.U16()),
            OfpType.PacketIn => PacketIn.ReadBody(ref body),
            OfpType.FlowRemoved => FlowRemoved.ReadBody(ref body),
            OfpType.PortStatus => PortStatus.ReadBody(ref body),
            OfpType.PacketOut => PacketOut.ReadBody(ref body),
            OfpType.FlowMod => FlowMod.ReadBody(ref body),
            OfpType.GroupMod => GroupMod.ReadBody(ref body),
            OfpType.MultipartRequest => ReadMultipartRequest(ref body),
            OfpType.MultipartReply => ReadMultipartReply(ref body),
            OfpType.BarrierRequest => new BarrierRequest(),
            OfpType.BarrierReply => new BarrierReply(),
            OfpType.RoleRequest => ReadRole(ref body, static (role, generation) => new RoleRequest(role, generation)),
            OfpType.RoleReply => ReadRole(ref body, static (role, generation) => new RoleReply(role, generation)),
            OfpType.GetAsyncRequest => new GetAsyncRequest(),
            OfpType.GetAsyncReply => new GetAsyncReply(AsyncConfig.Read(ref body)),
            OfpType.SetAsync => new SetAsync(AsyncConfig.Read(ref body)),
            OfpType.MeterMod => MeterMod.ReadBody(ref body),
            _ => null,
        };
        if (message is null) { return new UnknownMessage(type, whole.CopyRest()); }
        if (!body.IsEmpty)
        {
            throw new OpenFlowDecodeException($"{(OfpType)type} has {body.Remaining} unexpected bytes after its body");
        }

        return message;
    }

    private static OpenFlowMessage ReadExperimenter(ref WireReader body)
    {
        var experimenter = body.U32();
        var experimenterType = body.U32();
        if (experimenter == OfpExperimenter.Onf)
        {
            switch (experimenterType)
            {
                case BundleMessage.ControlExperimenterType:
                    var control = BundleControl.ReadBody(ref body);
                    body.Skip(body.Remaining);
                    return control;
                case BundleMessage.AddMessageExperimenterType:
                    var add = BundleAdd.ReadBody(ref body);
                    body.Skip(body.Remaining);
                    return add;
            }
        }

        return new ExperimenterMessage(experimenter, experimenterType, body.CopyRest());
    }

    private static RoleMessage ReadRole(ref WireReader body, Func<ControllerRole, ulong, RoleMessage> create)
    {
        var role = (ControllerRole)body.U32();
        body.Skip(4);
        return create(role, body.U64());
    }

    private static MultipartRequest? ReadMultipartRequest(ref WireReader body)
    {
        var (type, flags) = ReadMultipartHeader(ref body);
        MultipartRequest? request = type switch
        {
            MultipartType.Desc => new DescRequest(),
            MultipartType.Flow => FlowStatsRequest.ReadBody(ref body),
            MultipartType.Aggregate => AggregateStatsRequest.ReadBody(ref body),
            MultipartType.Table => new TableStatsRequest(),
            MultipartType.PortStats => PortStatsRequest.ReadBody(ref body),
            MultipartType.PortDesc => new PortDescRequest(),
            MultipartType.Group => GroupStatsRequest.ReadBody(ref body),
            MultipartType.GroupDesc => new GroupDescRequest(),
            MultipartType.Meter => MeterStatsRequest.ReadBody(ref body),
            MultipartType.MeterConfig => MeterConfigRequest.ReadBody(ref body),
            _ => null,
        };
        return request is null ? null : request with { Flags = flags };
    }

    private static MultipartReply? ReadMultipartReply(ref WireReader body)
    {
        var (type, flags) = ReadMultipartHeader(ref body);
        MultipartReply? reply = type switch
        {
            MultipartType.Desc => DescReply.ReadBody(ref body),
            MultipartType.Flow => FlowStatsReply.ReadBody(ref body),
            MultipartType.Aggregate => AggregateStatsReply.ReadBody(ref body),
            MultipartType.Table => TableStatsReply.ReadBody(ref body),
            MultipartType.PortStats => PortStatsReply.ReadBody(ref body),
            MultipartType.PortDesc => PortDescReply.ReadBody(ref body),
            MultipartType.Group => GroupStatsReply.ReadBody(ref body),
            MultipartType.GroupDesc => GroupDescReply.ReadBody(ref body),
            MultipartType.Meter => MeterStatsReply.ReadBody(ref body),
            MultipartType.MeterConfig => MeterConfigReply.ReadBody(ref body),
            _ => null,
        };
        return reply is null ? null : reply with { Flags = flags };
    }

    private static (MultipartType Type, MultipartFlags Flags) ReadMultipartHeader(ref WireReader body)
    {
        var type = (MultipartType)body.U16();
        var flags = (MultipartFlags)body.U16();
        body.Skip(4);
        return (type, flags);
    }
}
