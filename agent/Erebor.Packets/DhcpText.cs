using System.Text;

namespace Erebor.Packets;

/// <summary>
/// How DHCP text (host and domain names, sname, file, the NAK message) maps to strings: Latin-1,
/// one character per byte, so whatever a client sends reads back and writes out byte for byte.
/// RFC 2132 asks for NVT ASCII, which Latin-1 contains; characters beyond U+00FF cannot be written.
/// </summary>
internal static class DhcpText
{
    public static string Read(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static int GetByteCount(string text) => text.Length;

    public static void Write(string text, Span<byte> destination)
    {
        foreach (var c in text)
        {
            if (c > 0xFF) { throw new ArgumentException($"'{text}' has the character U+{(int)c:X4}, which DHCP text (Latin-1, byte per character) cannot carry", nameof(text)); }
        }

        Encoding.Latin1.GetBytes(text, destination);
    }
}
