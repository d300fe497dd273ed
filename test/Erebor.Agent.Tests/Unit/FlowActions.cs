using Erebor.OpenFlow.Actions;
using Erebor.OpenFlow.Instructions;
using Erebor.OpenFlow.Messages;

namespace Erebor.Agent.Tests.Unit;

internal static class FlowActions
{
    /// <summary>The actions of <paramref name="flow"/>'s Apply-Actions instruction (none when it has none; more than one is an error).</summary>
    public static OfpAction[] ApplyActions(this FlowMod flow) =>
        flow.Instructions.AsSpan().ToArray().OfType<ApplyActionsInstruction>().SingleOrDefault()?.Actions.AsSpan().ToArray() ?? [];
}
