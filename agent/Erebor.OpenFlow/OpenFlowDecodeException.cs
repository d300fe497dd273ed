namespace Erebor.OpenFlow;

/// <summary>
/// The one exception decoding raises for input it cannot accept: truncated, inconsistent lengths,
/// wrong version, or a value this codec does not support. Nothing else escapes the decoder.
/// </summary>
public sealed class OpenFlowDecodeException(string message) : Exception(message);
