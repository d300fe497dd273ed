using Erebor.Domain.Collections;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Actions;

/// <summary>
/// Nicira (OVS) extension actions: an OFPAT_EXPERIMENTER action with experimenter id 0x2320 and a
/// 16-bit subtype (nx_action_header in OVS's nicira-ext.h).
/// </summary>
public abstract record NiciraAction : OfpAction
{
    /// <summary>type, len, experimenter and subtype.</summary>
    private protected const int HeaderLength = 10;

    private protected NiciraAction()
    {
    }

    private protected enum Subtype : ushort
    {
        Resubmit = 1,
        RegMove = 6,
        RegLoad = 7,
        Note = 8,
        ResubmitTable = 14,
        Controller2 = 37,
    }

    private protected static void WriteHeader(ref WireWriter writer, Subtype subtype, int length)
    {
        writer.U16(ExperimenterType);
        writer.U16((ushort)length);
        writer.U32(OfpExperimenter.Nicira);
        writer.U16((ushort)subtype);
    }

    /// <summary>Decodes an experimenter action body (after type and length); null when it is not a modelled Nicira action.</summary>
    internal static OfpAction? ReadExperimenterBody(ref WireReader body)
    {
        if (body.U32() != OfpExperimenter.Nicira) { return null; }
        return (Subtype)body.U16() switch
        {
            Subtype.RegMove => RegMoveAction.ReadBody(ref body),
            Subtype.RegLoad => RegLoadAction.ReadBody(ref body),
            Subtype.Resubmit => ResubmitAction.ReadBody(ref body, withTable: false),
            Subtype.ResubmitTable => ResubmitAction.ReadBody(ref body, withTable: true),
            Subtype.Note => NoteAction.ReadBody(ref body),
            Subtype.Controller2 => Controller2Action.ReadBody(ref body),
            _ => null,
        };
    }

    /// <summary>The field a 32-bit NXM/OXM header names, or null when this codec does not model it (the action then stays unknown).</summary>
    private protected static OxmField? FieldOf(uint header) => (header & 0x100) == 0 ? OxmField.Find(header) : null;

    /// <summary>Builds a subfield from wire values, rejecting ranges that do not fit the field.</summary>
    private protected static NxmSubfield Subfield(OxmField field, int offset, int bits, string action)
    {
        if (bits < 1 || offset + bits > field.Bits)
        {
            throw new OpenFlowDecodeException($"{action} addresses bits {offset}..{offset + bits - 1} of the {field.Bits}-bit field {field.Name}");
        }

        return new NxmSubfield(field, offset, bits);
    }
}

/// <summary>NXAST_REG_MOVE: copies bits between fields (OVS <c>move:NXM_OF_ETH_SRC[]-&gt;NXM_OF_ETH_DST[]</c>).</summary>
public sealed record RegMoveAction : NiciraAction
{
    public RegMoveAction(NxmSubfield source, NxmSubfield destination)
    {
        if (source.Bits != destination.Bits)
        {
            throw new ArgumentException($"move copies {source.Bits} bits from {source} but {destination} holds {destination.Bits}");
        }

        Source = source;
        Destination = destination;
    }

    public NxmSubfield Source { get; }

    public NxmSubfield Destination { get; }

    /// <summary>Moves a whole field into another of the same width.</summary>
    public static RegMoveAction Whole(OxmField source, OxmField destination) => new(NxmSubfield.Whole(source), NxmSubfield.Whole(destination));

    internal override int WireLength => 24;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Subtype.RegMove, 24);
        writer.U16((ushort)Source.Bits);
        writer.U16((ushort)Source.Offset);
        writer.U16((ushort)Destination.Offset);
        writer.U32(Source.Field.Header(false));
        writer.U32(Destination.Field.Header(false));
    }

    internal static RegMoveAction? ReadBody(ref WireReader body)
    {
        Fixed(ref body, 14, "reg_move");
        int bits = body.U16(), sourceOffset = body.U16(), destinationOffset = body.U16();
        var source = FieldOf(body.U32());
        var destination = FieldOf(body.U32());
        if (source is null || destination is null) { return null; }
        return new RegMoveAction(Subfield(source, sourceOffset, bits, "reg_move"), Subfield(destination, destinationOffset, bits, "reg_move"));
    }
}

