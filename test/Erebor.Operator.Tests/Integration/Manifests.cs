namespace Erebor.Operator.Tests.Integration;

/// <summary>YAML the tests apply with kubectl, as users write it.</summary>
internal static class Manifests
{
    public static string Subnet(string ns, string name, string cidr, string? specExtra = null) => $"""
        apiVersion: erebor.io/v1alpha1
        kind: Subnet
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          cidr: {cidr}
        {specExtra ?? string.Empty}
        """;

    public static string Router(string ns, string name, params string[] subnets) => $"""
        apiVersion: erebor.io/v1alpha1
        kind: Router
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          interfaces:
        {string.Join('\n', subnets.Select(s => $"  - subnet: {s}"))}
        """;

    /// <summary>A Node object (there is no kubelet: the object is what the operator watches).</summary>
    public static string Node(string name) => $"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {name}
        """;
}
