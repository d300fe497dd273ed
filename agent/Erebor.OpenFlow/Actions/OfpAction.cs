using Erebor.Domain.Collections;
using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Actions;

/// <summary>
/// An OpenFlow 1.3 action (ofp_action_*). Standard actions are in this file, Nicira extension
/// actions in <c>NiciraActions.cs</c>; anything else decodes to <see cref="UnknownAction"/> so a
/// flow dump never fails because of an action this codec does not model.
/// </summary>
public abstract record OfpAction
{
    internal const ushort ExperimenterType = 0xffff;

    private protected OfpAction()
    {
    }

    /// <summary>Total length including the 4-byte type/length header; always a multiple of 8.</summary>
    internal abstract int WireLength { get; }

    /// <summary>Writes the whole action, header included.</summary>
    internal abstract void Write(ref WireWriter writer);

    internal static int ListLength(EquatableArray<OfpAction> actions)
    {
        var length = 0;
        foreach (var action in actions.AsSpan()) { length += action.WireLength; }
        return length;
    }

    internal static void WriteList(ref WireWriter writer, EquatableArray<OfpAction> actions)
    {
        foreach (var action in actions.AsSpan()) { action.Write(ref writer); }
    }

    /// <summary>Reads actions until <paramref name="reader"/> is exhausted.</summary>
    internal static EquatableArray<OfpAction> ReadList(ref WireReader reader)
    {
        if (reader.IsEmpty) { return default; }
        var actions = new List<OfpAction>();
        while (!reader.IsEmpty) { actions.Add(Read(ref reader)); }
        return [.. actions];
    }

    private static OfpAction Read(ref WireReader reader)
    {
        var type = reader.U16();
        var length = reader.CheckLength(reader.U16(), 8, 4, "action");
        if (length % 8 != 0) { throw new OpenFlowDecodeException($"action type {type} length {length} is not a multiple of 8"); }
        var body = reader.Slice(length - 4, "action");
        var bodyCopy = body;
        OfpAction? action = (ActionCode)type switch
        {
            ActionCode.Output => OutputAction.ReadBody(ref body),
            ActionCode.Group => new GroupAction(Fixed(ref body, 4, "group").U32()),
            ActionCode.SetField => SetFieldAction.ReadBody(ref body),
            ActionCode.PushVlan => new PushVlanAction(Fixed(ref body, 4, "push_vlan").U16()),
            ActionCode.PopVlan => Empty<PopVlanAction>(ref body, "pop_vlan"),
            ActionCode.DecNwTtl => Empty<DecNwTtlAction>(ref body, "dec_nw_ttl"),
            ActionCode.SetNwTtl => new SetNwTtlAction(Fixed(ref body, 4, "set_nw_ttl").U8()),
            ActionCode.Experimenter => NiciraAction.ReadExperimenterBody(ref body),
            _ => null,
        };
        return action ?? new UnknownAction(type, bodyCopy.CopyRest());
    }

    /// <summary>Checks that a fixed-size action body has exactly <paramref name="size"/> bytes.</summary>
    private protected static ref WireReader Fixed(ref WireReader body, int size, string name)
    {
        if (body.Remaining != size) { throw new OpenFlowDecodeException($"{name} action body is {body.Remaining} bytes, expected {size}"); }
        return ref body;
    }

    private static T Empty<T>(ref WireReader body, string name)
        where T : OfpAction, new()
    {
        Fixed(ref body, 4, name);
        return new T();
    }

    private protected enum ActionCode : ushort
    {
        Output = 0,
        PushVlan = 17,
        PopVlan = 18,
        Group = 22,
        SetNwTtl = 23,
        DecNwTtl = 24,
        SetField = 25,
        Experimenter = ExperimenterType,
    }

    private protected static void WriteHeader(ref WireWriter writer, ActionCode type, int length)
    {
        writer.U16((ushort)type);
        writer.U16((ushort)length);
    }
}

