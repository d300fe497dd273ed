using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

using Erebor.Harness.ControlPlane;
using Erebor.Kube.Tls;

namespace Erebor.Kube.Tests.ControlPlane;

public sealed class CertificateAuthorityTests
{
    [Fact]
    public void An_issued_certificate_carries_the_requested_names_and_chains_to_its_ca()
    {
        using var ca = CertificateAuthority.Create("webhook-ca");

        var issued = ca.IssueServerCertificate(["erebor-webhook.erebor-system.svc"], [IPAddress.Loopback]);

        using var certificate = X509Certificate2.CreateFromPem(issued.CertificatePem);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        names.EnumerateDnsNames().Should().Equal("erebor-webhook.erebor-system.svc");
        names.EnumerateIPAddresses().Should().Equal(IPAddress.Loopback);
        using var caCertificate = X509Certificate2.CreateFromPem(ca.CertificatePem);
        PinnedCertificateAuthority.IsTrusted(certificate, SslPolicyErrors.RemoteCertificateChainErrors, new X509Certificate2Collection(caCertificate)).Should().BeTrue();
        certificate.NotAfter.Should().BeOnOrBefore(ca.NotAfter.UtcDateTime);
    }

    [Fact]
    public void A_certificate_from_another_ca_or_for_another_name_is_not_trusted()
    {
        using var ca = CertificateAuthority.Create("ours");
        using var other = CertificateAuthority.Create("theirs");
        using var foreign = X509Certificate2.CreateFromPem(other.IssueServerCertificate(["localhost"], []).CertificatePem);
        using var ours = X509Certificate2.CreateFromPem(ca.IssueServerCertificate(["localhost"], []).CertificatePem);
        using var caCertificate = X509Certificate2.CreateFromPem(ca.CertificatePem);

        PinnedCertificateAuthority.IsTrusted(foreign, SslPolicyErrors.RemoteCertificateChainErrors, new X509Certificate2Collection(caCertificate)).Should().BeFalse();
        PinnedCertificateAuthority.IsTrusted(ours, SslPolicyErrors.RemoteCertificateNameMismatch, new X509Certificate2Collection(caCertificate)).Should().BeFalse();
    }

    [Fact]
    public void A_ca_reloaded_from_pem_keeps_issuing_certificates_its_clients_trust()
    {
        using var original = CertificateAuthority.Create("persisted");
        using var reloaded = CertificateAuthority.FromPem(original.CertificatePem, original.PrivateKeyPem);

        using var issued = X509Certificate2.CreateFromPem(reloaded.IssueServerCertificate(["localhost"], []).CertificatePem);
        using var caCertificate = X509Certificate2.CreateFromPem(original.CertificatePem);

        reloaded.CertificatePem.Should().Be(original.CertificatePem);
        PinnedCertificateAuthority.IsTrusted(issued, SslPolicyErrors.RemoteCertificateChainErrors, new X509Certificate2Collection(caCertificate)).Should().BeTrue();
    }

    [Fact]
    public async Task A_tls_handshake_with_an_issued_certificate_succeeds_for_a_client_pinning_the_ca()
    {
        using var ca = CertificateAuthority.Create("handshake");
        using var serverCertificate = ca.IssueServerCertificate(["localhost"], [IPAddress.Loopback]).ToX509Certificate2();
        using var caCertificate = X509Certificate2.CreateFromPem(ca.CertificatePem);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var serverSide = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(accepted.GetStream());
            await tls.AuthenticateAsServerAsync(serverCertificate);
            await tls.WriteAsync("ok"u8.ToArray());
        });
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        await using var clientTls = new SslStream(client.GetStream(), false, (_, certificate, _, errors) => PinnedCertificateAuthority.IsTrusted(certificate, errors, new X509Certificate2Collection(caCertificate)));
        await clientTls.AuthenticateAsClientAsync("127.0.0.1");
        var received = new byte[2];
        await clientTls.ReadExactlyAsync(received);
        await serverSide;

        received.Should().Equal("ok"u8.ToArray());
    }
}
