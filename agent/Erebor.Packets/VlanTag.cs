namespace Erebor.Packets;

/// <summary>An IEEE 802.1Q tag: priority code point, drop eligible indicator and a 12-bit VLAN id.</summary>
public readonly record struct VlanTag
{
    public const int MaxVlanId = 0xFFF;
    private const int MaxPriority = 7;

    public VlanTag(ushort vlanId, byte priority = 0, bool dropEligible = false)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vlanId, MaxVlanId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, MaxPriority);
        VlanId = vlanId;
        Priority = priority;
        DropEligible = dropEligible;
    }

    public ushort VlanId { get; }

    public byte Priority { get; }

    public bool DropEligible { get; }

    /// <summary>The tag control information as it appears on the wire after the 0x8100 TPID.</summary>
    public ushort ControlInformation => (ushort)((Priority << 13) | (DropEligible ? 0x1000 : 0) | VlanId);

    public static VlanTag FromControlInformation(ushort tci) => new((ushort)(tci & MaxVlanId), (byte)(tci >> 13), (tci & 0x1000) != 0);
}
