using Erebor.Agent.Apps.Dhcp;
using Erebor.Domain.Networking;

namespace Erebor.Agent.Tests.Dhcp;

public sealed class LeaseTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // 10.0.0.0/24, this node's block 10.0.0.0/29: .0 is the network address, .1 the gateway, .3 a router interface, .5 reserved, .7 usable (the block's, not the subnet's broadcast).
    private static AddressScope Scope(params string[] staticIps) => new(
        "ns/net",
        Ipv4Cidr.Parse("10.0.0.0/24"),
        Ipv4Cidr.Parse("10.0.0.0/29"),
        new HashSet<Ipv4Address>([Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.3"), .. staticIps.Select(Ipv4Address.Parse)]),
        [AddressRange.Parse("10.0.0.5")]);

    private static MacAddress Mac(int i) => new(0x020000000000UL + (ulong)i);

    private static Ipv4Address Ip(string text) => Ipv4Address.Parse(text);

    [Fact]
    public void Leases_only_usable_addresses_of_the_node_block_and_then_runs_out()
    {
        var table = new LeaseTable();
        var scope = Scope("10.0.0.4");
        var got = Enumerable.Range(1, 4).Select(i => table.Offer(scope, $"p{i}", Mac(i), null, T0)).ToList();
        got.Should().Equal(Ip("10.0.0.2"), Ip("10.0.0.6"), Ip("10.0.0.7"), null);
        table.Count(scope, T0).Should().Be((3L, 0L));
    }

    [Fact]
    public void An_offer_expires_and_a_bound_lease_outlives_its_port_by_the_grace_period()
    {
        var policy = new LeasePolicy { Grace = TimeSpan.FromMinutes(10), OfferHold = TimeSpan.FromSeconds(60) };
        var table = new LeaseTable(policy);
        var scope = new AddressScope("ns/net", Ipv4Cidr.Parse("10.0.0.0/24"), Ipv4Cidr.Parse("10.0.0.8/30"), new HashSet<Ipv4Address>(), []);
        table.Offer(scope, "a", Mac(1), null, T0).Should().Be(Ip("10.0.0.8"));
        table.Offer(scope, "b", Mac(2), null, T0).Should().Be(Ip("10.0.0.9"));
        table.Offer(scope, "c", Mac(3), null, T0 + TimeSpan.FromSeconds(61)).Should().Be(Ip("10.0.0.8"), "a's offer expired");

        table.Bind(scope, "c", Mac(3), Ip("10.0.0.8"), 3600, T0 + TimeSpan.FromSeconds(61)).Should().BeTrue();
        var gone = T0 + TimeSpan.FromMinutes(2);
        table.ObservePorts(new HashSet<(string, string, MacAddress)>(), gone).Should().BeTrue();
        table.CanLease(scope, "d", Mac(4), Ip("10.0.0.8"), gone + TimeSpan.FromMinutes(9)).Should().BeFalse("c's port left less than 10 minutes ago");
        table.CanLease(scope, "d", Mac(4), Ip("10.0.0.8"), gone + TimeSpan.FromMinutes(10)).Should().BeTrue("the grace period is over");

        // A port that comes back within the grace period keeps its address.
        table.ObservePorts(new HashSet<(string, string, MacAddress)> { ("ns/net", "c", Mac(3)) }, gone + TimeSpan.FromMinutes(5)).Should().BeTrue();
        table.CanLease(scope, "d", Mac(4), Ip("10.0.0.8"), gone + TimeSpan.FromMinutes(30)).Should().BeFalse();
        table.Offer(scope, "c", Mac(3), null, gone + TimeSpan.FromMinutes(30)).Should().Be(Ip("10.0.0.8"));
    }

    [Fact]
    public void Next_expiry_is_the_first_moment_an_offer_a_departed_ports_lease_or_a_quarantine_runs_out()
    {
        var policy = new LeasePolicy { Grace = TimeSpan.FromMinutes(10), OfferHold = TimeSpan.FromSeconds(60), Quarantine = TimeSpan.FromMinutes(5) };
        var table = new LeaseTable(policy);
        var scope = Scope();
        table.NextExpiry(T0).Should().BeNull("an empty table never expires");

        table.Bind(scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
        table.NextExpiry(T0).Should().Be(T0 + TimeSpan.FromMinutes(70), "the lease time plus the grace period");

        table.ObservePorts(new HashSet<(string, string, MacAddress)>(), T0 + TimeSpan.FromMinutes(1));
        table.NextExpiry(T0 + TimeSpan.FromMinutes(1)).Should().Be(T0 + TimeSpan.FromMinutes(11), "the port left: the grace period runs from then");

        table.Offer(scope, "b", Mac(2), null, T0 + TimeSpan.FromMinutes(2)).Should().Be(Ip("10.0.0.4"));
        table.NextExpiry(T0 + TimeSpan.FromMinutes(2)).Should().Be(T0 + TimeSpan.FromMinutes(3), "the offer's hold");

        table.Decline(scope.Segment, "b", Mac(2), Ip("10.0.0.4"), T0 + TimeSpan.FromMinutes(2));
        table.NextExpiry(T0 + TimeSpan.FromMinutes(2)).Should().Be(T0 + TimeSpan.FromMinutes(7), "the quarantine, before the departed port's grace period ends");

        table.NextExpiry(T0 + TimeSpan.FromMinutes(8)).Should().Be(T0 + TimeSpan.FromMinutes(8), "overdue: due now");
        table.Prune(T0 + TimeSpan.FromMinutes(11)).Should().BeTrue();
        table.NextExpiry(T0 + TimeSpan.FromMinutes(11)).Should().BeNull();
    }

    [Fact]
    public void Release_frees_at_once_and_decline_quarantines()
    {
        var table = new LeaseTable();
        var scope = Scope();
        table.Bind(scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0).Should().BeTrue();
        table.Bind(scope, "b", Mac(2), Ip("10.0.0.2"), 3600, T0).Should().BeFalse("a holds it");
        table.Release("ns/net", "a", Mac(1), Ip("10.0.0.2")).Should().BeTrue();
        table.Offer(scope, "b", Mac(2), null, T0).Should().Be(Ip("10.0.0.2"));

        table.Decline("ns/net", "b", Mac(2), Ip("10.0.0.2"), T0);
        table.Offer(scope, "b", Mac(2), null, T0).Should().Be(Ip("10.0.0.4"));
        table.CanLease(scope, "c", Mac(3), Ip("10.0.0.2"), T0 + table.Policy.Quarantine).Should().BeTrue();
    }

    [Fact]
    public void Persistence_round_trips_and_survives_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("erebor-leases-");
        try
        {
            var path = Path.Combine(dir.FullName, LeaseFile.FileName);
            var table = new LeaseTable();
            var scope = Scope();
            table.Bind(scope, "a", Mac(1), Ip("10.0.0.2"), 3600, T0, "vm-a");
            table.Offer(scope, "b", Mac(2), null, T0);
            table.Decline("ns/net", "c", Mac(3), Ip("10.0.0.6"), T0);
            LeaseFile.Write(path, LeaseFile.Serialize(table, journalSequence: 7));
            LeaseFile.Sync(path);
            Directory.GetFiles(dir.FullName).Should().ContainSingle("the temp file was renamed over the target");

            var (loaded, sequence) = LeaseFile.Load(path);
            sequence.Should().Be(7);
            loaded.Leases.Should().BeEquivalentTo(table.Leases);
            loaded.Quarantined.Should().BeEquivalentTo(table.Quarantined);
            LeaseFile.Serialize(loaded).Should().Be(LeaseFile.Serialize(table));
            var missing = LeaseFile.Load(Path.Combine(dir.FullName, "missing.json"));
            missing.Table.Leases.Should().BeEmpty();
            missing.JournalSequence.Should().Be(0);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_random_sequence_of_operations_never_gives_one_address_to_two_ports()
    {
        var random = new Random(4242);
        var policy = new LeasePolicy { Grace = TimeSpan.FromSeconds(30), OfferHold = TimeSpan.FromSeconds(5), Quarantine = TimeSpan.FromSeconds(20) };
        var table = new LeaseTable(policy);
        var scope = new AddressScope("ns/net", Ipv4Cidr.Parse("10.1.0.0/16"), Ipv4Cidr.Parse("10.1.0.0/28"), new HashSet<Ipv4Address> { Ip("10.1.0.1") }, [AddressRange.Parse("10.1.0.9-10.1.0.10")]);
        var now = T0;
        var present = new HashSet<(string, string, MacAddress)>();
        var maxHeld = 0;
        for (var step = 0; step < 20_000; step++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(0, 2000));
            var p = random.Next(0, 24);
            var (port, mac) = ($"port{p}", Mac(p));
            present.Add(("ns/net", port, mac));
            var wanted = scope.NodeBlock.Network + random.Next(0, 16);
            switch (random.Next(0, 7))
            {
                case 0: table.Offer(scope, port, mac, random.Next(2) == 0 ? wanted : null, now); break;
                case 1: table.Bind(scope, port, mac, table.Find("ns/net", port, mac)?.Ip ?? wanted, 60, now); break;
                case 2: table.Bind(scope, port, mac, wanted, 60, now); break;
                case 3: table.Release("ns/net", port, mac); break;
                case 4: table.Decline("ns/net", port, mac, wanted, now); break;
                case 5: present.Remove(("ns/net", port, mac)); table.ObservePorts(present, now); break;
                default: table.Prune(now); break;
            }

            var holding = table.Leases.Where(l => table.Holds(l, now)).ToList();
            if (holding.Select(l => l.Ip).Distinct().Count() != holding.Count) { Assert.Fail($"step {step}: one address held twice: {string.Join(", ", holding)}"); }
            if (holding.Any(l => !scope.IsLeasable(l.Ip))) { Assert.Fail($"step {step}: an address outside the scope was leased"); }
            if (table.Leases.Select(l => (l.Port, l.Mac)).Distinct().Count() != table.Leases.Count) { Assert.Fail($"step {step}: a port holds two leases"); }
            maxHeld = Math.Max(maxHeld, holding.Count);
        }

        maxHeld.Should().BeGreaterThan(8, "the sequence must actually fill the block");
    }
}
