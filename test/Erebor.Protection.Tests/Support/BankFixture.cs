using Erebor.Harness.Storage;
using Erebor.Protection.Banks;

namespace Erebor.Protection.Tests.Support;

/// <summary>
/// Makes fresh banks of either kind for a test: "filesystem" (a temporary directory) or "s3" (a new
/// bucket, keys under a prefix, on the s3rver this fixture started for the test class).
/// </summary>
public sealed class BankFixture : IAsyncLifetime
{
    public const string Filesystem = "filesystem";
    public const string S3 = "s3";
    private S3rverServer? _server;

    public S3rverServer Server => _server ?? throw new InvalidOperationException("s3rver is not running");

    /// <summary>s3rver 3.7's delimiter listing misses folders that hold only subfolders: list folders by a full listing there.</summary>
    public static S3BankOptions Options => new() { SettleDelay = TimeSpan.FromMilliseconds(50), DelimiterListing = false };

    public static TheoryData<string> Kinds => new() { Filesystem, S3 };

    public async Task InitializeAsync() => _server = await S3rverServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) { await _server.DisposeAsync(); }
    }

    public async Task<TestBank> CreateAsync(string kind, TimeProvider? time = null, S3BankOptions? options = null)
    {
        switch (kind)
        {
            case Filesystem:
                var directory = Directory.CreateTempSubdirectory("erebor-bank-").FullName;
                return new TestBank(kind, new FilesystemBank(directory, time), directory, () => Directory.Delete(directory, recursive: true));
            case S3:
                var bucket = $"erebor-{Guid.NewGuid():N}"[..30];
                await Server.CreateBucketAsync(bucket);
                var bank = new S3Bank(Server.Endpoint, bucket, "site-a/bank", "us-east-1", S3rverServer.AccessKey, S3rverServer.SecretKey,
                    options ?? Options, time);
                return new TestBank(kind, bank, Path.Combine(Server.DataDirectory, bucket), () => { });
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "filesystem or s3");
        }
    }
}

/// <summary>A bank for one test and where its bytes end up on disk (the filesystem bank's root, s3rver's bucket directory).</summary>
public sealed class TestBank(string kind, IBank bank, string rawDirectory, Action cleanup) : IAsyncDisposable
{
    public string Kind => kind;
    public IBank Bank => bank;

    /// <summary>The directory the stored bytes are in, to grep them as an attacker with disk access would.</summary>
    public string RawDirectory => rawDirectory;

    /// <summary>Every stored object's raw bytes, as the bank returns them (below any decryption).</summary>
    public async Task<IReadOnlyList<(string Key, byte[] Bytes)>> RawObjectsAsync()
    {
        var result = new List<(string, byte[])>();
        await foreach (var item in bank.ListAsync(string.Empty, CancellationToken.None))
        {
            result.Add((item.Key, (await bank.TryReadAllBytesAsync(item.Key, CancellationToken.None))!));
        }

        return result;
    }

    /// <summary>Flips one bit of a stored object at <paramref name="offset"/> (negative: from the end).</summary>
    public async Task TamperAsync(string key, int offset)
    {
        var bytes = (await bank.TryReadAllBytesAsync(key, CancellationToken.None))!;
        var at = offset >= 0 ? offset : bytes.Length + offset;
        bytes[at] ^= 0x01;
        await bank.WriteAsync(key, bytes, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await bank.DisposeAsync();
        cleanup();
    }
}
