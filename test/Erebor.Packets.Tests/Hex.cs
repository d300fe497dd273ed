namespace Erebor.Packets.Tests;

/// <summary>Golden vectors are written as hex, one protocol field group per line; spaces are ignored.</summary>
internal static class Hex
{
    public static byte[] Bytes(params string[] lines) => Convert.FromHexString(string.Concat(lines).Replace(" ", string.Empty, StringComparison.Ordinal));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
