using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

using Erebor.Api;
using Erebor.Harness.ControlPlane;
using Erebor.Harness.Processes;
using Erebor.Kube.Crds;

namespace Erebor.Kube.Tests.Crds;

/// <summary>A control plane with the committed crds/ applied and every CRD Established.</summary>
public sealed class EreborCrdsFixture : IAsyncLifetime
{
    private readonly ControlPlaneFixture _controlPlane = new();

    public IControlPlane Cluster => _controlPlane.ControlPlane;

    public IReadOnlyList<string> CrdNames { get; } =
        [.. CrdGenerator.EntityTypesIn(typeof(ApiGroup).Assembly).Select(type => CrdGenerator.Generate(type).Name)];

    /// <summary>What <c>kubectl apply -f crds/</c> printed.</summary>
    public string ApplyOutput { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await _controlPlane.InitializeAsync();
        ApplyOutput = await Cluster.KubectlCheckedAsync("apply", "-f", Path.Combine(CrdsUpToDateTests.RepositoryRoot(), "crds"));
        await Cluster.KubectlCheckedAsync(["wait", "--for=condition=Established", "--timeout=60s", .. CrdNames.Select(name => $"crd/{name}")]);
    }

    public Task DisposeAsync() => _controlPlane.DisposeAsync();
}

/// <summary>The generated CRDs on a real Kubernetes 1.20 API server: accepted, enforced, listed, printed.</summary>
[Trait("Category", "Integration")]
public sealed class CrdsOnApiServerTests(EreborCrdsFixture fixture) : IClassFixture<EreborCrdsFixture>
{
    private IControlPlane Cluster => fixture.Cluster;

    [Fact]
    public async Task Every_crd_is_created_and_established()
    {
        fixture.CrdNames.Should().HaveCount(8);
        foreach (var name in fixture.CrdNames)
        {
            fixture.ApplyOutput.Should().Contain($"customresourcedefinition.apiextensions.k8s.io/{name}");
            var established = await Cluster.KubectlCheckedAsync(
                "get", "crd", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}");
            established.Trim().Should().Be("True", name);
        }
    }

    [Fact]
    public async Task A_valid_subnet_is_accepted_with_its_defaults_filled_in()
    {
        var ns = await NewNamespaceAsync();

        await Cluster.ApplyAsync(ValidSubnet(ns, "web"));

        var dhcp = await Cluster.KubectlCheckedAsync("get", "subnet", "web", "-n", ns, "-o", "jsonpath={.spec.dhcp.enabled} {.spec.dhcp.leaseSeconds}");
        dhcp.Trim().Should().Be("true 86400");
    }

    [Fact]
    public async Task Samples_of_the_other_namespaced_kinds_are_accepted()
    {
        var ns = await NewNamespaceAsync();

        await Cluster.ApplyAsync($$"""
            apiVersion: erebor.io/v1alpha1
            kind: Router
            metadata: { name: edge, namespace: {{ns}} }
            spec:
              interfaces:
              - subnet: web
              - subnet: db
                ip: 10.0.2.1
              staticRoutes:
              - { destination: 192.168.0.0/16, nextHop: 10.0.1.254 }
            ---
            apiVersion: erebor.io/v1alpha1
            kind: ProtectionPlan
            metadata: { name: nightly, namespace: {{ns}} }
            spec:
              provider: local
              schedule: "@daily"
              selection:
                labelSelector:
                  matchExpressions:
                  - { key: app, operator: In, values: [web] }
              retention: { keepLast: 7, maxAge: 30d }
            ---
            apiVersion: erebor.io/v1alpha1
            kind: Checkpoint
            metadata: { name: first, namespace: {{ns}} }
            spec: { plan: nightly }
            ---
            apiVersion: erebor.io/v1alpha1
            kind: Restore
            metadata: { name: back, namespace: {{ns}} }
            spec: { checkpoint: first }
            """);

        (await Cluster.KubectlCheckedAsync("get", "restore", "back", "-n", ns, "-o", "jsonpath={.spec.conflictPolicy}"))
            .Trim().Should().Be("Skip", "the enum default applies");
    }

