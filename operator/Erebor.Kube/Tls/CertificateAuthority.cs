using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Erebor.Kube.Tls;

/// <summary>A certificate and its private key, both PEM, as Kubernetes Secrets and Go's TLS stack expect them.</summary>
public sealed record IssuedCertificate(string CertificatePem, string PrivateKeyPem)
{
    /// <summary>The certificate with its key attached, e.g. for Kestrel's or SslStream's server certificate.</summary>
    public X509Certificate2 ToX509Certificate2() => X509Certificate2.CreateFromPem(CertificatePem, PrivateKeyPem);
}

/// <summary>
/// A small self-signed certificate authority (ECDSA P-256) that issues serving certificates: the
/// test control plane's API server certificate, and the admission webhook's certificate whose CA
/// goes into the webhook configuration's caBundle (the operator needs the same at runtime).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly X509Certificate2 _certificate;

    private CertificateAuthority(X509Certificate2 certificateWithKey)
    {
        _certificate = certificateWithKey;
        CertificatePem = certificateWithKey.ExportCertificatePem();
    }

    /// <summary>The CA certificate, PEM: what clients trust (kubeconfig CA data, a webhook's caBundle).</summary>
    public string CertificatePem { get; }

    /// <summary>The CA's private key, PKCS#8 PEM, to persist the CA (e.g. in a Secret) and reload it with <see cref="FromPem"/>.</summary>
    public string PrivateKeyPem => _certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();

    public DateTimeOffset NotAfter => _certificate.NotAfter;

    public static CertificateAuthority Create(string commonName, TimeSpan? validity = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return new CertificateAuthority(request.CreateSelfSigned(now - ClockSkewAllowance, now + (validity ?? TimeSpan.FromDays(3650))));
    }

    public static CertificateAuthority FromPem(string certificatePem, string privateKeyPem) =>
        new(X509Certificate2.CreateFromPem(certificatePem, privateKeyPem));

    /// <summary>
    /// Issues a TLS serving certificate for the given names, valid for <paramref name="validity"/>
    /// (one year by default) but never beyond the CA itself.
    /// </summary>
    public IssuedCertificate IssueServerCertificate(IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses, TimeSpan? validity = null)
    {
        var names = dnsNames.ToList();
        var addresses = ipAddresses.ToList();
        if (names.Count == 0 && addresses.Count == 0)
        {
            throw new ArgumentException("A serving certificate needs at least one DNS name or IP address.");
        }

        var subjectAlternativeNames = new SubjectAlternativeNameBuilder();
        names.ForEach(subjectAlternativeNames.AddDnsName);
        addresses.ForEach(subjectAlternativeNames.AddIpAddress);
        var commonName = names.Count > 0 ? names[0] : addresses[0].ToString();
        return Issue(new X500DistinguishedName($"CN={commonName}"), ServerAuthentication, subjectAlternativeNames.Build(), validity);
    }

    /// <summary>
    /// Issues a TLS client certificate. Kubernetes reads the user from the common name and the
    /// groups from the organizations (e.g. "system:masters").
    /// </summary>
    public IssuedCertificate IssueClientCertificate(string commonName, IEnumerable<string> organizations, TimeSpan? validity = null)
    {
        var subject = new X500DistinguishedNameBuilder();
        foreach (var organization in organizations) { subject.AddOrganizationName(organization); }
        subject.AddCommonName(commonName);
        return Issue(subject.Build(), ClientAuthentication, subjectAlternativeNames: null, validity);
    }

    private IssuedCertificate Issue(X500DistinguishedName subject, Oid usage, X509Extension? subjectAlternativeNames, TimeSpan? validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (subjectAlternativeNames is not null) { request.CertificateExtensions.Add(subjectAlternativeNames); }
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var now = DateTimeOffset.UtcNow;
        var notAfter = now + (validity ?? TimeSpan.FromDays(365));
        if (notAfter > _certificate.NotAfter) { notAfter = _certificate.NotAfter; }
        using var certificate = request.Create(_certificate, now - ClockSkewAllowance, notAfter, RandomSerialNumber());
        return new IssuedCertificate(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => _certificate.Dispose();

    private static byte[] RandomSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // DER integers are signed; keep the serial number positive
        return serial;
    }
}

/// <summary>
/// TLS server validation that trusts exactly the given CA bundle (not the system store, not
/// "accept all"): how the client talks to an API server or webhook whose CA it was given.
/// </summary>
public static class PinnedCertificateAuthority
{
    /// <summary>An HTTP handler that trusts only <paramref name="caBundlePem"/> and never uses a proxy (all traffic is loopback).</summary>
    public static SocketsHttpHandler CreateHttpHandler(string caBundlePem)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, SslOptions = new SslClientAuthenticationOptions() };
        Pin(handler.SslOptions, caBundlePem);
        return handler;
    }

    /// <summary>Makes <paramref name="options"/> accept only certificates that chain up to <paramref name="caBundlePem"/>.</summary>
    public static void Pin(SslClientAuthenticationOptions options, string caBundlePem)
    {
        var trusted = new X509Certificate2Collection();
        trusted.ImportFromPem(caBundlePem);
        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(certificate, errors, trusted);
    }

    /// <summary>True if the name matched and the certificate chains up to one of <paramref name="trusted"/>.</summary>
    public static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        // Chain errors are expected (the CA is not in the system store) and re-checked below; a
        // name mismatch or a missing certificate is never acceptable.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) { return false; }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
