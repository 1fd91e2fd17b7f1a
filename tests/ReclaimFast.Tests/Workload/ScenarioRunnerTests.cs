using System;
using System.Collections.Generic;
using System.Linq;
using ReclaimFast.Cli.Commands;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Workload.Scenario;
using Xunit;

namespace ReclaimFast.Tests.Workload;

/// <summary>Scenarios run end to end: reclaim really happens, events fire, and a seed fixes everything.</summary>
public sealed class ScenarioRunnerTests
{
    // 512 MiB over two nodes, 448 MiB of anon written and then touched at random, a 1 GiB file streamed through,
    // a hot mapped file, slab growth, a held kernel burst and a fork: kswapd, direct reclaim, swap-out and -in,
    // refaults and slab shrinking all have to happen.
    internal const string Pressure = """
        {
          "name": "pressure-small", "seed": 4, "duration": "6s",
          "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "240MiB" } }, { "zones": { "normal": "256MiB" } } ], "cpus": 2,
                       "swap": [ { "size": "512MiB" } ], "swappiness": 100 },
          "files": [ { "name": "big", "size": "1GiB" }, { "name": "hot", "size": "64MiB", "cached": true } ],
          "processes": [
            { "name": "anon", "vmas": [ { "name": "heap", "kind": "anon", "size": "448MiB" } ],
              "phases": [ { "start": 0, "end": "2s", "pattern": "sequential", "vma": "heap", "op": "write", "rate": 60000 },
                          { "start": "2s", "end": "6s", "pattern": "uniform", "vma": "heap", "write_ratio": 0.3, "rate": 20000 } ] },
            { "name": "reader", "vmas": [ { "name": "hot", "kind": "shared_file", "size": "64MiB", "file": "hot" } ],
              "phases": [ { "start": 0, "end": "6s", "pattern": "loop", "file": "big", "rate": 15000 },
                          { "start": 0, "end": "6s", "pattern": "zipf", "vma": "hot", "rate": 5000 } ] }
          ],
          "events": [ { "at": "1s", "kind": "slab_grow", "objects": 200000 },
                      { "at": "3s", "kind": "alloc_burst", "size": "96MiB", "hold": "1s" },
                      { "at": "4s", "kind": "fork", "process": "anon" } ]
        }
        """;

    private static ScenarioRunner RunScenario(string json, ulong? seed = null, bool ignoreMemcgs = false, string source = "test.json")
    {
        var runner = new ScenarioRunner(ScenarioParser.Parse(json, source), seed) { IgnoreMemcgsForTesting = ignoreMemcgs };
        runner.Run();
        return runner;
    }

    private static void AssertReclaimHappened(Dictionary<string, long> v)
    {
        foreach (string counter in new[] { "pgscan_kswapd", "pgsteal_kswapd", "pgscan_direct", "pgsteal_direct", "pswpout", "pswpin", "workingset_refault", "slabs_scanned" })
            Assert.True(v[counter] > 0, $"{counter} is 0");
    }

    [Fact]
    public void SmallScenario_ExercisesKswapdDirectReclaimSwapRefaultsAndSlab()
    {
        using ScenarioRunner r = RunScenario(Pressure);
        Dictionary<string, long> v = RunCommand.Vmstat(r.Machine);
        AssertReclaimHappened(v);
        Assert.True(r.Machine.Jiffies >= r.DurationJiffies);
        Assert.True(3 == r.EventsFired, $"events {r.EventsFired} jiffies {r.Machine.Jiffies} end {r.DurationJiffies} sleeps {r.Machine.SimulatedSleeps} forksFailed {r.ForksFailed} flusher {r.Machine.FlusherPagesWritten} pauses {r.Machine.DirtyThrottlePauses}");
        // The burst held 96 MiB and gave it back; the sequential phase wrote every heap page once (448 MiB).
        ScenarioProcessResult anon = r.ProcessResults.Single(p => p.Name == "anon");
        Assert.True(anon.Writes >= 448 * 256, $"anon wrote {anon.Writes} pages");
        Assert.False(anon.OomKilled);
    }

