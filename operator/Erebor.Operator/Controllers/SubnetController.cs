using Erebor.Api;
using Erebor.Domain.Networking;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;
using Erebor.Operator.Validation;

namespace Erebor.Operator.Controllers;

public static class SubnetReasons
{
    public const string Valid = "Valid";
    public const string InvalidSpec = "InvalidSpec";
    public const string BlocksAssigned = "BlocksAssigned";
    public const string NoNodes = "NoNodes";
    public const string SubnetFull = "SubnetFull";
    public const string BlockReleased = "BlockReleased";
    public const string DeletionBlocked = "DeletionBlocked";
}

/// <summary>
/// Validates a Subnet, splits it into per-node blocks for the Nodes that exist (blocks never
/// move), counts its addresses, records which Routers use it, and reports from the NodeAgents
/// which nodes have programmed its current generation and how many addresses they leased.
/// </summary>
public sealed class SubnetController(
    Informer<V1Alpha1Subnet> subnets,
    Informer<V1Node> nodes,
    Informer<V1Alpha1Router> routers,
    Informer<V1Alpha1NodeAgent> agents,
    StatusWriter statusWriter,
    EventRecorder events,
    TimeProvider time,
    TimeSpan agentStaleAfter) : IEntityController<V1Alpha1Subnet>
{
    /// <summary>Segment ids are 24 bits, like a VXLAN/Geneve VNI, which is what they become between nodes.</summary>
    public const int MaxSegmentId = (1 << 24) - 1;

    private readonly Lock _segmentLock = new();

    // Ids handed out by this controller whose status write the informer may not have seen yet.
    private readonly Dictionary<string, int> _allocatedSegments = [];

    public async Task<ReconcileResult> ReconcileAsync(V1Alpha1Subnet subnet, CancellationToken ct)
    {
        var before = KubeJson.Clone(subnet.Status);
        var status = subnet.Status;
        var now = time.GetUtcNow();
        var generation = subnet.Metadata.Generation;
        status.ObservedGeneration = generation;
        status.UsedBy = [.. RouterValidation.RoutersUsing(RoutersIn(subnet.Metadata.Namespace), subnet.Metadata.Name!)];
        if (status.UsedBy.Count == 0) { status.UsedBy = null; }

        var errors = new List<FieldError>();
        var model = SubnetValidation.Validate(subnet.Spec, errors);
        if (model is null)
        {
            var message = FieldError.Join(errors);
            Conditions.Set(status.Conditions, ConditionTypes.Validated, false, SubnetReasons.InvalidSpec, message, generation, now);
            if (Conditions.Set(status.Conditions, ConditionTypes.Ready, false, SubnetReasons.InvalidSpec, "the spec is invalid; see the Validated condition", generation, now))
            {
                await events.WarningAsync(subnet, SubnetReasons.InvalidSpec, message, ct);
            }

            Conditions.Set(status.Conditions, ConditionTypes.Programmed, false, SubnetReasons.InvalidSpec, "the spec is invalid; see the Validated condition", generation, now);

            await statusWriter.WriteIfChangedAsync(subnet, before, ct);
            return ReconcileResult.Done;
        }

        status.SegmentId ??= AllocateSegmentId(subnet);
        Conditions.Set(status.Conditions, ConditionTypes.Validated, true, SubnetReasons.Valid, $"{model.Cidr}, gateway {model.Gateway}, node blocks /{model.NodeBlockPrefixLength}", generation, now);
        status.Gateway = model.Gateway.ToString();
        status.NodeBlockPrefixLength = model.NodeBlockPrefixLength;

        var allocation = Allocate(subnet, model);
        status.NodeBlocks = [.. allocation.Blocks.OrderBy(b => b.Value).Select(b => new V1Alpha1Subnet.NodeBlock { Node = b.Key, Cidr = b.Value.ToString() })];
        status.NodeCount = status.NodeBlocks.Count;

        var programmed = ReportProgrammed(subnet, status, now);
        var counts = model.Counts(RouterInterfaceAddresses(subnet));
        status.Addresses.Leased = programmed.Leased;
        status.Addresses.Total = counts.Usable;
        status.Addresses.Reserved = counts.Reserved;
        status.Addresses.Available = counts.Assignable - status.Addresses.Leased;

        bool readyChanged;
        if (allocation.Unallocated.Count > 0)
        {
            var capacity = 1L << (model.NodeBlockPrefixLength - model.Cidr.PrefixLength);
            var message = $"no free /{model.NodeBlockPrefixLength} block for node(s) {string.Join(", ", allocation.Unallocated)}: all {capacity} blocks of {model.Cidr} are in use; enlarge the cidr or use a longer nodeBlockPrefixLength in a new Subnet";
            readyChanged = Conditions.Set(status.Conditions, ConditionTypes.Ready, false, SubnetReasons.SubnetFull, message, generation, now);
            if (readyChanged) { await events.WarningAsync(subnet, SubnetReasons.SubnetFull, message, ct); }
        }
        else
        {
            var (reason, message) = status.NodeCount == 0
                ? (SubnetReasons.NoNodes, "no Nodes exist yet; blocks are assigned as Nodes join")
                : (SubnetReasons.BlocksAssigned, $"{status.NodeCount} node(s) hold /{model.NodeBlockPrefixLength} blocks; {status.Addresses.Available} addresses available");
            readyChanged = Conditions.Set(status.Conditions, ConditionTypes.Ready, true, reason, message, generation, now);
        }

        // One event per kind of change and reconcile, not one per node: a new Subnet on a large
        // cluster would otherwise cost an API request per node.
        var assigned = allocation.Blocks.Where(b => !WasAssigned(before, b.Key, b.Value)).Select(b => $"{b.Key}={b.Value}").ToList();
        if (assigned.Count > 0)
        {
            await events.NormalAsync(subnet, SubnetReasons.BlocksAssigned, $"assigned block(s) {Summarize(assigned)}", ct);
        }

        if (allocation.Released.Count > 0)
        {
            await events.NormalAsync(subnet, SubnetReasons.BlockReleased, $"node(s) gone, block(s) free again: {Summarize([.. allocation.Released.Select(b => $"{b.Key}={b.Value}")])}", ct);
        }

        await statusWriter.WriteIfChangedAsync(subnet, before, ct);
        return programmed.RecheckAt is { } at ? ReconcileResult.RequeueIn(at - now) : ReconcileResult.Done;
    }

    public Task DeletedAsync(V1Alpha1Subnet subnet, CancellationToken ct)
    {
        lock (_segmentLock) { _allocatedSegments.Remove(subnet.Metadata.Uid ?? subnet.Key); }
        return Task.CompletedTask;
    }

    /// <summary>The lowest id no other Subnet (in any namespace) holds; workers share this controller, hence the lock.</summary>
    private int AllocateSegmentId(V1Alpha1Subnet subnet)
    {
        lock (_segmentLock)
        {
            var uid = subnet.Metadata.Uid ?? subnet.Key;
            if (_allocatedSegments.TryGetValue(uid, out var mine)) { return mine; }
            var used = subnets.List()
                .Where(s => s.Metadata.Uid != subnet.Metadata.Uid)
                .Select(s => s.Status.SegmentId)
                .OfType<int>()
                .Concat(_allocatedSegments.Values)
                .ToHashSet();
            var id = Enumerable.Range(1, MaxSegmentId).First(candidate => !used.Contains(candidate));
            _allocatedSegments[uid] = id;
            return id;
        }
    }

    private NodeBlockAllocation Allocate(V1Alpha1Subnet subnet, SubnetModel model)
    {
        var existing = new Dictionary<string, Ipv4Cidr>();
        foreach (var block in subnet.Status.NodeBlocks)
        {
            // An unparsable recorded block (a hand-edited status) is dropped; the node gets a new one.
            if (Ipv4Cidr.TryParse(block.Cidr, out var cidr, out _)) { existing[block.Node] = cidr; }
        }

        var nodeNames = nodes.List().Select(n => n.Metadata.Name!).ToList();
        return NodeBlockAllocator.Allocate(model.Cidr, model.NodeBlockPrefixLength, existing, nodeNames);
    }

    /// <summary>Fills status.programmed, the Programmed condition and each block's agent report.</summary>
    private ProgrammedSummary ReportProgrammed(V1Alpha1Subnet subnet, V1Alpha1Subnet.SubnetStatus status, DateTimeOffset now)
    {
        var key = ObjectKey.Of(subnet).ToString();
        var reports = status.NodeBlocks.ToDictionary(b => b.Node, b => agents.Get(b.Node) is { } agent ? AgentReport.ForSubnet(agent, key) : null);
        var summary = ProgrammedStatus.Summarize(subnet.Metadata.Generation ?? 0, reports, now, agentStaleAfter);
        foreach (var (block, node) in status.NodeBlocks.Join(summary.PerNode, b => b.Node, n => n.Node, (b, n) => (b, n)))
        {
            block.State = node.State;
            block.ProgrammedGeneration = node.Generation;
            block.Ports = node.Ports;
            block.Leased = node.Leased;
        }

        status.Programmed = summary.Count;
        Conditions.Set(status.Conditions, ConditionTypes.Programmed, summary.Status, summary.Reason, summary.Message, subnet.Metadata.Generation, now);
        return summary;
    }

    private static string Summarize(List<string> items) =>
        items.Count <= 10 ? string.Join(", ", items) : $"{string.Join(", ", items.Take(10))} and {items.Count - 10} more";

    private static bool WasAssigned(V1Alpha1Subnet.SubnetStatus before, string node, Ipv4Cidr block) =>
        before.NodeBlocks.Any(b => b.Node == node && b.Cidr == block.ToString());

    private IEnumerable<V1Alpha1Router> RoutersIn(string? ns) => routers.List().Where(r => r.Metadata.Namespace == ns);

    /// <summary>Addresses Routers took on this subnet besides the gateway (explicit interface IPs).</summary>
    private IEnumerable<Ipv4Address> RouterInterfaceAddresses(V1Alpha1Subnet subnet) =>
        RoutersIn(subnet.Metadata.Namespace)
            .SelectMany(r => r.Spec.Interfaces)
            .Where(i => i.Subnet == subnet.Metadata.Name && i.Ip is not null)
            .Select(i => Ipv4Address.TryParse(i.Ip, out var ip) ? ip : (Ipv4Address?)null)
            .OfType<Ipv4Address>();
}
