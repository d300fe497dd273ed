namespace Erebor.Packets;

/// <summary>
/// The one exception the parsers raise for bytes they cannot accept: truncated, a length field that
/// disagrees with the bytes present, a wrong version or hardware type, or an option whose length does
/// not fit its type. Nothing else escapes a parser; every <c>Parse</c> has a <c>TryParse</c> twin.
/// </summary>
public sealed class PacketDecodeException(string message) : Exception(message);
