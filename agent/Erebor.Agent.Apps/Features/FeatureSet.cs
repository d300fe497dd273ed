namespace Erebor.Agent.Apps.Features;

/// <summary>The features the agent runs, in pipeline order.</summary>
public static class FeatureSet
{
    public static IReadOnlyList<IFlowFeature> All { get; } =
        [new PipelineFeature(), new ClassifierFeature(), new ArpResponderFeature(), new DhcpFeature(), new L3LookupFeature(), new L2Feature(), new TunnelFeature()];
}
