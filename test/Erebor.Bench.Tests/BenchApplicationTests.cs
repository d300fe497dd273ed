using System.Text.Json.Nodes;
using Erebor.Bench.Protection;

namespace Erebor.Bench.Tests;

public sealed class BenchApplicationTests
{
    private static readonly List<(Erebor.Kube.Client.ResourceType Type, JsonObject Object)> TenThousand = [.. BenchApplication.Objects("ns", 10_000)];

    [Fact]
    public void The_mix_is_mostly_configuration_in_the_stated_proportions()
    {
        TenThousand.Should().HaveCount(10_000);
        var byKind = TenThousand.GroupBy(o => o.Type.Kind).ToDictionary(g => g.Key, g => g.Count());
        byKind.Should().Equal(new Dictionary<string, int> { ["ConfigMap"] = 4500, ["Secret"] = 3500, ["Deployment"] = 1000, ["Service"] = 1000 });
        TenThousand.Select(o => (o.Type.Kind, (string)o.Object["metadata"]!["name"]!)).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void ConfigMaps_are_mostly_small_with_a_tail_of_large_documents()
    {
        var sizes = TenThousand.Where(o => o.Type.Kind == "ConfigMap").Select(o => o.Object["data"]!.AsObject().Sum(p => ((string)p.Value!).Length)).ToList();
        sizes.Count(s => s is > 900 and < 2048).Should().Be(3375, "75% about 1 KiB");
        sizes.Count(s => s is > 8 * 1024 and < 10 * 1024).Should().Be(900, "20% about 8 KiB");
        sizes.Count(s => s is > 64 * 1024 and < 72 * 1024).Should().Be(225, "5% about 64 KiB");
        var secrets = TenThousand.Where(o => o.Type.Kind == "Secret").GroupBy(o => (string)o.Object["type"]!).ToDictionary(g => g.Key, g => g.Count());
        secrets.Should().Equal(new Dictionary<string, int> { ["kubernetes.io/tls"] = 500, ["kubernetes.io/dockerconfigjson"] = 250, ["Opaque"] = 2750 });
    }

    [Fact]
    public void The_objects_are_the_same_every_run_and_what_a_Deployment_names_exists()
    {
        BenchApplication.Objects("ns", 40).Select(o => o.Object.ToJsonString()).Should().Equal(TenThousand.Take(40).Select(o => o.Object.ToJsonString()));
        var names = TenThousand.Select(o => (o.Type.Kind, (string)o.Object["metadata"]!["name"]!)).ToHashSet();
        foreach (var deployment in TenThousand.Where(o => o.Type.Kind == "Deployment").Select(o => o.Object))
        {
            var pod = deployment["spec"]!["template"]!["spec"]!;
            names.Should().Contain(("ConfigMap", (string)pod["volumes"]![0]!["configMap"]!["name"]!));
            names.Should().Contain(("Secret", (string)pod["containers"]![0]!["env"]![1]!["valueFrom"]!["secretKeyRef"]!["name"]!));
        }
    }
}
