using Erebor.Domain.Collections;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Multipart;

public enum MultipartType : ushort
{
    Desc = 0,
    Flow = 1,
    Aggregate = 2,
    Table = 3,
    PortStats = 4,
    Queue = 5,
    Group = 6,
    GroupDesc = 7,
    GroupFeatures = 8,
    Meter = 9,
    MeterConfig = 10,
    MeterFeatures = 11,
    TableFeatures = 12,
    PortDesc = 13,
    Experimenter = 0xffff,
}

[Flags]
public enum MultipartFlags : ushort
{
    None = 0,

    /// <summary>More parts follow with the same xid (OFPMPF_REQ_MORE / OFPMPF_REPLY_MORE).</summary>
    More = 1,
}

/// <summary>OFPT_MULTIPART_REQUEST: ofp_multipart_request header (type, flags, padding) and a type-specific body.</summary>
public abstract record MultipartRequest : OpenFlowMessage
{
    private protected MultipartRequest()
    {
    }

    public sealed override OfpType Type => OfpType.MultipartRequest;

    public abstract MultipartType MultipartType { get; }

    public MultipartFlags Flags { get; init; }

    internal sealed override int BodyLength => 8 + RequestBodyLength;

    private protected virtual int RequestBodyLength => 0;

    internal sealed override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U16((ushort)MultipartType);
        writer.U16((ushort)Flags);
        writer.Zeros(4);
        WriteRequestBody(ref writer);
    }

    private protected virtual void WriteRequestBody(ref WireWriter writer)
    {
    }

    /// <summary>Writes the "id plus 4 bytes of padding" body that the port, group and meter requests share.</summary>
    private protected static void WriteIdBody(ref WireWriter writer, uint id)
    {
        writer.U32(id);
        writer.Zeros(4);
    }

    private protected static uint ReadIdBody(ref WireReader body)
    {
        var id = body.U32();
        body.Skip(4);
        return id;
    }
}

/// <summary>
/// OFPT_MULTIPART_REPLY. A long reply comes in several messages with <see cref="MultipartFlags.More"/>
/// set on all but the last; <c>OpenFlowConnection.SendMultipartAsync</c> joins them into one reply.
/// </summary>
public abstract record MultipartReply : OpenFlowMessage
{
    private protected MultipartReply()
    {
    }

    public sealed override OfpType Type => OfpType.MultipartReply;

    public abstract MultipartType MultipartType { get; }

    public MultipartFlags Flags { get; init; }

    internal sealed override int BodyLength => 8 + ReplyBodyLength;

    private protected abstract int ReplyBodyLength { get; }

    internal sealed override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U16((ushort)MultipartType);
        writer.U16((ushort)Flags);
        writer.Zeros(4);
        WriteReplyBody(ref writer);
    }

    private protected abstract void WriteReplyBody(ref WireWriter writer);

    /// <summary>
    /// This part followed by the <paramref name="following"/> parts of the same reply, as one reply
    /// carrying the last part's flags. Entries are copied once, however many parts there are.
    /// </summary>
    internal virtual MultipartReply CombineWith(IReadOnlyList<MultipartReply> following) =>
        following.Count == 0 ? this
        : throw new OpenFlowDecodeException($"a {MultipartType} reply cannot be split across messages, but the switch set the MORE flag");
}

/// <summary>A multipart reply whose body is an array of entries (flows, ports, groups...), which may be split across messages.</summary>
public abstract record MultipartListReply<TEntry> : MultipartReply
{
    private protected delegate TEntry EntryReader(ref WireReader reader);

    public EquatableArray<TEntry> Entries { get; init; }

    private protected sealed override int ReplyBodyLength
    {
        get
        {
            var length = 0;
            foreach (var entry in Entries.AsSpan()) { length += EntryLength(entry); }
            return length;
        }
    }

    private protected abstract int EntryLength(TEntry entry);

    private protected abstract void WriteEntry(ref WireWriter writer, TEntry entry);

    private protected sealed override void WriteReplyBody(ref WireWriter writer)
    {
        foreach (var entry in Entries.AsSpan()) { WriteEntry(ref writer, entry); }
    }

    internal sealed override MultipartReply CombineWith(IReadOnlyList<MultipartReply> following)
    {
        if (following.Count == 0) { return this; }
        var total = Entries.Count;
        foreach (var part in following)
        {
            if (part.GetType() != GetType())
            {
                throw new OpenFlowDecodeException($"a {MultipartType} reply was continued by a {part.MultipartType} reply");
            }

            total += ((MultipartListReply<TEntry>)part).Entries.Count;
        }

        var entries = new TEntry[total];
        Entries.AsSpan().CopyTo(entries);
        var offset = Entries.Count;
        foreach (var part in following)
        {
            var more = ((MultipartListReply<TEntry>)part).Entries;
            more.AsSpan().CopyTo(entries.AsSpan(offset));
            offset += more.Count;
        }

        return this with { Entries = [.. entries], Flags = following[^1].Flags };
    }

    private protected static EquatableArray<TEntry> ReadEntries(ref WireReader body, EntryReader read)
    {
        if (body.IsEmpty) { return default; }
        var entries = new List<TEntry>();
        while (!body.IsEmpty) { entries.Add(read(ref body)); }
        return [.. entries];
    }
}
