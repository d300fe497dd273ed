using System.Security.Cryptography.X509Certificates;
using YamlDotNet.RepresentationModel;

namespace Erebor.Kube.Client;

/// <summary>
/// How to reach and authenticate to an API server: loaded from a kubeconfig file (current or
/// named context) or from the in-cluster service account.
/// </summary>
public sealed record KubeConfig
{
    private const string ServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

    public required Uri Server { get; init; }

    /// <summary>PEM of the CA that signs the API server's certificate; null trusts the system store.</summary>
    public string? CertificateAuthorityPem { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    public string? BearerToken { get; init; }

    /// <summary>A file re-read on every request (projected service account tokens rotate).</summary>
    public string? BearerTokenFile { get; init; }

    public string? ClientCertificatePem { get; init; }
    public string? ClientKeyPem { get; init; }
    public string? Namespace { get; init; }

    /// <summary>$KUBECONFIG (first file), else in-cluster when running in a pod, else ~/.kube/config.</summary>
    public static KubeConfig Discover(string? explicitPath = null, string? context = null)
    {
        if (explicitPath is not null) { return FromFile(explicitPath, context); }
        var env = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(env)) { return FromFile(env.Split(':')[0], context); }
        if (Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") is not null && File.Exists(Path.Combine(ServiceAccountDir, "token")))
        {
            return InCluster();
        }

        return FromFile(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config"), context);
    }

    /// <summary>The pod's service account, as Kubernetes mounts it, and the API server from the pod's environment.</summary>
    public static KubeConfig InCluster() =>
        InCluster(
            Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST") ?? throw new InvalidOperationException("KUBERNETES_SERVICE_HOST is not set: not running in a pod"),
            Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT") ?? "443",
            ServiceAccountDir);

    internal static KubeConfig InCluster(string host, string port, string serviceAccountDir)
    {
        if (host.Contains(':')) { host = $"[{host}]"; }
        return new KubeConfig
        {
            Server = new Uri($"https://{host}:{port}"),
            CertificateAuthorityPem = File.ReadAllText(Path.Combine(serviceAccountDir, "ca.crt")),
            BearerTokenFile = Path.Combine(serviceAccountDir, "token"),
            Namespace = File.ReadAllText(Path.Combine(serviceAccountDir, "namespace")).Trim(),
        };
    }

    public static KubeConfig FromFile(string path, string? context = null)
    {
        if (!File.Exists(path)) { throw new FileNotFoundException($"kubeconfig {path} does not exist", path); }
        return Parse(File.ReadAllText(path), Path.GetDirectoryName(Path.GetFullPath(path))!, context);
    }

    /// <summary>Parses kubeconfig YAML; relative file paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static KubeConfig Parse(string yaml, string baseDirectory, string? contextName = null)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        contextName ??= Scalar(root, "current-context") ?? throw new InvalidDataException("kubeconfig has no current-context");
        var context = Named(root, "contexts", contextName, "context");
        var clusterName = Scalar(context, "cluster") ?? throw new InvalidDataException($"context {contextName} names no cluster");
        var cluster = Named(root, "clusters", clusterName, "cluster");
        var userName = Scalar(context, "user");
        var user = userName is null ? new YamlMappingNode() : Named(root, "users", userName, "user");

        string? DataOrFile(YamlMappingNode node, string dataKey, string fileKey)
        {
            if (Scalar(node, dataKey) is { } data) { return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data)); }
            return Scalar(node, fileKey) is { } file ? File.ReadAllText(Path.Combine(baseDirectory, file)) : null;
        }

        return new KubeConfig
        {
            Server = new Uri(Scalar(cluster, "server") ?? throw new InvalidDataException($"cluster {clusterName} has no server")),
            CertificateAuthorityPem = DataOrFile(cluster, "certificate-authority-data", "certificate-authority"),
            InsecureSkipTlsVerify = Scalar(cluster, "insecure-skip-tls-verify") == "true",
            BearerToken = Scalar(user, "token"),
            BearerTokenFile = Scalar(user, "tokenFile") is { } tokenFile ? Path.Combine(baseDirectory, tokenFile) : null,
            ClientCertificatePem = DataOrFile(user, "client-certificate-data", "client-certificate"),
            ClientKeyPem = DataOrFile(user, "client-key-data", "client-key"),
            Namespace = Scalar(context, "namespace"),
        };
    }

    internal X509Certificate2? LoadClientCertificate() =>
        ClientCertificatePem is null || ClientKeyPem is null
            ? null
            : X509Certificate2.CreateFromPem(ClientCertificatePem, ClientKeyPem);

    internal string? CurrentToken() => BearerTokenFile is not null ? File.ReadAllText(BearerTokenFile).Trim() : BearerToken;

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static YamlMappingNode Named(YamlMappingNode root, string listKey, string name, string innerKey)
    {
        if (root.Children.TryGetValue(new YamlScalarNode(listKey), out var list) && list is YamlSequenceNode items)
        {
            foreach (var item in items.OfType<YamlMappingNode>())
            {
                if (Scalar(item, "name") == name && item.Children.TryGetValue(new YamlScalarNode(innerKey), out var inner) && inner is YamlMappingNode mapping)
                {
                    return mapping;
                }
            }
        }

        throw new InvalidDataException($"kubeconfig has no {listKey} entry named '{name}'");
    }
}
