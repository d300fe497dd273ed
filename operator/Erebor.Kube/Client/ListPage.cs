using System.Text.Json;

namespace Erebor.Kube.Client;

/// <summary>
/// One page of a list answer (<c>{"metadata":{...},"items":[...]}</c>) as UTF-8 bytes: where each
/// item lies and the page's continue token, found by one pass of a reader. The caller parses the
/// items one at a time, so a page never becomes one object tree (a 500-object page of ConfigMaps is
/// megabytes; its tree is several times that).
/// </summary>
public sealed record ListPage(IReadOnlyList<Range> Items, string? Continue, long? RemainingItemCount)
{
    /// <summary>Scans a list answer; throws <see cref="JsonException"/> when it is not one.</summary>
    public static ListPage Scan(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) { throw new JsonException("a list answer is not a JSON object"); }
        var items = new List<Range>();
        string? continueToken = null;
        long? remaining = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("items"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null) { continue; }
                if (reader.TokenType != JsonTokenType.StartArray) { throw new JsonException($"a list answer's items is {reader.TokenType}, expected an array"); }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    items.Add(new Range(start, (int)reader.BytesConsumed));
                }
            }
            else if (reader.ValueTextEquals("metadata"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); continue; }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isContinue = reader.ValueTextEquals("continue"u8);
                    var isRemaining = reader.ValueTextEquals("remainingItemCount"u8);
                    reader.Read();
                    if (isContinue && reader.TokenType == JsonTokenType.String) { continueToken = reader.GetString(); }
                    else if (isRemaining && reader.TokenType == JsonTokenType.Number) { remaining = reader.GetInt64(); }
                    else { reader.Skip(); }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ListPage(items, string.IsNullOrEmpty(continueToken) ? null : continueToken, remaining);
    }
}
