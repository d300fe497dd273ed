using Erebor.Protection.Engine;

namespace Erebor.Protection.Tests.Engine;

public sealed class PluginSelectionTests
{
    [Fact]
    public async Task A_custom_resource_the_server_does_not_serve_is_an_unknown_plugin_and_built_ins_need_no_discovery()
    {
        var api = new FakeKubeApi(); // discovers no custom types
        var act = () => PluginSet.SelectAsync(["v1/ConfigMap", "example.com/v1/Widget"], api, CancellationToken.None);
        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().StartWith("unknown plugin 'example.com/v1/Widget'");

        var builtIns = await PluginSet.SelectAsync(["v1/ConfigMap", "apps/v1/Deployment"], api, CancellationToken.None);
        builtIns.Ordered.Select(p => p.Id).Should().Equal("v1/ConfigMap", "apps/Deployment");
    }
}
