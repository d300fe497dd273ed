using Erebor.Protection.Checkpoints;

namespace Erebor.Protection.Tests;

public class ProjectSmokeTests
{
    [Fact]
    public void Resource_key_prints_kind_namespace_and_name()
    {
        new ResourceKey("v1", "ConfigMap", "ns", "cm").ToString().Should().Be("ConfigMap/ns/cm");
        new ResourceKey("v1", "Namespace", null, "ns").ToString().Should().Be("Namespace/ns");
    }
}
