using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Kube.Runtime;
using Erebor.Metrics;
using Erebor.Operator.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Erebor.Operator.Hosting;

/// <summary>The operator process: controllers (leader only), admission webhook, metrics and probes.</summary>
public static class OperatorApp
{
    public static readonly string[] MeterNames = ["Erebor.Kube", "Erebor.Kube.Runtime", "Erebor.Kube.LeaderElection"];

    public static async Task<int> RunAsync(OperatorOptions options, bool jsonLogs, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddEreborConsole(jsonLogs);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var api = new KubeApi(KubeConfig.Discover(options.Kubeconfig));
        builder.Services.AddSingleton<IKubeApi>(api);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new EventRecorder(api, "erebor-operator", sp.GetRequiredService<ILogger<EventRecorder>>()));
        builder.Services.AddSingleton<AdmissionWebhook>();
        builder.Services.AddSingleton<WebhookCertificates>();
        builder.Services.AddSingleton(_ => new PrometheusExporter(MeterNames));
        builder.Services.AddHostedService<ControllerService>();

        // The certificate comes from the API server (a shared Secret), read once the app is built.
        X509Certificate2? servingCertificate = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.MetricsEndpoint);
            if (options.WebhookEndpoint is { } webhook)
            {
                kestrel.Listen(webhook, listen => listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => servingCertificate));
            }
        });

        await using var app = builder.Build();
        var readiness = app.Services.GetRequiredService<Readiness>();
        app.MapGet("/healthz", () => "ok");
        app.MapGet("/readyz", () => readiness.IsReady ? Results.Text("ok") : Results.Text(readiness.Describe(), statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPrometheusMetrics(app.Services.GetRequiredService<PrometheusExporter>());
        var webhookHandler = app.Services.GetRequiredService<AdmissionWebhook>();
        app.MapPost(AdmissionWebhook.Path, async (HttpContext context) =>
        {
            var review = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject;
            if (review is null) { return Results.BadRequest("expected an AdmissionReview"); }
            return Results.Json(await webhookHandler.ReviewAsync(review, context.RequestAborted));
        });

        WebhookTls? tls = null;
        if (options.WebhookEndpoint is not null)
        {
            var (dnsNames, addresses) = WebhookNames(options);
            tls = await app.Services.GetRequiredService<WebhookCertificates>().LoadOrCreateAsync(options.Namespace, options.WebhookSecret, dnsNames, addresses, ct);
            servingCertificate = tls.Serving.ToX509Certificate2();
        }

        await app.StartAsync(ct);
        if (tls is not null)
        {
            var endpoint = options.WebhookUrl is { } url
                ? new WebhookRegistration.Endpoint(url, null, null)
                : new WebhookRegistration.Endpoint(null, options.Namespace, options.WebhookService);
            await WebhookRegistration.EnsureAsync(api, endpoint, tls.CaBundlePem, ct);
        }

        readiness.WebhookReady();
        app.Logger.LogInformation("Erebor operator {Identity} started: metrics on http://{Metrics}, webhook {Webhook}, leader election {LeaderElection}", options.Identity, options.MetricsEndpoint, options.WebhookEndpoint?.ToString() ?? "disabled", options.LeaderElect ? "on" : "off");
        await app.WaitForShutdownAsync(ct);
        return Environment.ExitCode;
    }

    /// <summary>The names the serving certificate must carry: the Service's DNS names, or the host of the URL.</summary>
    private static (List<string> DnsNames, List<IPAddress> Addresses) WebhookNames(OperatorOptions options)
    {
        if (options.WebhookUrl is { } url)
        {
            return IPAddress.TryParse(url.Host, out var ip) ? ([], [ip]) : ([url.Host], []);
        }

        var service = $"{options.WebhookService}.{options.Namespace}";
        return ([options.WebhookService, service, $"{service}.svc", $"{service}.svc.cluster.local"], []);
    }
}
