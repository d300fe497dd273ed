using Erebor.Domain.Networking;

namespace Erebor.Demo;

/// <summary>
/// What a VM's DHCP client was given, as the demo's udhcpc script reports it: one line
/// <c>erebor-lease ip=..;mask=..;router=..;dns=..;domain=..</c> (busybox passes the lease in the
/// script's environment; <c>mask</c> is the prefix length).
/// </summary>
internal sealed record DhcpLease(Ipv4Address Ip, int PrefixLength, string Router, string Dns, string Domain)
{
    public const string Marker = "erebor-lease ";

    /// <summary>The udhcpc script: configures eth0 from the lease and prints the marker line.</summary>
    public const string ClientScript = """
        #!/bin/sh
        case "$1" in
          bound|renew)
            ip addr flush dev "$interface"
            ip addr add "$ip/${mask:-24}" dev "$interface"
            [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
            echo "erebor-lease ip=$ip;mask=$mask;router=$router;dns=$dns;domain=$domain"
            ;;
        esac
        exit 0
        """;

    /// <summary>The last lease in <paramref name="clientOutput"/>, or null when the client reported none.</summary>
    public static DhcpLease? Find(string clientOutput)
    {
        var line = clientOutput.Split('\n').LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null) { return null; }
        var fields = line[Marker.Length..].Trim().Split(';')
            .Select(f => f.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        string Field(string name) => fields.TryGetValue(name, out var value) ? value.Trim() : string.Empty;
        return Ipv4Address.TryParse(Field("ip"), out var ip, out _) && int.TryParse(Field("mask"), out var prefix) && prefix is > 0 and <= 32
            ? new DhcpLease(ip, prefix, Field("router"), Field("dns"), Field("domain"))
            : null;
    }

    /// <summary>
    /// The per-node block (from the Subnet's status) that holds this lease's address, as
    /// (node, block), or null when none does.
    /// </summary>
    public (string Node, Ipv4Cidr Block)? BlockIn(IEnumerable<(string Node, Ipv4Cidr Block)> nodeBlocks)
    {
        foreach (var entry in nodeBlocks)
        {
            if (entry.Block.Contains(Ip)) { return entry; }
        }

        return null;
    }
}
