using System.Diagnostics.Metrics;

namespace Erebor.OpenFlow.Connection;

public sealed record OpenFlowConnectionOptions
{
    /// <summary>Send an echo request after this long without hearing from the switch.</summary>
    public TimeSpan EchoInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Drop the connection when an echo request is not answered within this time.</summary>
    public TimeSpan EchoTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time allowed for HELLO and FEATURES after the transport is up.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Default wait for a reply to a request (not for bundle commits, which can be long).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait for a bundle's commit reply; OVS applies 100k flows in a few seconds.</summary>
    public TimeSpan BundleCommitTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Messages queued for sending before senders wait (back-pressure).</summary>
    public int SendQueueCapacity { get; init; } = 8192;

    /// <summary>PACKET_INs waiting for the event consumer before further ones are dropped (and counted).</summary>
    public int MaxQueuedPacketIns { get; init; } = 4096;

    /// <summary>First reconnect delay; doubles after every failed attempt up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Creates the "Erebor.OpenFlow" meter (e.g. from dependency injection); a process-wide meter is used when null.</summary>
    public IMeterFactory? MeterFactory { get; init; }
}
