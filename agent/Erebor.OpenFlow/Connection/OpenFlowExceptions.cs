using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Connection;

/// <summary>The connection is down, went down while waiting, or the handshake failed.</summary>
public sealed class OpenFlowConnectionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The switch answered a request with an OFPT_ERROR.</summary>
public sealed class OpenFlowErrorException(OpenFlowMessage request, uint xid, ErrorMessage error)
    : Exception($"switch rejected {request.Type} (xid {xid}): {error.Describe()}")
{
    public OpenFlowMessage Request { get; } = request;

    public uint Xid { get; } = xid;

    public ErrorMessage Error { get; } = error;
}

/// <summary>One message of a batch or bundle that the switch rejected.</summary>
/// <param name="Index">Position of <paramref name="Message"/> in the list the caller passed.</param>
public sealed record MessageFailure(int Index, OpenFlowMessage Message, ErrorMessage Error)
{
    public override string ToString() => $"#{Index} {Message}: {Error.Describe()}";
}

/// <summary>A bundle was not committed; nothing in it was applied.</summary>
public sealed class OpenFlowBundleException(uint bundleId, int messageCount, IReadOnlyList<MessageFailure> failures, ErrorMessage? bundleError)
    : Exception(Describe(bundleId, messageCount, failures, bundleError))
{
    public uint BundleId { get; } = bundleId;

    /// <summary>The individual messages the switch rejected, by their index in the bundle.</summary>
    public IReadOnlyList<MessageFailure> Failures { get; } = failures;

    /// <summary>The error for the bundle itself (e.g. OFPBFC_MSG_FAILED on commit), if the switch sent one.</summary>
    public ErrorMessage? BundleError { get; } = bundleError;

    private static string Describe(uint bundleId, int messageCount, IReadOnlyList<MessageFailure> failures, ErrorMessage? bundleError)
    {
        var text = $"bundle {bundleId} of {messageCount} messages was not committed";
        if (bundleError is not null) { text += $" ({bundleError.Name})"; }
        if (failures.Count > 0)
        {
            text += $": {failures.Count} message(s) rejected; first: {failures[0]}";
        }

        return text;
    }
}
