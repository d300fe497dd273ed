using Erebor.Agent.Apps.Dhcp;
using Erebor.Domain.Networking;

namespace Erebor.Agent.Tests.Dhcp;

public sealed class LeaseJournalTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly AddressScope Scope = new("ns/net", Ipv4Cidr.Parse("10.0.0.0/24"), Ipv4Cidr.Parse("10.0.0.0/28"), new HashSet<Ipv4Address> { Ipv4Address.Parse("10.0.0.1") }, []);

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("erebor-lease-journal-");

    private string JournalPath => Path.Combine(_dir.FullName, LeaseJournal.FileName);

    private string SnapshotPath => Path.Combine(_dir.FullName, LeaseFile.FileName);

    public void Dispose() => _dir.Delete(recursive: true);

    private static MacAddress Mac(int i) => new(0x020000000000UL + (ulong)i);

    private static Ipv4Address Ip(string text) => Ipv4Address.Parse(text);

    /// <summary>What a commit of the app does: capture under its lock, then persist.</summary>
    private static void Commit(LeaseJournal journal, LeaseTable table)
    {
        if (journal.Capture(table) is { } write) { journal.Persist(write); }
    }

    private static void ShouldEqual(LeaseTable actual, LeaseTable expected)
    {
        actual.Leases.Should().BeEquivalentTo(expected.Leases);
        actual.Quarantined.Should().BeEquivalentTo(expected.Quarantined);
    }

    [Fact]
    public void Changes_after_the_first_snapshot_are_appended_and_replayed_on_load()
    {
        var (table, journal) = LeaseJournal.Open(_dir.FullName);
        using (journal)
        {
            table.Bind(Scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
            Commit(journal, table); // the first write after opening is a snapshot
            var snapshot = File.ReadAllText(SnapshotPath);

            table.Bind(Scope, "b", Mac(2), Ip("10.0.0.3"), 3600, T0, "vm-b").Should().BeTrue();
            Commit(journal, table);
            table.Release("ns/net", "a", Mac(1)).Should().BeTrue();
            table.Decline("ns/net", "c", Mac(3), Ip("10.0.0.4"), T0);
            Commit(journal, table);
            journal.Capture(table).Should().BeNull("nothing changed since the last capture");

            File.ReadAllText(SnapshotPath).Should().Be(snapshot, "changes go to the journal, not the snapshot");
            File.ReadAllLines(JournalPath).Should().HaveCount(2, "one line per commit");
            ShouldEqual(LeaseJournal.Load(_dir.FullName).Table, table);
        }
    }

    [Fact]
    public void A_torn_last_line_is_ignored_and_dropped_by_the_next_write()
    {
        var (table, journal) = LeaseJournal.Open(_dir.FullName);
        using (journal)
        {
            Commit(journal, table);
            table.Bind(Scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
            Commit(journal, table);
        }

        var acked = LeaseJournal.Load(_dir.FullName).Table;
        // The agent was killed in the middle of the next append: part of a line, no newline.
        var line = File.ReadAllText(JournalPath);
        File.AppendAllText(JournalPath, line.Replace("\"port\":\"a\"", "\"port\":\"z\"", StringComparison.Ordinal)[..(line.Length / 2)]);

        var (reloaded, reopened) = LeaseJournal.Open(_dir.FullName);
        using (reopened)
        {
            ShouldEqual(reloaded, acked);
            reloaded.Bind(Scope, "b", Mac(2), Ip("10.0.0.3"), 3600, T0).Should().BeTrue();
            Commit(reopened, reloaded);
            File.ReadAllText(JournalPath).Should().BeEmpty("the first write after opening compacts, so nothing is appended after a torn line");
            reloaded.Release("ns/net", "a", Mac(1)).Should().BeTrue();
            Commit(reopened, reloaded);
            ShouldEqual(LeaseJournal.Load(_dir.FullName).Table, reloaded);
        }
    }

    [Fact]
    public void A_broken_line_before_the_last_is_an_error_not_a_silent_loss()
    {
        var (table, journal) = LeaseJournal.Open(_dir.FullName);
        using (journal)
        {
            Commit(journal, table);
            table.Bind(Scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
            Commit(journal, table);
        }

        File.WriteAllText(JournalPath, "{\"sequence\":\n" + File.ReadAllText(JournalPath));
        FluentActions.Invoking(() => LeaseJournal.Load(_dir.FullName)).Should().Throw<System.Text.Json.JsonException>();
    }

    [Fact]
    public void Compaction_rewrites_the_snapshot_and_empties_the_journal()
    {
        var (table, journal) = LeaseJournal.Open(_dir.FullName, compactAfter: 3);
        using (journal)
        {
            Commit(journal, table);
            for (var i = 0; i < 3; i++)
            {
                table.Bind(Scope, $"p{i}", Mac(i), Ip($"10.0.0.{i + 2}"), 3600, T0).Should().BeTrue();
                Commit(journal, table);
            }

            File.ReadAllLines(JournalPath).Should().HaveCount(3);
            table.Release("ns/net", "p0", Mac(0)).Should().BeTrue();
            Commit(journal, table);

            File.ReadAllText(JournalPath).Should().BeEmpty("the fourth change compacted");
            ShouldEqual(LeaseFile.Load(SnapshotPath).Table, table);
            ShouldEqual(LeaseJournal.Load(_dir.FullName).Table, table);
        }
    }

    [Fact]
    public void A_kill_between_the_new_snapshot_and_the_emptied_journal_replays_nothing_twice()
    {
        var (table, journal) = LeaseJournal.Open(_dir.FullName, compactAfter: 2);
        string staleJournal;
        using (journal)
        {
            Commit(journal, table);
            table.Bind(Scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
            Commit(journal, table);
            table.Bind(Scope, "b", Mac(2), Ip("10.0.0.3"), 3600, T0).Should().BeTrue();
            Commit(journal, table);
            staleJournal = File.ReadAllText(JournalPath);

            // a leaves and c takes its address: the compaction's snapshot holds c, the old journal a.
            table.Release("ns/net", "a", Mac(1)).Should().BeTrue();
            table.Bind(Scope, "c", Mac(3), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
            Commit(journal, table);
        }

        // The state of a SIGKILL after the snapshot's rename and before the journal was emptied.
        File.WriteAllText(JournalPath, staleJournal);
        var loaded = LeaseJournal.Load(_dir.FullName).Table;
        ShouldEqual(loaded, table);
        loaded.HolderOf("ns/net", Ip("10.0.0.2"))!.Port.Should().Be("c", "one address is never given to two ports");
    }

    [Fact]
    public void A_restart_after_a_kill_honours_every_committed_change_and_keeps_numbering_after_them()
    {
        var (table, journal) = LeaseJournal.Open(_dir.FullName);
        using (journal)
        {
            Commit(journal, table);
            table.Bind(Scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
            Commit(journal, table);
        }

        // Killed without a shutdown compaction: the snapshot is empty, the lease lives only in the journal.
        LeaseFile.Load(SnapshotPath).Table.Leases.Should().BeEmpty();
        var (restarted, reopened) = LeaseJournal.Open(_dir.FullName);
        using (reopened)
        {
            restarted.Find("ns/net", "a", Mac(1))!.Ip.Should().Be(Ip("10.0.0.2"));
            restarted.Offer(Scope, "b", Mac(2), Ip("10.0.0.2"), T0).Should().NotBe(Ip("10.0.0.2"), "a's address stays a's");
            Commit(reopened, restarted);
            restarted.Bind(Scope, "b", Mac(2), restarted.Find("ns/net", "b", Mac(2))!.Ip, 3600, T0).Should().BeTrue();
            Commit(reopened, restarted);
        }

        var (again, third) = LeaseJournal.Open(_dir.FullName);
        using (third)
        {
            ShouldEqual(again, restarted);
        }
    }
}