/// <summary>Output to a port; to the controller with <see cref="ToController"/>.</summary>
/// <param name="MaxLength">Bytes of the packet sent to the controller; only meaningful for <see cref="OfpPort.Controller"/>.</param>
public sealed record OutputAction(uint Port, ushort MaxLength = 0) : OfpAction
{
    /// <summary>output:CONTROLLER, by default with the whole packet.</summary>
    public static OutputAction ToController(ushort maxLength = OfpControllerMaxLength.NoBuffer) => new(OfpPort.Controller, maxLength);

    internal override int WireLength => 16;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, ActionCode.Output, 16);
        writer.U32(Port);
        writer.U16(MaxLength);
        writer.Zeros(6);
    }

    internal static OutputAction ReadBody(ref WireReader body)
    {
        Fixed(ref body, 12, "output");
        var port = body.U32();
        return new OutputAction(port, body.U16());
    }
}

public sealed record GroupAction(uint GroupId) : OfpAction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, ActionCode.Group, 8);
        writer.U32(GroupId);
    }
}

/// <summary>Sets a whole field (OFPAT_SET_FIELD); Nicira registers are accepted too. Use <see cref="RegLoadAction"/> for part of a field.</summary>
public sealed record SetFieldAction : OfpAction
{
    public SetFieldAction(OxmField field, ulong value)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (value > field.AllOnes) { throw new ArgumentOutOfRangeException(nameof(value), $"0x{value:x} does not fit the {field.Width}-byte field {field.Name}"); }
        Field = field;
        Value = value;
    }

    public OxmField Field { get; }

    public ulong Value { get; }

    internal override int WireLength => Padding.To8(4 + 4 + Field.Width);

    internal override void Write(ref WireWriter writer)
    {
        var length = WireLength;
        WriteHeader(ref writer, ActionCode.SetField, length);
        new OxmEntry(Field, Value).Write(ref writer);
        writer.Zeros(length - 8 - Field.Width);
    }

    internal static SetFieldAction? ReadBody(ref WireReader body)
    {
        if (!OxmEntry.TryRead(ref body, out var entry, out _, out _)) { return null; }
        if (entry.Mask is not null) { throw new OpenFlowDecodeException($"set_field of {entry.Field.Name} carries a mask, which OpenFlow 1.3 forbids"); }
        if (body.Remaining >= 8) { throw new OpenFlowDecodeException($"set_field action has {body.Remaining} bytes after its field, more than padding"); }
        return new SetFieldAction(entry.Field, entry.Value);
    }
}

public sealed record PushVlanAction(ushort EtherType = EtherTypes.Vlan) : OfpAction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, ActionCode.PushVlan, 8);
        writer.U16(EtherType);
        writer.Zeros(2);
    }
}

public sealed record PopVlanAction : OfpAction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, ActionCode.PopVlan, 8);
        writer.Zeros(4);
    }
}

/// <summary>Decrements the IP TTL; OVS sends an INVALID_TTL PACKET_IN when it reaches zero (if enabled by SET_ASYNC).</summary>
public sealed record DecNwTtlAction : OfpAction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, ActionCode.DecNwTtl, 8);
        writer.Zeros(4);
    }
}

public sealed record SetNwTtlAction(byte Ttl) : OfpAction
{
    internal override int WireLength => 8;

    internal override void Write(ref WireWriter writer)
    {
        WriteHeader(ref writer, ActionCode.SetNwTtl, 8);
        writer.U8(Ttl);
        writer.Zeros(3);
    }
}

/// <summary>An action this codec does not model, kept as its type and body (everything after the 4-byte header).</summary>
public sealed record UnknownAction(ushort ActionType, EquatableArray<byte> Body) : OfpAction
{
    internal override int WireLength => 4 + Body.Count;

    internal override void Write(ref WireWriter writer)
    {
        if (WireLength % 8 != 0) { throw new InvalidOperationException($"unknown action type {ActionType} has a body of {Body.Count} bytes; the action must be a multiple of 8 bytes"); }
        writer.U16(ActionType);
        writer.U16((ushort)WireLength);
        writer.Bytes(Body.AsSpan());
    }
}
