using System.Net;
using System.Net.Http.Headers;

using Erebor.Harness.ControlPlane;
using Erebor.Harness.Processes;

namespace Erebor.Kube.Tests.ControlPlane;

/// <summary>What every test class gets from <see cref="ControlPlaneFixture"/>, whichever flavour runs.</summary>
[Trait("Category", "Integration")]
public sealed class ControlPlaneFixtureTests(ControlPlaneFixture fixture) : IClassFixture<ControlPlaneFixture>
{
    private const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.test.erebor.io
        spec:
          group: test.erebor.io
          scope: Namespaced
          names: { plural: widgets, singular: widget, kind: Widget }
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: { type: integer }
        """;

    private IControlPlane Cluster => fixture.ControlPlane;

    [Fact]
    public async Task Kubectl_lists_the_namespaces_the_api_server_creates()
    {
        var namespaces = await Cluster.KubectlCheckedAsync("get", "namespaces", "-o", "name");

        namespaces.Should().Contain("namespace/default").And.Contain("namespace/kube-system");
    }

    [Fact]
    public async Task Api_server_serves_a_certificate_signed_by_the_exposed_ca()
    {
        using var client = new HttpClient(Cluster.CreateHttpHandler()) { BaseAddress = Cluster.ApiServerUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminToken);

        var version = await client.GetStringAsync("/version");

        Cluster.ApiServerUrl.Host.Should().Be("127.0.0.1");
        version.Should().Contain("gitVersion");
    }

    [Fact]
    public async Task A_crd_applied_with_kubectl_becomes_established_and_serves_its_kind()
    {
        await Cluster.ApplyAsync(WidgetCrd);
        await Cluster.KubectlCheckedAsync("wait", "--for=condition=Established", "--timeout=30s", "crd/widgets.test.erebor.io");

        await Cluster.ApplyAsync("""
            apiVersion: test.erebor.io/v1
            kind: Widget
            metadata: { name: first, namespace: default }
            spec: { size: 3 }
            """);

        (await Cluster.KubectlCheckedAsync("get", "widgets.test.erebor.io", "first", "-n", "default", "-o", "jsonpath={.spec.size}"))
            .Trim().Should().Be("3");
    }

    [Fact]
    public async Task Data_survives_an_api_server_restart()
    {
        await Cluster.KubectlCheckedAsync("create", "configmap", "survivor", "-n", "default", "--from-literal=answer=42");

        await Cluster.RestartApiServerAsync();

        (await Cluster.KubectlCheckedAsync("get", "configmap", "survivor", "-n", "default", "-o", "jsonpath={.data.answer}"))
            .Trim().Should().Be("42");
    }

    [Fact]
    public async Task A_service_account_token_authenticates_and_rbac_applies_to_it()
    {
        await Cluster.KubectlCheckedAsync("create", "namespace", "rbac-check");
        var token = await Cluster.CreateServiceAccountTokenAsync("rbac-check", "reader");
        var kubeconfig = Cluster.WriteKubeconfig(token, "reader.kubeconfig");

        var beforeBinding = await Cluster.KubectlAsync("--kubeconfig", kubeconfig, "get", "configmaps", "-n", "rbac-check");
        // An explicit Role: the aggregated ClusterRoles (view, edit, admin) are empty without the controller-manager.
        await Cluster.KubectlCheckedAsync("create", "role", "configmap-reader", "-n", "rbac-check", "--verb=list", "--resource=configmaps");
        await Cluster.KubectlCheckedAsync("create", "rolebinding", "reader", "-n", "rbac-check", "--role=configmap-reader", "--serviceaccount=rbac-check:reader");
        var afterBinding = await Eventually(() => Cluster.KubectlAsync("--kubeconfig", kubeconfig, "get", "configmaps", "-n", "rbac-check"));

        beforeBinding.Succeeded.Should().BeFalse();
        beforeBinding.StdErr.Should().Contain("system:serviceaccount:rbac-check:reader").And.Contain("forbidden");
        afterBinding.Succeeded.Should().BeTrue(afterBinding.StdErr);
    }

    [Fact]
    public async Task Kubectl_checked_throws_with_the_error_kubectl_printed()
    {
        var failing = () => Cluster.KubectlCheckedAsync("get", "configmap", "no-such-configmap", "-n", "default");

        (await failing.Should().ThrowAsync<ProcessFailedException>())
            .Which.Result.StdErr.Should().Contain("NotFound");
    }

    [Fact]
    public async Task An_unauthenticated_request_gets_no_access_to_resources()
    {
        using var client = new HttpClient(Cluster.CreateHttpHandler()) { BaseAddress = Cluster.ApiServerUrl };

        using var response = await client.GetAsync("/api/v1/namespaces/default/configmaps");

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    /// <summary>RBAC changes reach the authorizer through an informer, a moment after the write returns.</summary>
    internal static async Task<ProcessResult> Eventually(Func<Task<ProcessResult>> kubectl)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var result = await kubectl();
            if (result.Succeeded || DateTime.UtcNow > deadline) { return result; }
            await Task.Delay(200);
        }
    }
}
