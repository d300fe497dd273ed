using System.Text.Json;

using Erebor.Ovsdb;
using Erebor.Ovsdb.Vswitch;

using Microsoft.Extensions.Logging.Abstractions;

namespace Erebor.Agent.Tests.Ovsdb;

/// <summary>The monitor-update state machine, fed with table-updates written after what ovsdb-server 3.1 sends.</summary>
public sealed class MonitorStateTests
{
    private const string BrInt = "00000000-0000-0000-0000-0000000000b1";
    private const string BrEx = "00000000-0000-0000-0000-0000000000b2";
    private const string PortBrInt = "00000000-0000-0000-0000-0000000000a0";
    private const string PortVm1 = "00000000-0000-0000-0000-0000000000a1";
    private const string PortEx = "00000000-0000-0000-0000-0000000000a2";
    private const string PortVm2 = "00000000-0000-0000-0000-0000000000a3";
    private const string IfaceBrInt = "00000000-0000-0000-0000-0000000000c0";
    private const string IfaceVm1 = "00000000-0000-0000-0000-0000000000c1";
    private const string IfaceEx = "00000000-0000-0000-0000-0000000000c2";
    private const string IfaceVm2 = "00000000-0000-0000-0000-0000000000c3";
    private const string Root = "00000000-0000-0000-0000-0000000000f0";

    private static readonly string Initial = $$"""
        {
          "Open_vSwitch": { "{{Root}}": { "new": { "ovs_version": "3.1.0", "datapath_types": ["set", ["netdev", "system"]] } } },
          "Bridge": {
            "{{BrInt}}": { "new": { "name": "br-int", "ports": ["set", [["uuid", "{{PortBrInt}}"], ["uuid", "{{PortVm1}}"]]] } },
            "{{BrEx}}": { "new": { "name": "br-ex", "ports": ["uuid", "{{PortEx}}"] } }
          },
          "Port": {
            "{{PortBrInt}}": { "new": { "name": "br-int", "interfaces": ["uuid", "{{IfaceBrInt}}"] } },
            "{{PortVm1}}": { "new": { "name": "vm1", "interfaces": ["uuid", "{{IfaceVm1}}"] } },
            "{{PortEx}}": { "new": { "name": "br-ex", "interfaces": ["uuid", "{{IfaceEx}}"] } }
          },
          "Interface": {
            "{{IfaceBrInt}}": { "new": {{Interface("br-int", "internal", "65534", "[\"map\", []]")}} },
            "{{IfaceVm1}}": { "new": {{Interface("vm1", "", "[\"set\", []]", "[\"map\", [[\"iface-id\", \"ns/vm1\"], [\"attached-mac\", \"02:00:00:00:01:10\"]]]")}} },
            "{{IfaceEx}}": { "new": {{Interface("br-ex", "internal", "65534", "[\"map\", []]")}} }
          }
        }
        """;

    private static readonly string Vm1GetsOfport = $$"""
        { "Interface": { "{{IfaceVm1}}": {
            "old": { "ofport": ["set", []], "link_state": ["set", []] },
            "new": {{Interface("vm1", "", "1", "[\"map\", [[\"iface-id\", \"ns/vm1\"], [\"attached-mac\", \"02:00:00:00:01:10\"]]]")}} } } }
        """;

    // One transaction: a new Interface and Port, and the bridge's ports gaining the port.
    private static readonly string Vm2Plugged = $$"""
        {
          "Interface": { "{{IfaceVm2}}": { "new": {{Interface("vm2", "", "2", "[\"map\", [[\"iface-id\", \"ns/vm2\"]]]")}} } },
          "Port": { "{{PortVm2}}": { "new": { "name": "vm2", "interfaces": ["uuid", "{{IfaceVm2}}"] } } },
          "Bridge": { "{{BrInt}}": {
            "old": { "ports": ["set", [["uuid", "{{PortBrInt}}"], ["uuid", "{{PortVm1}}"]]] },
            "new": { "name": "br-int", "ports": ["set", [["uuid", "{{PortBrInt}}"], ["uuid", "{{PortVm1}}"], ["uuid", "{{PortVm2}}"]]] } } }
        }
        """;

