using System.Text;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Protection.Checkpoints;

namespace Erebor.Protection.Banks;

/// <summary>Why a ProtectionProvider's bank could not even be opened (before any probe).</summary>
public sealed record ProviderBankProblem(string Reason, string Message);

/// <summary>Opens the bank a ProtectionProvider describes, reading its credentials Secret through the API.</summary>
public static class ProviderBanks
{
    public const string AccessKeyIdKey = "accessKeyId";
    public const string SecretAccessKeyKey = "secretAccessKey";
    public const string EncryptionKeyKey = "key";

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

    /// <summary>The condition reason for a bank failure (BankNotFound, BankUnreachable, BankReadOnly, BankFull, ...).</summary>
    public static string ReasonFor(BankFailure? failure) => failure switch
    {
        BankFailure.BankNotFound => "BankNotFound",
        BankFailure.Unreachable => "BankUnreachable",
        BankFailure.ReadOnly => "BankReadOnly",
        BankFailure.Full => "BankFull",
        BankFailure.AccessDenied => "BankAccessDenied",
        BankFailure.ObjectNotFound => "BankObjectNotFound",
        _ => "BankError",
    };

    /// <summary>
    /// The key Secrets are encrypted with, from the Secret spec.encryptionKeySecret names (key
    /// 'key': the 32-byte key as base64 text); null without a problem when the provider names none.
    /// </summary>
    public static async Task<(BankEncryptionKey? Key, ProviderBankProblem? Problem)> ReadEncryptionKeyAsync(IKubeApi api, V1Alpha1ProtectionProvider provider, CancellationToken ct)
    {
        if (provider.Spec.EncryptionKeySecret is not { } reference) { return (null, null); }
        var secret = await api.GetAsync<V1Secret>(reference.Namespace, reference.Name, ct);
        var key = secret is null ? null : ParseKey(Value(secret, EncryptionKeyKey));
        return key is null
            ? (null, new ProviderBankProblem("EncryptionKeyInvalid", $"Secret {reference.Namespace}/{reference.Name} must exist and hold '{EncryptionKeyKey}': 32 bytes, base64"))
            : (key, null);
    }

    private static BankEncryptionKey? ParseKey(string? text)
    {
        if (text is null) { return null; }
        try
        {
            var bytes = Convert.FromBase64String(text.Trim());
            return bytes.Length == 32 ? new BankEncryptionKey(bytes) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Value(V1Secret secret, string key) =>
        secret.Data?.TryGetValue(key, out var base64) == true ? Encoding.UTF8.GetString(Convert.FromBase64String(base64)) : null;
}
