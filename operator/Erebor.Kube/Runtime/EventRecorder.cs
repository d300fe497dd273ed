using System.Collections.Concurrent;
using System.Security.Cryptography;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Microsoft.Extensions.Logging;

namespace Erebor.Kube.Runtime;

public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>
/// Writes core/v1 Events about objects, so <c>kubectl describe</c> tells the story. A repeated
/// event (same object, type, reason and message) bumps the count of the existing one instead of
/// creating another. Best effort: a failure is logged, never thrown into reconcile logic.
/// </summary>
public sealed class EventRecorder(IKubeApi api, string component, ILogger<EventRecorder> logger, TimeProvider? time = null)
{
    private const int MaxRemembered = 4096;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<(string Uid, string Type, string Reason, string Message), (string Namespace, string Name, int Count)> _recent = new();

    public string Host { get; init; } = Environment.MachineName;

    public Task NormalAsync(IKubernetesObject about, string reason, string message, CancellationToken ct = default) =>
        RecordAsync(about, EventTypes.Normal, reason, message, ct);

    public Task WarningAsync(IKubernetesObject about, string reason, string message, CancellationToken ct = default) =>
        RecordAsync(about, EventTypes.Warning, reason, message, ct);

    public async Task RecordAsync(IKubernetesObject about, string type, string reason, string message, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        var key = (about.Metadata.Uid ?? about.Metadata.Name ?? string.Empty, type, reason, message);
        var eventType = ResourceType.For<CoreV1Event>();
        try
        {
            if (_recent.TryGetValue(key, out var previous))
            {
                var patch = KubeJson.Serialize(new { count = previous.Count + 1, lastTimestamp = now });
                try
                {
                    await api.PatchAsync<CoreV1Event>(eventType, previous.Namespace, previous.Name, PatchType.Merge, patch, null, ct);
                    _recent[key] = previous with { Count = previous.Count + 1 };
                    return;
                }
                catch (KubeApiException e) when (e.IsNotFound)
                {
                    _recent.TryRemove(key, out _); // expired (events have a TTL): write a new one
                }
            }

            var ns = string.IsNullOrEmpty(about.Metadata.Namespace) ? "default" : about.Metadata.Namespace;
            var created = await api.CreateAsync(eventType, KubeApiExtensions.WithTypeMeta(new CoreV1Event
            {
                Metadata = new ObjectMeta { Namespace = ns, Name = $"{about.Metadata.Name}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}" },
                InvolvedObject = new ObjectReference
                {
                    ApiVersion = about.ApiVersion,
                    Kind = about.Kind,
                    Namespace = about.Metadata.Namespace,
                    Name = about.Metadata.Name,
                    Uid = about.Metadata.Uid,
                    ResourceVersion = about.Metadata.ResourceVersion,
                },
                Type = type,
                Reason = reason,
                Message = message,
                Count = 1,
                FirstTimestamp = now,
                LastTimestamp = now,
                Source = new EventSource { Component = component, Host = Host },
                ReportingComponent = component,
                ReportingInstance = Host,
            }), ct);
            if (_recent.Count >= MaxRemembered) { _recent.Clear(); }
            _recent[key] = (ns, created.Metadata.Name!, 1);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Could not record event {Reason} on {Kind} {Name}: {Error}", reason, about.Kind, about.Metadata.Name, e.Message);
        }
    }
}
