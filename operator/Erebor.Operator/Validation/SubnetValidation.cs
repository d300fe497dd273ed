using Erebor.Api;
using Erebor.Domain.Networking;

namespace Erebor.Operator.Validation;

/// <summary>A Subnet spec after validation: the parsed values every consumer needs.</summary>
public sealed record SubnetModel(Ipv4Cidr Cidr, Ipv4Address Gateway, int NodeBlockPrefixLength, IReadOnlyList<AddressRange> Reserved)
{
    public AddressCounts Counts(IEnumerable<Ipv4Address> alsoReserved) =>
        AddressCounts.For(Cidr, Gateway, Reserved.Concat(alsoReserved.Where(Cidr.Contains).Select(AddressRange.Single)));
}

/// <summary>
/// The semantic checks of a Subnet spec that the CRD schema cannot express. The admission webhook
/// rejects with these messages; the controller reports the same ones in the Validated condition
/// (for objects that got in while the webhook was not installed).
/// </summary>
public static class SubnetValidation
{
    /// <summary>Subnets smaller than this leave no room for a gateway and workloads.</summary>
    public const int MaxSubnetPrefixLength = 30;

    public static SubnetModel? Validate(V1Alpha1Subnet.SubnetSpec spec, List<FieldError> errors)
    {
        var before = errors.Count;
        if (!Ipv4Cidr.TryParse(spec.Cidr, out var cidr, out var cidrError))
        {
            errors.Add(new FieldError("spec.cidr", cidrError));
            return null;
        }

        if (cidr.PrefixLength > MaxSubnetPrefixLength)
        {
            errors.Add(new FieldError("spec.cidr", $"{cidr} is too small: a subnet needs a prefix of /{MaxSubnetPrefixLength} or shorter to hold a gateway and workloads"));
            return null;
        }

        var gateway = cidr.FirstUsable;
        if (spec.Gateway is { } gatewayText)
        {
            if (!Ipv4Address.TryParse(gatewayText, out gateway, out var gatewayError))
            {
                errors.Add(new FieldError("spec.gateway", gatewayError));
            }
            else if (!cidr.Contains(gateway))
            {
                errors.Add(new FieldError("spec.gateway", $"gateway {gateway} is outside cidr {cidr}"));
            }
            else if (gateway == cidr.Network || gateway == cidr.Broadcast)
            {
                errors.Add(new FieldError("spec.gateway", $"gateway {gateway} is the {(gateway == cidr.Network ? "network" : "broadcast")} address of {cidr}; use an address between {cidr.FirstUsable} and {cidr.LastUsable}"));
            }
        }

        var blockPrefix = spec.NodeBlockPrefixLength ?? NodeBlockAllocator.DefaultBlockPrefixLength(cidr);
        if (!NodeBlockAllocator.TryValidateBlockPrefixLength(cidr, blockPrefix, out var blockError))
        {
            errors.Add(new FieldError("spec.nodeBlockPrefixLength", blockError));
        }

        var reserved = new List<AddressRange>();
        foreach (var (text, index) in (spec.ReservedRanges ?? []).Select((t, i) => (t, i)))
        {
            if (!AddressRange.TryParse(text, out var range, out var rangeError))
            {
                errors.Add(new FieldError($"spec.reservedRanges[{index}]", rangeError));
            }
            else if (!cidr.Contains(range))
            {
                errors.Add(new FieldError($"spec.reservedRanges[{index}]", $"{range} is not inside cidr {cidr}"));
            }
            else
            {
                reserved.Add(range);
            }
        }

        foreach (var (server, index) in (spec.Dhcp.DnsServers ?? []).Select((t, i) => (t, i)))
        {
            if (!Ipv4Address.TryParse(server, out _, out var dnsError)) { errors.Add(new FieldError($"spec.dhcp.dnsServers[{index}]", dnsError)); }
        }

        foreach (var (route, index) in (spec.Dhcp.StaticRoutes ?? []).Select((r, i) => (r, i)))
        {
            var field = $"spec.dhcp.staticRoutes[{index}]";
            if (!Ipv4Cidr.TryParse(route.Destination, out _, out var destinationError)) { errors.Add(new FieldError(field + ".destination", destinationError)); }
            if (!Ipv4Address.TryParse(route.NextHop, out var nextHop, out var hopError)) { errors.Add(new FieldError(field + ".nextHop", hopError)); }
            else if (!cidr.Contains(nextHop)) { errors.Add(new FieldError(field + ".nextHop", $"next hop {nextHop} is not reachable on the subnet: it is outside cidr {cidr}")); }
        }

        return errors.Count == before ? new SubnetModel(cidr, gateway, blockPrefix, reserved) : null;
    }
}
