using System.Net;
using System.Text.Json;

namespace Erebor.Kube.Client;

/// <summary>The API server answered with a non-success status (its metav1.Status is decoded into the message).</summary>
public sealed class KubeApiException(HttpStatusCode statusCode, string reason, string message, string? body = null)
    : Exception($"{(int)statusCode} {reason}: {message}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>metav1.Status reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, Forbidden, ...</summary>
    public string Reason { get; } = reason;

    public string ApiMessage { get; } = message;
    public string? Body { get; } = body;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>The resourceVersion asked for is older than etcd keeps (410, or Expired inside a watch).</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone || Reason is "Expired" or "Gone";

    public static KubeApiException FromStatus(HttpStatusCode code, string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var reason = root.TryGetProperty("reason", out var r) ? r.GetString() ?? code.ToString() : code.ToString();
            var message = root.TryGetProperty("message", out var m) ? m.GetString() ?? body : body;
            if (root.TryGetProperty("code", out var c) && c.TryGetInt32(out var statusCode)) { code = (HttpStatusCode)statusCode; }
            return new KubeApiException(code, reason, message, body);
        }
        catch (JsonException)
        {
            return new KubeApiException(code, code.ToString(), body.Length > 500 ? body[..500] : body, body);
        }
    }
}
