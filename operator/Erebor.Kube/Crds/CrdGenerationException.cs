namespace Erebor.Kube.Crds;

/// <summary>An entity type cannot become a valid CRD; the message names the type and JSON path at fault.</summary>
public sealed class CrdGenerationException(string message) : Exception(message);