    private static readonly string Vm1Unplugged = $$"""
        {
          "Bridge": { "{{BrInt}}": {
            "old": { "ports": ["set", [["uuid", "{{PortBrInt}}"], ["uuid", "{{PortVm1}}"], ["uuid", "{{PortVm2}}"]]] },
            "new": { "name": "br-int", "ports": ["set", [["uuid", "{{PortBrInt}}"], ["uuid", "{{PortVm2}}"]]] } } },
          "Port": { "{{PortVm1}}": { "old": { "name": "vm1", "interfaces": ["uuid", "{{IfaceVm1}}"] } } },
          "Interface": { "{{IfaceVm1}}": { "old": {{Interface("vm1", "", "1", "[\"map\", []]")}} } }
        }
        """;

    // Initial contents after a reconnect: vm2's ofport changed, vm1 is back (as a new row), br-ex is gone.
    private static readonly string InitialAfterReconnect = $$"""
        {
          "Open_vSwitch": { "{{Root}}": { "new": { "ovs_version": "3.1.1", "datapath_types": ["set", ["netdev", "system"]] } } },
          "Bridge": { "{{BrInt}}": { "new": { "name": "br-int", "ports": ["set", [["uuid", "{{PortBrInt}}"], ["uuid", "{{PortVm2}}"], ["uuid", "{{PortVm1}}"]]] } } },
          "Port": {
            "{{PortBrInt}}": { "new": { "name": "br-int", "interfaces": ["uuid", "{{IfaceBrInt}}"] } },
            "{{PortVm2}}": { "new": { "name": "vm2", "interfaces": ["uuid", "{{IfaceVm2}}"] } },
            "{{PortVm1}}": { "new": { "name": "vm1", "interfaces": ["uuid", "{{IfaceEx}}"] } }
          },
          "Interface": {
            "{{IfaceBrInt}}": { "new": {{Interface("br-int", "internal", "65534", "[\"map\", []]")}} },
            "{{IfaceVm2}}": { "new": {{Interface("vm2", "", "7", "[\"map\", [[\"iface-id\", \"ns/vm2\"]]]")}} },
            "{{IfaceEx}}": { "new": {{Interface("vm1", "", "1", "[\"map\", []]")}} }
          }
        }
        """;

    [Fact]
    public void Table_cache_applies_inserts_modifies_and_deletes_and_diffs_a_fresh_initial()
    {
        var cache = new OvsdbTableCache();

        var initial = cache.Apply(Update(Initial, isInitial: true));
        initial.Should().OnlyContain(c => c.Kind == RowChangeKind.Added).And.HaveCount(9);
        cache.Rows("Interface").Should().HaveCount(3);

        var modify = cache.Apply(Update(Vm1GetsOfport));
        modify.Should().ContainSingle().Which.Should().Match<RowChange>(c =>
            c.Kind == RowChangeKind.Changed && c.Table == "Interface" && c.Old!["ofport"].ValueKind == JsonValueKind.Array && c.New!["ofport"].GetInt32() == 1);

        cache.Apply(Update(Vm2Plugged)).Select(c => (c.Table, c.Kind)).Should().BeEquivalentTo(new[]
        {
            ("Interface", RowChangeKind.Added), ("Port", RowChangeKind.Added), ("Bridge", RowChangeKind.Changed),
        });

        var unplug = cache.Apply(Update(Vm1Unplugged));
        unplug.Where(c => c.Kind == RowChangeKind.Removed).Select(c => c.Uuid.ToString()).Should().BeEquivalentTo(PortVm1, IfaceVm1);
        unplug.Single(c => c.Kind == RowChangeKind.Removed && c.Table == "Interface").Old!["name"].GetString().Should().Be("vm1");

        var resync = cache.Apply(Update(InitialAfterReconnect, isInitial: true));
        resync.Select(c => (c.Table, c.Uuid.ToString(), c.Kind)).Should().BeEquivalentTo(new[]
        {
            ("Open_vSwitch", Root, RowChangeKind.Changed),
            ("Bridge", BrInt, RowChangeKind.Changed),
            ("Bridge", BrEx, RowChangeKind.Removed),
            ("Port", PortVm1, RowChangeKind.Added),
            ("Port", PortEx, RowChangeKind.Removed),
            ("Interface", IfaceVm2, RowChangeKind.Changed),
            ("Interface", IfaceEx, RowChangeKind.Changed),
        });
    }

