using System.Diagnostics.Metrics;

using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Connection;

/// <summary>Counters of the "Erebor.OpenFlow" meter. Tags are precomputed so that counting allocates nothing.</summary>
internal sealed class OpenFlowMetrics
{
    public const string MeterName = "Erebor.OpenFlow";

    private static readonly Meter ProcessMeter = new(MeterName);
    private static readonly KeyValuePair<string, object?>[] TypeTags =
        [.. Enumerable.Range(0, 256).Select(t => new KeyValuePair<string, object?>("type", Enum.IsDefined((OfpType)t) ? ((OfpType)t).ToString() : t.ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    private readonly Counter<long> _messagesSent;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _flowModsSent;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _packetInsDropped;
    private readonly Counter<long> _connections;
    private readonly Histogram<double> _bundleCommitDuration;

    public OpenFlowMetrics(IMeterFactory? factory)
    {
        var meter = factory?.Create(MeterName) ?? ProcessMeter;
        _messagesSent = meter.CreateCounter<long>("erebor.openflow.messages.sent", "{message}", "OpenFlow messages sent, by type");
        _messagesReceived = meter.CreateCounter<long>("erebor.openflow.messages.received", "{message}", "OpenFlow messages received, by type");
        _flowModsSent = meter.CreateCounter<long>("erebor.openflow.flow_mods.sent", "{message}", "FLOW_MODs sent, directly or inside bundles");
        _errors = meter.CreateCounter<long>("erebor.openflow.errors", "{message}", "OFPT_ERROR messages received, by error name");
        _packetInsDropped = meter.CreateCounter<long>("erebor.openflow.packet_ins.dropped", "{message}", "PACKET_INs dropped because the consumer fell behind");
        _connections = meter.CreateCounter<long>("erebor.openflow.connections", "{connection}", "Completed OpenFlow handshakes");
        _bundleCommitDuration = meter.CreateHistogram<double>("erebor.openflow.bundle.commit.duration", "s", "Time from bundle open to commit reply");
    }

    public void Sent(OfpType type, bool carriesFlowMod)
    {
        _messagesSent.Add(1, TypeTags[(byte)type]);
        if (carriesFlowMod) { _flowModsSent.Add(1); }
    }

    public void Received(OpenFlowMessage message)
    {
        _messagesReceived.Add(1, TypeTags[(byte)message.Type]);
        if (message is ErrorMessage error) { _errors.Add(1, new KeyValuePair<string, object?>("error", error.Name)); }
    }

    public void PacketInDropped() => _packetInsDropped.Add(1);

    public void Connected() => _connections.Add(1);

    public void BundleCommitted(TimeSpan duration, bool succeeded) =>
        _bundleCommitDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("outcome", succeeded ? "committed" : "rejected"));
}
