using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow;

/// <summary>A decoded message and the header fields that are not part of its body.</summary>
public readonly record struct OpenFlowFrame(uint Xid, OpenFlowMessage Message, byte Version = OpenFlowCodec.Version13);