    [Fact]
    public void SameSeed_BitIdentical_OtherSeed_Differs()
    {
        // A shorter run of the pressure scenario: 3.5 seconds (sequential fill, slab growth, a fork, the burst).
        string json = Pressure.Replace("\"duration\": \"6s\"", "\"duration\": \"3.5s\"").Replace("\"end\": \"6s\"", "\"end\": \"3s\"")
            .Replace("{ \"at\": \"4s\", \"kind\": \"fork\", \"process\": \"anon\" }", "{ \"at\": \"2s\", \"kind\": \"fork\", \"process\": \"anon\" }");
        (string Vmstat, ulong Digest, ulong Jiffies, long Steps, string Processes) Once(ulong? seed)
        {
            using ScenarioRunner r = RunScenario(json, seed);
            string processes = string.Join(";", r.ProcessResults);
            return (ReclaimFast.Diagnostics.ProcVmstat.Read(r.Machine), r.Machine.EventDigest, r.Machine.Jiffies, r.Machine.StepsRun, processes);
        }
        var a = Once(null);
        var b = Once(null);
        var c = Once(5);
        Assert.Equal(a.Vmstat, b.Vmstat);       // every /proc/vmstat counter
        Assert.Equal(a.Digest, b.Digest);
        Assert.Equal(a.Jiffies, b.Jiffies);
        Assert.Equal(a.Steps, b.Steps);
        Assert.Equal(a.Processes, b.Processes);
        Assert.NotEqual(a.Digest, c.Digest);
    }

    [Fact]
    public void DefaultScenario_WithMemcgsIgnored_ExercisesEveryReclaimPath()
    {
        using var r = new ScenarioRunner(EmbeddedScenarios.Load("default")) { IgnoreMemcgsForTesting = true };
        r.Run();
        Dictionary<string, long> v = RunCommand.Vmstat(r.Machine);
        AssertReclaimHappened(v);
        Assert.Equal(2, r.Machine.NrNodes);
        Assert.Equal(r.Scenario.Events.Count, r.EventsFired);
        Assert.Equal(0, r.ForksFailed);
        Assert.Contains(r.ProcessResults, p => p.Name == "service~1" && p.Accesses > 0);
        Assert.True(r.ProcessResults.Single(p => p.Name == "analytics").Exited); // the exit event
    }

    [Theory]
    [InlineData("streaming-vs-hot-set", "pgsteal_kswapd,workingset_refault,pgmajfault")]
    [InlineData("anon-swap-storm", "pswpout,pswpin,unevictable_pgs_mlocked")]
    [InlineData("memcg-protection", "pgscan_kswapd,pgsteal_kswapd")]
    [InlineData("fragmentation", "slabs_scanned,drop_slab")]
    [InlineData("hibernate", "pgsteal_direct")]
    public void EmbeddedScenario_RunsToItsEnd(string name, string counters)
    {
        using var r = new ScenarioRunner(EmbeddedScenarios.Load(name)) { IgnoreMemcgsForTesting = true };
        r.Run();
        Assert.True(r.Machine.Jiffies >= r.DurationJiffies);
        Assert.Equal(r.Scenario.Events.Count, r.EventsFired);
        Dictionary<string, long> v = RunCommand.Vmstat(r.Machine);
        foreach (string counter in counters.Split(','))
            Assert.True(v[counter] > 0, $"{name}: {counter} is 0");
        Assert.All(r.ProcessResults, p => Assert.True(p.Accesses > 0, $"{p.Name} never ran"));
        if (r.Scenario.Events.Any(e => e.Kind == ScenarioEventKind.SuspendToDisk))
            Assert.True(r.SuspendPagesFreed > 0, "suspend_to_disk freed nothing");
    }

