using Erebor.OpenFlow.Messages;

namespace Erebor.OpenFlow.Tests;

/// <summary>decode(encode(x)) == x, for the samples and for thousands of random messages from fixed seeds.</summary>
public class RoundTripTests
{
    public static TheoryData<string> SampleNames => new(Samples.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(SampleNames))]
    public void Samples_round_trip(string name)
    {
        var message = Samples.All.Single(s => s.Name == name).Message;

        var frame = OpenFlowCodec.Decode(OpenFlowCodec.Encode(message, 0xdeadbeef));

        frame.Xid.Should().Be(0xdeadbeef);
        frame.Message.Should().Be(message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_messages_round_trip(int seed)
    {
        var random = new RandomMessages(seed);
        for (var i = 0; i < 2000; i++)
        {
            var message = random.Next();
            var xid = (uint)i * 7919;

            var encoded = OpenFlowCodec.Encode(message, xid);
            var frame = OpenFlowCodec.Decode(encoded);

            frame.Message.Should().Be(message, $"seed {seed} message {i} ({message.GetType().Name}) {Convert.ToHexString(encoded)}");
            frame.Xid.Should().Be(xid);
            OpenFlowCodec.Encode(frame.Message, xid).Should().Equal(encoded);
        }
    }

    [Fact]
    public void Encoding_into_a_buffer_writer_appends_frames_back_to_back()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var messages = Samples.All.Select(s => s.Message).ToList();

        for (var i = 0; i < messages.Count; i++) { OpenFlowCodec.Encode(messages[i], (uint)i, buffer); }

        var rest = buffer.WrittenSpan;
        for (var i = 0; i < messages.Count; i++)
        {
            OpenFlowCodec.TryGetFrameLength(rest, out var length).Should().BeTrue();
            OpenFlowCodec.Decode(rest[..length]).Should().Be(new OpenFlowFrame((uint)i, messages[i]));
            rest = rest[length..];
        }

        rest.IsEmpty.Should().BeTrue();
    }
}
