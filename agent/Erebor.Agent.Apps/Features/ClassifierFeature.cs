using Erebor.OpenFlow.Matching;
using Erebor.OpenFlow.Messages;
using static Erebor.Agent.Apps.Flows;

namespace Erebor.Agent.Apps.Features;

/// <summary>
/// Table 0: a packet from a known port, with that port's own source MAC, gets its segment in
/// metadata and its ofport in reg0. Anything else (unknown port, spoofed MAC) misses and is dropped.
/// </summary>
public sealed class ClassifierFeature : IFlowFeature
{
    public AppId App => AppId.Classifier;

    public IEnumerable<FlowMod> Flows(NodeNetwork network) =>
        network.Ports.Select(port => Flow(
            Pipeline.Classifier,
            100,
            Match.Create().InPort(port.OfPort).EthSrc(port.Mac),
            App,
            port.OfPort,
            Classify(port.OfPort, port.SegmentId, GotoNext(Pipeline.Classifier))));
}
