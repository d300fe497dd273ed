using System.Text;
using Erebor.Kube.Client;

namespace Erebor.Kube.Tests.Client;

public sealed class KubeConfigTests
{
    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static readonly string Yaml = $"""
        apiVersion: v1
        kind: Config
        current-context: one
        clusters:
        - name: c1
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: {B64("CA-PEM")}
        - name: c2
          cluster:
            server: https://10.0.0.1:443
            insecure-skip-tls-verify: true
        users:
        - name: admin
          user:
            token: secret-token
        - name: certuser
          user:
            client-certificate: certs/client.crt
            client-key-data: {B64("KEY-PEM")}
        contexts:
        - name: one
          context:
            cluster: c1
            user: admin
            namespace: team
        - name: two
          context:
            cluster: c2
            user: certuser
        """;

    [Fact]
    public void Reads_the_current_context_with_inline_ca_and_token()
    {
        var config = KubeConfig.Parse(Yaml, "/base");
        config.Server.Should().Be(new Uri("https://127.0.0.1:6443"));
        config.CertificateAuthorityPem.Should().Be("CA-PEM");
        config.BearerToken.Should().Be("secret-token");
        config.Namespace.Should().Be("team");
        config.InsecureSkipTlsVerify.Should().BeFalse();
    }

    [Fact]
    public void Reads_a_named_context_and_resolves_relative_files_against_the_kubeconfig_directory()
    {
        var dir = Directory.CreateTempSubdirectory("kubeconfig-test").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "certs"));
            File.WriteAllText(Path.Combine(dir, "certs", "client.crt"), "CERT-PEM");
            var config = KubeConfig.Parse(Yaml, dir, "two");
            config.ClientCertificatePem.Should().Be("CERT-PEM");
            config.ClientKeyPem.Should().Be("KEY-PEM");
            config.InsecureSkipTlsVerify.Should().BeTrue();
            config.BearerToken.Should().BeNull();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_missing_context_is_named_in_the_error()
    {
        var act = () => KubeConfig.Parse(Yaml, "/base", "nope");
        act.Should().Throw<InvalidDataException>().WithMessage("*contexts*'nope'*");
    }
}
