using Erebor.OpenFlow.Wire;

namespace Erebor.OpenFlow.Multipart;

public sealed record DescRequest : MultipartRequest
{
    public override MultipartType MultipartType => MultipartType.Desc;
}

/// <summary>Switch description (ofp_desc): fixed-size NUL-padded strings.</summary>
public sealed record DescReply(string Manufacturer, string Hardware, string Software, string SerialNumber, string DatapathDescription) : MultipartReply
{
    private const int DescriptionLength = 256;
    private const int SerialNumberLength = 32;

    public override MultipartType MultipartType => MultipartType.Desc;

    private protected override int ReplyBodyLength => (4 * DescriptionLength) + SerialNumberLength;

    private protected override void WriteReplyBody(ref WireWriter writer)
    {
        writer.FixedString(Manufacturer, DescriptionLength);
        writer.FixedString(Hardware, DescriptionLength);
        writer.FixedString(Software, DescriptionLength);
        writer.FixedString(SerialNumber, SerialNumberLength);
        writer.FixedString(DatapathDescription, DescriptionLength);
    }

    internal static DescReply ReadBody(ref WireReader body) => new(
        body.FixedString(DescriptionLength),
        body.FixedString(DescriptionLength),
        body.FixedString(DescriptionLength),
        body.FixedString(SerialNumberLength),
        body.FixedString(DescriptionLength));
}
