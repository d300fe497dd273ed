using Erebor.Protection.Checkpoints;
using Erebor.Protection.Tests.Support;

using Xunit.Abstractions;

namespace Erebor.Protection.Tests.Checkpoints;

[CollectionDefinition(nameof(StreamingMemoryTests), DisableParallelization = true)]
public sealed class StreamingMemoryCollection;

/// <summary>
/// A 200 MiB resource (encrypted, so every layer takes part) goes into the bank, through commit-time
/// verification and back out with the live managed heap never more than <see cref="BoundBytes"/> above
/// where it started: the writer holds one encryption chunk and one bank buffer (8 MiB S3 part),
/// never the object. Run alone (no other test allocating in the process meanwhile).
/// </summary>
[Collection(nameof(StreamingMemoryTests))]
[Trait("Category", "Integration")]
public sealed class StreamingMemoryTests(BankFixture banks, ITestOutputHelper output) : IClassFixture<BankFixture>
{
    private const long ObjectBytes = 200L * 1024 * 1024;
    private const long BoundBytes = 32L * 1024 * 1024;

    [Theory]
    [MemberData(nameof(BankFixture.Kinds), MemberType = typeof(BankFixture))]
    public async Task A_200_MiB_resource_streams_in_and_out_with_bounded_memory(string kind)
    {
        await using var test = await banks.CreateAsync(kind);
        var store = new CheckpointStore(test.Bank, BankEncryptionKey.Generate());
        var key = new ResourceKey("v1", "Secret", "shop", "huge");

        var writeHeap = new HeapPeak();
        await using var source = new GeneratedStream(ObjectBytes, writeHeap);
        await using (var writer = await store.BeginAsync("shop/nightly", "big", "operator-a", CancellationToken.None))
        {
            await writer.AddAsync(key, source, encrypt: true, [], CancellationToken.None);
            await writer.CommitAsync(CancellationToken.None); // reads the 200 MiB back to verify it
        }

        var index = (await store.ReadIndexAsync("shop/nightly", "big", CancellationToken.None))!;
        index.Resources[0].SizeBytes.Should().BeGreaterThan(ObjectBytes, "stored encrypted: header and a tag per chunk");

        var readHeap = new HeapPeak();
        await using var sink = new HashingSink(readHeap);
        await using (var stream = await store.OpenResourceAsync("shop/nightly", "big", index.Resources[0], CancellationToken.None))
        {
            await stream.CopyToAsync(sink, 81920, CancellationToken.None);
        }

        output.WriteLine($"{kind}: live heap peak above baseline: write {writeHeap.PeakAboveBaseline / 1048576.0:F1} MiB, read {readHeap.PeakAboveBaseline / 1048576.0:F1} MiB (bound {BoundBytes / 1048576} MiB, object {ObjectBytes / 1048576} MiB)");
        sink.Written.Should().Be(ObjectBytes);
        sink.Sha256().Should().Be(source.Sha256(), "the object comes back intact");
        writeHeap.PeakAboveBaseline.Should().BeLessThan(BoundBytes);
        readHeap.PeakAboveBaseline.Should().BeLessThan(BoundBytes);
    }
}
