using System.Text;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Kube.Client;

namespace Erebor.Operator.Webhooks;

/// <summary>
/// Keeps the ValidatingWebhookConfiguration pointing at this operator's webhook with the CA that
/// signed its certificate, by server-side apply (idempotent; re-applied at every start).
/// </summary>
public static class WebhookRegistration
{
    public const string ConfigurationName = "erebor-validating-webhook";
    public const string FieldManager = "erebor-operator";

    private static readonly ResourceType ValidatingWebhookConfigurations =
        new("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", Namespaced: false);

    /// <summary>Where the API server reaches the webhook: a URL (out of cluster) or a Service.</summary>
    public sealed record Endpoint(Uri? Url, string? ServiceNamespace, string? ServiceName, int ServicePort = 443);

    public static JsonObject Build(Endpoint endpoint, string caBundlePem)
    {
        JsonObject ClientConfig() => new()
        {
            ["caBundle"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(caBundlePem)),
            [endpoint.Url is null ? "service" : "url"] = endpoint.Url is { } url
                ? url.ToString().TrimEnd('/') + AdmissionWebhook.Path
                : new JsonObject { ["namespace"] = endpoint.ServiceNamespace, ["name"] = endpoint.ServiceName, ["port"] = endpoint.ServicePort, ["path"] = AdmissionWebhook.Path },
        };

        JsonObject Webhook(string plural) => new()
        {
            ["name"] = $"{plural}.validate.{ApiGroup.Name}",
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["sideEffects"] = "None",
            ["failurePolicy"] = "Fail",
            ["timeoutSeconds"] = 10,
            ["clientConfig"] = ClientConfig(),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray(ApiGroup.Name),
                ["apiVersions"] = new JsonArray(ApiGroup.Version),
                ["operations"] = new JsonArray("CREATE", "UPDATE"),
                ["resources"] = new JsonArray(plural),
                ["scope"] = "Namespaced",
            }),
        };

        return new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = "ValidatingWebhookConfiguration",
            ["metadata"] = new JsonObject { ["name"] = ConfigurationName, ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "erebor" } },
            ["webhooks"] = new JsonArray(Webhook("subnets"), Webhook("routers")),
        };
    }

    public static Task EnsureAsync(IKubeApi api, Endpoint endpoint, string caBundlePem, CancellationToken ct) =>
        api.PatchAsync<JsonObject>(ValidatingWebhookConfigurations, null, ConfigurationName, PatchType.Apply, Build(endpoint, caBundlePem).ToJsonString(), new PatchOptions { FieldManager = FieldManager, Force = true }, ct);
}
