using Erebor.Api;
using Erebor.Domain.Networking;

namespace Erebor.Operator.Validation;

/// <summary>An interface of a Router, resolved against its Subnet.</summary>
public sealed record ResolvedInterface(string Subnet, SubnetModel Model, Ipv4Address Ip);

/// <summary>
/// Semantic checks of a Router against the Subnets of its namespace, shared by the admission
/// webhook and the Router controller. Subnets that do not exist yet are not an error here (GitOps
/// tools apply objects in any order); the controller reports them as a condition.
/// </summary>
public static class RouterValidation
{
    public static IReadOnlyList<ResolvedInterface> Validate(V1Alpha1Router router, Func<string, V1Alpha1Subnet?> subnetNamed, List<FieldError> errors)
    {
        var ns = router.Metadata.Namespace;
        var resolved = new List<ResolvedInterface>();
        var seen = new HashSet<string>();
        foreach (var (iface, index) in router.Spec.Interfaces.Select((x, i) => (x, i)))
        {
            var field = $"spec.interfaces[{index}]";
            if (iface.Subnet.Split('/') is [var otherNamespace, var otherName])
            {
                errors.Add(new FieldError(field + ".subnet", $"Subnet {otherNamespace}/{otherName} is in namespace '{otherNamespace}'; a Router may only attach Subnets of its own namespace '{ns}'"));
                continue;
            }

            if (!seen.Add(iface.Subnet))
            {
                errors.Add(new FieldError(field + ".subnet", $"Subnet '{iface.Subnet}' is attached twice"));
                continue;
            }

            if (subnetNamed(iface.Subnet) is not { } subnet) { continue; }
            var model = SubnetValidation.Validate(subnet.Spec, []);
            if (model is null) { continue; } // the Subnet's own conditions say what is wrong with it

            var ip = model.Gateway;
            if (iface.Ip is { } ipText)
            {
                if (!Ipv4Address.TryParse(ipText, out ip, out var ipError))
                {
                    errors.Add(new FieldError(field + ".ip", ipError));
                    continue;
                }

                if (!model.Cidr.Contains(ip) || ip == model.Cidr.Network || ip == model.Cidr.Broadcast)
                {
                    errors.Add(new FieldError(field + ".ip", $"{ip} is not a usable address of Subnet '{iface.Subnet}' ({model.Cidr})"));
                    continue;
                }
            }

            resolved.Add(new ResolvedInterface(iface.Subnet, model, ip));
        }

        for (var i = 0; i < resolved.Count; i++)
        {
            for (var j = i + 1; j < resolved.Count; j++)
            {
                if (resolved[i].Model.Cidr.Overlaps(resolved[j].Model.Cidr))
                {
                    errors.Add(new FieldError("spec.interfaces", $"Subnets '{resolved[i].Subnet}' ({resolved[i].Model.Cidr}) and '{resolved[j].Subnet}' ({resolved[j].Model.Cidr}) overlap; a Router cannot route between overlapping subnets"));
                }
            }
        }

        foreach (var (route, index) in (router.Spec.StaticRoutes ?? []).Select((r, i) => (r, i)))
        {
            var field = $"spec.staticRoutes[{index}]";
            if (!Ipv4Cidr.TryParse(route.Destination, out _, out var destinationError)) { errors.Add(new FieldError(field + ".destination", destinationError)); }
            if (!Ipv4Address.TryParse(route.NextHop, out var nextHop, out var hopError)) { errors.Add(new FieldError(field + ".nextHop", hopError)); }
            else if (resolved.Count > 0 && !resolved.Any(r => r.Model.Cidr.Contains(nextHop)))
            {
                errors.Add(new FieldError(field + ".nextHop", $"next hop {nextHop} is in none of the attached subnets ({string.Join(", ", resolved.Select(r => r.Model.Cidr))})"));
            }
        }

        return resolved;
    }

    /// <summary>The Routers (by name) that attach <paramref name="subnetName"/>.</summary>
    public static IEnumerable<string> RoutersUsing(IEnumerable<V1Alpha1Router> routersInNamespace, string subnetName) =>
        routersInNamespace.Where(r => r.Spec.Interfaces.Any(i => i.Subnet == subnetName)).Select(r => r.Metadata.Name!).Order(StringComparer.Ordinal);
}
