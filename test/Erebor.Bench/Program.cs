using System.Text.Json;
using Erebor.Bench;
using Erebor.Harness;

// erebor-bench <name> [options]: runs one benchmark against real peers and writes
// bench/results/<name>.json. Not part of `make test`.
var name = args.FirstOrDefault() ?? "help";
void Say(string message) => Console.WriteLine($"[bench {name}] {message}");
var json = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

object result;
switch (name)
{
    case "operator":
        var subnets = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000;
        result = await OperatorBenchmark.RunAsync(subnets, nodes: 3, Say);
        break;
    default:
        Console.Error.WriteLine("usage: erebor-bench operator [subnets]");
        return 2;
}

var directory = Path.Combine(RepositoryPaths.Root, "bench", "results");
Directory.CreateDirectory(directory);
var file = Path.Combine(directory, $"{name}.json");
await File.WriteAllTextAsync(file, JsonSerializer.Serialize(result, result.GetType(), json) + "\n");
Say($"wrote {file}");
Console.WriteLine(await File.ReadAllTextAsync(file));
return 0;
