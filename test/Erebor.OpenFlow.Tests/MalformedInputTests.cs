using System.Buffers.Binary;

namespace Erebor.OpenFlow.Tests;

/// <summary>
/// Decoding hostile input: every truncation of every sample, random corruption and random bytes
/// must either decode or raise <see cref="OpenFlowDecodeException"/> — no other exception, no hang.
/// Hangs are caught by running each batch under a timeout in the harness, not by timing assertions.
/// </summary>
public class MalformedInputTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public Task Every_truncation_of_every_sample_is_rejected_with_the_decode_exception() => Guarded(() =>
    {
        foreach (var (name, message) in Samples.All)
        {
            var frame = OpenFlowCodec.Encode(message, 1);
            for (var length = 0; length < frame.Length; length++)
            {
                var truncated = frame[..length];
                FluentActions.Invoking(() => OpenFlowCodec.Decode(truncated))
                    .Should().Throw<OpenFlowDecodeException>($"{name} cut to {length} of {frame.Length} bytes");
            }
        }
    });

    [Fact]
    public Task Truncations_with_a_consistent_header_length_only_raise_the_decode_exception() => Guarded(() =>
    {
        // Fixing up ofp_header.length makes the frame well-formed at the outer level, so the cut
        // reaches the inner structures (match, actions, multipart entries, bundled message).
        foreach (var (name, message) in Samples.All)
        {
            var frame = OpenFlowCodec.Encode(message, 1);
            for (var length = 8; length < frame.Length; length++)
            {
                var truncated = frame[..length];
                BinaryPrimitives.WriteUInt16BigEndian(truncated.AsSpan(2), (ushort)length);
                DecodeOrReject(truncated, $"{name} cut to {length}");
            }
        }
    });

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public Task Corrupted_messages_only_raise_the_decode_exception(int seed) => Guarded(() =>
    {
        var random = new Random(seed);
        var messages = new RandomMessages(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var frame = OpenFlowCodec.Encode(messages.Next(), 1);
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                frame[random.Next(4, frame.Length)] = (byte)random.Next(256); // keep version, type and length
            }

            DecodeOrReject(frame, $"seed {seed} message {i}");
        }
    });

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public Task Random_bytes_with_a_plausible_header_only_raise_the_decode_exception(int seed) => Guarded(() =>
    {
        var random = new Random(seed);
        for (var i = 0; i < 50_000; i++)
        {
            var frame = new byte[random.Next(8, 300)];
            random.NextBytes(frame);
            frame[0] = random.Next(10) == 0 ? (byte)random.Next(256) : OpenFlowCodec.Version13;
            frame[1] = (byte)random.Next(32);
            if (random.Next(10) != 0) { BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)frame.Length); }
            DecodeOrReject(frame, $"seed {seed} frame {i}: {Convert.ToHexString(frame)}");
        }
    });

    [Fact]
    public void Frame_length_below_the_header_size_is_rejected()
    {
        FluentActions.Invoking(() => OpenFlowCodec.TryGetFrameLength([4, 0, 0, 4, 0, 0, 0, 0], out _)).Should().Throw<OpenFlowDecodeException>();
        OpenFlowCodec.TryGetFrameLength([4, 0, 0], out _).Should().BeFalse();
    }

    [Fact]
    public void Messages_of_other_versions_are_rejected_except_hello_and_error()
    {
        var features = OpenFlowCodec.Encode(new Messages.FeaturesRequest(), 1);
        features[0] = 6;
        FluentActions.Invoking(() => OpenFlowCodec.Decode(features)).Should().Throw<OpenFlowDecodeException>().WithMessage("*version 6*");

        var hello = OpenFlowCodec.Encode(new Messages.Hello([0x50]), 1);
        hello[0] = 6;
        OpenFlowCodec.Decode(hello).Should().Be(new OpenFlowFrame(1, new Messages.Hello([0x50]), 6));
    }

    private static void DecodeOrReject(byte[] frame, string because)
    {
        try
        {
            OpenFlowCodec.Decode(frame);
        }
        catch (OpenFlowDecodeException)
        {
        }
        catch (Exception other)
        {
            throw new Xunit.Sdk.XunitException($"{because}: {other.GetType().Name} escaped the decoder: {other}");
        }
    }

    private static Task Guarded(Action body) => Task.Run(body).WaitAsync(HangGuard);
}
