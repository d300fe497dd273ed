namespace Erebor.Agent.Apps;

/// <summary>The agent feature a flow belongs to (cookie bits 40-47).</summary>
public enum AppId : byte
{
    Pipeline = 1,
    Classifier = 2,
    ArpResponder = 3,
    L2 = 4,
    Dhcp = 5,
    L3 = 6,
    Tunnel = 7,
}

/// <summary>
/// The 64-bit flow cookie: <c>round:16 | app:8 | reserved:8 | object:32</c>. The round changes
/// every time the agent replays its flows (start, reconnect, OVS restart), so after a replay all
/// live flows carry the new round and anything with an older round is stale and can be deleted
/// with one cookie-masked delete per round, inside the same bundle. The app and object say who
/// made a flow, for debugging (<c>ovs-ofctl dump-flows</c>) and metrics.
/// </summary>
public readonly record struct FlowCookie(ushort Round, AppId App, uint ObjectId)
{
    public const ulong RoundMask = 0xffffUL << 48;
    public const ulong AppMask = 0xffUL << 40;

    public ulong Value => ((ulong)Round << 48) | ((ulong)App << 40) | ObjectId;

    public static FlowCookie Parse(ulong cookie) => new((ushort)(cookie >> 48), (AppId)(byte)(cookie >> 40), (uint)cookie);

    /// <summary>True when the cookie carries an app id, i.e. an Erebor agent installed the flow.</summary>
    public static bool IsOurs(ulong cookie) => (cookie & AppMask) != 0;

    /// <summary>The round after every round in <paramref name="seen"/> (16 bits wrap; 0 is never used).</summary>
    public static ushort NextRound(IEnumerable<ushort> seen)
    {
        var used = seen.ToHashSet();
        var next = used.Count == 0 ? (ushort)1 : (ushort)(used.Max() + 1);
        while (next == 0 || used.Contains(next)) { next++; }
        return next;
    }
}
