using Erebor.Agent.Apps;

namespace Erebor.Agent.Tests.Unit;

public sealed class FlowCookieTests
{
    [Fact]
    public void Round_app_and_object_pack_into_the_cookie_and_back()
    {
        var cookie = new FlowCookie(0xbeef, AppId.ArpResponder, 0x0a000001);
        cookie.Value.Should().Be(0xbeef_03_00_0a000001UL);
        FlowCookie.Parse(cookie.Value).Should().Be(cookie);
        FlowCookie.IsOurs(cookie.Value).Should().BeTrue();
        FlowCookie.IsOurs(0).Should().BeFalse("a flow with cookie 0 was not installed by an agent");
        FlowCookie.IsOurs(0x1234).Should().BeFalse();
    }

    [Theory]
    [InlineData(new ushort[0], 1)]
    [InlineData(new ushort[] { 1, 4 }, 5)]
    [InlineData(new ushort[] { 65535 }, 1)]
    [InlineData(new ushort[] { 65535, 1, 2 }, 3)]
    public void The_next_round_differs_from_every_round_seen_and_is_never_zero(ushort[] seen, int expected) =>
        FlowCookie.NextRound(seen).Should().Be((ushort)expected);
}
