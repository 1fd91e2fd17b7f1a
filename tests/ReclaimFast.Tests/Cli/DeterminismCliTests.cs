using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>
/// Same input and seed ⇒ the same summary.json (everything but the host's wall-clock block <c>run</c>) for
/// <c>run</c>, and the same replay result (everything but the replay's own speed) for <c>replay --policy linux</c>.
/// </summary>
public sealed class DeterminismCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rf-determinism-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliRunner.InProcess(args);

    // 128 MiB, a limited cgroup reading a file at random, an anon writer and swap: memcg and global reclaim both run.
    private const string Scenario = """
        {
          "name": "det", "duration": "2s",
          "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "112MiB" } } ], "swap": [ { "size": "64MiB" } ] },
          "memcgs": [ { "path": "/a", "max": "24MiB" } ],
          "files": [ { "name": "f", "size": "64MiB" } ],
          "processes": [
            { "name": "p", "memcg": "/a", "vmas": [ { "name": "v", "kind": "private_file", "size": "64MiB", "file": "f" } ],
              "phases": [ { "start": 0, "end": "2s", "pattern": "zipf", "theta": 0.8, "vma": "v", "rate": 20000 } ] },
            { "name": "w", "vmas": [ { "name": "h", "kind": "anon", "size": "112MiB" } ],
              "phases": [ { "start": 0, "end": "2s", "pattern": "uniform", "vma": "h", "write_ratio": 0.5, "rate": 30000 } ] }
          ]
        }
        """;

    private static string WithoutKeys(string json, params string[] keys)
    {
        JsonObject o = JsonNode.Parse(json)!.AsObject();
        foreach (string k in keys)
            o.Remove(k);
        return o.ToJsonString();
    }

    [Fact]
    public void Run_SameSeed_IdenticalSummaryJson_OtherSeedDiffers()
    {
        string file = Path.Combine(_dir, "det.json");
        File.WriteAllText(file, Scenario);
        string Summary(string seed, string name)
        {
            string outDir = Path.Combine(_dir, name);
            var (code, _, error) = Cli("run", file, "--seed", seed, "--out", outDir);
            Assert.True(code == 0, error);
            return WithoutKeys(File.ReadAllText(Path.Combine(outDir, "summary.json")), "run");
        }
        string a = Summary("11", "a"), b = Summary("11", "b"), c = Summary("12", "c");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        using JsonDocument doc = JsonDocument.Parse(a);
        Assert.True(doc.RootElement.GetProperty("vmstat").GetProperty("pgscan_kswapd").GetInt64() > 0);
    }

    [Fact]
    public void ReplayLinux_SameTrace_IdenticalResult()
    {
        string trace = Path.Combine(_dir, "t.trace");
        var rng = new Random(5);
        using (var w = new StreamWriter(trace))
        {
            for (int i = 0; i < 20000; i++)
                w.WriteLine(rng.Next(3000));
        }
        string Once()
        {
            var (code, output, error) = Cli("replay", trace, "--format", "lirs", "--pages", "1000", "--policy", "linux", "--json");
            Assert.True(code == 0, error);
            return WithoutKeys(output, "elapsedSeconds", "requestsPerSecond");
        }
        Assert.Equal(Once(), Once());
    }
}
