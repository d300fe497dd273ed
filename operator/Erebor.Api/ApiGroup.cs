namespace Erebor.Api;

/// <summary>Constants shared by every Erebor kind.</summary>
public static class ApiGroup
{
    public const string Name = "erebor.io";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Name + "/" + Version;
    public const string Category = "erebor";
}

/// <summary>Regular expressions used in the CRD schemas (the API server enforces them; the webhook adds semantics).</summary>
public static class Patterns
{
    private const string Octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    public const string Ipv4 = "^(" + Octet + "\\.){3}" + Octet + "$";
    public const string Ipv4Cidr = "^(" + Octet + "\\.){3}" + Octet + "/([0-9]|[12][0-9]|3[0-2])$";
    public const string Ipv4Range = "^(" + Octet + "\\.){3}" + Octet + "(-(" + Octet + "\\.){3}" + Octet + ")?$";
    public const string DnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string DnsSubdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
}

/// <summary>Condition types and reasons used across kinds, so that dashboards and tests name them one way.</summary>
public static class ConditionTypes
{
    public const string Ready = "Ready";
    public const string Validated = "Validated";
    public const string Programmed = "Programmed";
}