    [Fact]
    public void Interface_table_reports_only_interfaces_whose_port_is_on_its_bridge()
    {
        var table = new InterfaceTable("br-int", NullLogger.Instance);

        var initial = table.Apply(Update(Initial, isInitial: true));

        initial.Should().OnlyContain(c => c.Kind == InterfaceChangeKind.Added);
        initial.Select(c => c.Interface.Name).Should().BeEquivalentTo("br-int", "vm1");
        table.OvsVersion.Should().Be("3.1.0");
        table.DatapathTypes.Should().Equal("netdev", "system");
        var vm1 = table.Interfaces["vm1"];
        vm1.Should().BeEquivalentTo(new
        {
            Uuid = Guid.Parse(IfaceVm1),
            Type = "",
            Port = "vm1",
            Bridge = "br-int",
            OfPort = (long?)null,
            IfaceId = "ns/vm1",
            AttachedMac = "02:00:00:00:01:10",
            LinkState = "up",
            AdminState = "up",
            MacInUse = "02:00:00:00:01:10",
            Error = (string?)null,
        });
        table.Interfaces["br-int"].OfPort.Should().Be(65534);
    }

    [Fact]
    public void Interface_table_turns_updates_into_added_changed_and_removed_and_resyncs_after_reconnect()
    {
        var table = new InterfaceTable("br-int", NullLogger.Instance);
        table.Apply(Update(Initial, isInitial: true));

        var ofport = table.Apply(Update(Vm1GetsOfport)).Should().ContainSingle().Subject;
        ofport.Kind.Should().Be(InterfaceChangeKind.Changed);
        (ofport.Previous!.OfPort, ofport.Interface.OfPort).Should().Be((null, 1));

        var plugged = table.Apply(Update(Vm2Plugged)).Should().ContainSingle().Subject;
        (plugged.Kind, plugged.Interface.Name, plugged.Interface.OfPort, plugged.Interface.IfaceId).Should().Be((InterfaceChangeKind.Added, "vm2", 2, "ns/vm2"));

        var unplugged = table.Apply(Update(Vm1Unplugged)).Should().ContainSingle().Subject;
        (unplugged.Kind, unplugged.Interface.Name).Should().Be((InterfaceChangeKind.Removed, "vm1"));

        table.Apply(Update(InitialAfterReconnect, isInitial: true))
            .Select(c => (c.Kind, c.Interface.Name, c.Interface.OfPort))
            .Should().BeEquivalentTo(new[] { (InterfaceChangeKind.Changed, "vm2", (long?)7), (InterfaceChangeKind.Added, "vm1", (long?)1) });
        table.OvsVersion.Should().Be("3.1.1");
        table.Interfaces.Keys.Should().BeEquivalentTo("br-int", "vm1", "vm2");
    }

    [Fact]
    public void An_update_that_changes_nothing_the_view_shows_raises_nothing()
    {
        var table = new InterfaceTable("br-int", NullLogger.Instance);
        table.Apply(Update(Initial, isInitial: true));
        var brExRenamed = $$"""{ "Bridge": { "{{BrEx}}": { "old": { "name": "br-ex" }, "new": { "name": "br-ex2", "ports": ["uuid", "{{PortEx}}"] } } } }""";

        table.Apply(Update(brExRenamed)).Should().BeEmpty();
        table.Apply(Update(Initial, isInitial: true)).Should().BeEmpty("the same contents again is no change");
    }

    private static string Interface(string name, string type, string ofport, string externalIds) => $$"""
        { "name": "{{name}}", "type": "{{type}}", "ofport": {{ofport}}, "external_ids": {{externalIds}},
          "link_state": "up", "admin_state": "up", "mac_in_use": "02:00:00:00:01:10", "error": ["set", []] }
        """;

    private static MonitorUpdate Update(string json, bool isInitial = false) => new(isInitial, JsonDocument.Parse(json).RootElement);
}
