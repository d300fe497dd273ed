using System.Globalization;
using System.Text.Json.Nodes;
using Erebor.Kube.Client;
using Erebor.Protection.Plugins;

namespace Erebor.Protection.Tests.Engine;

/// <summary>An application of every protected kind, as JSON a user would apply (the server adds the rest).</summary>
public static class SampleApp
{
    public const string BinaryKey = "blob";

    /// <summary>Bytes 0..255 twice: a Secret value that survives only byte for byte.</summary>
    public static readonly byte[] BinaryValue = [.. Enumerable.Range(0, 512).Select(i => (byte)(i % 256))];

    private static string I(int i) => i.ToString("D3", CultureInfo.InvariantCulture);

    private static JsonObject Meta(string ns, string name, string app = "shop") =>
        new() { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = app, ["tier"] = "t" + (name.Length % 3) }, ["annotations"] = new JsonObject { ["owner"] = "team-a" } };

    private static JsonObject Obj(ResourceType type, JsonObject meta, params (string Key, JsonNode? Value)[] fields)
    {
        var obj = new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind, ["metadata"] = meta };
        foreach (var (key, value) in fields) { obj[key] = value; }
        return obj;
    }

    private static JsonObject PodTemplate(string app, string? configMap, string? secret, string? claim, string restartPolicy = "Always")
    {
        var volumes = new JsonArray();
        var container = new JsonObject
        {
            ["name"] = "main",
            ["image"] = "busybox:1.36",
            ["command"] = new JsonArray("sleep", "3600"),
            ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 }),
        };
        if (configMap is not null)
        {
            container["envFrom"] = new JsonArray(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = configMap } });
            volumes.Add(new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = configMap } });
        }

        if (secret is not null)
        {
            container["env"] = new JsonArray(new JsonObject { ["name"] = "PASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = "password" } } });
        }

        if (claim is not null) { volumes.Add(new JsonObject { ["name"] = "data", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = claim } }); }
        var spec = new JsonObject { ["containers"] = new JsonArray(container), ["restartPolicy"] = restartPolicy };
        if (volumes.Count > 0) { spec["volumes"] = volumes; }
        return new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } }, ["spec"] = spec };
    }

    /// <summary>
    /// About 19 objects per unit of <paramref name="scale"/> plus a few singles: scale 11 gives
    /// 200+ objects. Returned in dependency order so that they can be created as listed.
    /// </summary>
    public static List<(ResourceType Type, JsonObject Object)> Objects(string ns, int scale)
    {
        var list = new List<(ResourceType, JsonObject)>();
        void Add(ResourceType type, JsonObject obj) => list.Add((type, obj));

        for (var i = 0; i < scale; i++)
        {
            Add(KubeTypes.ServiceAccount, Obj(KubeTypes.ServiceAccount, Meta(ns, $"sa-{I(i)}"), ("imagePullSecrets", new JsonArray(new JsonObject { ["name"] = $"pull-{I(i)}" }))));
            for (var j = 0; j < 2; j++)
            {
                Add(KubeTypes.ConfigMap, Obj(KubeTypes.ConfigMap, Meta(ns, $"cm-{I(i)}-{j}"), ("data", new JsonObject { ["app.properties"] = $"index={i}\nname=cm-{i}-{j}\n", ["empty"] = "" })));
            }

            Add(KubeTypes.Secret, Obj(KubeTypes.Secret, Meta(ns, $"secret-{I(i)}"), ("type", "Opaque"), ("data", new JsonObject { ["password"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"p@ss-{i}-é")), [BinaryKey] = Convert.ToBase64String(BinaryValue) })));
            Add(KubeTypes.Secret, Obj(KubeTypes.Secret, Meta(ns, $"pull-{I(i)}"), ("type", "kubernetes.io/dockerconfigjson"), ("data", new JsonObject { [".dockerconfigjson"] = Convert.ToBase64String("{\"auths\":{}}"u8.ToArray()) })));
            Add(KubeTypes.Role, Obj(KubeTypes.Role, Meta(ns, $"role-{I(i)}"), ("rules", new JsonArray(new JsonObject { ["apiGroups"] = new JsonArray(""), ["resources"] = new JsonArray("configmaps"), ["verbs"] = new JsonArray("get", "list") }))));
            Add(KubeTypes.RoleBinding, Obj(KubeTypes.RoleBinding, Meta(ns, $"rb-{I(i)}"),
                ("roleRef", new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "Role", ["name"] = $"role-{I(i)}" }),
                ("subjects", new JsonArray(new JsonObject { ["kind"] = "ServiceAccount", ["name"] = $"sa-{I(i)}", ["namespace"] = ns }, new JsonObject { ["kind"] = "User", ["apiGroup"] = "rbac.authorization.k8s.io", ["name"] = "alice" }))));
            Add(KubeTypes.Subnet, Obj(KubeTypes.Subnet, Meta(ns, $"net-{I(i)}"), ("spec", new JsonObject { ["cidr"] = $"10.{i % 250}.{i / 250}.0/24", ["dhcp"] = new JsonObject { ["enabled"] = true, ["leaseSeconds"] = 3600, ["dnsServers"] = new JsonArray("10.0.0.10") } })));
            if (i % 2 == 1)
            {
                Add(KubeTypes.Router, Obj(KubeTypes.Router, Meta(ns, $"router-{I(i)}"), ("spec", new JsonObject
                {
                    ["interfaces"] = new JsonArray(new JsonObject { ["subnet"] = $"net-{I(i - 1)}" }, new JsonObject { ["subnet"] = $"net-{I(i)}", ["ip"] = $"10.{i % 250}.{i / 250}.254" }),
                })));
            }

            Add(KubeTypes.PersistentVolumeClaim, Obj(KubeTypes.PersistentVolumeClaim, Meta(ns, $"data-{I(i)}"), ("spec", new JsonObject
            {
                ["accessModes"] = new JsonArray("ReadWriteOnce"),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "1Gi" } },
            })));
            var serviceSpec = (i % 3) switch
            {
                0 => new JsonObject { ["selector"] = new JsonObject { ["app"] = $"web-{I(i)}" }, ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = 8080 }) },
                1 => new JsonObject { ["clusterIP"] = "None", ["selector"] = new JsonObject { ["app"] = $"db-{I(i)}" }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 5432 }) },
                _ => new JsonObject { ["type"] = "NodePort", ["selector"] = new JsonObject { ["app"] = $"web-{I(i)}" }, ["ports"] = new JsonArray(new JsonObject { ["port"] = 80, ["targetPort"] = 8080, ["protocol"] = "TCP" }) },
            };
            Add(KubeTypes.Service, Obj(KubeTypes.Service, Meta(ns, $"svc-{I(i)}"), ("spec", serviceSpec)));
            Add(KubeTypes.Deployment, Obj(KubeTypes.Deployment, Meta(ns, $"web-{I(i)}"), ("spec", new JsonObject
            {
                ["replicas"] = 2,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = $"web-{I(i)}" } },
                ["template"] = PodTemplate($"web-{I(i)}", $"cm-{I(i)}-0", $"secret-{I(i)}", null),
            })));
            Add(KubeTypes.StatefulSet, Obj(KubeTypes.StatefulSet, Meta(ns, $"db-{I(i)}"), ("spec", new JsonObject
            {
                ["serviceName"] = $"svc-{I(i)}",
                ["replicas"] = 1,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = $"db-{I(i)}" } },
                ["template"] = PodTemplate($"db-{I(i)}", null, $"secret-{I(i)}", null),
                ["volumeClaimTemplates"] = new JsonArray(new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = "pgdata" },
                    ["spec"] = new JsonObject { ["accessModes"] = new JsonArray("ReadWriteOnce"), ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "2Gi" } } },
                }),
            })));
            Add(KubeTypes.DaemonSet, Obj(KubeTypes.DaemonSet, Meta(ns, $"agent-{I(i)}"), ("spec", new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = $"agent-{I(i)}" } },
                ["template"] = PodTemplate($"agent-{I(i)}", $"cm-{I(i)}-1", null, null),
            })));
            var job = PodTemplate($"job-{I(i)}", null, null, $"data-{I(i)}", "Never");
            job["metadata"]!["labels"]!.AsObject().Remove("app"); // a Job's template usually carries no labels: the server adds its own
            Add(KubeTypes.Job, Obj(KubeTypes.Job, Meta(ns, $"job-{I(i)}"), ("spec", new JsonObject { ["backoffLimit"] = 1, ["template"] = job })));
        }

        return list;
    }
}
