using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Erebor.Metrics;

public static class PrometheusEndpointRouteBuilderExtensions
{
    /// <summary>Serves <paramref name="exporter"/>'s scrape at GET <paramref name="path"/> in the text format 0.0.4.</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, PrometheusExporter exporter, string path = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(exporter);
        return endpoints.MapGet(path, async context =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted);
        });
    }
}
