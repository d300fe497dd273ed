using System.Text.Encodings.Web;
using System.Text.Json;

using Erebor.Bench;
using Erebor.Bench.Protection;
using Erebor.Harness;

// erebor-bench <name> [options]: runs one benchmark against real peers and writes
// bench/results/<name>.json (`flows` writes flow-install.json). Not part of `make test`.
var name = args.FirstOrDefault() ?? "help";
void Say(string message) => Console.WriteLine($"[bench {name}] {message}");
// Relaxed escaping: the files are read by people and jq, never embedded in HTML, so "+", ">" and "`" stay as they are.
var json = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

var resultName = name;
object result;
switch (name)
{
    case "operator":
        var subnets = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000;
        result = await OperatorBenchmark.RunAsync(subnets, nodes: 3, Say);
        break;
    case "flows":
        var sizes = args.Length > 1 ? args[1].Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [10_000, 100_000];
        result = await FlowInstallBenchmark.RunAsync(sizes, repetitions: 3, latencySamples: 1000, Say);
        resultName = "flow-install";
        break;
    case "l3":
        var ports = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20;
        var pairs = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        result = await L3Benchmark.RunAsync(ports, pairs, Say);
        break;
    case "dhcp":
        var clients = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 16;
        var seconds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3;
        result = await DhcpBenchmark.RunAsync(clients, rounds, TimeSpan.FromSeconds(seconds), Say);
        break;
    case "protection":
        var objects = args.Length > 1 ? args[1].Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000];
        result = await ProtectionBenchmark.RunAsync(objects, Say);
        break;
    default:
        Console.Error.WriteLine("usage: erebor-bench operator [subnets] | erebor-bench flows [10000,100000] | erebor-bench l3 [ports] [pairs] | erebor-bench dhcp [clients] [seconds] [rounds] | erebor-bench protection [1000,10000]");
        return 2;
}

var directory = Path.Combine(RepositoryPaths.Root, "bench", "results");
Directory.CreateDirectory(directory);
var file = Path.Combine(directory, $"{resultName}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, result.GetType(), json) + "\n");
Say($"wrote {file}");
Console.WriteLine(await File.ReadAllTextAsync(file));
return 0;
