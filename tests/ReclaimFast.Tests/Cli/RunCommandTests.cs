using System;
using System.IO;
using System.Linq;
using ReclaimFast.Cli.Commands;
using ReclaimFast.Workload.Scenario;
using Xunit;

namespace ReclaimFast.Tests.Cli;

/// <summary>The main job as a user runs it: boot summary, run summary, the two /proc reports, and --out written atomically.</summary>
public sealed class RunCommandTests : IDisposable
{
    // Two nodes (so both appear in zoneinfo), small enough to run in well under a second.
    internal const string TwoNodeScenario = """
        {
          "name": "two-node-smoke",
          "duration": "2s",
          "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "240MiB" } }, { "zones": { "normal": "256MiB" } } ], "cpus": 2 },
          "processes": [ { "name": "p", "vmas": [ { "name": "a", "kind": "anon", "size": "64MiB" } ],
                           "phases": [ { "start": 0, "end": "2s", "pattern": "sequential", "vma": "a", "op": "write", "rate": 20000 } ] } ]
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("rf-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ScenarioFile()
    {
        string path = Path.Combine(_dir, "two-node.json");
        File.WriteAllText(path, TwoNodeScenario);
        return path;
    }

    /// <summary>
    /// CONFIG_DEBUG_VM moves where pages are checked, never what the emulated kernel does: the same scenario ends
    /// with the same /proc/vmstat either way; `--debug-vm` boots with it and the boot summary says so.
    /// </summary>
    [Fact]
    public void DebugVm_MovesChecksNotBehaviour()
    {
        ScenarioDefinition s = ScenarioParser.ParseFile(ScenarioFile());
        string[] vmstat = new string[2];
        for (int i = 0; i < 2; i++)
        {
            using var runner = new ScenarioRunner(s) { ConfigDebugVm = i == 1 };
            runner.Run();
            Assert.Equal(i == 1, runner.Machine.ConfigDebugVm);
            vmstat[i] = ReclaimFast.Diagnostics.ProcVmstat.Read(runner.Machine);
        }
        Assert.Equal(vmstat[0], vmstat[1]);
        Assert.Contains("pgfault", vmstat[0], StringComparison.Ordinal);

        var stdout = new StringWriter();
        Assert.Equal(0, RunCommand.Run(new RunOptions(ScenarioFile(), DebugVm: true), stdout));
        Assert.Contains("CONFIG_DEBUG_VM=y", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunPrintsSummaryZoneinfoAndBuddyinfo()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, RunCommand.Run(new RunOptions(ScenarioFile()), stdout));
        string text = stdout.ToString();
        Assert.Contains("scenario 'two-node-smoke' booted and ran", text);
        Assert.Contains("ran scenario 'two-node-smoke' (seed 0): 2.00 s simulated (", text);
        Assert.Contains("==> /proc/zoneinfo <==", text);
        Assert.Contains("==> /proc/buddyinfo <==", text);
        Assert.Contains("Node 0, zone      DMA", text);   // `Node %d, zone %8s` (mm/vmstat.c)
        Assert.Contains("Node 1, zone   Normal", text);
        Assert.Contains("nodes 2,", text);
        // 64 MiB written once at 20000 pages/s for 2 s: all 16384 pages, each a write.
        Assert.Contains("  p                       16384      16384          0  running", text);
    }

    [Fact]
    public void OutWritesProcFilesAndLeavesNoTemporaryDirectory()
    {
        string parent = Path.Combine(_dir, "reports");
        string outDir = Path.Combine(parent, "out");
        string scenario = ScenarioFile();
        Assert.Equal(0, RunCommand.Run(new RunOptions(scenario, OutDir: outDir), new StringWriter()));
        foreach (string f in new[] { "proc/zoneinfo", "proc/buddyinfo", "proc/pagetypeinfo", "proc/vmstat", "proc/meminfo", "summary.txt" })
            Assert.True(new FileInfo(Path.Combine(outDir, f)).Length > 0, f);
        // v5.4 first lines: vmstat_text[0] and show_val_kb's 16-character label.
        Assert.StartsWith("nr_free_pages ", File.ReadAllText(Path.Combine(outDir, "proc/vmstat")));
        string meminfo = File.ReadAllText(Path.Combine(outDir, "proc/meminfo"));
        // MemTotal = Σ managed pages of the scenario's machine, in KiB.
        using (Machine m = Machine.Boot(ScenarioRunner.Describe(ScenarioParser.ParseFile(scenario).Machine)))
        {
            ulong managed = 0;
            for (int nid = 0; nid < m.NrNodes; nid++)
                for (int z = 0; z < Mm.PageAlloc.MmZone.MaxNrZones; z++)
                    managed += m.ZoneManagedPages(nid, (Mm.PageAlloc.ZoneType)z);
            Assert.StartsWith($"MemTotal:       {managed * 4,8} kB\n", meminfo);
        }
        Assert.Equal(new[] { "out" }, Directory.GetDirectories(parent).Select(Path.GetFileName).ToArray());
        // A second run replaces the first atomically.
        Assert.Equal(0, RunCommand.Run(new RunOptions(scenario, OutDir: outDir), new StringWriter()));
        Assert.Single(Directory.GetDirectories(parent));
    }
}
