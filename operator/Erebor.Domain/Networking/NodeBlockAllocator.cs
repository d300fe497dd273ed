using System.Numerics;

namespace Erebor.Domain.Networking;

/// <summary>Why a node's recorded block was taken away from it and the node treated as new.</summary>
public enum InvalidBlockReason
{
    /// <summary>The block is not inside the subnet (the subnet's CIDR changed, or the status was edited).</summary>
    OutsideSubnet,

    /// <summary>The block's prefix length is not the subnet's block prefix length.</summary>
    WrongSize,

    /// <summary>Another node, earlier in ordinal name order, holds the same or an overlapping block.</summary>
    OverlapsAnotherNode,
}

/// <summary>A node's recorded block that <see cref="NodeBlockAllocator.Allocate"/> refused to keep.</summary>
public sealed record InvalidNodeBlock(string Node, Ipv4Cidr Block, InvalidBlockReason Reason);

/// <summary>The outcome of one <see cref="NodeBlockAllocator.Allocate"/> round, to write into Subnet status.</summary>
/// <param name="Blocks">Every existing node that has a block, and its block.</param>
/// <param name="Unallocated">Existing nodes without a block because the subnet is full, in ordinal order.</param>
/// <param name="Released">Blocks of nodes that no longer exist, now free.</param>
/// <param name="Invalid">Recorded blocks that were dropped; their nodes were allocated as if new.</param>
public sealed record NodeBlockAllocation(
    IReadOnlyDictionary<string, Ipv4Cidr> Blocks,
    IReadOnlyList<string> Unallocated,
    IReadOnlyDictionary<string, Ipv4Cidr> Released,
    IReadOnlyList<InvalidNodeBlock> Invalid)
{
    /// <summary>True when <see cref="Blocks"/> differs from the blocks passed in, i.e. status needs writing.</summary>
    public bool Changed { get; init; }
}

/// <summary>
/// Splits a Subnet into equal per-node blocks, from which each node's agent leases addresses
/// without asking the API server.
/// </summary>
public static class NodeBlockAllocator
{
    /// <summary>A /30 holds 4 addresses; anything smaller is not worth a node's while.</summary>
    public const int MaxBlockPrefixLength = 30;

    /// <summary>The block size aimed for: 64 addresses per node, as many pods as a node usually runs.</summary>
    public const int PreferredBlockPrefixLength = 26;

    /// <summary>How many blocks <see cref="DefaultBlockPrefixLength"/> makes room for unless told otherwise.</summary>
    public const int DefaultMinimumBlocks = 16;

    /// <summary>
    /// Assigns blocks of <paramref name="blockPrefixLength"/> inside <paramref name="subnet"/>.
    /// Rules, in order:
    /// <list type="number">
    /// <item>A node that still exists keeps its block forever: its agent has leased addresses from
    /// it and workloads hold them, so moving a block would renumber running pods.</item>
    /// <item>A node that is gone releases its block, whatever state the block is in.</item>
    /// <item>A surviving node's block that is outside the subnet, of the wrong size or overlapping
    /// an earlier (ordinal name order) node's block is dropped, reported in
    /// <see cref="NodeBlockAllocation.Invalid"/>, and the node is allocated as if new. Such a block can
    /// only come from a hand-edited status or a bug (the webhook keeps a Subnet's CIDR and block
    /// size immutable), and keeping it would let two nodes hand out the same address, or let a
    /// node hand out addresses the subnet's routes do not cover: a new block is the lesser harm.
    /// Blocks are all one size so that the subnet is an array of equal slots, with a predictable
    /// capacity and a well-defined lowest free slot.</item>
    /// <item>New nodes, in ordinal name order, take the lowest free block; the result depends
    /// only on the inputs, so two operator replicas, or a retried reconcile, agree.</item>
    /// <item>Nodes left over when the subnet is full are listed in <see cref="NodeBlockAllocation.Unallocated"/>.</item>
    /// </list>
    /// </summary>
    /// <exception cref="ArgumentException">The block prefix length does not fit the subnet (see <see cref="TryValidateBlockPrefixLength"/>).</exception>
    public static NodeBlockAllocation Allocate(
        Ipv4Cidr subnet,
        int blockPrefixLength,
        IReadOnlyDictionary<string, Ipv4Cidr> existingBlocks,
        IReadOnlyCollection<string> nodes)
    {
        if (!TryValidateBlockPrefixLength(subnet, blockPrefixLength, out var error))
        {
            throw new ArgumentException(error, nameof(blockPrefixLength));
        }

        var liveNodes = new HashSet<string>(nodes, StringComparer.Ordinal);
        var released = existingBlocks
            .Where(entry => !liveNodes.Contains(entry.Key))
            .ToDictionary(StringComparer.Ordinal);

        var blocks = new Dictionary<string, Ipv4Cidr>(StringComparer.Ordinal);
        var used = new HashSet<Ipv4Cidr>();
        var invalid = new List<InvalidNodeBlock>();
        var needBlock = new List<string>();
        foreach (var node in liveNodes.Order(StringComparer.Ordinal))
        {
            if (!existingBlocks.TryGetValue(node, out var block))
            {
                needBlock.Add(node);
                continue;
            }

            // All kept blocks are aligned and of one size, so overlapping one means being equal to it.
            InvalidBlockReason? reason =
                !subnet.Contains(block) ? InvalidBlockReason.OutsideSubnet
                : block.PrefixLength != blockPrefixLength ? InvalidBlockReason.WrongSize
                : used.Contains(block) ? InvalidBlockReason.OverlapsAnotherNode
                : null;
            if (reason is { } why)
            {
                invalid.Add(new InvalidNodeBlock(node, block, why));
                needBlock.Add(node);
                continue;
            }

            blocks.Add(node, block);
            used.Add(block);
        }

        needBlock.Sort(StringComparer.Ordinal);
        var unallocated = AssignLowestFree(subnet, blockPrefixLength, needBlock, blocks, used);
        var changed = blocks.Count != existingBlocks.Count
            || blocks.Any(entry => !existingBlocks.TryGetValue(entry.Key, out var before) || before != entry.Value);
        return new NodeBlockAllocation(blocks, unallocated, released, invalid) { Changed = changed };
    }

