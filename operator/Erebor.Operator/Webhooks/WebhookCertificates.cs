using System.Net;
using System.Text;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Tls;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Webhooks;

/// <summary>The webhook's serving certificate and the CA bundle the API server must trust.</summary>
public sealed record WebhookTls(IssuedCertificate Serving, string CaBundlePem);

/// <summary>
/// Self-managed webhook TLS: a CA and a serving certificate kept in one Secret, so every replica
/// and every restart serves a certificate the registered caBundle trusts. The first replica to
/// start creates the Secret; the others read it (a create race resolves through AlreadyExists).
/// The serving certificate is reissued from the same CA when it is within 30 days of expiry.
/// </summary>
public sealed class WebhookCertificates(IKubeApi api, ILogger<WebhookCertificates> logger)
{
    private const string CaCertKey = "ca.crt";
    private const string CaKeyKey = "ca.key";
    private const string CertKey = "tls.crt";
    private const string KeyKey = "tls.key";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public async Task<WebhookTls> LoadOrCreateAsync(string @namespace, string secretName, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var secret = await api.GetAsync<V1Secret>(@namespace, secretName, ct);
            if (secret?.Data is { } data && data.ContainsKey(CaCertKey) && data.ContainsKey(CaKeyKey))
            {
                using var ca = CertificateAuthority.FromPem(Decode(data[CaCertKey]), Decode(data[CaKeyKey]));
                if (data.TryGetValue(CertKey, out var cert) && data.TryGetValue(KeyKey, out var key) && Covers(Decode(cert), Decode(key), dnsNames, addresses))
                {
                    return new WebhookTls(new IssuedCertificate(Decode(cert), Decode(key)), ca.CertificatePem);
                }

                var reissued = ca.IssueServerCertificate(dnsNames, addresses);
                data[CertKey] = Encode(reissued.CertificatePem);
                data[KeyKey] = Encode(reissued.PrivateKeyPem);
                try
                {
                    await api.ReplaceAsync(secret, ct);
                    logger.LogInformation("Reissued webhook serving certificate in Secret {Namespace}/{Name}", @namespace, secretName);
                    return new WebhookTls(reissued, ca.CertificatePem);
                }
                catch (KubeApiException e) when (e.IsConflict && attempt < 3)
                {
                    continue; // another replica renewed first: use theirs
                }
            }

            using var newCa = CertificateAuthority.Create("erebor-webhook-ca");
            var serving = newCa.IssueServerCertificate(dnsNames, addresses);
            var created = new V1Secret
            {
                Metadata = new ObjectMeta { Namespace = @namespace, Name = secretName, Labels = new() { ["app.kubernetes.io/name"] = "erebor" } },
                Type = "kubernetes.io/tls",
                Data = new()
                {
                    [CaCertKey] = Encode(newCa.CertificatePem),
                    [CaKeyKey] = Encode(newCa.PrivateKeyPem),
                    [CertKey] = Encode(serving.CertificatePem),
                    [KeyKey] = Encode(serving.PrivateKeyPem),
                },
            };
            try
            {
                if (secret is null) { await api.CreateAsync(created, ct); }
                else { created.Metadata.ResourceVersion = secret.Metadata.ResourceVersion; await api.ReplaceAsync(created, ct); }
                logger.LogInformation("Created webhook CA and serving certificate in Secret {Namespace}/{Name}", @namespace, secretName);
                return new WebhookTls(serving, newCa.CertificatePem);
            }
            catch (KubeApiException e) when ((e.IsAlreadyExists || e.IsConflict) && attempt < 3)
            {
                // another replica won the race; read what it wrote
            }
        }
    }

    private static bool Covers(string certPem, string keyPem, IReadOnlyList<string> dnsNames, IReadOnlyList<IPAddress> addresses)
    {
        using var cert = new IssuedCertificate(certPem, keyPem).ToX509Certificate2();
        if (cert.NotAfter.ToUniversalTime() - DateTime.UtcNow < RenewBefore) { return false; }
        var names = cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>().ToList();
        var dns = names.SelectMany(n => n.EnumerateDnsNames()).ToHashSet();
        var ips = names.SelectMany(n => n.EnumerateIPAddresses()).ToHashSet();
        return dnsNames.All(dns.Contains) && addresses.All(ips.Contains);
    }

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    private static string Encode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
