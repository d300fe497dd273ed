using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Networking;

public class NodeBlockAllocatorTests
{
    private static readonly Ipv4Cidr Subnet = Ipv4Cidr.Parse("10.0.0.0/24");

    private static Ipv4Cidr Cidr(string text) => Ipv4Cidr.Parse(text);

    private static Dictionary<string, Ipv4Cidr> Blocks(params (string Node, string Block)[] entries) =>
        entries.ToDictionary(e => e.Node, e => Cidr(e.Block));

    private static NodeBlockAllocation Allocate(IReadOnlyDictionary<string, Ipv4Cidr> existing, params string[] nodes) =>
        NodeBlockAllocator.Allocate(Subnet, 26, existing, nodes);

    [Fact]
    public void New_nodes_take_the_lowest_free_blocks_in_ordinal_name_order()
    {
        var result = Allocate(Blocks(), "node-b", "node-a", "Node-c");

        result.Blocks.Should().BeEquivalentTo(Blocks(("Node-c", "10.0.0.0/26"), ("node-a", "10.0.0.64/26"), ("node-b", "10.0.0.128/26")));
        result.Unallocated.Should().BeEmpty();
        result.Released.Should().BeEmpty();
        result.Invalid.Should().BeEmpty();
        result.Changed.Should().BeTrue();
    }

    [Fact]
    public void Existing_nodes_keep_their_blocks_and_new_ones_fill_the_gaps()
    {
        var existing = Blocks(("node-z", "10.0.0.64/26"));

        var result = Allocate(existing, "node-z", "node-a", "node-b");

        result.Blocks.Should().BeEquivalentTo(Blocks(("node-z", "10.0.0.64/26"), ("node-a", "10.0.0.0/26"), ("node-b", "10.0.0.128/26")));
    }

    [Fact]
    public void Nothing_changes_when_nothing_happened()
    {
        var existing = Blocks(("node-a", "10.0.0.128/26"), ("node-b", "10.0.0.0/26"));

        var result = Allocate(existing, "node-a", "node-b");

        result.Blocks.Should().BeEquivalentTo(existing);
        result.Changed.Should().BeFalse();
    }

    [Fact]
    public void A_gone_node_releases_its_block_and_the_next_new_node_reuses_the_lowest_free()
    {
        var existing = Blocks(("node-a", "10.0.0.0/26"), ("node-b", "10.0.0.64/26"), ("node-c", "10.0.0.128/26"));

        var result = Allocate(existing, "node-a", "node-c", "node-d");

        result.Released.Should().BeEquivalentTo(Blocks(("node-b", "10.0.0.64/26")));
        result.Blocks.Should().BeEquivalentTo(Blocks(("node-a", "10.0.0.0/26"), ("node-c", "10.0.0.128/26"), ("node-d", "10.0.0.64/26")));
        result.Changed.Should().BeTrue();
    }

    [Fact]
    public void Removing_a_node_alone_is_a_change()
    {
        var result = Allocate(Blocks(("node-a", "10.0.0.0/26"), ("node-b", "10.0.0.64/26")), "node-a");

        result.Blocks.Should().BeEquivalentTo(Blocks(("node-a", "10.0.0.0/26")));
        result.Changed.Should().BeTrue();
    }

    [Fact]
    public void When_the_subnet_is_full_the_latest_names_go_without()
    {
        var result = Allocate(Blocks(("node-x", "10.0.0.0/26")), "node-x", "node-e", "node-d", "node-c", "node-b", "node-a");

        result.Blocks.Keys.Should().BeEquivalentTo("node-x", "node-a", "node-b", "node-c");
        result.Blocks["node-x"].Should().Be(Cidr("10.0.0.0/26"));
        result.Unallocated.Should().Equal("node-d", "node-e");
    }

