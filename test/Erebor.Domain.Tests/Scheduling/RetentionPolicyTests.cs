using Erebor.Domain.Scheduling;

using static Erebor.Domain.Tests.Scheduling.CronExpressionTests;

namespace Erebor.Domain.Tests.Scheduling;

public class RetentionPolicyTests
{
    private static readonly DateTimeOffset Now = At("2024-06-01T00:00:00Z");

    /// <summary>"id:Phase:age" separated by spaces; A = Available, age like 5d or 12h.</summary>
    private static List<CheckpointSummary> Checkpoints(string table) =>
        table.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(entry =>
        {
            var parts = entry.Split(':');
            var phase = parts[1] == "A" ? CheckpointPhase.Available : Enum.Parse<CheckpointPhase>(parts[1]);
            return new CheckpointSummary(parts[0], phase, Now - MaxAge.Parse(parts[2]));
        }).ToList();

    [Theory]
    [InlineData(3, null, "a:A:5d b:A:4d c:A:3d d:A:2d e:A:1d", "a b")]
    [InlineData(null, "7d", "a:A:10d b:A:8d c:A:1d", "a b")]
    [InlineData(null, "7d", "a:A:7d b:A:1d", "")] // exactly max age: kept
    [InlineData(null, "7d", "a:A:30d b:A:20d c:A:10d", "a b")] // all too old: the newest Available stays
    [InlineData(1, "1h", "a:A:3d b:A:2d", "a")]
    [InlineData(5, "2d", "a:A:3d b:A:1d c:A:12h", "a")] // both are limits: max age deletes within N
    [InlineData(2, "30d", "a:A:3d b:A:2d c:A:1d", "a")] // both are limits: N deletes younger than max age
    [InlineData(2, null, "p:Pending:30d q:Protecting:20d a:A:3d b:A:2d c:A:1d", "a")] // unfinished: never
    [InlineData(1, "1h", "p:Pending:30d q:Protecting:20d", "")]
    [InlineData(2, null, "a:A:5d x:Error:4d b:A:3d y:PartiallyFailed:2d c:A:1d", "a x y")] // failed: not counted, superseded
    [InlineData(1, null, "x:Error:2d a:A:1d", "x")]
    [InlineData(2, null, "a:A:5d x:Error:3d y:Error:2d z:Error:1d", "x")] // the current failure streak: at most N
    [InlineData(null, "1d", "a:A:5d x:Error:3d y:Error:12h", "x")] // streak failures age out; a stays
    [InlineData(null, "1d", "x:PartiallyFailed:10d y:PartiallyFailed:5d", "x")] // no Available: newest partial data stays
    [InlineData(null, "1d", "x:PartiallyFailed:10d y:Error:5d", "y")]
    [InlineData(null, "1d", "x:Error:10d y:Error:5d", "x y")] // Error holds no data
    [InlineData(1, null, "d:Deleting:9d e:Deleted:8d a:A:2d b:A:1d", "a")] // already going: left alone
    [InlineData(1, null, "b:A:1d a:A:1d", "a")] // same creation time: the id decides, deterministically
    [InlineData(1, null, "", "")]
    public void Deletes(int? keepLast, string? maxAge, string checkpoints, string expected)
    {
        RetentionPolicy.TryCreate(keepLast, maxAge, out var policy, out var error).Should().BeTrue(error);
        var deleted = policy!.Evaluate(Checkpoints(checkpoints), Now).Select(deletion => deletion.Id);
        deleted.Should().Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Without_limits_nothing_is_deleted()
    {
        new RetentionPolicy().IsEmpty.Should().BeTrue();
        new RetentionPolicy().Evaluate(Checkpoints("a:A:900d x:Error:800d b:A:1d"), Now).Should().BeEmpty();
    }

    [Fact]
    public void Reasons_say_which_rule_deleted_what()
    {
        var policy = new RetentionPolicy(keepLast: 2, maxAge: MaxAge.Parse("7d"));
        policy.Evaluate(Checkpoints("a:A:4d x:Error:3d12h b:A:10d c:A:2d d:A:1d z:PartiallyFailed:12h y:Error:20h w:Error:8d"), Now).Should().Equal(
            new RetentionDeletion("b", "Available checkpoint b is number 4 of the plan's Available checkpoints, newest first; keepLast is 2"),
            new RetentionDeletion("w", "Error checkpoint w is superseded by the newer Available checkpoint d"),
            new RetentionDeletion("a", "Available checkpoint a is number 3 of the plan's Available checkpoints, newest first; keepLast is 2"),
            new RetentionDeletion("x", "Error checkpoint x is superseded by the newer Available checkpoint d"));

        new RetentionPolicy(keepLast: 1).Evaluate(Checkpoints("a:A:4d z:Error:3d y:Error:2d"), Now).Should().Equal(
            new RetentionDeletion("z", "Error checkpoint z is failure number 2 since the last Available checkpoint, newest first; at most keepLast (1) are kept"));
        new RetentionPolicy(maxAge: MaxAge.Parse("36h")).Evaluate(Checkpoints("a:A:4d b:A:2d c:A:1d"), Now).Should().Equal(
            new RetentionDeletion("a", "Available checkpoint a is 4d old, more than maxAge 1d12h"),
            new RetentionDeletion("b", "Available checkpoint b is 2d old, more than maxAge 1d12h"));
    }

    [Fact]
    public void Policy_creation_errors_are_precise()
    {
        RetentionPolicy.TryCreate(0, null, out _, out var error).Should().BeFalse();
        error.Should().Be("keepLast must be at least 1, got 0");
        RetentionPolicy.TryCreate(3, "7 days", out _, out error).Should().BeFalse();
        error.Should().Be("max age '7 days' contains whitespace; expected a duration such as 7d, 12h, 30m or 45s");
        RetentionPolicy.TryCreate(null, null, out var empty, out _).Should().BeTrue();
        empty!.IsEmpty.Should().BeTrue();
        FluentActions.Invoking(() => new RetentionPolicy(keepLast: -1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new RetentionPolicy(maxAge: TimeSpan.Zero)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Random_sets_never_lose_the_newest_available_nor_unfinished_checkpoints()
    {
        var random = new Random(20241122);
        CheckpointPhase[] phases = Enum.GetValues<CheckpointPhase>();
        for (var scenario = 0; scenario < 3000; scenario++)
        {
            var checkpoints = Enumerable.Range(0, random.Next(0, 30))
                .Select(index => new CheckpointSummary(
                    $"cp-{index:D3}",
                    random.Next(3) == 0 ? CheckpointPhase.Available : phases[random.Next(phases.Length)],
                    Now - TimeSpan.FromMinutes(random.Next(0, 60 * 24 * 60 / 30) * 30)))
                .ToList();
            var policy = new RetentionPolicy(
                random.Next(3) == 0 ? null : random.Next(1, 6),
                random.Next(3) == 0 ? null : TimeSpan.FromHours(random.Next(1, 24 * 30)));

            var deleted = policy.Evaluate(checkpoints, Now).Select(deletion => deletion.Id).ToList();

            deleted.Should().OnlyHaveUniqueItems().And.BeSubsetOf(checkpoints.Select(checkpoint => checkpoint.Id));
            var kept = checkpoints.Where(checkpoint => !deleted.Contains(checkpoint.Id)).ToList();
            var available = checkpoints.Where(checkpoint => checkpoint.Phase == CheckpointPhase.Available).ToList();
            if (available.Count > 0)
            {
                var newest = available.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id, StringComparer.Ordinal).First();
                deleted.Should().NotContain(newest.Id, "the last Available checkpoint of a plan is never deleted (scenario {0})", scenario);
                var keptAvailable = kept.Where(checkpoint => checkpoint.Phase == CheckpointPhase.Available).ToList();
                if (policy.KeepLast is { } keep) { keptAvailable.Count.Should().BeLessThanOrEqualTo(keep); }
                if (policy.MaxAge is { } max) { keptAvailable.Where(c => c != newest).All(c => Now - c.CreatedAt <= max).Should().BeTrue("max age holds except for the newest Available (scenario {0})", scenario); }
            }

            checkpoints.Where(c => c.Phase is CheckpointPhase.Pending or CheckpointPhase.Protecting or CheckpointPhase.Deleting or CheckpointPhase.Deleted)
                .Any(c => deleted.Contains(c.Id)).Should().BeFalse("unfinished and deleting checkpoints are left alone (scenario {0})", scenario);
            policy.Evaluate(kept, Now).Should().BeEmpty("retention is idempotent (scenario {0})", scenario);
        }
    }

    [Fact]
    public void Over_a_random_plan_history_an_available_checkpoint_always_remains_once_one_existed()
    {
        var random = new Random(42);
        var policy = new RetentionPolicy(keepLast: 3, maxAge: TimeSpan.FromDays(2));
        var store = new List<CheckpointSummary>();
        var now = Now;
        CheckpointSummary? newestAvailable = null;
        for (var step = 0; step < 2000; step++)
        {
            now += TimeSpan.FromHours(random.Next(1, 24 * 4)); // runs stop for days at times
            for (var index = 0; index < store.Count; index++)
            {
                var checkpoint = store[index];
                if (checkpoint.Phase is CheckpointPhase.Pending or CheckpointPhase.Protecting && random.Next(2) == 0)
                {
                    var finished = checkpoint.Phase == CheckpointPhase.Pending
                        ? CheckpointPhase.Protecting
                        : random.Next(10) switch { < 6 => CheckpointPhase.Available, < 8 => CheckpointPhase.PartiallyFailed, _ => CheckpointPhase.Error };
                    store[index] = checkpoint with { Phase = finished };
                }
            }

            store.Add(new CheckpointSummary($"cp-{step:D5}", CheckpointPhase.Pending, now));
            newestAvailable = store.Where(c => c.Phase == CheckpointPhase.Available).OrderBy(c => c.CreatedAt).LastOrDefault() ?? newestAvailable;

            var deleted = policy.Evaluate(store, now).Select(deletion => deletion.Id).ToHashSet();
            store.RemoveAll(checkpoint => deleted.Contains(checkpoint.Id));

            if (newestAvailable is not null)
            {
                store.Any(c => c.Id == newestAvailable.Id && c.Phase == CheckpointPhase.Available).Should().BeTrue("the last Available checkpoint survives (step {0})", step);
            }

            store.Count.Should().BeLessThan(20, "retention bounds the plan's checkpoints");
        }

        newestAvailable.Should().NotBeNull();
    }
}
