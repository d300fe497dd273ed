using System.Text;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;

namespace Erebor.Protection.Banks;

/// <summary>Why a ProtectionProvider's bank could not even be opened (before any probe).</summary>
public sealed record ProviderBankProblem(string Reason, string Message);

/// <summary>Opens the bank a ProtectionProvider describes, reading its credentials Secret through the API.</summary>
public static class ProviderBanks
{
    public const string AccessKeyIdKey = "accessKeyId";
    public const string SecretAccessKeyKey = "secretAccessKey";

    public static async Task<(IBank? Bank, ProviderBankProblem? Problem)> OpenAsync(IKubeApi api, V1Alpha1ProtectionProvider provider, CancellationToken ct)
    {
        var bank = provider.Spec.Bank;
        switch (bank.Type)
        {
            case BankType.Filesystem:
                if (string.IsNullOrWhiteSpace(bank.Path) || !Path.IsPathRooted(bank.Path))
                {
                    return (null, new ProviderBankProblem("InvalidSpec", $"spec.bank.path must be an absolute directory for a Filesystem bank, got '{bank.Path}'"));
                }

                return (new FilesystemBank(bank.Path), null);

            case BankType.S3:
                if (bank.S3 is not { } s3) { return (null, new ProviderBankProblem("InvalidSpec", "spec.bank.s3 is required for an S3 bank")); }
                var reference = s3.CredentialsSecret;
                var secret = await api.GetAsync<V1Secret>(reference.Namespace, reference.Name, ct);
                if (secret is null)
                {
                    return (null, new ProviderBankProblem("CredentialsNotFound", $"Secret {reference.Namespace}/{reference.Name} named by spec.bank.s3.credentialsSecret does not exist"));
                }

                var accessKey = Value(secret, AccessKeyIdKey);
                var secretKey = Value(secret, SecretAccessKeyKey);
                if (accessKey is null || secretKey is null)
                {
                    return (null, new ProviderBankProblem("CredentialsInvalid", $"Secret {reference.Namespace}/{reference.Name} must hold the keys {AccessKeyIdKey} and {SecretAccessKeyKey}"));
                }

                return (new S3Bank(s3.Endpoint, s3.Bucket, s3.Prefix, s3.Region ?? "us-east-1", accessKey, secretKey), null);

            default:
                return (null, new ProviderBankProblem("InvalidSpec", $"unknown bank type {bank.Type}"));
        }
    }

    private static string? Value(V1Secret secret, string key) =>
        secret.Data?.TryGetValue(key, out var base64) == true ? Encoding.UTF8.GetString(Convert.FromBase64String(base64)) : null;
}
