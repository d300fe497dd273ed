using Erebor.Agent.Apps.Dhcp;

namespace Erebor.Agent.Tests.Dhcp;

public sealed class GroupCommitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Requests_made_while_a_write_runs_share_the_next_write()
    {
        using var firstStarted = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        var writes = 0;
        var commit = new GroupCommit(() =>
        {
            if (Interlocked.Increment(ref writes) == 1)
            {
                firstStarted.Release();
                release.Wait(Timeout);
            }
        });

        var first = commit.RequestAsync();
        (await firstStarted.WaitAsync(Timeout)).Should().BeTrue();
        var during = Enumerable.Range(0, 10).Select(_ => commit.RequestAsync()).ToList();
        during.Distinct().Should().ContainSingle("every request made during the first write waits for the same, next write");
        first.IsCompleted.Should().BeFalse("the first write is still running");
        during[0].IsCompleted.Should().BeFalse();

        release.Set();
        await first.WaitAsync(Timeout);
        await during[0].WaitAsync(Timeout);
        writes.Should().Be(2, "eleven requests, two writes");
    }

    [Fact]
    public async Task A_failed_write_fails_its_waiters_and_the_next_request_writes_again()
    {
        var attempts = 0;
        var commit = new GroupCommit(() =>
        {
            if (Interlocked.Increment(ref attempts) == 1) { throw new IOException("disk full"); }
        });

        var failed = () => commit.RequestAsync().WaitAsync(Timeout);
        await failed.Should().ThrowAsync<IOException>().WithMessage("disk full");
        await commit.RequestAsync().WaitAsync(Timeout);
        attempts.Should().Be(2);
    }
}