/// <summary>NXAST_REG_LOAD: loads a constant into some bits of a field (OVS <c>load:0x2-&gt;NXM_OF_ARP_OP[]</c>).</summary>
public sealed record RegLoadAction : NiciraAction
{
    public RegLoadAction(NxmSubfield destination, ulong value)
    {
        if (destination.Bits < 64 && value >> destination.Bits != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), $"0x{value:x} does not fit {destination}");
        }

        Destination = destination;
        Value = value;
    }

    public NxmSubfield Destination { get; }

    public ulong Value { get; }

    internal override int WireLength => 24;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Subtype.RegLoad, 24);
        writer.U16((ushort)((Destination.Offset << 6) | (Destination.Bits - 1)));
        writer.U32(Destination.Field.Header(false));
        writer.U64(Value);
    }

    internal static RegLoadAction? ReadBody(ref WireReader body)
    {
        Fixed(ref body, 14, "reg_load");
        var offsetAndBits = body.U16();
        var field = FieldOf(body.U32());
        var value = body.U64();
        if (field is null) { return null; }
        var destination = Subfield(field, offsetAndBits >> 6, (offsetAndBits & 0x3f) + 1, "reg_load");
        if (destination.Bits < 64 && value >> destination.Bits != 0)
        {
            throw new OpenFlowDecodeException($"reg_load value 0x{value:x} does not fit {destination}");
        }

        return new RegLoadAction(destination, value);
    }
}

/// <summary>NXAST_RESUBMIT_TABLE: looks the packet up again in another table (OVS <c>resubmit(,10)</c>).</summary>
/// <param name="InPort">The OpenFlow 1.0 (16-bit) port to pretend the packet came in on; 0xfff8 keeps the real one.</param>
public sealed record ResubmitAction(byte Table, ushort InPort = ResubmitAction.KeepInPort) : NiciraAction
{
    /// <summary>OFPP_IN_PORT in OpenFlow 1.0 numbering.</summary>
    public const ushort KeepInPort = 0xfff8;

    /// <summary>OVS's "current table" for resubmit.</summary>
    public const byte CurrentTable = 0xff;

    internal override int WireLength => 16;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Subtype.ResubmitTable, 16);
        writer.U16(InPort);
        writer.U8(Table);
        writer.Zeros(3);
    }

    internal static ResubmitAction ReadBody(ref WireReader body, bool withTable)
    {
        Fixed(ref body, 6, "resubmit");
        var inPort = body.U16();
        var table = body.U8();
        return new ResubmitAction(withTable ? table : CurrentTable, inPort);
    }
}

/// <summary>
/// NXAST_NOTE: opaque bytes that do nothing but show up in flow dumps (we tag flows with them).
/// The wire form pads the note with zeros to a multiple of 8, so trailing zero bytes are not kept.
/// </summary>
public sealed record NoteAction(EquatableArray<byte> Note) : NiciraAction
{
    internal override int WireLength => Math.Max(16, Padding.To8(HeaderLength + Note.Count));

    internal override void Write(ref WireWriter writer)
    {
        var length = WireLength;
        WriteHeader(ref writer, Subtype.Note, length);
        writer.Bytes(Note.AsSpan());
        writer.Zeros(length - HeaderLength - Note.Count);
    }

    internal static NoteAction ReadBody(ref WireReader body)
    {
        var note = body.Bytes(body.Remaining);
        return new NoteAction(EquatableArray.Create(note[..(note.LastIndexOfAnyExcept((byte)0) + 1)]));
    }
}

