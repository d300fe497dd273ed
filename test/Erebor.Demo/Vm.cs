using Erebor.Harness.Ovs;

namespace Erebor.Demo;

/// <summary>A "VM" on a node: a network namespace on a veth whose OVS port names the Subnet it joins, and the lease it got by DHCP.</summary>
internal sealed record Vm(string Name, SimulatedNode Node, string Subnet, Workload Workload, DhcpLease Lease)
{
    public string Address => Lease.Ip.ToString();

    public override string ToString() => $"{Name} ({Node.Name})";
}
