using System.Text.Json;

namespace Erebor.Ovsdb;

/// <summary>The peer sent something that is not valid OVSDB JSON-RPC.</summary>
public sealed class OvsdbProtocolException(string message) : Exception(message);

/// <summary>The connection dropped (or was not there) before the reply arrived; whether a transaction
/// was applied is unknown, so callers retry idempotent work.</summary>
public sealed class OvsdbConnectionException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server answered a request with a JSON-RPC error.</summary>
public sealed class OvsdbRpcException(string method, JsonElement error)
    : Exception($"OVSDB {method} failed: {error.GetRawText()}")
{
    public JsonElement Error { get; } = error;
}

/// <summary>A transaction was rejected; <see cref="Error"/> is the RFC 7047 error string, e.g. "constraint violation".</summary>
public sealed class OvsdbTransactionException(int operationIndex, string error, string? details)
    : Exception($"OVSDB transaction failed at operation {operationIndex}: {error}{(details is null ? "" : ": " + details)}")
{
    /// <summary>Index of the failed operation; equal to the operation count for a failed commit.</summary>
    public int OperationIndex { get; } = operationIndex;
    public string Error { get; } = error;
    public string? Details { get; } = details;
}
