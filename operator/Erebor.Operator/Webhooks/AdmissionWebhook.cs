using System.Net;
using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Operator.Validation;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Webhooks;

/// <summary>
/// The validating admission webhook for Subnets and Routers: the semantic rules the CRD schema
/// cannot state (CIDR math, overlaps, cross-namespace references, immutability while in use).
/// Lookups go to the API server directly, so any replica can answer, leader or not.
/// </summary>
public sealed class AdmissionWebhook(IKubeApi api, ILogger<AdmissionWebhook> logger)
{
    public const string Path = "/validate";

    /// <summary>Answers one admission.k8s.io/v1 AdmissionReview.</summary>
    public async Task<JsonObject> ReviewAsync(JsonObject review, CancellationToken ct)
    {
        var request = review["request"]?.AsObject() ?? throw new ArgumentException("AdmissionReview without a request");
        var uid = request["uid"]?.GetValue<string>() ?? string.Empty;
        var kind = request["kind"]?["kind"]?.GetValue<string>();
        var operation = request["operation"]?.GetValue<string>();
        var errors = new List<FieldError>();
        string? subject = null;
        if (request["object"] is JsonObject obj && operation is "CREATE" or "UPDATE")
        {
            var oldObject = request["oldObject"] as JsonObject;
            switch (kind)
            {
                case "Subnet":
                    var subnet = KubeJson.Deserialize<V1Alpha1Subnet>(obj);
                    subject = $"Subnet {ObjectKey.Of(subnet)}";
                    await ValidateSubnetAsync(subnet, oldObject is null ? null : KubeJson.Deserialize<V1Alpha1Subnet>(oldObject), errors, ct);
                    break;
                case "Router":
                    var router = KubeJson.Deserialize<V1Alpha1Router>(obj);
                    subject = $"Router {ObjectKey.Of(router)}";
                    await ValidateRouterAsync(router, errors, ct);
                    break;
            }
        }

        if (errors.Count > 0)
        {
            logger.LogInformation("Denied {Operation} of {Subject}: {Errors}", operation, subject, FieldError.Join(errors));
        }

        return new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["response"] = errors.Count == 0
                ? new JsonObject { ["uid"] = uid, ["allowed"] = true }
                : new JsonObject
                {
                    ["uid"] = uid,
                    ["allowed"] = false,
                    // 403 is what the API server reports for a webhook denial; kubectl then prints our message as is.
                    ["status"] = new JsonObject
                    {
                        ["code"] = (int)HttpStatusCode.Forbidden,
                        ["message"] = $"{subject} is invalid: {FieldError.Join(errors)}",
                    },
                },
        };
    }

    private async Task ValidateSubnetAsync(V1Alpha1Subnet subnet, V1Alpha1Subnet? old, List<FieldError> errors, CancellationToken ct)
    {
        SubnetValidation.Validate(subnet.Spec, errors);
        if (old is null) { return; }

        var cidrChanged = old.Spec.Cidr != subnet.Spec.Cidr;
        var blockChanged = old.Spec.NodeBlockPrefixLength != subnet.Spec.NodeBlockPrefixLength;
        if (!cidrChanged && !blockChanged) { return; }

        var routers = await api.ListAsync<V1Alpha1Router>(subnet.Metadata.Namespace, null, ct);
        var users = RouterValidation.RoutersUsing(routers.Items, subnet.Metadata.Name!).ToList();
        var uses = new List<string>();
        if (users.Count > 0) { uses.Add($"attached to Router(s) {string.Join(", ", users)}"); }
        if (old.Status.Addresses.Leased > 0) { uses.Add($"{old.Status.Addresses.Leased} address(es) leased"); }
        if (cidrChanged && uses.Count > 0)
        {
            errors.Add(new FieldError("spec.cidr", $"is immutable while the Subnet is in use ({string.Join("; ", uses)}): changing {old.Spec.Cidr} to {subnet.Spec.Cidr} would renumber running workloads; create a new Subnet instead"));
        }

        if (blockChanged && old.Status.NodeBlocks.Count > 0)
        {
            errors.Add(new FieldError("spec.nodeBlockPrefixLength", $"is immutable once nodes hold blocks ({old.Status.NodeBlocks.Count} do): node blocks never move"));
        }
    }

    private async Task ValidateRouterAsync(V1Alpha1Router router, List<FieldError> errors, CancellationToken ct)
    {
        var subnets = (await api.ListAsync<V1Alpha1Subnet>(router.Metadata.Namespace, null, ct)).Items.ToDictionary(s => s.Metadata.Name!);
        RouterValidation.Validate(router, name => subnets.GetValueOrDefault(name), errors);
    }
}
