using Erebor.Domain.Collections;
using Erebor.Domain.Networking;

namespace Erebor.Domain.Tests.Collections;

public class EquatableArrayTests
{
    private sealed record Holder(string Name, EquatableArray<Ipv4Address> Routers);

    [Fact]
    public void Arrays_with_the_same_items_are_equal_and_hash_alike()
    {
        EquatableArray<int> left = [1, 2, 3];
        var right = EquatableArray.Create<int>([1, 2, 3]);

        (left == right).Should().BeTrue();
        left.Equals((object)right).Should().BeTrue();
        left.GetHashCode().Should().Be(right.GetHashCode());
    }

    [Theory]
    [InlineData(new[] { 1, 2, 4 })]
    [InlineData(new[] { 1, 2 })]
    [InlineData(new[] { 3, 2, 1 })]
    [InlineData(new int[0])]
    public void Arrays_that_differ_in_an_item_order_or_length_are_not_equal(int[] other)
    {
        EquatableArray<int> array = [1, 2, 3];

        (array != EquatableArray.Create<int>(other)).Should().BeTrue();
        array.Equals((object)other).Should().BeFalse("a plain array is not an EquatableArray");
    }

    [Fact]
    public void Default_is_the_empty_array()
    {
        EquatableArray<string> none = default;

        none.Should().Equal(EquatableArray.Create<string>([]));
        (none == []).Should().BeTrue();
        none.Count.Should().Be(0);
        none.IsEmpty.Should().BeTrue();
        none.AsSpan().IsEmpty.Should().BeTrue();
        none.ToString().Should().Be("[]");
        var enumerated = 0;
        foreach (var unused in none) { enumerated++; }
        enumerated.Should().Be(0);
    }

    [Fact]
    public void Records_holding_one_compare_by_content()
    {
        var gateway = Ipv4Address.Parse("10.0.0.1");

        new Holder("a", [gateway]).Should().Be(new Holder("a", [Ipv4Address.Parse("10.0.0.1")]));
        new Holder("a", [gateway]).Should().NotBe(new Holder("a", [gateway, gateway]));
    }

    [Fact]
    public void Create_copies_so_later_changes_to_the_source_do_not_show()
    {
        int[] source = [1, 2, 3];
        var array = EquatableArray.Create<int>(source);

        source[0] = 9;

        array[0].Should().Be(1);
    }

    [Fact]
    public void Enumerates_and_indexes_in_order_and_rejects_an_index_out_of_range()
    {
        EquatableArray<string> array = ["a", "b", "c"];
        var seen = new List<string>();
        foreach (var item in array) { seen.Add(item); }

        seen.Should().Equal("a", "b", "c");
        array.Should().Equal("a", "b", "c");
        array[2].Should().Be("c");
        array.Invoking(a => a[3]).Should().Throw<IndexOutOfRangeException>();
        default(EquatableArray<string>).Invoking(a => a[0]).Should().Throw<IndexOutOfRangeException>();
    }

    [Fact]
    public void Bytes_print_as_hex_and_other_items_in_brackets()
    {
        EquatableArray<byte> bytes = [0x01, 0xab, 0xff];

        bytes.ToString().Should().Be("01ABFF");
        default(EquatableArray<byte>).ToString().Should().BeEmpty();
        ((EquatableArray<Ipv4Address>)[Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2")]).ToString()
            .Should().Be("[10.0.0.1, 10.0.0.2]");
    }
}
