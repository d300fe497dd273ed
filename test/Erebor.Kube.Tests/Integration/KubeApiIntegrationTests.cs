using System.Text.Json.Nodes;
using Erebor.Api;
using Erebor.Harness;
using Erebor.Harness.ControlPlane;
using Erebor.Kube.Client;
using Erebor.Kube.Entities;
using Erebor.Kube.Runtime;

namespace Erebor.Kube.Tests.Integration;

/// <summary>A control plane with Erebor's CRDs and a client logged in as admin.</summary>
public sealed class KubeApiFixture : EreborClusterFixture;

[Trait("Category", "Integration")]
public sealed class KubeApiIntegrationTests(KubeApiFixture fixture) : IClassFixture<KubeApiFixture>
{
    private KubeApi Api => fixture.Api;

    private static V1ConfigMap Map(string ns, string name, string value) =>
        new() { Metadata = new ObjectMeta { Namespace = ns, Name = name, Labels = new() { ["app"] = "t" } }, Data = new() { ["v"] = value } };

    [Fact]
    public async Task Create_get_replace_with_optimistic_concurrency_and_delete()
    {
        var ns = await fixture.NewNamespaceAsync();
        var created = await Api.CreateAsync(Map(ns, "a", "1"));
        created.Metadata.Uid.Should().NotBeNullOrEmpty();
        (await Api.GetAsync<V1ConfigMap>(ns, "a"))!.Data!["v"].Should().Be("1");

        created.Data!["v"] = "2";
        var replaced = await Api.ReplaceAsync(created);
        replaced.Data!["v"].Should().Be("2");

        created.Data["v"] = "stale";
        var stale = () => Api.ReplaceAsync(created); // carries the old resourceVersion
        (await stale.Should().ThrowAsync<KubeApiException>()).Which.IsConflict.Should().BeTrue();

        var duplicate = () => Api.CreateAsync(Map(ns, "a", "x"));
        (await duplicate.Should().ThrowAsync<KubeApiException>()).Which.IsAlreadyExists.Should().BeTrue();

        (await Api.DeleteAsync<V1ConfigMap>(ns, "a", PropagationPolicy.Background)).Should().BeTrue();
        (await Api.DeleteAsync<V1ConfigMap>(ns, "a")).Should().BeFalse();
        (await Api.GetAsync<V1ConfigMap>(ns, "a")).Should().BeNull();

        // Foreground deletion waits for dependents through the garbage collector's finalizer; no
        // controller-manager runs here, so the finalizer staying put proves the policy arrived.
        await Api.CreateAsync(Map(ns, "fg", "1"));
        (await Api.DeleteAsync<V1ConfigMap>(ns, "fg", PropagationPolicy.Foreground)).Should().BeTrue();
        var terminating = (await Api.GetAsync<V1ConfigMap>(ns, "fg"))!;
        terminating.Metadata.DeletionTimestamp.Should().NotBeNull();
        terminating.Metadata.Finalizers.Should().Contain("foregroundDeletion");
    }

    [Fact]
    public async Task List_follows_continue_tokens_across_pages_and_filters_by_label()
    {
        var ns = await fixture.NewNamespaceAsync();
        for (var i = 0; i < 23; i++) { await Api.CreateAsync(Map(ns, $"m{i:D2}", i.ToString(System.Globalization.CultureInfo.InvariantCulture))); }
        var unlabelled = Map(ns, "other", "x");
        unlabelled.Metadata.Labels = null;
        await Api.CreateAsync(unlabelled);

        var all = await Api.ListAsync<V1ConfigMap>(ns, new ListOptions { PageSize = 5, LabelSelector = "app=t" });

        all.Items.Select(m => m.Metadata.Name).Should().BeEquivalentTo(Enumerable.Range(0, 23).Select(i => $"m{i:D2}"));
        all.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
        all.Metadata.Continue.Should().BeNull();
    }

    [Fact]
    public async Task Merge_patch_json_patch_and_server_side_apply_with_field_ownership()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Api.CreateAsync(Map(ns, "p", "1"));

        var merged = await Api.PatchAsync<V1ConfigMap>(ns, "p", PatchType.Merge, """{"data":{"w":"2"}}""");
        merged.Data.Should().Equal(new Dictionary<string, string> { ["v"] = "1", ["w"] = "2" });