    [Fact]
    public void Invalid_existing_blocks_are_reported_and_reassigned()
    {
        var existing = Blocks(
            ("node-a", "10.0.0.64/26"),
            ("node-b", "10.0.0.64/26"),    // same block as node-a, which sorts first and keeps it
            ("node-c", "10.0.1.0/26"),     // outside the subnet
            ("node-d", "10.0.0.128/27"),   // wrong size
            ("node-e", "10.0.0.0/24"));    // wrong size, and overlaps everything

        var result = Allocate(existing, "node-a", "node-b", "node-c", "node-d", "node-e");

        result.Invalid.Should().Equal(
            new InvalidNodeBlock("node-b", Cidr("10.0.0.64/26"), InvalidBlockReason.OverlapsAnotherNode),
            new InvalidNodeBlock("node-c", Cidr("10.0.1.0/26"), InvalidBlockReason.OutsideSubnet),
            new InvalidNodeBlock("node-d", Cidr("10.0.0.128/27"), InvalidBlockReason.WrongSize),
            new InvalidNodeBlock("node-e", Cidr("10.0.0.0/24"), InvalidBlockReason.WrongSize));
        result.Blocks.Should().BeEquivalentTo(Blocks(
            ("node-a", "10.0.0.64/26"), ("node-b", "10.0.0.0/26"), ("node-c", "10.0.0.128/26"), ("node-d", "10.0.0.192/26")));
        result.Unallocated.Should().Equal("node-e");
        result.Released.Should().BeEmpty();
    }

    [Fact]
    public void Gone_nodes_release_even_invalid_blocks_and_duplicate_names_count_once()
    {
        var result = Allocate(Blocks(("gone", "192.168.0.0/26")), "node-a", "node-a");

        result.Released.Should().BeEquivalentTo(Blocks(("gone", "192.168.0.0/26")));
        result.Invalid.Should().BeEmpty();
        result.Blocks.Should().BeEquivalentTo(Blocks(("node-a", "10.0.0.0/26")));
    }

    [Fact]
    public void Is_deterministic_whatever_the_input_order()
    {
        var nodes = Enumerable.Range(0, 40).Select(i => $"node-{i}").ToList();
        var subnet = Cidr("10.0.0.0/22");
        var existing = Blocks(("node-7", "10.0.2.0/28"), ("node-3", "10.0.0.16/28"));
        var shuffled = nodes.OrderBy(n => n.GetHashCode()).ToList();
        var reversedExisting = existing.Reverse().ToDictionary();

        var first = NodeBlockAllocator.Allocate(subnet, 28, existing, nodes);
        var second = NodeBlockAllocator.Allocate(subnet, 28, reversedExisting, shuffled);

        second.Blocks.Should().BeEquivalentTo(first.Blocks);
        first.Blocks["node-0"].Should().Be(Cidr("10.0.0.0/28"));
        first.Blocks["node-1"].Should().Be(Cidr("10.0.0.32/28"));
    }

    [Fact]
    public void Slash_30_blocks_tile_a_slash_24()
    {
        var nodes = Enumerable.Range(0, 64).Select(i => $"n{i:D2}").ToList();

        var result = NodeBlockAllocator.Allocate(Subnet, 30, Blocks(), nodes);

        result.Blocks.Values.Should().OnlyHaveUniqueItems().And.HaveCount(64);
        result.Blocks["n63"].Should().Be(Cidr("10.0.0.252/30"));
    }

    [Fact]
    public void A_full_large_subnet_is_not_walked_to_the_end()
    {
        var subnet = Cidr("10.0.0.0/8");
        var existing = Blocks(("only", "10.0.0.0/9"));

        var result = NodeBlockAllocator.Allocate(subnet, 9, existing, ["only", "another", "third"]);

        result.Blocks.Should().BeEquivalentTo(Blocks(("only", "10.0.0.0/9"), ("another", "10.128.0.0/9")));
        result.Unallocated.Should().Equal("third");
    }

