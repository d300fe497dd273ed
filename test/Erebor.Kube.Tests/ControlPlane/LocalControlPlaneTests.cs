using System.Diagnostics;
using System.Text.RegularExpressions;

using Erebor.Harness.ControlPlane;

using Xunit.Abstractions;

namespace Erebor.Kube.Tests.ControlPlane;

/// <summary>Lifecycle of the etcd + kube-apiserver processes themselves; each test starts its own.</summary>
[Trait("Category", "Integration")]
public sealed class LocalControlPlaneTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Disposal_stops_both_processes_and_deletes_the_work_directory()
    {
        var stopwatch = Stopwatch.StartNew();
        var controlPlane = await LocalControlPlane.StartAsync();
        output.WriteLine($"cold start: {stopwatch.ElapsedMilliseconds} ms");
        var (etcd, apiServer, workDirectory) = (controlPlane.EtcdProcessId, controlPlane.ApiServerProcessId, controlPlane.WorkDirectory);
        IsRunning(etcd, "etcd").Should().BeTrue();
        IsRunning(apiServer, "kube-apiserver").Should().BeTrue();

        stopwatch.Restart();
        await controlPlane.DisposeAsync();
        output.WriteLine($"disposal: {stopwatch.ElapsedMilliseconds} ms");

        IsRunning(etcd, "etcd").Should().BeFalse();
        IsRunning(apiServer, "kube-apiserver").Should().BeFalse();
        if (Environment.GetEnvironmentVariable(LocalControlPlane.KeepEnvironmentVariable) != "1")
        {
            Directory.Exists(workDirectory).Should().BeFalse();
        }
    }

    [Fact]
    public async Task Two_control_planes_run_side_by_side_without_sharing_anything()
    {
        var stopwatch = Stopwatch.StartNew();
        var started = await Task.WhenAll(LocalControlPlane.StartAsync(), LocalControlPlane.StartAsync());
        output.WriteLine($"two in parallel: {stopwatch.ElapsedMilliseconds} ms");
        await using var first = started[0];
        await using var second = started[1];

        await first.KubectlCheckedAsync("create", "configmap", "only-in-first", "-n", "default");
        var inSecond = await second.KubectlAsync("get", "configmap", "only-in-first", "-n", "default");

        first.ApiServerUrl.Should().NotBe(second.ApiServerUrl);
        first.WorkDirectory.Should().NotBe(second.WorkDirectory);
        inSecond.Succeeded.Should().BeFalse();
        inSecond.StdErr.Should().Contain("NotFound");
    }

    [Fact]
    public async Task Restart_keeps_the_port_and_replaces_the_api_server_process()
    {
        await using var controlPlane = await LocalControlPlane.StartAsync();
        var firstProcess = controlPlane.ApiServerProcessId;
        var url = controlPlane.ApiServerUrl;

        var stopwatch = Stopwatch.StartNew();
        await controlPlane.StopApiServerAsync();
        output.WriteLine($"API server stop: {stopwatch.ElapsedMilliseconds} ms");
        var whileStopped = await controlPlane.KubectlAsync("get", "namespaces", "--request-timeout=2s");
        stopwatch.Restart();
        await controlPlane.StartApiServerAsync();
        output.WriteLine($"API server start with etcd running: {stopwatch.ElapsedMilliseconds} ms");

        whileStopped.Succeeded.Should().BeFalse();
        IsRunning(firstProcess, "kube-apiserver").Should().BeFalse();
        controlPlane.ApiServerProcessId.Should().NotBe(firstProcess);
        controlPlane.ApiServerUrl.Should().Be(url);
        await controlPlane.KubectlCheckedAsync("get", "namespace", "default");
    }

    [Fact]
    public async Task Static_token_users_authenticate_with_their_groups()
    {
        await using var controlPlane = await LocalControlPlane.StartAsync(new ControlPlaneOptions
        {
            TokenUsers = [new TokenUser("operator", "erebor:operators")],
        });
        await controlPlane.KubectlCheckedAsync("create", "clusterrole", "configmap-reader", "--verb=list", "--resource=configmaps");
        await controlPlane.KubectlCheckedAsync("create", "clusterrolebinding", "operators-read", "--clusterrole=configmap-reader", "--group=erebor:operators");
        var kubeconfig = controlPlane.WriteKubeconfig(controlPlane.TokenFor("operator"), "operator.kubeconfig");

        var canList = await ControlPlaneFixtureTests.Eventually(() => controlPlane.KubectlAsync("--kubeconfig", kubeconfig, "auth", "can-i", "list", "configmaps", "-n", "default"));
        var canDelete = await controlPlane.KubectlAsync("--kubeconfig", kubeconfig, "auth", "can-i", "delete", "configmaps", "-n", "default");

        canList.StdOut.Trim().Should().Be("yes");
        canDelete.StdOut.Trim().Should().Be("no");
        controlPlane.Invoking(c => c.TokenFor("nobody")).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task A_failed_start_reports_the_api_server_log_and_leaves_nothing_behind()
    {
        var start = () => LocalControlPlane.StartAsync(new ControlPlaneOptions { ExtraApiServerArguments = ["--no-such-flag"] });

        var failure = (await start.Should().ThrowAsync<ControlPlaneStartException>())
            .WithMessage("*kube-apiserver exited*").WithMessage("*unknown flag: --no-such-flag*").Which;
        output.WriteLine(failure.Message);
        var workDirectory = Regex.Match(failure.Message, @"Work directory: (\S+)").Groups[1].Value;
        workDirectory.Should().StartWith(Path.GetTempPath());
        if (Environment.GetEnvironmentVariable(LocalControlPlane.KeepEnvironmentVariable) != "1")
        {
            Directory.Exists(workDirectory).Should().BeFalse();
        }
    }

    [Fact]
    public void A_missing_binary_names_the_bootstrap_step()
    {
        var resolve = () => KubeBinaries.Resolve("erebor-no-such-binary");

        resolve.Should().Throw<FileNotFoundException>().WithMessage("*make bootstrap*");
    }

    /// <summary>True if <paramref name="pid"/> is alive and still the named program (PIDs are reused).</summary>
    private static bool IsRunning(int pid, string program)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains(program, StringComparison.Ordinal); }
        catch (IOException) { return false; }
    }
}
