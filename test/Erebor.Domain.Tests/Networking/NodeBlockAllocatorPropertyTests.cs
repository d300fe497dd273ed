using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

/// <summary>Random node churn, replayed from fixed seeds, against the allocator's invariants.</summary>
public class NodeBlockAllocatorPropertyTests
{
    [Theory]
    [InlineData(1, "10.0.0.0/24", 28)]
    [InlineData(2, "10.0.0.0/24", 27)]
    [InlineData(3, "172.16.0.0/20", 26)]
    [InlineData(4, "192.168.10.0/26", 30)]
    public void Blocks_never_move_never_overlap_and_stay_inside_the_subnet(int seed, string subnetText, int blockPrefixLength)
    {
        var random = new Random(seed);
        var subnet = Ipv4Cidr.Parse(subnetText);
        var capacity = subnet.AddressCount >> (32 - blockPrefixLength);
        var nodes = new HashSet<string>();
        IReadOnlyDictionary<string, Ipv4Cidr> blocks = new Dictionary<string, Ipv4Cidr>();
        var nextNode = 0;
        var sawFullSubnet = false;

        for (var step = 0; step < 500; step++)
        {
            // Adds outpace removals, so the subnet fills up and then churns while full.
            var addCount = random.Next(0, 5);
            // Remove nodes in random order; the RNG is seeded, so every run is the same run.
            var removeCount = nodes.Count == 0 ? 0 : random.Next(0, Math.Min(4, nodes.Count + 1));
            foreach (var gone in nodes.OrderBy(_ => random.Next()).Take(removeCount).ToList()) { nodes.Remove(gone); }
            for (var i = 0; i < addCount; i++) { nodes.Add($"node-{nextNode++:D4}"); }

            var result = NodeBlockAllocator.Allocate(subnet, blockPrefixLength, blocks, nodes);

            // A surviving node's block never changes.
            foreach (var (node, block) in blocks.Where(entry => nodes.Contains(entry.Key)))
            {
                result.Blocks.Should().ContainKey(node).WhoseValue.Should().Be(block, $"{node} had it at step {step}");
            }

            // Every block is inside the subnet, of the requested size, and no two overlap.
            result.Blocks.Values.Should().NotContain(block => !subnet.Contains(block) || block.PrefixLength != blockPrefixLength);
            var sorted = result.Blocks.Values.Order().ToList();
            sorted.Zip(sorted.Skip(1)).Should().NotContain(pair => pair.First.Overlaps(pair.Second), $"step {step}");

            // Exactly the live nodes hold a block or wait for one; gone nodes' blocks are released.
            // (Plain set algebra: FluentAssertions' equivalency is quadratic, too slow for 500 steps.)
            var accounted = result.Blocks.Keys.Concat(result.Unallocated).ToList();
            accounted.Should().OnlyHaveUniqueItems();
            nodes.SetEquals(accounted).Should().BeTrue($"every live node is accounted for at step {step}");
            result.Released.Keys.ToHashSet().SetEquals(blocks.Keys.Except(nodes)).Should().BeTrue($"gone nodes release at step {step}");
            result.Invalid.Should().BeEmpty("the allocator never produces invalid blocks itself");

            // A live node goes without a block only when the subnet is full.
            if (result.Unallocated.Count > 0)
            {
                result.Blocks.Count.Should().Be((int)capacity);
                sawFullSubnet = true;
            }

            blocks = result.Blocks;
        }

        sawFullSubnet.Should().BeTrue("the churn is meant to exercise a full subnet too");
    }
}
