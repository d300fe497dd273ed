using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;

namespace Erebor.Kube.Tests.Client;

public sealed class ListPageTests
{
    [Fact]
    public void Finds_each_item_and_the_continue_token_without_parsing_the_page()
    {
        // An item holding its own "items" and "metadata.continue" must not be mistaken for the page's.
        var bytes = Encoding.UTF8.GetBytes("""
            {"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"77","continue":"eyJ2IjoiMSJ9","remainingItemCount":12},
             "items":[{"metadata":{"name":"a"},"data":{"items":"[1,2]"}},
                      {"metadata":{"name":"b","continue":"not-the-page's"},"items":[{"x":1}]},
                      {"metadata":{"name":"c"},"data":{"k":"\u00e9\"}"}}]}
            """);
        var page = ListPage.Scan(bytes);

        page.Continue.Should().Be("eyJ2IjoiMSJ9");
        page.RemainingItemCount.Should().Be(12);
        var names = page.Items.Select(r => JsonNode.Parse(bytes.AsSpan()[r])!["metadata"]!["name"]!.GetValue<string>()).ToList();
        names.Should().Equal("a", "b", "c");
        JsonNode.Parse(bytes.AsSpan()[page.Items[2]])!["data"]!["k"]!.GetValue<string>().Should().Be("é\"}");
    }

    [Fact]
    public void The_last_page_has_no_token_whatever_order_the_fields_come_in()
    {
        var page = ListPage.Scan("""{"items":[{"metadata":{"name":"a"}}],"metadata":{"continue":"","resourceVersion":"9"},"kind":"List"}"""u8);
        page.Items.Should().HaveCount(1);
        page.Continue.Should().BeNull();
        page.RemainingItemCount.Should().BeNull();
    }

    [Theory]
    [InlineData("""{"metadata":{},"items":null}""")]
    [InlineData("""{"metadata":{}}""")]
    [InlineData("""{"metadata":{},"items":[]}""")]
    public void An_empty_list_has_no_items(string json) =>
        ListPage.Scan(Encoding.UTF8.GetBytes(json)).Items.Should().BeEmpty();

    [Theory]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"items":{"a":1}}""", "expected an array")]
    public void Something_that_is_not_a_list_is_named(string json, string expected)
    {
        var act = () => ListPage.Scan(Encoding.UTF8.GetBytes(json));
        act.Should().Throw<JsonException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void A_truncated_page_throws()
    {
        var act = () => ListPage.Scan("""{"metadata":{},"items":[{"metadata":{"name":"a"}},{"metad"""u8.ToArray());
        act.Should().Throw<JsonException>();
    }
}
