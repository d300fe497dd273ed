using System.Buffers.Binary;
using System.Text;

using Erebor.Domain.Collections;
using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Messages;

/// <summary>OpenFlow 1.3 error types (ofp_error_type).</summary>
public enum OfpErrorType : ushort
{
    HelloFailed = 0,
    BadRequest = 1,
    BadAction = 2,
    BadInstruction = 3,
    BadMatch = 4,
    FlowModFailed = 5,
    GroupModFailed = 6,
    PortModFailed = 7,
    TableModFailed = 8,
    QueueOpFailed = 9,
    SwitchConfigFailed = 10,
    RoleRequestFailed = 11,
    MeterModFailed = 12,
    TableFeaturesFailed = 13,

    /// <summary>An extension error: <see cref="ErrorMessage.Code"/> is the experimenter's code, <see cref="ErrorMessage.Experimenter"/> says whose.</summary>
    Experimenter = 0xffff,
}

/// <summary>
/// OFPT_ERROR. For experimenter errors (OVS's Nicira and ONF codes, e.g. bundle failures) the wire
/// carries exp_code and experimenter id instead of a plain code.
/// </summary>
/// <param name="Data">For most errors, the start of the request that failed; for HELLO_FAILED, text.</param>
public sealed record ErrorMessage(OfpErrorType ErrorType, ushort Code, EquatableArray<byte> Data = default, uint Experimenter = 0) : OpenFlowMessage
{
    public override OfpType Type => OfpType.Error;

    /// <summary>The symbolic name, e.g. "OFPBMC_BAD_PREREQ" or "OFPBFC_MSG_FAILED".</summary>
    public string Name => ErrorCatalog.Find(this) is { } known ? known.Name : $"{ErrorCatalog.TypeName(ErrorType)}/code {Code}";

    /// <summary>Type and transaction id of the request that failed, read from <see cref="Data"/> when it holds one.</summary>
    public (OfpType Type, uint Xid)? FailedRequest =>
        ErrorType != OfpErrorType.HelloFailed && Data.Count >= 8
            ? ((OfpType)Data[1], BinaryPrimitives.ReadUInt32BigEndian(Data.AsSpan()[4..]))
            : null;

    /// <summary>One line for logs and exceptions: type, code, what it means and what failed.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(ErrorCatalog.TypeName(ErrorType));
        if (ErrorType == OfpErrorType.Experimenter) { text.Append($"(experimenter 0x{Experimenter:x8})"); }
        text.Append($" {Name}({Code})");
        if (ErrorCatalog.Find(this) is { } known) { text.Append(": ").Append(known.Description); }
        if (ErrorType == OfpErrorType.HelloFailed && Data.Count > 0)
        {
            text.Append(" \"").Append(Encoding.ASCII.GetString(Data.AsSpan()).TrimEnd('\0')).Append('"');
        }
        else if (FailedRequest is { } failed)
        {
            text.Append($" [failed request: {failed.Type} xid={failed.Xid}]");
        }

        return text.ToString();
    }

    internal override int BodyLength => (ErrorType == OfpErrorType.Experimenter ? 8 : 4) + Data.Count;

    internal override void WriteBody(ref WireWriter writer, uint xid)
    {
        writer.U16((ushort)ErrorType);
        writer.U16(Code);
        if (ErrorType == OfpErrorType.Experimenter) { writer.U32(Experimenter); }
        writer.Bytes(Data.AsSpan());
    }

    internal static ErrorMessage ReadBody(ref WireReader body)
    {
        var type = (OfpErrorType)body.U16();
        var code = body.U16();
        var experimenter = type == OfpErrorType.Experimenter ? body.U32() : 0;
        return new ErrorMessage(type, code, body.CopyRest(), experimenter);
    }
}
