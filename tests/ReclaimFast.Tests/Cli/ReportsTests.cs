using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text.Json;
using ReclaimFast.Cli.Commands;
using ReclaimFast.Cli.Output;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>The run reports (summary.json, timeline.csv, plots, /proc files) as the stress verb writes them.</summary>
public sealed class ReportsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reclaimfast-reports-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static (int Code, string Out, string Err) Stress(params string[] args)
    {
        var root = new RootCommand { StressCommand.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int code = root.Parse(["stress", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Every /proc/vmstat name in v5.4's vmstat_text order: zone, NUMA, node items, the two thresholds, events.</summary>
    internal static List<string> VmstatNames()
    {
        var names = new List<string>();
        names.AddRange(VmStat.ZoneStatText);
        names.AddRange(VmStat.NumaStatText);
        names.AddRange(VmStat.NodeStatText);
        names.Add("nr_dirty_threshold");
        names.Add("nr_dirty_background_threshold");
        names.AddRange(VmEvent.Text);
        return names;
    }

    [Fact]
    public void Json_HasEveryProcVmstatNameInOrder_AndParses()
    {
        var (code, output, error) = Stress("--memory", "64MiB", "--ops", "3000", "--seed", "5", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(VmstatNames(), root.GetProperty("vmstat").EnumerateObject().Select(p => p.Name).ToList());
        Assert.Equal("stress-64MiB", root.GetProperty("scenario").GetString());
        Assert.Equal(5UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal(3000, root.GetProperty("ops").GetInt64());
        Assert.Equal(3000, root.GetProperty("steps").GetInt64());   // one op = one scheduling decision
        // 64 MiB of pages in KiB: a 16384-page node keeps all of it managed (no holes or reserved ranges).
        Assert.Equal(16384L * 4, root.GetProperty("meminfo").GetProperty("MemTotal").GetInt64());
        Assert.Equal(1, root.GetProperty("nodes").GetArrayLength());
        Assert.Equal(16384L * 4, root.GetProperty("nodes")[0].GetProperty("MemTotal").GetInt64());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("memcgs").ValueKind);
        JsonElement run = root.GetProperty("run");
        foreach (string key in new[] { "wallSeconds", "stepsPerSecond", "pagesPerSecond" })
            Assert.True(run.GetProperty(key).GetDouble() >= 0, key);
        // Pressure: the mixed workload makes the kernel reclaim, swap and shrink slabs within 3000 ops.
        JsonElement v = root.GetProperty("vmstat");
        foreach (string counter in new[] { "pgscan_kswapd", "pgsteal_kswapd", "pswpout", "slabs_scanned" })
            Assert.True(v.GetProperty(counter).GetInt64() > 0, counter);
    }

    [Fact]
    public void Stress_SameSeed_IdenticalSummaryOutsideRun_OtherSeedDiffers()
    {
        string a = Summary("11"), b = Summary("11"), c = Summary("12");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);

        static string Summary(string seed)
        {
            var (code, output, _) = Stress("--memory", "64MiB", "--ops", "2000", "--seed", seed, "--json");
            Assert.Equal(0, code);
            using JsonDocument doc = JsonDocument.Parse(output);
            Assert.True(doc.RootElement.TryGetProperty("run", out _));
            var w = new StringWriter();
            foreach (JsonProperty p in doc.RootElement.EnumerateObject())
            {
                if (p.Name != "run")
                    w.Write($"{p.Name}={p.Value.GetRawText()};");
            }
            return w.ToString();
        }
    }

    [Fact]
    public void Out_WritesEveryReportFile()
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, output, error) = Stress("--memory", "64MiB", "--ops", "2000", "--check-invariants", "--check-every", "250", "--out", outDir);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("invariants", output, StringComparison.Ordinal);
        Assert.Contains($"reports written to {outDir}", output, StringComparison.Ordinal);
        foreach (string f in RunReports.Files)
            Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 0, f);
        byte[] pngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        foreach (string png in new[] { "free-vs-watermarks", "lru-sizes", "scan-steal-refault" })
            Assert.Equal(pngSignature, File.ReadAllBytes(Path.Combine(outDir, "plots", png + ".png"))[..8]);
        Assert.StartsWith("nr_free_pages ", File.ReadAllText(Path.Combine(outDir, "proc/vmstat")), StringComparison.Ordinal);
        Assert.StartsWith("MemTotal:       ", File.ReadAllText(Path.Combine(outDir, "proc/meminfo")), StringComparison.Ordinal);
        Assert.StartsWith("Node 0, zone      DMA", File.ReadAllText(Path.Combine(outDir, "proc/zoneinfo")), StringComparison.Ordinal);
        string[] csv = File.ReadAllLines(Path.Combine(outDir, "timeline.csv"));
        Assert.StartsWith("jiffies,seconds,node0_free,", csv[0], StringComparison.Ordinal);
        Assert.True(csv.Length > 2);
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json"))))
            Assert.Equal(csv.Length - 1, doc.RootElement.GetProperty("timelineRows").GetInt32());
        // Only the finished directory is left: no temporary sibling.
        Assert.Equal(new[] { "out" }, Directory.GetFileSystemEntries(_dir).Select(p => Path.GetFileName(p)!).ToArray());
    }

    [Theory]
    [InlineData(new string[0], "--memory is required")]
    [InlineData(new[] { "--memory", "lots" }, "--memory: size must start with a decimal number: 'lots'")]
    [InlineData(new[] { "--memory", "4XB" }, "--memory: unknown unit 'XB': '4XB'")]
    [InlineData(new[] { "--memory", "0" }, "--memory: must be at least 64MiB: '0'")]
    [InlineData(new[] { "--memory", "63MiB" }, "--memory: must be at least 64MiB: '63MiB'")]
    [InlineData(new[] { "--memory", "257GiB" }, "--memory: must be at most 256GiB: '257GiB'")]
    [InlineData(new[] { "--memory", "1TiB" }, "--memory: must be at most 256GiB: '1TiB'")]
    [InlineData(new[] { "--memory", "67108865" }, "--memory: must be a whole number of 4096-byte pages: '67108865'")]
    [InlineData(new[] { "--memory", "-1GiB" }, "--memory: size must start with a decimal number: '-1GiB'")]
    [InlineData(new[] { "--memory", "64MiB", "--ops", "0" }, "--ops: must be at least 1: '0'")]
    [InlineData(new[] { "--memory", "64MiB", "--check-every", "0" }, "--check-every: must be at least 1: '0'")]
    public void BadInput_OneLine_Exit2_NoOutput(string[] args, string message)
    {
        string outDir = Path.Combine(_dir, "out");
        var (code, output, error) = Stress([.. args, "--out", outDir]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        // One line naming the option and the value.
        Assert.StartsWith($"reclaimfast stress: {message}", error, StringComparison.Ordinal);
        Assert.EndsWith(Environment.NewLine, error, StringComparison.Ordinal);
        Assert.Single(error.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Describe_DerivesNodesFromTheSize()
    {
        // ≤ 4 GiB: one node; ≤ 64 GiB: two; beyond: four; whole MAX_ORDER blocks per node.
        Assert.Single(ReclaimFast.Workload.StressWorkload.Describe(4L << 30).Nodes);
        Assert.Equal(2, ReclaimFast.Workload.StressWorkload.Describe(16L << 30).Nodes.Count);
        MachineDescription d = ReclaimFast.Workload.StressWorkload.Describe(256L << 30);
        Assert.Equal(4, d.Nodes.Count);
        Assert.Equal(8, d.NrCpus);
        Assert.Equal((256UL << 30) / 4096, d.MaxPfn);
        Assert.Equal([ZoneType.Dma, ZoneType.Dma32, ZoneType.Normal], d.Nodes[0].Zones.Select(z => z.Type).ToArray());
    }

    [Fact]
    public void ProgressReporter_NotInteractive_NeverDraws()
    {
        using var p = new ProgressReporter("test", interactive: false);
        p.Report(2.0);
        Assert.Equal(1.0, p.Fraction);
        p.Report(-1);
        Assert.Equal(0.0, p.Fraction);
        Assert.False(p.Drawing);
    }
}
