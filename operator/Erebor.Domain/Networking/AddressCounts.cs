namespace Erebor.Domain.Networking;

/// <summary>
/// How a subnet's addresses divide up, for status and for the webhook's "nothing left to assign" check.
/// </summary>
/// <param name="Usable">Host addresses: the block without its network and broadcast address (see <see cref="Ipv4Cidr.UsableAddressCount"/>).</param>
/// <param name="Reserved">Usable addresses taken by the gateway or a reserved range, each counted once however often it is named.</param>
/// <param name="Assignable">Usable addresses left for workloads.</param>
public readonly record struct AddressCounts(long Usable, long Reserved, long Assignable)
{
    /// <summary>
    /// Counts <paramref name="subnet"/>'s addresses. Reserved ranges are clipped to the usable
    /// addresses (the network and broadcast address are never assignable anyway, and a range
    /// reaching outside the subnet is the webhook's to reject) and overlaps are merged.
    /// </summary>
    public static AddressCounts For(Ipv4Cidr subnet, Ipv4Address? gateway, IEnumerable<AddressRange> reservedRanges)
    {
        var usable = new AddressRange(subnet.FirstUsable, subnet.LastUsable);
        var taken = reservedRanges
            .Concat(gateway is { } address ? [AddressRange.Single(address)] : [])
            .Select(usable.Intersect)
            .OfType<AddressRange>()
            .OrderBy(range => range.First);

        long reserved = 0;
        AddressRange? pending = null;
        foreach (var range in taken)
        {
            if (pending is { } run && range.First.Value <= (long)run.Last.Value + 1)
            {
                pending = new AddressRange(run.First, Ipv4Address.Max(run.Last, range.Last));
                continue;
            }

            reserved += pending?.Count ?? 0;
            pending = range;
        }

        reserved += pending?.Count ?? 0;
        return new AddressCounts(usable.Count, reserved, usable.Count - reserved);
    }
}