    /// <summary>Gives each of <paramref name="nodes"/>, in order, the lowest block not in <paramref name="used"/>; returns the nodes left without one.</summary>
    private static List<string> AssignLowestFree(
        Ipv4Cidr subnet,
        int blockPrefixLength,
        List<string> nodes,
        Dictionary<string, Ipv4Cidr> blocks,
        HashSet<Ipv4Cidr> used)
    {
        // Stop once every free slot is found, so that a full /8 of /30s is not walked to the end.
        var freeSlots = (subnet.AddressCount >> (Ipv4Cidr.MaxPrefixLength - blockPrefixLength)) - used.Count;
        var next = 0;
        foreach (var slot in subnet.Subdivide(blockPrefixLength))
        {
            if (next == nodes.Count || freeSlots == 0) { break; }
            if (used.Contains(slot)) { continue; }
            blocks.Add(nodes[next++], slot);
            freeSlots--;
        }

        return nodes[next..];
    }

    /// <summary>
    /// The block prefix length for a Subnet that names none: /26 (64 addresses per node) when the
    /// subnet holds at least <paramref name="minimumBlocks"/> of those, else the largest block
    /// size that still yields <paramref name="minimumBlocks"/> blocks, but never smaller than a
    /// /30 (so a small subnet may give fewer blocks). For 16 blocks: a /16 gets /26, a /22 /26,
    /// a /24 /28, a /25 /29, a /27 and a /30 get /30.
    /// </summary>
    /// <exception cref="ArgumentException">The subnet is longer than /30 and cannot be split.</exception>
    public static int DefaultBlockPrefixLength(Ipv4Cidr subnet, int minimumBlocks = DefaultMinimumBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumBlocks, 1);
        if (subnet.PrefixLength > MaxBlockPrefixLength)
        {
            throw new ArgumentException(TooSmallToSplit(subnet), nameof(subnet));
        }

        // ceil(log2(minimumBlocks)) more prefix bits give at least minimumBlocks blocks.
        var bitsForBlocks = minimumBlocks == 1 ? 0 : BitOperations.Log2((uint)(minimumBlocks - 1)) + 1;
        var prefixLength = Math.Max(PreferredBlockPrefixLength, subnet.PrefixLength + bitsForBlocks);
        return Math.Min(prefixLength, MaxBlockPrefixLength);
    }

    /// <summary>A block must fit inside the subnet (prefix at least the subnet's) and hold at least 4 addresses (prefix at most /30).</summary>
    public static bool TryValidateBlockPrefixLength(Ipv4Cidr subnet, int blockPrefixLength, out string error)
    {
        error =
            subnet.PrefixLength > MaxBlockPrefixLength ? TooSmallToSplit(subnet)
            : blockPrefixLength < subnet.PrefixLength || blockPrefixLength > MaxBlockPrefixLength
                ? $"block prefix length {blockPrefixLength} is out of range {subnet.PrefixLength}-{MaxBlockPrefixLength} for subnet {subnet}: a node block must fit inside the subnet and hold at least 4 addresses"
            : string.Empty;
        return error.Length == 0;
    }

    private static string TooSmallToSplit(Ipv4Cidr subnet) =>
        $"subnet {subnet} is too small to split into node blocks; it must be /{MaxBlockPrefixLength} or larger";
}
