namespace Erebor.OpenFlow;

/// <summary>Reserved OpenFlow 1.3 port numbers (ofp_port_no).</summary>
public static class OfpPort
{
    /// <summary>Largest number a physical or logical switch port can have.</summary>
    public const uint Max = 0xffffff00;
    public const uint InPort = 0xfffffff8;
    public const uint Table = 0xfffffff9;
    public const uint Normal = 0xfffffffa;
    public const uint Flood = 0xfffffffb;
    public const uint All = 0xfffffffc;
    public const uint Controller = 0xfffffffd;
    public const uint Local = 0xfffffffe;

    /// <summary>"Any port": the wildcard for out_port filters and stats requests.</summary>
    public const uint Any = 0xffffffff;
}

public static class OfpTable
{
    public const byte Max = 0xfe;

    /// <summary>All tables (OFPTT_ALL), for FLOW_MOD delete and stats requests.</summary>
    public const byte All = 0xff;
}

public static class OfpGroup
{
    public const uint Max = 0xffffff00;
    public const uint All = 0xfffffffc;
    public const uint Any = 0xffffffff;
}

public static class OfpMeter
{
    public const uint Max = 0xffff0000;
    public const uint Controller = 0xfffffffe;
    public const uint All = 0xffffffff;
}

public static class OfpBuffer
{
    /// <summary>The packet is not buffered in the switch (OFP_NO_BUFFER); OVS never buffers.</summary>
    public const uint NoBuffer = 0xffffffff;
}

public static class OfpControllerMaxLength
{
    /// <summary>Send the whole packet to the controller (OFPCML_NO_BUFFER).</summary>
    public const ushort NoBuffer = 0xffff;
}

public static class OfpFlowPriority
{
    public const ushort Default = 0x8000;
}

/// <summary>Experimenter (vendor) ids this codec understands.</summary>
public static class OfpExperimenter
{
    public const uint Nicira = 0x00002320;

    /// <summary>The Open Networking Foundation, owner of extension 230 (bundles for OpenFlow 1.3).</summary>
    public const uint Onf = 0x4f4e4600;
}

public enum PacketInReason : byte
{
    NoMatch = 0,
    Action = 1,
    InvalidTtl = 2,
}
