using Erebor.Agent.Apps;
using Erebor.Agent.Apps.Features;
using Erebor.OpenFlow;
using Erebor.OpenFlow.Connection;
using Erebor.OpenFlow.Messages;
using Erebor.OpenFlow.Multipart;
using Microsoft.Extensions.Logging;
using FlowKey = (byte Table, ushort Priority, Erebor.OpenFlow.Matching.Match Match);

namespace Erebor.Agent.Flows;

/// <summary>
/// Keeps br-int's flows equal to the desired flows, always through atomic bundles, so the
/// datapath never sees a half-programmed pipeline.
/// <list type="bullet">
/// <item><see cref="ReplayAsync"/> (after every (re)connect, so after an agent or OVS restart
/// too): reads the installed flows, picks a new round, and in one bundle adds every desired flow
/// with the new round and deletes every older round and every flow that is not ours. Flows that
/// did not change are replaced by identical ones: traffic keeps flowing throughout.</item>
/// <item><see cref="UpdateAsync"/>: adds what is new or changed and deletes what is gone.</item>
/// </list>
/// A flow OVS rejects is logged with its text, counted, and left out (with the rest committed),
/// until a later desired state changes it. Not thread-safe: one caller at a time.
/// </summary>
public sealed class FlowSynchronizer(OpenFlowConnection connection, AgentMetrics metrics, ILogger<FlowSynchronizer> logger, PacketInLimits? limits = null)
{
    private const int MaxRejectedPerCommit = 64;
    private Dictionary<FlowKey, FlowMod> _installed = [];
    private readonly Dictionary<FlowKey, FlowMod> _rejected = [];

    /// <summary>The round of the flows installed now (0 before the first replay).</summary>
    public ushort Round { get; private set; }

    public async Task ReplayAsync(IReadOnlyList<FlowMod> desired, CancellationToken ct)
    {
        await InstallMetersAsync(ct);
        var existing = await connection.SendRequestAsync<FlowStatsReply>(new FlowStatsRequest(), ct);
        var oldRounds = existing.Entries.Where(f => FlowCookie.IsOurs(f.Cookie)).Select(f => FlowCookie.Parse(f.Cookie).Round).Distinct().ToList();
        Round = FlowCookie.NextRound(oldRounds);
        var foreign = existing.Entries.Count(f => !FlowCookie.IsOurs(f.Cookie));

        var deletes = oldRounds.Select(round => new FlowMod
        {
            Command = FlowModCommand.Delete,
            TableId = OfpTable.All,
            Cookie = (ulong)round << 48,
            CookieMask = FlowCookie.RoundMask,
        }).ToList();
        if (foreign > 0)
        {
            // br-int belongs to the agent (fail_mode=secure): a flow without our cookie would bypass the pipeline.
            deletes.Add(new FlowMod { Command = FlowModCommand.Delete, TableId = OfpTable.All, Cookie = 0, CookieMask = FlowCookie.AppMask });
        }

        _rejected.Clear();
        var installed = await CommitAsync(WithRound(desired), deletes, ct);
        _installed = installed;
        metrics.Replayed();
        logger.LogInformation("Replayed {Flows} flows as round {Round}; replaced rounds [{OldRounds}], removed {Foreign} foreign flows", installed.Count, Round, string.Join(",", oldRounds), foreign);
    }

    public async Task UpdateAsync(IReadOnlyList<FlowMod> desired, CancellationToken ct)
    {
        var wanted = WithRound(desired);
        var wantedKeys = wanted.Select(FlowPlan.KeyOf).ToHashSet();
        var adds = wanted.Where(f => !_installed.TryGetValue(FlowPlan.KeyOf(f), out var current) || current != f).ToList();
        var deletes = _installed.Keys.Where(k => !wantedKeys.Contains(k)).Select(k => new FlowMod
        {
            Command = FlowModCommand.DeleteStrict,
            TableId = k.Table,
            Priority = k.Priority,
            Match = k.Match,
        }).ToList();
        if (adds.Count == 0 && deletes.Count == 0) { return; }

        var committed = await CommitAsync(adds, deletes, ct);
        foreach (var key in deletes.Select(FlowPlan.KeyOf)) { _installed.Remove(key); }
        foreach (var (key, flow) in committed) { _installed[key] = flow; }
        logger.LogDebug("Updated flows: {Added} added or changed, {Deleted} deleted", committed.Count, deletes.Count);
    }

    private List<FlowMod> WithRound(IReadOnlyList<FlowMod> desired) =>
        [.. desired.Select(f => f with { Cookie = (f.Cookie & ~FlowCookie.RoundMask) | ((ulong)Round << 48) })];

    /// <summary>Commits adds then deletes in one bundle; rejected adds are dropped and the rest retried.</summary>
    private async Task<Dictionary<FlowKey, FlowMod>> CommitAsync(List<FlowMod> adds, List<FlowMod> deletes, CancellationToken ct)
    {
        var pending = adds.Where(f => !(_rejected.TryGetValue(FlowPlan.KeyOf(f), out var bad) && SameFlowIgnoringRound(bad, f))).ToList();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await connection.CommitBundleAsync([.. pending, .. deletes], BundleFlags.Atomic | BundleFlags.Ordered, ct);
                return pending.ToDictionary(FlowPlan.KeyOf);
            }
            catch (OpenFlowBundleException e) when (attempt < MaxRejectedPerCommit && e.Failures.Count > 0 && e.Failures.All(f => f.Index < pending.Count))
            {
                foreach (var failure in e.Failures.OrderByDescending(f => f.Index))
                {
                    var flow = pending[failure.Index];
                    var cookie = FlowCookie.Parse(flow.Cookie);
                    var error = failure.Error.Describe();
                    logger.LogError("Open vSwitch rejected a {App} flow, leaving it out: {Error}; flow table={Table} priority={Priority} match={Match} instructions={Instructions} cookie=0x{Cookie:x}",
                        cookie.App, error, Pipeline.NameOf(flow.TableId), flow.Priority, flow.Match, string.Join(", ", flow.Instructions.AsSpan().ToArray().Select(i => i.ToString())), flow.Cookie);
                    metrics.FlowRejected(flow.TableId, cookie.App, failure.Error.Name);
                    _rejected[FlowPlan.KeyOf(flow)] = flow;
                    pending.RemoveAt(failure.Index);
                }
            }
        }
    }

    private static bool SameFlowIgnoringRound(FlowMod a, FlowMod b) =>
        a with { Cookie = a.Cookie & ~FlowCookie.RoundMask } == b with { Cookie = b.Cookie & ~FlowCookie.RoundMask };

    /// <summary>Meters are not bundle messages: add them, or modify those that already exist.</summary>
    private async Task InstallMetersAsync(CancellationToken ct)
    {
        var adds = PacketInMeters.Meters(MeterModCommand.Add, limits ?? PacketInLimits.Default).ToList<OpenFlowMessage>();
        var failures = await connection.SendBatchAsync(adds, ct);
        if (failures.Count == 0) { return; }
        var modifies = failures.Select(f => (OpenFlowMessage)(((MeterMod)f.Message) with { Command = MeterModCommand.Modify })).ToList();
        foreach (var failure in await connection.SendBatchAsync(modifies, ct))
        {
            logger.LogError("Could not install PACKET_IN meter {Meter}: {Error}", ((MeterMod)failure.Message).MeterId, failure.Error.Describe());
        }
    }
}
