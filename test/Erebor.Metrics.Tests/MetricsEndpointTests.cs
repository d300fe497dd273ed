using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Erebor.Metrics.Tests;

public class MetricsEndpointTests
{
    [Theory]
    [InlineData(null, "/metrics")]
    [InlineData("/custom/metrics", "/custom/metrics")]
    public async Task Serves_the_scrape_over_http_with_the_prometheus_content_type(string? path, string requestPath)
    {
        using var test = new MeteredExporter();
        test.Meter.CreateCounter<int>("erebor_http_probe", description: "Probe.").Add(7);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        if (path is null) { app.MapPrometheusMetrics(test.Exporter); }
        else { app.MapPrometheusMetrics(test.Exporter, path); }
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        using var response = await http.GetAsync(requestPath);

        response.IsSuccessStatusCode.Should().BeTrue();
        response.Content.Headers.ContentType!.ToString().Should().Be("text/plain; version=0.0.4; charset=utf-8");
        (await response.Content.ReadAsStringAsync()).Should().Be("# HELP erebor_http_probe_total Probe.\n# TYPE erebor_http_probe_total counter\nerebor_http_probe_total 7\n");
        await app.StopAsync();
    }
}
