using System.Text.Json;
using System.Text.Json.Nodes;

using Erebor.Ovsdb;

namespace Erebor.Agent.Tests.Ovsdb;

public sealed class OvsdbValueTests
{
    private static readonly Guid SomeUuid = Guid.Parse("36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f");

    [Fact]
    public void Encodes_atoms_sets_and_maps_as_rfc7047_arrays()
    {
        OvsdbValue.Uuid(SomeUuid).ToJsonString().Should().Be("""["uuid","36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f"]""");
        OvsdbValue.NamedUuid("bridge").ToJsonString().Should().Be("""["named-uuid","bridge"]""");
        OvsdbValue.Set("OpenFlow13", "OpenFlow15").ToJsonString().Should().Be("""["set",["OpenFlow13","OpenFlow15"]]""");
        OvsdbValue.Set([OvsdbValue.NamedUuid("p")]).ToJsonString().Should().Be("""["set",[["named-uuid","p"]]]""");
        OvsdbValue.EmptySet().ToJsonString().Should().Be("""["set",[]]""");
        OvsdbValue.Map([new("iface-id", "vm1"), new("erebor.io/subnet", "ns/blue")]).ToJsonString()
            .Should().Be("""["map",[["iface-id","vm1"],["erebor.io/subnet","ns/blue"]]]""");
    }

    [Theory]
    [InlineData("""["set",["a","b"]]""", new[] { "a", "b" })]
    [InlineData("\"a\"", new[] { "a" })]
    [InlineData("""["set",[]]""", new string[0])]
    public void Reads_sets_including_the_single_atom_shorthand(string json, string[] expected) =>
        OvsdbValue.ReadStringSet(Parse(json)).Should().Equal(expected);

    [Fact]
    public void Reads_optional_columns_maps_and_uuids()
    {
        OvsdbValue.ReadOptionalInteger(Parse("3")).Should().Be(3);
        OvsdbValue.ReadOptionalInteger(Parse("""["set",[]]""")).Should().BeNull();
        OvsdbValue.ReadOptionalString(Parse("\"secure\"")).Should().Be("secure");
        OvsdbValue.ReadOptionalString(Parse("""["set",[]]""")).Should().BeNull();
        OvsdbValue.ReadStringMap(Parse("""["map",[["iface-id","vm1"],["attached-mac","02:00:00:00:01:10"]]]"""))
            .Should().Equal(new Dictionary<string, string> { ["iface-id"] = "vm1", ["attached-mac"] = "02:00:00:00:01:10" });
        OvsdbValue.ReadUuid(Parse("""["uuid","36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f"]""")).Should().Be(SomeUuid);
        OvsdbValue.ReadUuidSet(Parse("""["set",[["uuid","36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f"]]]""")).Should().Equal(SomeUuid);
        OvsdbValue.ReadUuidSet(Parse("""["uuid","36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f"]""")).Should().Equal(SomeUuid);
    }

    [Fact]
    public void Rejects_values_of_the_wrong_shape()
    {
        FluentActions.Invoking(() => OvsdbValue.ReadUuid(Parse("\"36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f\""))).Should().Throw<OvsdbProtocolException>();
        FluentActions.Invoking(() => OvsdbValue.ReadStringMap(Parse("""["set",[]]"""))).Should().Throw<OvsdbProtocolException>();
    }

    [Fact]
    public void Builds_every_operation_kind()
    {
        JsonArray where = OvsdbCondition.Equal("name", "br-int");

        OvsdbOp.Insert("Port", new JsonObject { ["name"] = "vm1" }, "port").ToJsonString()
            .Should().Be("""{"op":"insert","table":"Port","row":{"name":"vm1"},"uuid-name":"port"}""");
        OvsdbOp.Select("Bridge", [where], "_uuid", "ports").ToJsonString()
            .Should().Be("""{"op":"select","table":"Bridge","where":[["name","==","br-int"]],"columns":["_uuid","ports"]}""");
        OvsdbOp.Update("Bridge", [OvsdbCondition.RowIs(SomeUuid)], new JsonObject { ["fail_mode"] = "secure" }).ToJsonString()
            .Should().Be("""{"op":"update","table":"Bridge","where":[["_uuid","==",["uuid","36bd0b3a-7d5e-4f5c-9c8b-1a2b3c4d5e6f"]]],"row":{"fail_mode":"secure"}}""");
        OvsdbOp.Mutate("Open_vSwitch", OvsdbCondition.All, [OvsdbMutation.Insert("bridges", OvsdbValue.Set([OvsdbValue.NamedUuid("b")])), OvsdbMutation.Delete("other_config", OvsdbValue.Set("k"))]).ToJsonString()
            .Should().Be("""{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["bridges","insert",["set",[["named-uuid","b"]]]],["other_config","delete",["set",["k"]]]]}""");
        OvsdbOp.Delete("Port", [OvsdbCondition.NotEqual("name", "br-int")]).ToJsonString()
            .Should().Be("""{"op":"delete","table":"Port","where":[["name","!=","br-int"]]}""");
        OvsdbOp.Wait("Bridge", [OvsdbCondition.Includes("protocols", OvsdbValue.Set("OpenFlow13"))], ["fail_mode"], equal: true, [new JsonObject { ["fail_mode"] = "secure" }], timeoutMs: 0).ToJsonString()
            .Should().Be("""{"op":"wait","table":"Bridge","where":[["protocols","includes",["set",["OpenFlow13"]]]],"columns":["fail_mode"],"until":"==","rows":[{"fail_mode":"secure"}],"timeout":0}""");
        OvsdbOp.Comment("hello").ToJsonString().Should().Be("""{"op":"comment","comment":"hello"}""");
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