/// <summary>
/// NXAST_CONTROLLER2: sends the packet to the controller with a reason, a controller id, opaque
/// user data and optionally pausing the pipeline (OVS <c>controller(userdata=..,pause)</c>).
/// Properties equal to their defaults are not sent, as OVS does.
/// </summary>
public sealed record Controller2Action : NiciraAction
{
    private const int FixedLength = 16;

    public ushort MaxLength { get; init; } = OfpControllerMaxLength.NoBuffer;

    public PacketInReason Reason { get; init; } = PacketInReason.Action;

    public ushort ControllerId { get; init; }

    public EquatableArray<byte> UserData { get; init; }

    /// <summary>Freeze the pipeline until the controller resumes it (needs NXT_RESUME; not used by Erebor).</summary>
    public bool Pause { get; init; }

    internal override int WireLength
    {
        get
        {
            var length = FixedLength;
            if (MaxLength != OfpControllerMaxLength.NoBuffer) { length += 8; }
            if (ControllerId != 0) { length += 8; }
            if (Reason != PacketInReason.Action) { length += 8; }
            if (UserData.Count > 0) { length += Padding.To8(4 + UserData.Count); }
            if (Pause) { length += 8; }
            return length;
        }
    }

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, Subtype.Controller2, WireLength);
        writer.Zeros(6);
        if (MaxLength != OfpControllerMaxLength.NoBuffer) { WriteProperty(ref writer, Property.MaxLength, MaxLength, 2); }
        if (ControllerId != 0) { WriteProperty(ref writer, Property.ControllerId, ControllerId, 2); }
        if (Reason != PacketInReason.Action) { WriteProperty(ref writer, Property.Reason, (byte)Reason, 1); }
        if (UserData.Count > 0)
        {
            writer.U16((ushort)Property.UserData);
            writer.U16((ushort)(4 + UserData.Count));
            writer.Bytes(UserData.AsSpan());
            writer.Zeros(Padding.To8(4 + UserData.Count) - 4 - UserData.Count);
        }

        if (Pause) { WriteProperty(ref writer, Property.Pause, 0, 0); }
    }

    internal static Controller2Action? ReadBody(ref WireReader body)
    {
        body.Skip(6);
        var action = new Controller2Action();
        while (!body.IsEmpty)
        {
            var type = body.U16();
            var length = body.CheckLength(body.U16(), 4, 4, "controller2 property");
            var value = body.Slice(length - 4, "controller2 property");
            body.Skip(Math.Min(Padding.To8(length) - length, body.Remaining));
            switch ((Property)type)
            {
                case Property.MaxLength: action = action with { MaxLength = Exactly(ref value, 2).U16() }; break;
                case Property.ControllerId: action = action with { ControllerId = Exactly(ref value, 2).U16() }; break;
                case Property.Reason: action = action with { Reason = (PacketInReason)Exactly(ref value, 1).U8() }; break;
                case Property.UserData: action = action with { UserData = value.CopyRest() }; break;
                case Property.Pause: Exactly(ref value, 0); action = action with { Pause = true }; break;
                default: return null;
            }
        }

        return action;
    }

    /// <summary>
    /// A scalar property's value: OVS pads 8- and 16-bit values to 32 bits inside the property
    /// (length 8), while the bare value (length 5 or 6) is also valid.
    /// </summary>
    private static ref WireReader Exactly(ref WireReader value, int size)
    {
        if (value.Remaining != size && value.Remaining != ScalarSlot)
        {
            throw new OpenFlowDecodeException($"controller2 property has {value.Remaining} bytes, expected {size} or {ScalarSlot}");
        }

        return ref value;
    }

    private static void WriteProperty(ref WireWriter writer, Property type, ulong value, int size)
    {
        writer.U16((ushort)type);
        writer.U16((ushort)(4 + (size == 0 ? 0 : ScalarSlot)));
        writer.UInt(value, size);
        writer.Zeros(4 - size);
    }

    private const int ScalarSlot = 4;

    private enum Property : ushort
    {
        MaxLength = 0,
        ControllerId = 1,
        Reason = 2,
        UserData = 3,
        Pause = 4,
    }
}
