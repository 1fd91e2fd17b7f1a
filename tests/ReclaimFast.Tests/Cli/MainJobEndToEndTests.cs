using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using ReclaimFast.Cli.Output;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>
/// The main job as a user runs it: <c>dotnet ReclaimFast.Cli.dll run --json --out DIR</c> on the embedded default
/// scenario (16 GiB, two nodes, swap, three cgroups, a streaming batch job, slab growth and a spike).
/// </summary>
public sealed class MainJobEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reclaimfast-main-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Cli(params string[] args) => CliRunner.BuiltCommand(args);

    [Fact]
    public void DefaultScenario_Json_HasEveryReclaimPath_AndOutWritesEveryReport()
    {
        string outDir = Path.Combine(_dir, "reports");
        var (code, output, error) = Cli("run", "--json", "--out", outDir);
        Assert.True(code == 0, error);
        Assert.DoesNotContain('\u001b', output + error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal("default", root.GetProperty("scenario").GetString());
        JsonElement v = root.GetProperty("vmstat");
        Assert.Equal(ReportsTests.VmstatNames().Count, v.EnumerateObject().Count());
        foreach (string counter in new[] { "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "pswpout", "pswpin",
                                           "workingset_refault", "slabs_scanned", "allocstall_normal" })
            Assert.True(v.GetProperty(counter).GetInt64() > 0, counter);

        // Memcg reclaim: the limited batch group hit memory.max and was reclaimed within it.
        JsonElement memcgs = root.GetProperty("memcgs");
        string[] paths = memcgs.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.NotEmpty(paths);
        bool memcgReclaim = memcgs.EnumerateObject().Any(g =>
            g.Value.GetProperty("memory.events").GetProperty("max").GetInt64() > 0
            && g.Value.GetProperty("memory.stat").GetProperty("pgsteal").GetInt64() > 0);
        Assert.True(memcgReclaim, "no cgroup was reclaimed at its memory.max");

        foreach (string f in RunReports.Files)
            Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 0, f);
        Assert.True(new FileInfo(Path.Combine(outDir, "summary.txt")).Length > 0);
        foreach (string path in paths)
        {
            foreach (string f in new[] { "memory.stat", "memory.events", "memory.events.local", "memory.current", "memory.swap.current", "memory.max" })
                Assert.True(new FileInfo(Path.Combine(outDir, "memcg", path.TrimStart('/'), f)).Length > 0, $"{path}/{f}");
        }
        using JsonDocument file = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal(v.GetRawText(), file.RootElement.GetProperty("vmstat").GetRawText());
        Assert.Equal(memcgs.GetRawText(), file.RootElement.GetProperty("memcgs").GetRawText());
    }
}