        var jsonPatched = await Api.PatchAsync<V1ConfigMap>(ns, "p", PatchType.Json, """[{"op":"test","path":"/data/v","value":"1"},{"op":"remove","path":"/data/w"}]""");
        jsonPatched.Data.Should().Equal(new Dictionary<string, string> { ["v"] = "1" });

        var failedTest = () => Api.PatchAsync<V1ConfigMap>(ns, "p", PatchType.Json, """[{"op":"test","path":"/data/v","value":"nope"}]""");
        await failedTest.Should().ThrowAsync<KubeApiException>();

        var applied = await Api.ApplyAsync(Map(ns, "applied", "a"), "manager-one");
        applied.Data!["v"].Should().Be("a");
        var conflict = () => Api.ApplyAsync(Map(ns, "applied", "b"), "manager-two", force: false);
        (await conflict.Should().ThrowAsync<KubeApiException>()).Which.IsConflict.Should().BeTrue("manager-one owns data.v");
        (await Api.ApplyAsync(Map(ns, "applied", "b"), "manager-two", force: true)).Data!["v"].Should().Be("b");
    }

    [Fact]
    public async Task Status_is_a_subresource_the_main_resource_cannot_change()
    {
        var ns = await fixture.NewNamespaceAsync();
        var subnet = new V1Alpha1Subnet { Metadata = new ObjectMeta { Namespace = ns, Name = "s" }, Spec = new() { Cidr = "10.0.0.0/24" } };
        subnet.Status.Gateway = "ignored on create";
        var created = await Api.CreateAsync(subnet);
        created.Status.Gateway.Should().BeNull("status is not written through the main resource");
        created.Metadata.Generation.Should().Be(1);

        created.Status.Gateway = "10.0.0.1";
        Conditions.Set(created.Status.Conditions, "Ready", true, "Test", "written by the test", 1, DateTimeOffset.UtcNow);
        var withStatus = await Api.ReplaceStatusAsync(created);
        withStatus.Status.Gateway.Should().Be("10.0.0.1");
        withStatus.Metadata.Generation.Should().Be(1, "a status write does not bump the generation");
        Conditions.Find(withStatus.Status.Conditions, "Ready")!.Reason.Should().Be("Test");

        withStatus.Spec.Cidr = "10.0.1.0/24";
        (await Api.ReplaceAsync(withStatus)).Metadata.Generation.Should().Be(2);
    }

    [Fact]
    public async Task The_dynamic_client_reads_any_kind_as_json()
    {
        var ns = await fixture.NewNamespaceAsync();
        var services = new ResourceType(string.Empty, "v1", "Service", "services", Namespaced: true);
        var service = JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"ports":[{"port":80}]}}""")!.AsObject();
        service["metadata"]!["namespace"] = ns;
        var created = await Api.CreateAsync(services, service);
        created["spec"]!["clusterIP"]!.GetValue<string>().Should().StartWith("10.96.");
        var listed = await Api.ListAsync<JsonObject>(services, ns);
        listed.Items.Should().ContainSingle(s => s["metadata"]!["name"]!.GetValue<string>() == "svc");
    }

    [Fact]
    public async Task Events_are_recorded_and_a_repeat_bumps_the_count_of_the_same_event()
    {
        var ns = await fixture.NewNamespaceAsync();
        var map = await Api.CreateAsync(Map(ns, "e", "1"));
        var recorder = new EventRecorder(Api, "erebor-test", Microsoft.Extensions.Logging.Abstractions.NullLogger<EventRecorder>.Instance);

        await recorder.WarningAsync(map, "Broken", "it broke");
        await recorder.WarningAsync(map, "Broken", "it broke");
        await recorder.NormalAsync(map, "Fixed", "it works");

        var events = (await Api.ListAsync<CoreV1Event>(ns)).Items;
        events.Should().HaveCount(2);
        var broken = events.Single(e => e.Reason == "Broken");
        broken.Count.Should().Be(2);
        broken.Type.Should().Be("Warning");
        broken.InvolvedObject.Uid.Should().Be(map.Metadata.Uid);
        (await fixture.Cluster.KubectlCheckedAsync("describe", "configmap", "e", "-n", ns)).Should().MatchRegex(@"Warning\s+Broken\s+.*\(x2 over.*it broke");
    }

    [Fact]
    public async Task An_informer_misses_no_change_across_an_api_server_restart()
    {
        var ns = await fixture.NewNamespaceAsync();
        var informer = new Informer<V1ConfigMap>(Api, ns) { MaxBackoff = TimeSpan.FromMilliseconds(500) };
        var seen = new List<(WatchEventType, string, string)>();
        informer.Changed += e => { lock (seen) { seen.Add((e.Type, e.Object.Metadata.Name!, e.Object.Data?.GetValueOrDefault("v") ?? string.Empty)); } };
        using var cts = new CancellationTokenSource();
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);

        await Api.CreateAsync(Map(ns, "before", "1"));
        await Eventually.UntilAsync(() => Task.FromResult(informer.Get($"{ns}/before")), m => m is not null, TimeSpan.FromSeconds(10), "the first change");

        await fixture.Cluster.RestartApiServerAsync();

        var toChange = (await Api.GetAsync<V1ConfigMap>(ns, "before"))!;
        toChange.Data!["v"] = "2";
        await Api.ReplaceAsync(toChange);
        await Api.CreateAsync(Map(ns, "after", "3"));
        await Api.DeleteAsync<V1ConfigMap>(ns, "before");

        await Eventually.UntilAsync(() => Task.FromResult(informer.List().Select(m => m.Metadata.Name).ToList()), names => names.SequenceEqual(["after"]), TimeSpan.FromSeconds(30), "the informer to catch up");
        await cts.CancelAsync();
        await run;

        lock (seen)
        {
            seen.Should().Equal(
                (WatchEventType.Added, "before", "1"),
                (WatchEventType.Modified, "before", "2"),
                (WatchEventType.Added, "after", "3"),
                (WatchEventType.Deleted, "before", "2"));
        }
    }
}

/// <summary>The ways a client authenticates: bearer token (the fixture), client certificate, in-cluster service account.</summary>
[Trait("Category", "Integration")]
public sealed class KubeApiAuthenticationTests : IAsyncLifetime
{
    private LocalControlPlane? _cluster;

    private LocalControlPlane Cluster => _cluster!;

    public async Task InitializeAsync() => _cluster = await LocalControlPlane.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null) { await _cluster.DisposeAsync(); }
    }

    [Fact]
    public async Task A_client_certificate_from_the_kubeconfig_authenticates_as_its_subject()
    {
        var certificate = Cluster.AdminClientCertificate;
        var config = KubeConfig.Parse($"""
            apiVersion: v1
            kind: Config
            current-context: cert
            clusters:
            - name: local
              cluster:
                server: {Cluster.ApiServerUrl}
                certificate-authority-data: {B64(Cluster.CaCertificatePem)}
            users:
            - name: cert-admin
              user:
                client-certificate-data: {B64(certificate.CertificatePem)}
                client-key-data: {B64(certificate.PrivateKeyPem)}
            contexts:
            - name: cert
              context:
                cluster: local
                user: cert-admin
            """, Cluster.WorkDirectory);
        config.BearerToken.Should().BeNull();

        using var api = new KubeApi(config);
        var namespaces = await api.ListAsync<V1Namespace>();
        namespaces.Items.Select(n => n.Metadata.Name).Should().Contain("kube-system", "system:masters may list namespaces");
    }

    [Fact]
    public async Task The_in_cluster_service_account_files_authenticate_and_the_token_file_is_reread()
    {
        var mount = Directory.CreateTempSubdirectory("sa-mount").FullName;
        try
        {
            await Cluster.KubectlCheckedAsync("create", "namespace", "apps");
            File.WriteAllText(Path.Combine(mount, "ca.crt"), Cluster.CaCertificatePem);
            File.WriteAllText(Path.Combine(mount, "namespace"), "apps\n");
            File.WriteAllText(Path.Combine(mount, "token"), "not-a-valid-token");
            var config = KubeConfig.InCluster("127.0.0.1", Cluster.ApiServerUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), mount);
            config.Namespace.Should().Be("apps");
            using var api = new KubeApi(config);

            var rejected = () => api.GetRawAsync("/version");
            (await rejected.Should().ThrowAsync<KubeApiException>()).Which.StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);

            // Kubernetes rotates projected tokens in place; the next request must use the new one.
            File.WriteAllText(Path.Combine(mount, "token"), await Cluster.CreateServiceAccountTokenAsync("apps", "app"));
            (await api.GetRawAsync("/version")).Should().Contain("\"gitVersion\"");
        }
        finally
        {
            Directory.Delete(mount, recursive: true);
        }
    }

    private static string B64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
}
