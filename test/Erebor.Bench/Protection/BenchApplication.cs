using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Plugins;

namespace Erebor.Bench.Protection;

/// <summary>
/// The objects a protection benchmark protects: a namespace the way applications fill one, mostly
/// configuration. Of every 20 objects: 9 ConfigMaps, 7 Secrets, 2 Deployments, 2 Services.
/// ConfigMaps: 3 of 4 a ~1 KiB properties file, 1 of 5 a ~8 KiB YAML file, 1 of 20 a ~64 KiB
/// JSON document (a dashboard, a CA bundle). Secrets: mostly Opaque credentials (~0.2 KiB),
/// 1 of 7 a TLS pair (~3 KiB), 1 of 14 an image pull secret. Deployments mount a ConfigMap and read
/// a Secret; Services select them. Content is pseudo-random from the index (same objects every run;
/// Secret values are random base64, as keys are).
/// </summary>
public static class BenchApplication
{
    public const string Mix = "per 20 objects: 9 ConfigMaps (75% ~1 KiB, 20% ~8 KiB, 5% ~64 KiB), 7 Secrets (Opaque ~0.2 KiB, 1 in 7 TLS ~3 KiB, 1 in 14 dockerconfigjson), 2 Deployments, 2 Services";

    /// <summary>The kinds <see cref="Objects"/> creates, as kubectl names them (for <c>kubectl get a,b,c</c>).</summary>
    public static readonly IReadOnlyList<string> KubectlKinds = ["configmaps", "secrets", "deployments.apps", "services"];