    [Fact]
    public void A_whole_address_space_of_slash_30s_allocates_quickly()
    {
        var result = NodeBlockAllocator.Allocate(Cidr("0.0.0.0/0"), 30, Blocks(), ["a", "b"]);

        result.Blocks.Should().BeEquivalentTo(Blocks(("a", "0.0.0.0/30"), ("b", "0.0.0.4/30")));
    }

    [Theory]
    [InlineData(23, "block prefix length 23 is out of range 24-30 for subnet 10.0.0.0/24: a node block must fit inside the subnet and hold at least 4 addresses")]
    [InlineData(31, "block prefix length 31 is out of range 24-30 for subnet 10.0.0.0/24: a node block must fit inside the subnet and hold at least 4 addresses")]
    public void Rejects_block_sizes_that_do_not_fit(int blockPrefixLength, string expectedError)
    {
        NodeBlockAllocator.TryValidateBlockPrefixLength(Subnet, blockPrefixLength, out var error).Should().BeFalse();
        error.Should().Be(expectedError);
        FluentActions.Invoking(() => NodeBlockAllocator.Allocate(Subnet, blockPrefixLength, Blocks(), ["a"]))
            .Should().Throw<ArgumentException>().WithMessage(expectedError + "*");
    }

    [Theory]
    [InlineData(24)]
    [InlineData(26)]
    [InlineData(30)]
    public void Accepts_block_sizes_from_the_subnet_itself_to_slash_30(int blockPrefixLength)
    {
        NodeBlockAllocator.TryValidateBlockPrefixLength(Subnet, blockPrefixLength, out var error).Should().BeTrue();
        error.Should().BeEmpty();
    }

    [Theory]
    [InlineData("10.0.0.0/31")]
    [InlineData("10.0.0.0/32")]
    public void Subnets_smaller_than_slash_30_cannot_be_split(string subnet)
    {
        var expected = $"subnet {subnet} is too small to split into node blocks; it must be /30 or larger";

        NodeBlockAllocator.TryValidateBlockPrefixLength(Cidr(subnet), 30, out var error).Should().BeFalse();
        error.Should().Be(expected);
        FluentActions.Invoking(() => NodeBlockAllocator.DefaultBlockPrefixLength(Cidr(subnet)))
            .Should().Throw<ArgumentException>().WithMessage(expected + "*");
    }

    [Theory]
    [InlineData("10.0.0.0/8", 16, 26)]
    [InlineData("10.0.0.0/16", 16, 26)]
    [InlineData("10.0.0.0/22", 16, 26)]
    [InlineData("10.0.0.0/23", 16, 27)]
    [InlineData("10.0.0.0/24", 16, 28)]
    [InlineData("10.0.0.0/25", 16, 29)]
    [InlineData("10.0.0.0/26", 16, 30)]
    [InlineData("10.0.0.0/27", 16, 30)]
    [InlineData("10.0.0.0/30", 16, 30)]
    [InlineData("10.0.0.0/24", 1, 26)]
    [InlineData("10.0.0.0/24", 4, 26)]
    [InlineData("10.0.0.0/24", 5, 27)]
    [InlineData("10.0.0.0/28", 1, 28)]
    [InlineData("0.0.0.0/0", 1000, 26)]
    public void Default_block_size_aims_for_slash_26_and_shrinks_to_fit_the_minimum_blocks(string subnet, int minimumBlocks, int expected)
    {
        var blockPrefixLength = NodeBlockAllocator.DefaultBlockPrefixLength(Cidr(subnet), minimumBlocks);

        blockPrefixLength.Should().Be(expected);
        NodeBlockAllocator.TryValidateBlockPrefixLength(Cidr(subnet), blockPrefixLength, out _).Should().BeTrue();
    }

    [Fact]
    public void Default_minimum_is_sixteen_blocks()
    {
        NodeBlockAllocator.DefaultBlockPrefixLength(Subnet).Should().Be(28);
        FluentActions.Invoking(() => NodeBlockAllocator.DefaultBlockPrefixLength(Subnet, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
