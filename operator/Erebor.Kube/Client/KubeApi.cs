using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Erebor.Kube.Tls;

namespace Erebor.Kube.Client;

/// <summary>The HTTP implementation of <see cref="IKubeApi"/>: HttpClient + System.Text.Json, nothing else.</summary>
public sealed class KubeApi : IKubeApi, IDisposable
{
    public const string MeterName = "Erebor.Kube";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("erebor_kube_requests", description: "Requests to the Kubernetes API server by verb and HTTP status code.");
    private static readonly Histogram<double> RequestSeconds = Meter.CreateHistogram<double>("erebor_kube_request_duration", unit: "s", description: "Latency of Kubernetes API requests (watches excluded).");

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http;
    private readonly KubeConfig _config;

    public KubeApi(KubeConfig config)
    {
        _config = config;
        _http = new HttpClient(CreateHandler(config), disposeHandler: true)
        {
            BaseAddress = config.Server,
            Timeout = Timeout.InfiniteTimeSpan, // watches are long; every other request carries its own timeout
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("erebor/0.1");
    }

    public KubeConfig Config => _config;

    public async Task<T?> GetAsync<T>(ResourceType type, string? @namespace, string name, CancellationToken ct = default)
        where T : class
    {
        try
        {
            return await SendAsync<T>(HttpMethod.Get, type.ObjectPath(@namespace, name), null, ct);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<Entities.KubernetesList<T>> ListAsync<T>(ResourceType type, string? @namespace, ListOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ListOptions();
        Entities.KubernetesList<T>? all = null;
        string? continueToken = null;
        do
        {
            var query = Query(("labelSelector", options.LabelSelector), ("fieldSelector", options.FieldSelector), ("limit", options.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continue", continueToken));
            var page = await SendAsync<Entities.KubernetesList<T>>(HttpMethod.Get, type.CollectionPath(@namespace) + query, null, ct);
            if (all is null) { all = page; }
            else { all.Items.AddRange(page.Items); all.Metadata.ResourceVersion = page.Metadata.ResourceVersion; }
            continueToken = page.Metadata.Continue;
        }
        while (!string.IsNullOrEmpty(continueToken));

        all.Metadata.Continue = null;
        return all;
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType type, string? @namespace, string resourceVersion, ListOptions? options = null, TimeSpan? timeout = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        options ??= new ListOptions();
        var seconds = (int)(timeout ?? TimeSpan.FromMinutes(5)).TotalSeconds;
        var query = Query(("watch", "true"), ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion), ("timeoutSeconds", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("labelSelector", options.LabelSelector), ("fieldSelector", options.FieldSelector));
        using var request = NewRequest(HttpMethod.Get, type.CollectionPath(@namespace) + query, null);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Requests.Add(1, new("verb", "WATCH"), new("code", (int)response.StatusCode));
        if (!response.IsSuccessStatusCode)
        {
            throw KubeApiException.FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }

        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) { continue; }
            yield return ParseWatchLine<T>(line);
        }
    }

    /// <summary>Decodes one line of a watch stream; an ERROR event becomes the exception it describes.</summary>
    internal static WatchEvent<T> ParseWatchLine<T>(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var typeText = doc.RootElement.GetProperty("type").GetString();
        var obj = doc.RootElement.GetProperty("object");
        if (typeText == "ERROR")
        {
            var code = obj.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? (HttpStatusCode)n : HttpStatusCode.InternalServerError;
            throw KubeApiException.FromStatus(code, obj.GetRawText());
        }

        var eventType = typeText switch
        {
            "ADDED" => WatchEventType.Added,
            "MODIFIED" => WatchEventType.Modified,
            "DELETED" => WatchEventType.Deleted,
            "BOOKMARK" => WatchEventType.Bookmark,
            _ => throw new JsonException($"unknown watch event type '{typeText}'"),
        };
        return new WatchEvent<T>(eventType, KubeJson.Deserialize<T>(obj));
    }

    public Task<T> CreateAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class
    {
        var ns = MetadataOf(obj).Namespace;
        return SendAsync<T>(HttpMethod.Post, type.CollectionPath(ns), JsonBody(obj), ct);
    }

    public Task<T> ReplaceAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class
    {
        var (ns, name) = MetadataOf(obj);
        return SendAsync<T>(HttpMethod.Put, type.ObjectPath(ns, name), JsonBody(obj), ct);
    }

    public Task<T> ReplaceStatusAsync<T>(ResourceType type, T obj, CancellationToken ct = default)
        where T : class
    {
        var (ns, name) = MetadataOf(obj);
        return SendAsync<T>(HttpMethod.Put, type.ObjectPath(ns, name, "status"), JsonBody(obj), ct);
    }

    public Task<T> PatchAsync<T>(ResourceType type, string? @namespace, string name, PatchType patchType, string body, PatchOptions? options = null, CancellationToken ct = default)
        where T : class
    {
        options ??= new PatchOptions();
        if (patchType == PatchType.Apply && options.FieldManager is null)
        {
            throw new ArgumentException("server-side apply needs a field manager");
        }

        var mediaType = patchType switch
        {
            PatchType.Merge => "application/merge-patch+json",
            PatchType.Json => "application/json-patch+json",
            _ => "application/apply-patch+yaml", // JSON is YAML
        };
        var query = Query(("fieldManager", options.FieldManager), ("force", patchType == PatchType.Apply && options.Force ? "true" : null));
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return SendAsync<T>(HttpMethod.Patch, type.ObjectPath(@namespace, name, options.Status ? "status" : null) + query, content, ct);
    }

    public async Task<bool> DeleteAsync(ResourceType type, string? @namespace, string name, PropagationPolicy? propagation = null, CancellationToken ct = default)
    {
        var body = propagation is null ? null : JsonBody(new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = propagation.ToString() });
        try
        {
            await SendAsync<JsonObject>(HttpMethod.Delete, type.ObjectPath(@namespace, name), body, ct);
            return true;
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>GET of a raw path (e.g. /version, /readyz), for probes.</summary>
    public async Task<string> GetRawAsync(string path, CancellationToken ct = default)
    {
        var body = new ArrayBufferWriter<byte>();
        await GetRawAsync(path, body, ct);
        return Encoding.UTF8.GetString(body.WrittenSpan);
    }

    /// <summary>
    /// GET of a raw path, its body appended to <paramref name="body"/> as it arrives: a caller that
    /// reads many large answers (list pages) reuses one buffer instead of a large string each time.
    /// </summary>
    public Task GetRawAsync(string path, ArrayBufferWriter<byte> body, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return SendAsync(HttpMethod.Get, path, null, async (stream, token) =>
        {
            int read;
            while ((read = await stream.ReadAsync(body.GetMemory(64 * 1024), token)) > 0) { body.Advance(read); }
            return true;
        }, ct);
    }

    public void Dispose() => _http.Dispose();

    // Decoded as it arrives: a large object never exists as one string (twice its size, on the large object heap).
    private Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken ct) =>
        SendAsync(method, path, content, async (stream, token) =>
            await JsonSerializer.DeserializeAsync<T>(stream, KubeJson.Options, token) ?? throw new JsonException($"null where a {typeof(T).Name} was expected"), ct);

    /// <summary>
    /// Every request but watches: the request timeout, metrics by verb and code (0: no answer), an
    /// error answer as a <see cref="KubeApiException"/>, and a successful body handed to
    /// <paramref name="read"/> as a stream.
    /// </summary>
    private async Task<TResult> SendAsync<TResult>(HttpMethod method, string path, HttpContent? content, Func<Stream, CancellationToken, Task<TResult>> read, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = NewRequest(method, path, content);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            Requests.Add(1, new("verb", method.Method), new("code", 0));
            throw;
        }

        using (response)
        {
            Requests.Add(1, new("verb", method.Method), new("code", (int)response.StatusCode));
            if (!response.IsSuccessStatusCode) { throw KubeApiException.FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token)); }
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var result = await read(body, timeout.Token);
            RequestSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("verb", method.Method));
            return result;
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        if (_config.CurrentToken() is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    /// <summary>A request body as UTF-8 bytes (not a string: half the size, and below the large object heap for most objects).</summary>
    private static ByteArrayContent JsonBody<T>(T obj)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(obj, KubeJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private static (string? Namespace, string Name) MetadataOf<T>(T obj)
    {
        switch (obj)
        {
            case Entities.IKubernetesObject k:
                return (k.Metadata.Namespace, k.Metadata.Name ?? string.Empty);
            case JsonObject json:
                var meta = json["metadata"];
                return (meta?["namespace"]?.GetValue<string>(), meta?["name"]?.GetValue<string>() ?? string.Empty);
            default:
                throw new ArgumentException($"{typeof(T).Name} is neither an entity nor a JsonObject");
        }
    }

    private static string Query(params (string Key, string? Value)[] parameters)
    {
        var parts = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? string.Empty : "?" + string.Join('&', parts);
    }

    private static SocketsHttpHandler CreateHandler(KubeConfig config)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions(),
        };
        if (config.LoadClientCertificate() is { } clientCert)
        {
            handler.SslOptions.ClientCertificates = [clientCert];
        }

        if (config.InsecureSkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (config.CertificateAuthorityPem is { } caPem)
        {
            PinnedCertificateAuthority.Pin(handler.SslOptions, caPem);
        }

        return handler;
    }
}