    [Fact]
    public async Task Samples_of_the_cluster_scoped_kinds_are_accepted()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];

        await Cluster.ApplyAsync($$"""
            apiVersion: erebor.io/v1alpha1
            kind: ProtectionProvider
            metadata: { name: bank-{{suffix}} }
            spec:
              bank:
                type: S3
                s3:
                  endpoint: https://s3.example.com
                  bucket: backups
                  credentialsSecret: { namespace: erebor-system, name: s3-credentials }
            ---
            apiVersion: erebor.io/v1alpha1
            kind: Site
            metadata: { name: site-{{suffix}} }
            spec:
              kubeconfigSecret: { namespace: erebor-system, name: site-a }
              region: eu-west
            ---
            apiVersion: erebor.io/v1alpha1
            kind: NodeAgent
            metadata: { name: node-{{suffix}} }
            spec: { nodeName: node-{{suffix}}, tunnelEndpoint: 192.168.1.10 }
            """);

        (await Cluster.KubectlCheckedAsync("get", "site", $"site-{suffix}", "-o", "jsonpath={.spec.region}")).Trim().Should().Be("eu-west");
    }

    [Theory]
    [InlineData("pattern", "kind: Subnet\nspec: { cidr: 10.0.0.0/33 }", "spec.cidr", "should match")]
    [InlineData("range", "kind: Subnet\nspec: { cidr: 10.0.0.0/24, dhcp: { leaseSeconds: 10 } }", "spec.dhcp.leaseSeconds", "greater than or equal to 60")]
    [InlineData("required", "kind: Subnet\nspec: { gateway: 10.0.0.1 }", "spec.cidr", "Required value")]
    [InlineData("maxItems", "kind: Subnet\nspec: { cidr: 10.0.0.0/24, dhcp: { dnsServers: [a, b, c, d, e, f, g, h, i] } }", "spec.dhcp.dnsServers", "should have at most 8 items")]
    [InlineData("enum", "kind: Restore\nspec: { checkpoint: first, conflictPolicy: Overwrite }", "spec.conflictPolicy", "supported values: \"Skip\", \"Update\"")]
    [InlineData("map list key", "kind: Router\nspec: { interfaces: [ { subnet: web }, { subnet: web } ] }", "spec.interfaces[1]", "Duplicate value")]
    public async Task An_object_breaking_a_schema_rule_is_rejected_naming_the_field(string rule, string kindAndSpec, string field, string reason)
    {
        var ns = await NewNamespaceAsync();

        var result = await ApplyExpectingFailureAsync($"""
            apiVersion: erebor.io/v1alpha1
            metadata: {"{"} name: invalid, namespace: {ns} {"}"}
            {kindAndSpec}
            """);

        result.StdErr.Should().Contain(field, rule).And.Contain(reason, rule);
    }

    [Fact]
    public async Task The_erebor_category_lists_objects_of_every_kind_in_it()
    {
        var ns = await NewNamespaceAsync();
        await Cluster.ApplyAsync(ValidSubnet(ns, "web"));
        await Cluster.ApplyAsync($$"""
            apiVersion: erebor.io/v1alpha1
            kind: Checkpoint
            metadata: { name: first, namespace: {{ns}} }
            spec: { plan: nightly }
            """);

        var listed = await Cluster.KubectlCheckedAsync("get", "erebor", "-n", ns, "-o", "name");

        listed.Should().Contain("subnet.erebor.io/web").And.Contain("checkpoint.erebor.io/first");
    }

    [Fact]
    public async Task Short_names_resolve_to_their_kinds()
    {
        var ns = await NewNamespaceAsync();
        await Cluster.ApplyAsync(ValidSubnet(ns, "web"));

        (await Cluster.KubectlCheckedAsync("get", "sn", "-n", ns, "-o", "name")).Should().Contain("subnet.erebor.io/web");
    }

    [Fact]
    public async Task Subnet_printer_columns_show_spec_and_status_values()
    {
        var ns = await NewNamespaceAsync();
        await Cluster.ApplyAsync(ValidSubnet(ns, "web"));
        await PatchStatusAsync(ns, "subnets", "web", """
            {"status": {"gateway": "10.0.1.1", "nodeCount": 3, "nodeBlockPrefixLength": 26, "programmed": "2/3",
             "addresses": {"total": 253, "reserved": 1, "leased": 2, "available": 250},
             "conditions": [{"type": "Ready", "status": "True", "reason": "BlocksAssigned", "message": "3 node(s) hold /26 blocks",
                             "lastTransitionTime": "2024-01-01T00:00:00Z"}]}}
            """);

        var table = await Cluster.KubectlCheckedAsync("get", "subnets", "-n", ns);
        var wide = await Cluster.KubectlCheckedAsync("get", "subnets", "-n", ns, "-o", "wide");

        Words(table, 0).Should().Equal("NAME", "CIDR", "GATEWAY", "NODES", "AVAILABLE", "PROGRAMMED", "READY", "AGE");
        Words(table, 1).Take(7).Should().Equal("web", "10.0.1.0/24", "10.0.1.1", "3", "250", "2/3", "True");
        Words(wide, 0).Should().Equal("NAME", "CIDR", "GATEWAY", "NODES", "AVAILABLE", "PROGRAMMED", "READY", "REASON", "LEASED", "BLOCK", "SEGMENT", "AGE");
        Words(wide, 1).Skip(7).Take(3).Should().Equal("BlocksAssigned", "2", "26");
    }

    [Fact]
    public async Task The_status_subresource_enforces_the_condition_schema()
    {
        var ns = await NewNamespaceAsync();
        await Cluster.ApplyAsync(ValidSubnet(ns, "web"));

        var (statusCode, body) = await TryPatchStatusAsync(ns, "subnets", "web", """
            {"status": {"conditions": [{"type": "Ready", "status": "Maybe", "reason": "Checking", "message": "probing",
                                        "lastTransitionTime": "2024-01-01T00:00:00Z"}]}}
            """);

        // Kubernetes 1.20 names the list field without the item's index.
        statusCode.Should().Be(HttpStatusCode.UnprocessableEntity, body);
        Causes(body).Should().ContainSingle().Which.Should().Be(
            ("status.conditions.status", "Unsupported value: \"Maybe\": supported values: \"True\", \"False\", \"Unknown\""));
    }

    [Fact]
    public async Task An_empty_string_is_a_valid_string()
    {
        // The client writes "" for empty non-nullable strings, and metav1.Condition requires message, often "".
        // kube-apiserver 1.20 compiled with Go >= 1.16 takes "" for null and refuses it (kubernetes/kubernetes#99804,
        // fixed by kube-openapi#230, which drops the zero-value check in validate/type.go); real 1.20 servers accept it.
        var ns = await NewNamespaceAsync();
        await Cluster.ApplyAsync(ValidSubnet(ns, "web"));

        var (statusCode, body) = await TryPatchStatusAsync(ns, "subnets", "web", """
            {"status": {"gateway": "", "conditions": [{"type": "Ready", "status": "Unknown", "reason": "Pending", "message": "",
                                                       "lastTransitionTime": "2024-01-01T00:00:00Z"}]}}
            """);

        statusCode.Should().Be(HttpStatusCode.OK,
            $"an empty string is a string; an API server that says it \"must be of type string\" was built without kube-openapi#230 (see hack/bootstrap.sh): {body}");
    }

    private static string ValidSubnet(string ns, string name) => $$"""
        apiVersion: erebor.io/v1alpha1
        kind: Subnet
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          cidr: 10.0.1.0/24
          gateway: 10.0.1.1
          nodeBlockPrefixLength: 26
          reservedRanges: [10.0.1.2-10.0.1.9]
          dhcp:
            dnsServers: [10.0.1.1]
            domain: web.example.com
            staticRoutes:
            - { destination: 192.168.0.0/16, nextHop: 10.0.1.254 }
        """;

    /// <summary>The field and message of each cause in a Status the API server answered with.</summary>
    private static IEnumerable<(string? Field, string? Message)> Causes(string statusBody) =>
        JsonNode.Parse(statusBody)?["details"]?["causes"]?.AsArray()
            .Select(cause => (cause?["field"]?.GetValue<string>(), cause?["message"]?.GetValue<string>())) ?? [];

    /// <summary>The whitespace-separated cells of one line of a kubectl table.</summary>
    private static string[] Words(string table, int line) =>
        table.Split('\n', StringSplitOptions.RemoveEmptyEntries)[line].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private async Task<string> NewNamespaceAsync()
    {
        var name = $"crds-{Guid.NewGuid().ToString("N")[..8]}";
        await Cluster.KubectlCheckedAsync("create", "namespace", name);
        return name;
    }

    private async Task<ProcessResult> ApplyExpectingFailureAsync(string manifest)
    {
        // ApplyAsync throws on failure and KubectlAsync takes no standard input, so the manifest goes through a file.
        var file = Path.Combine(Cluster.WorkDirectory, $"{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, manifest);
        // --validate=false: kubectl 1.20 would otherwise check the published schema itself and never ask the server.
        var result = await Cluster.KubectlAsync("apply", "--validate=false", "-f", file);
        result.Succeeded.Should().BeFalse($"the API server should refuse:\n{manifest}");
        return result;
    }

    private async Task PatchStatusAsync(string ns, string plural, string name, string mergePatch)
    {
        var (statusCode, body) = await TryPatchStatusAsync(ns, plural, name, mergePatch);
        statusCode.Should().Be(HttpStatusCode.OK, body);
    }

    /// <summary>Merge-patches /status (kubectl 1.20 cannot); returns the status code and the body.</summary>
    private async Task<(HttpStatusCode StatusCode, string Body)> TryPatchStatusAsync(string ns, string plural, string name, string mergePatch)
    {
        using var client = new HttpClient(Cluster.CreateHttpHandler()) { BaseAddress = Cluster.ApiServerUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminToken);
        using var content = new StringContent(mergePatch, Encoding.UTF8, "application/merge-patch+json");
        using var response = await client.PatchAsync($"/apis/{ApiGroup.ApiVersion}/namespaces/{ns}/{plural}/{name}/status", content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
