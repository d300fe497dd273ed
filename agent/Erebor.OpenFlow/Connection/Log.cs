using Microsoft.Extensions.Logging;

namespace Erebor.OpenFlow.Connection;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "OpenFlow connection to {Endpoint} up: datapath {DatapathId:x16}, {Tables} tables")]
    public static partial void Connected(ILogger logger, string endpoint, ulong datapathId, int tables);

    [LoggerMessage(2, LogLevel.Warning, "OpenFlow connection to {Endpoint} down: {Reason}")]
    public static partial void Disconnected(ILogger logger, string endpoint, string reason);

    [LoggerMessage(3, LogLevel.Warning, "OpenFlow connection attempt to {Endpoint} failed; retrying in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string endpoint, TimeSpan delay, Exception error);

    [LoggerMessage(4, LogLevel.Warning, "Undecodable {Type} message (xid {Xid}) from {Endpoint} skipped")]
    public static partial void UndecodableMessage(ILogger logger, string endpoint, byte type, uint xid, Exception error);

    [LoggerMessage(5, LogLevel.Warning, "Switch at {Endpoint} reported an error for xid {Xid}: {Error}")]
    public static partial void UnsolicitedError(ILogger logger, string endpoint, uint xid, string error);

    [LoggerMessage(6, LogLevel.Information, "Listening for a switch on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(7, LogLevel.Debug, "Bundle {BundleId} with {Count} messages committed in {Duration}")]
    public static partial void BundleCommitted(ILogger logger, uint bundleId, int count, TimeSpan duration);
}
