using System.Text;

using Erebor.Ovsdb;

namespace Erebor.Agent.Tests.Ovsdb;

public sealed class JsonTextSplitterTests
{
    private const string Stream =
        """{"id":1,"result":["Open_vSwitch"],"error":null}""" + "\n" +
        """{"method":"update","params":["m",{"s":"a } in a string, an escaped \" and a \\"}],"id":null}""" +
        """  {"id":"echo","method":"echo","params":[[1,{"x":[]}]]}""";

    private static readonly string[] Messages =
    [
        """{"id":1,"result":["Open_vSwitch"],"error":null}""",
        """{"method":"update","params":["m",{"s":"a } in a string, an escaped \" and a \\"}],"id":null}""",
        """{"id":"echo","method":"echo","params":[[1,{"x":[]}]]}""",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Splits_back_to_back_messages_however_the_bytes_arrive(int chunkSize)
    {
        var splitter = new JsonTextSplitter();
        var bytes = Encoding.UTF8.GetBytes(Stream);
        var messages = new List<string>();
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            var chunk = bytes.AsSpan(offset, Math.Min(chunkSize, bytes.Length - offset));
            chunk.CopyTo(splitter.GetFreeSpace().Span);
            splitter.Advance(chunk.Length);
            while (splitter.TryTake(out var message)) { messages.Add(Encoding.UTF8.GetString(message.Span)); }
        }

        messages.Should().Equal(Messages);
    }

    [Fact]
    public void Grows_for_a_message_larger_than_its_buffer()
    {
        var large = $$"""{"id":2,"result":"{{new string('x', 200_000)}}"}""";
        var splitter = new JsonTextSplitter();
        var bytes = Encoding.UTF8.GetBytes(large);
        var offset = 0;
        while (offset < bytes.Length)
        {
            var free = splitter.GetFreeSpace();
            var count = Math.Min(free.Length, bytes.Length - offset);
            bytes.AsSpan(offset, count).CopyTo(free.Span);
            splitter.Advance(count);
            offset += count;
        }

        splitter.TryTake(out var message).Should().BeTrue();
        message.Length.Should().Be(bytes.Length);
    }

    [Fact]
    public void Rejects_garbage_between_messages()
    {
        var splitter = new JsonTextSplitter();
        "x{}"u8.CopyTo(splitter.GetFreeSpace().Span);
        splitter.Advance(3);
        FluentActions.Invoking(() => splitter.TryTake(out _)).Should().Throw<OvsdbProtocolException>();
    }
}