    [Fact]
    public void MemcgProtection_BatchIsReclaimedAndKilledWithinItsLimits_TheDatabaseKeepsItsMin()
    {
        // memcg-protection: /batch (max 1 GiB, high 896 MiB, swap.max 256 MiB) streams a 4 GiB file and writes a
        // 768 MiB anon scratch; at 10 s its max drops to 512 MiB, at 15 s it is force-emptied, at 16 s max is "max"
        // again. /workload/db has memory.min 768 MiB and low 1 GiB.
        using var r = new ScenarioRunner(EmbeddedScenarios.Load("memcg-protection"));
        ulong batchAt12 = 0;
        r.Run((m, done) =>
        {
            if (m.Jiffies >= 12 * 250 && batchAt12 == 0)
                batchAt12 = m.MemCgroupMemoryCurrent("/batch");
        }, intervalJiffies: 25);
        Machine m = r.Machine;
        Assert.Equal(3, r.EventsFired);
        long E(string path, MemcgEventItem e) => m.MemCgroupEvent(path, e);
        // memory.high (896 MiB) kept the group below max by reclaiming it: high events, pages stolen in the group.
        Assert.True(E("/batch", MemcgEventItem.High) > 0, "/batch never went over memory.high");
        var stat = new System.IO.StringWriter();
        m.WriteMemoryStat("/batch", stat);
        long pgsteal = long.Parse(stat.ToString().Split('\n').Single(l => l.StartsWith("pgsteal ", StringComparison.Ordinal))[8..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(pgsteal > 0, "nothing reclaimed in /batch");
        // 768 MiB of anon cannot fit 512 MiB + 256 MiB of swap.max: memory_max_write's OOM kills the backup job, inside
        // the group only.
        Assert.Equal(1, E("/batch", MemcgEventItem.OomKill));
        Assert.True(r.ProcessResults.Single(p => p.Name == "backup").OomKilled);
        Assert.Equal(0, E("/workload", MemcgEventItem.OomKill));
        Assert.True(batchAt12 <= 512UL << 20, $"/batch at 12 s: {batchAt12}");
        Assert.True(m.MemCgroupSwapCurrent("/batch") <= 256UL << 20);
        Assert.Equal("max", m.MemCgroupReadKnob("/batch", MemcgKnob.Max)); // the 16 s set_limit
        // The database keeps at least its memory.min.
        Assert.True(m.MemCgroupMemoryCurrent("/workload/db") >= 768UL << 20, $"/workload/db: {m.MemCgroupMemoryCurrent("/workload/db")}");
    }

    private const string Quiet = """
        {
          "name": "quiet", "duration": "2s",
          "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "112MiB" } } ], "cpus": 2 },
          "files": [ { "name": "f", "size": "8MiB", "cached": 0.5 } ],
          "processes": [
            { "name": "a", "cpu": 1, "vmas": [ { "name": "v", "kind": "anon", "size": "4MiB" }, { "name": "locked", "kind": "anon", "size": "1MiB", "mlock": true } ],
              "phases": [ { "start": "0.5s", "end": "1.5s", "pattern": "loop", "vma": "v", "op": "write", "rate": 1000 } ] },
            { "name": "b", "start": "1s", "vmas": [ { "name": "m", "kind": "private_file", "size": "8MiB", "file": "f" } ],
              "phases": [ { "start": "1s", "end": "2s", "pattern": "sequential", "vma": "m", "rate": 4096 } ] }
          ],
          "events": [ { "at": "1s", "kind": "fork", "process": "a" }, { "at": "1.2s", "kind": "exit", "process": "a" } ]
        }
        """;

    [Fact]
    public void QuietScenario_RatesWindowsForkExitMlockAndPrecache()
    {
        var r = new ScenarioRunner(ScenarioParser.Parse(Quiet, "quiet.json")) { CheckInvariants = true };
        using (r)
        {
            r.Boot();
            // Half of the 2048-page file is in the page cache before anything runs.
            Assert.Equal(1024, r.Machine.GlobalNodePageState(Mm.PageAlloc.NodeStatItem.NrFilePages));
            r.Run();
            Dictionary<string, long> v = RunCommand.Vmstat(r.Machine);
            // MAP_LOCKED populated and mlocked the 256-page VMA (unevictable_pgs_mlocked counts each page).
            Assert.Equal(256, v["unevictable_pgs_mlocked"]);
            var results = r.ProcessResults.ToDictionary(p => p.Name);
            // a: 1000 accesses/s from 0.5 s, exited at 1.2 s: 700, plus up to 10 jiffies (4 accesses each) for the
            // timeline task's wake-up to be scheduled among the runnable tasks.
            Assert.InRange(results["a"].Accesses, 696, 740);
            Assert.True(results["a"].Exited);
            Assert.Equal(results["a"].Accesses, results["a"].Writes);
            // a~1 forked at 1 s (± the same scheduling delay) and runs a's phase from then to 1.5 s: 0.5 s worth.
            Assert.InRange(results["a~1"].Accesses, 460, 504);
            Assert.False(results["a~1"].Exited);
            // b read the 2048-page mapping once, sequentially, in its one second.
            Assert.Equal(2048, results["b"].Accesses);
            Assert.Equal(0, results["b"].Writes);
            Assert.Equal(0, v["pgscan_kswapd"] + v["pgscan_direct"]);
        }
    }

    [Fact]
    public void OnInterval_IsCalledAtEveryIntervalWithTheFractionDone()
    {
        using var r = new ScenarioRunner(ScenarioParser.Parse(Quiet, "quiet.json"));
        var fractions = new List<double>();
        var jiffies = new List<ulong>();
        r.Run((m, done) => { fractions.Add(done); jiffies.Add(m.Jiffies); }, intervalJiffies: 50);
        // 2 s at HZ 250 = 500 jiffies, a boundary every 50: at most 10 calls (one step that jumps over several
        // boundaries while every task sleeps gives one call), each past the next boundary, the last at 1.0.
        Assert.InRange(fractions.Count, 2, 10);
        Assert.Equal(1.0, fractions[^1]);
        Assert.True(jiffies[0] >= 50);
        for (int i = 1; i < fractions.Count; i++)
        {
            Assert.True(fractions[i] > fractions[i - 1]);
            Assert.True(jiffies[i] / 50 > jiffies[i - 1] / 50, $"two calls in the interval of jiffy {jiffies[i]}");
        }
    }
}
