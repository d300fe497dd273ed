using Erebor.Kube.Runtime;
using Erebor.Kube.Tests.Fakes;

namespace Erebor.Kube.Tests.Runtime;

public sealed class WorkQueueTests
{
    private static readonly CancellationToken Ct = new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Fact]
    public async Task An_item_added_several_times_before_it_is_taken_is_processed_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        queue.Depth.Should().Be(2);
        (await queue.TakeAsync(Ct)).Should().Be("a");
        (await queue.TakeAsync(Ct)).Should().Be("b");
        queue.Depth.Should().Be(0);
    }

    [Fact]
    public async Task An_item_added_while_it_is_processed_waits_until_done_and_is_never_taken_twice_at_once()
    {
        using var queue = new WorkQueue<string>();
        queue.Add("a");
        var first = await queue.TakeAsync(Ct);

        queue.Add("a");
        queue.Depth.Should().Be(0, "a second worker must not get the key that is being processed");

        queue.Done(first!);
        queue.Depth.Should().Be(1);
        (await queue.TakeAsync(Ct)).Should().Be("a");
    }

    [Fact]
    public void Rate_limited_retries_back_off_exponentially_up_to_the_cap_and_forget_resets()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(clock, baseDelay: TimeSpan.FromMilliseconds(10), maxDelay: TimeSpan.FromMilliseconds(100));

        var delays = Enumerable.Range(0, 6).Select(_ => queue.AddRateLimited("a")).ToList();

        delays.Select(d => d.TotalMilliseconds).Should().Equal(10, 20, 40, 80, 100, 100);
        queue.Failures("a").Should().Be(6);
        queue.Forget("a");
        queue.Failures("a").Should().Be(0);
        queue.AddRateLimited("a").Should().Be(TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void A_delayed_add_appears_only_when_due_and_the_earlier_of_two_delays_wins()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(clock);

        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(3));
        clock.Advance(TimeSpan.FromSeconds(2));
        queue.Depth.Should().Be(0);

        clock.Advance(TimeSpan.FromSeconds(1));
        queue.Depth.Should().Be(1);

        clock.Advance(TimeSpan.FromSeconds(10));
        queue.Depth.Should().Be(1, "the later delay was superseded, not kept as a second add");
    }

    [Fact]
    public void An_immediate_add_cancels_a_pending_delayed_one()
    {
        var clock = new ManualTimeProvider();
        using var queue = new WorkQueue<string>(clock);
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        queue.Add("a");

        clock.Advance(TimeSpan.FromSeconds(10));
        queue.Depth.Should().Be(1);
    }

    [Fact]
    public async Task Shutdown_releases_every_waiting_worker_with_null()
    {
        using var queue = new WorkQueue<string>();
        var waiters = Enumerable.Range(0, 3).Select(_ => queue.TakeAsync(Ct)).ToList();
        queue.ShutDown();

        var results = await Task.WhenAll(waiters);
        results.Should().AllSatisfy(r => r.Should().BeNull());
        queue.Add("late");
        queue.Depth.Should().Be(0);
    }
}