    /// <summary>Exactly <paramref name="count"/> objects for namespace <paramref name="ns"/>, in creation order (what a Deployment names exists before it).</summary>
    public static IEnumerable<(ResourceType Type, JsonObject Object)> Objects(string ns, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var group = i / 20;
            var slot = i % 20;
            yield return slot switch
            {
                < 9 => (KubeTypes.ConfigMap, ConfigMap(ns, group, slot, (group * 9) + slot)),
                < 16 => (KubeTypes.Secret, Secret(ns, group, slot - 9, i)),
                < 18 => (KubeTypes.Deployment, Deployment(ns, group, slot - 16)),
                _ => (KubeTypes.Service, Service(ns, group, slot - 18)),
            };
        }
    }

    private static string N(int group, int k) => group.ToString("D5", CultureInfo.InvariantCulture) + "-" + k.ToString(CultureInfo.InvariantCulture);

    private static JsonObject Metadata(string ns, string name, int group) => new()
    {
        ["name"] = name,
        ["namespace"] = ns,
        ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = $"svc-{group:D5}", ["app.kubernetes.io/part-of"] = "bench", ["tier"] = (group % 3) switch { 0 => "web", 1 => "api", _ => "worker" } },
        ["annotations"] = new JsonObject { ["owner"] = "team-" + (group % 7).ToString(CultureInfo.InvariantCulture) },
    };

    private static JsonObject Typed(ResourceType type, JsonObject metadata) =>
        new() { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind, ["metadata"] = metadata };

    /// <param name="ordinal">Among ConfigMaps: picks the size.</param>
    private static JsonObject ConfigMap(string ns, int group, int k, int ordinal)
    {
        var random = new Random(ordinal);
        var obj = Typed(KubeTypes.ConfigMap, Metadata(ns, $"cm-{N(group, k)}", group));
        obj["data"] = (ordinal % 20) switch
        {
            0 => new JsonObject { ["dashboard.json"] = JsonDocument(random, 64 * 1024) },
            < 5 => new JsonObject { ["application.yaml"] = Lines(random, 8 * 1024, "  {0}: {1}"), ["log-level"] = "info" },
            _ => new JsonObject { ["app.properties"] = Lines(random, 1024, "{0}={1}"), ["FEATURE_FLAGS"] = "a,b,c" },
        };
        return obj;
    }

    private static JsonObject Secret(string ns, int group, int k, int index)
    {
        var random = new Random(index);
        var obj = Typed(KubeTypes.Secret, Metadata(ns, $"secret-{N(group, k)}", group));
        switch (k)
        {
            case 0:
                obj["type"] = "kubernetes.io/tls";
                obj["data"] = new JsonObject { ["tls.crt"] = Base64(Pem("CERTIFICATE", random, 1200)), ["tls.key"] = Base64(Pem("PRIVATE KEY", random, 1200)) };
                break;
            case 1 when group % 2 == 0:
                obj["type"] = "kubernetes.io/dockerconfigjson";
                obj["data"] = new JsonObject { [".dockerconfigjson"] = Base64(new JsonObject { ["auths"] = new JsonObject { ["registry.example.com"] = new JsonObject { ["auth"] = RandomBase64(random, 48) } } }.ToJsonString()) };
                break;
            default:
                obj["type"] = "Opaque";
                obj["data"] = new JsonObject { ["username"] = Base64("app-" + index.ToString(CultureInfo.InvariantCulture)), ["password"] = Base64(RandomBase64(random, 24)), ["api-token"] = Base64(RandomBase64(random, 48)) };
                break;
        }

        return obj;
    }

    private static JsonObject Deployment(string ns, int group, int k)
    {
        var name = $"deploy-{N(group, k)}";
        var obj = Typed(KubeTypes.Deployment, Metadata(ns, name, group));
        var container = new JsonObject
        {
            ["name"] = "app",
            ["image"] = $"registry.example.com/team/app-{group % 50}:1.{group % 10}.{k}",
            ["args"] = new JsonArray("--config=/etc/app/app.properties", "--port=8080"),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }, new JsonObject { ["name"] = "metrics", ["containerPort"] = 9090 }),
            ["env"] = new JsonArray(
                new JsonObject { ["name"] = "LOG_LEVEL", ["value"] = "info" },
                new JsonObject { ["name"] = "DB_PASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = $"secret-{N(group, 1 + k)}", ["key"] = "password" } } }),
            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "128Mi" }, ["limits"] = new JsonObject { ["memory"] = "256Mi" } },
            ["readinessProbe"] = new JsonObject { ["httpGet"] = new JsonObject { ["path"] = "/healthz", ["port"] = "http" }, ["periodSeconds"] = 10 },
            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "config", ["mountPath"] = "/etc/app" }),
        };
        obj["spec"] = new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(container),
                    ["volumes"] = new JsonArray(new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = $"cm-{N(group, 5 + k)}" } }),
                },
            },
        };
        return obj;
    }

    private static JsonObject Service(string ns, int group, int k)
    {
        var obj = Typed(KubeTypes.Service, Metadata(ns, $"svc-{N(group, k)}", group));
        obj["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = $"deploy-{N(group, k)}" },
            ["ports"] = new JsonArray(
                new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = "http" },
                new JsonObject { ["name"] = "metrics", ["port"] = 9090, ["targetPort"] = "metrics" }),
        };
        return obj;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string RandomBase64(Random random, int bytes)
    {
        var buffer = new byte[bytes];
        random.NextBytes(buffer);
        return Convert.ToBase64String(buffer);
    }

    private static string Pem(string label, Random random, int bytes)
    {
        var body = RandomBase64(random, bytes);
        var text = new StringBuilder($"-----BEGIN {label}-----\n");
        for (var i = 0; i < body.Length; i += 64) { text.Append(body.AsSpan(i, Math.Min(64, body.Length - i))).Append('\n'); }
        return text.Append($"-----END {label}-----\n").ToString();
    }

    /// <summary>Lines of "key=value"-like text up to about <paramref name="bytes"/>.</summary>
    private static string Lines(Random random, int bytes, string format)
    {
        var text = new StringBuilder();
        for (var line = 0; text.Length < bytes; line++)
        {
            text.AppendFormat(CultureInfo.InvariantCulture, format, $"setting.{Word(random)}.{line}", Word(random) + random.Next(100_000).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    private static string JsonDocument(Random random, int bytes)
    {
        var panels = new JsonArray();
        var length = 0;
        for (var id = 0; length < bytes; id++)
        {
            var panel = new JsonObject
            {
                ["id"] = id,
                ["title"] = $"{Word(random)} {Word(random)}",
                ["type"] = "timeseries",
                ["targets"] = new JsonArray(new JsonObject { ["expr"] = $"sum(rate({Word(random)}_total{{job=\"{Word(random)}\"}}[5m])) by ({Word(random)})" }),
                ["gridPos"] = new JsonObject { ["x"] = id % 24, ["y"] = id / 24 * 8, ["w"] = 12, ["h"] = 8 },
            };
            length += panel.ToJsonString().Length + 1;
            panels.Add(panel);
        }

        return new JsonObject { ["title"] = "service overview", ["panels"] = panels }.ToJsonString();
    }

    private static string Word(Random random)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        var chars = new char[random.Next(4, 10)];
        for (var i = 0; i < chars.Length; i++) { chars[i] = letters[random.Next(letters.Length)]; }
        return new string(chars);
    }
}
