using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

using Erebor.Harness.Processes;
using Erebor.Kube.Tls;

namespace Erebor.Harness.ControlPlane;

/// <summary>
/// What both control-plane flavours do the same way once they know the API server's URL, CA and an
/// admin token: kubectl, kubeconfigs, readiness polling and service-account tokens.
/// </summary>
internal sealed class ClusterConnection : IDisposable
{
    public const string ContextName = "erebor-test";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly HttpClient _adminClient;

    public ClusterConnection(Uri apiServerUrl, string caCertificatePem, string adminToken, string workDirectory, string kubectl)
    {
        ApiServerUrl = apiServerUrl;
        CaCertificatePem = caCertificatePem;
        AdminToken = adminToken;
        WorkDirectory = workDirectory;
        Kubectl = kubectl;
        _adminClient = new HttpClient(PinnedCertificateAuthority.CreateHttpHandler(caCertificatePem))
        {
            BaseAddress = apiServerUrl,
            Timeout = TimeSpan.FromSeconds(10),
        };
        _adminClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        KubeconfigPath = WriteKubeconfig(adminToken, "kubeconfig");
    }

    public Uri ApiServerUrl { get; }
    public string CaCertificatePem { get; }
    public string AdminToken { get; }
    public string WorkDirectory { get; }
    public string Kubectl { get; }
    public string KubeconfigPath { get; }

    public string WriteKubeconfig(string token, string fileName)
    {
        var path = Path.Combine(WorkDirectory, fileName);
        var caData = Convert.ToBase64String(Encoding.ASCII.GetBytes(CaCertificatePem));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {ContextName}
              cluster:
                server: {ApiServerUrl.GetLeftPart(UriPartial.Authority)}
                certificate-authority-data: {caData}
            users:
            - name: {ContextName}
              user:
                token: {token}
            contexts:
            - name: {ContextName}
              context:
                cluster: {ContextName}
                user: {ContextName}
            current-context: {ContextName}

            """);
        return path;
    }

    public Task<ProcessResult> KubectlAsync(IEnumerable<string> args, string? standardInput = null) =>
        ProcessRunner.RunAsync(Kubectl, KubectlArguments(args), new ProcessOptions { StandardInput = standardInput });

    public async Task<string> KubectlCheckedAsync(IEnumerable<string> args, string? standardInput = null)
    {
        var result = await KubectlAsync(args, standardInput);
        return result.Succeeded ? result.StdOut : throw new ProcessFailedException(result);
    }

    /// <summary>
    /// Polls /readyz, then the "default" namespace (created by the API server's bootstrap controller
    /// shortly after it reports ready), until both answer 200.
    /// </summary>
    /// <param name="whyItCannotBecomeReady">Returns a reason (e.g. "the process exited") to stop waiting early.</param>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, Func<string?> whyItCannotBecomeReady, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        string lastObservation = "no answer yet";
        foreach (var path in new[] { "/readyz", "/api/v1/namespaces/default" })
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (whyItCannotBecomeReady() is { } reason) { throw new ControlPlaneStartException($"{reason} before GET {path} answered 200"); }
                if (stopwatch.Elapsed > timeout)
                {
                    throw new ControlPlaneStartException($"GET {path} on {ApiServerUrl} did not answer 200 within {timeout.TotalSeconds:0} s; last: {lastObservation}");
                }

                try
                {
                    using var response = await _adminClient.GetAsync(path, ct);
                    if (response.IsSuccessStatusCode) { break; }
                    lastObservation = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}";
                }
                catch (HttpRequestException e)
                {
                    lastObservation = e.Message;
                }
                catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
                {
                    lastObservation = e.Message; // a single request timed out
                }

                await Task.Delay(PollInterval, ct);
            }
        }
    }

    public async Task<string> CreateServiceAccountTokenAsync(string namespaceName, string name, CancellationToken ct)
    {
        var serviceAccounts = $"/api/v1/namespaces/{namespaceName}/serviceaccounts";
        using (var created = await _adminClient.PostAsJsonAsync(serviceAccounts, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ServiceAccount",
            ["metadata"] = new JsonObject { ["name"] = name },
        }, ct))
        {
            if (!created.IsSuccessStatusCode && created.StatusCode != HttpStatusCode.Conflict)
            {
                throw new InvalidOperationException($"Creating service account {namespaceName}/{name}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
            }
        }

        using var response = await _adminClient.PostAsJsonAsync($"{serviceAccounts}/{name}/token", new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["kind"] = "TokenRequest",
            ["spec"] = new JsonObject { ["expirationSeconds"] = 24 * 3600 },
        }, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"TokenRequest for service account {namespaceName}/{name}: {(int)response.StatusCode} {body}");
        }

        return JsonNode.Parse(body)?["status"]?["token"]?.GetValue<string>()
            ?? throw new InvalidOperationException($"TokenRequest for service account {namespaceName}/{name} returned no token: {body}");
    }

    public void Dispose() => _adminClient.Dispose();

    private List<string> KubectlArguments(IEnumerable<string> args) =>
        // A private discovery cache: ports are reused across runs, and a cache left by an earlier
        // cluster on the same port would hide newly created CRDs.
        ["--kubeconfig", KubeconfigPath, "--cache-dir", Path.Combine(WorkDirectory, "kubectl-cache"), .. args];
}

/// <summary>The control plane did not come up; the message carries the reason and the tail of the logs.</summary>
public sealed class ControlPlaneStartException(string message) : Exception(message);
