using Erebor.Harness.Processes;

namespace Erebor.Operator.Tests.Integration;

/// <summary>Every rejection is done the way users do it, with kubectl apply, against the real API server.</summary>
[Trait("Category", "Integration")]
public sealed class AdmissionWebhookTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private async Task<string> RejectedAsync(string manifest)
    {
        var act = () => fixture.Cluster.ApplyAsync(manifest);
        var failure = await act.Should().ThrowAsync<ProcessFailedException>();
        var stderr = failure.Which.Result.StdErr;
        stderr.Should().Contain("denied the request", "the webhook, not the schema, must be what refused it");
        return stderr;
    }

    private async Task ShouldNotExistAsync(string kind, string ns, string name)
    {
        var get = await fixture.Cluster.KubectlAsync("get", kind, name, "-n", ns);
        get.Succeeded.Should().BeFalse("a rejected object must not be stored");
        get.StdErr.Should().Contain("NotFound");
    }

    [Fact]
    public async Task A_cidr_with_host_bits_is_rejected_with_the_corrected_cidr_suggested()
    {
        var ns = await fixture.NewNamespaceAsync("adm");
        var stderr = await RejectedAsync(Manifests.Subnet(ns, "hostbits", "10.0.0.1/24"));
        stderr.Should().Contain($"Subnet {ns}/hostbits is invalid: spec.cidr: 10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?");
        await ShouldNotExistAsync("subnet", ns, "hostbits");
    }

    [Fact]
    public async Task A_gateway_outside_the_cidr_is_rejected()
    {
        var ns = await fixture.NewNamespaceAsync("adm");
        var stderr = await RejectedAsync(Manifests.Subnet(ns, "gw", "10.0.1.0/24", "  gateway: 10.0.2.1"));
        stderr.Should().Contain("spec.gateway: gateway 10.0.2.1 is outside cidr 10.0.1.0/24");
        await ShouldNotExistAsync("subnet", ns, "gw");
    }

    [Fact]
    public async Task Overlapping_subnets_on_one_router_are_rejected()
    {
        var ns = await fixture.NewNamespaceAsync("adm");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "wide", "10.2.0.0/16"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "narrow", "10.2.5.0/24"));
        var stderr = await RejectedAsync(Manifests.Router(ns, "r", "wide", "narrow"));
        stderr.Should().Contain("Subnets 'wide' (10.2.0.0/16) and 'narrow' (10.2.5.0/24) overlap");
        await ShouldNotExistAsync("router", ns, "r");
    }

    [Fact]
    public async Task A_router_interface_to_a_subnet_of_another_namespace_is_rejected()
    {
        var ns = await fixture.NewNamespaceAsync("adm");
        var stderr = await RejectedAsync(Manifests.Router(ns, "r", "other-team/shared"));
        stderr.Should().Contain($"Subnet other-team/shared is in namespace 'other-team'; a Router may only attach Subnets of its own namespace '{ns}'");
        await ShouldNotExistAsync("router", ns, "r");
    }

    [Fact]
    public async Task The_cidr_of_a_subnet_in_use_is_immutable_and_the_stored_object_keeps_its_value()
    {
        var ns = await fixture.NewNamespaceAsync("adm");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "used", "10.3.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "r", "used"));

        var stderr = await RejectedAsync(Manifests.Subnet(ns, "used", "10.4.0.0/24"));
        stderr.Should().Contain("spec.cidr: is immutable while the Subnet is in use (attached to Router(s) r)");

        var stored = (await fixture.Cluster.KubectlCheckedAsync("get", "subnet", "used", "-n", ns, "-o", "jsonpath={.spec.cidr}")).Trim();
        stored.Should().Be("10.3.0.0/24");
    }

    [Fact]
    public async Task The_cidr_of_an_unused_subnet_may_change_and_valid_objects_pass()
    {
        var ns = await fixture.NewNamespaceAsync("adm");
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "free", "10.5.0.0/24", "  gateway: 10.5.0.254"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "free", "10.6.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Subnet(ns, "other", "10.7.0.0/24"));
        await fixture.Cluster.ApplyAsync(Manifests.Router(ns, "r", "free", "other"));

        (await fixture.Cluster.KubectlCheckedAsync("get", "subnet", "free", "-n", ns, "-o", "jsonpath={.spec.cidr}")).Trim().Should().Be("10.6.0.0/24");
        (await fixture.Cluster.KubectlCheckedAsync("get", "router", "r", "-n", ns, "-o", "name")).Trim().Should().Be("router.erebor.io/r");
    }
}
