using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Checkpoints;
using Erebor.Protection.Engine;

namespace Erebor.Protection.Plugins;

/// <summary>Erebor Subnets: status (per-node blocks, segment id, counts) is never stored nor restored; the operator allocates it again.</summary>
public sealed class SubnetPlugin() : ResourcePlugin(KubeTypes.Subnet);

/// <summary>Erebor Routers, after the Subnets they attach (spec.interfaces[].subnet are per-object dependencies); status stripped.</summary>
public sealed class RouterPlugin() : ResourcePlugin(KubeTypes.Router, [KubeTypes.Subnet])
{
    protected override IEnumerable<ResourceKey> ReferencesOf(JsonObject obj, string? ns) =>
        (obj["spec"]?["interfaces"] as JsonArray ?? []).Select(i => ObjectJson.Str(i?["subnet"])).OfType<string>()
            .Select(subnet => new ResourceKey(KubeTypes.Subnet.ApiVersion, KubeTypes.Subnet.Kind, ns, subnet));
}

/// <summary>
/// Any other resource type, configured by group/version/kind/plural/scope and dependencies:
/// strips the common server fields and status. Cluster-scoped types are protected only when
/// named in the selection.
/// </summary>
public sealed class GenericPlugin(ResourceType type, IEnumerable<ResourceType>? dependsOn = null, bool encrypt = false)
    : ResourcePlugin(type, dependsOn, encrypt);
