using System;
using System.Linq;
using ReclaimFast.Workload.Scenario;
using Xunit;

namespace ReclaimFast.Tests.Workload;

public sealed class ScenarioParserTests
{
    public static TheoryData<string> Embedded => new(EmbeddedScenarios.Names);

    [Theory]
    [MemberData(nameof(Embedded))]
    public void EmbeddedScenario_ParsesValidatesAndRoundTrips(string name)
    {
        ScenarioDefinition s = EmbeddedScenarios.Load(name);
        Assert.Equal(name, s.Name);
        Assert.False(string.IsNullOrWhiteSpace(s.Description));
        Assert.DoesNotContain('\n', s.Description);
        string canonical = ScenarioWriter.ToJson(s);
        ScenarioDefinition again = ScenarioParser.Parse(canonical, "canonical.json");
        Assert.Equal(canonical, ScenarioWriter.ToJson(again));
        // Its machine boots as described.
        ScenarioRunner.Describe(s.Machine).Validate();
    }

    [Fact]
    public void EveryFieldIsRead()
    {
        const string json = """
            {
              // comments are allowed
              "name": "all", "description": "every field", "seed": 18446744073709551615, "duration": "2min",
              "machine": {
                "nodes": [ { "zones": { "dma": "16MiB", "dma32": "4080MiB", "normal": "1GiB" } }, { "zones": { "normal": "2GiB", "movable": "512MiB" } } ],
                "cpus": 3, "min_free_kbytes": 4096, "watermark_scale_factor": 200, "swappiness": 10,
                "swap": [ { "size": "1GiB", "priority": 5 }, { "size": 8192 } ], "zone_reclaim_mode": 1, "laptop_mode": true, "hz": 1000
              },
              "memcgs": [ { "path": "/a", "max": "1GiB", "high": "max", "low": "1MiB", "min": "4KiB", "swap_max": 0, "soft_limit": "2MiB" },
                          { "path": "/a/b" } ],
              "files": [ { "name": "f", "size": "10000", "cached": 0.25 }, { "name": "g", "size": "1MiB", "cached": true } ],
              "processes": [ { "name": "p", "memcg": "/a/b", "oom_score_adj": -17, "cpu": 2, "start": "500ms",
                  "vmas": [ { "name": "v", "kind": "shared_file", "size": "8KiB", "file": "f", "mlock": true }, { "name": "w", "kind": "anon", "size": "1MiB" } ],
                  "phases": [
                    { "start": 1, "end": 2.5, "pattern": "zipf", "vma": "w", "theta": 1.2, "write_ratio": 0.25, "rate": 10 },
                    { "start": 1, "end": 2, "pattern": "hot_cold", "file": "g", "hot_fraction": 0.1, "hot_probability": 0.7, "op": "write", "rate": 1.5 },
                    { "start": 0, "end": 1, "pattern": "stride", "vma": "w", "stride": "16KiB", "rate": 100 } ] } ],
              "events": [
                { "at": 3, "kind": "alloc_burst", "size": "8MiB", "gfp": "atomic", "hold": "250ms" },
                { "at": 1, "kind": "slab_grow", "objects": 1000 },
                { "at": 1, "kind": "fork", "process": "p" }, { "at": 2, "kind": "exit", "process": "p" },
                { "at": 4, "kind": "suspend_to_disk", "size": "4MiB" }, { "at": 5, "kind": "force_empty", "memcg": "/a" },
                { "at": 6, "kind": "set_limit", "memcg": "/a/b", "knob": "swap_max", "value": "max" },
                { "at": 7, "kind": "drop_caches", "value": 2 } ]
            }
            """;
        ScenarioDefinition s = ScenarioParser.Parse(json, "all.json");
        Assert.Equal(ulong.MaxValue, s.Seed);
        Assert.Equal(120, s.Duration);
        ScenarioMachine m = s.Machine;
        Assert.Equal(2, m.Nodes!.Count);
        Assert.Equal(4080L << 20, m.Nodes[0].Dma32);
        Assert.Equal(512L << 20, m.Nodes[1].Movable);
        Assert.Equal((3, 4096, 200, 10, 1, true, 1000), (m.Cpus!.Value, m.MinFreeKbytes!.Value, m.WatermarkScaleFactor, m.Swappiness, m.ZoneReclaimMode, m.LaptopMode, m.Hz));
        Assert.Equal(5, m.Swap[0].Priority);
        Assert.Null(m.Swap[1].Priority);
        Assert.Equal(8192, m.Swap[1].Size);
        Assert.Equal(
            new (ScenarioMemcgKnob, ulong)[] { (ScenarioMemcgKnob.Max, 1UL << 30), (ScenarioMemcgKnob.High, ulong.MaxValue), (ScenarioMemcgKnob.Low, 1UL << 20),
                (ScenarioMemcgKnob.Min, 4096), (ScenarioMemcgKnob.SwapMax, 0), (ScenarioMemcgKnob.SoftLimit, 2UL << 20) },
            s.Memcgs[0].Knobs);
        Assert.Empty(s.Memcgs[1].Knobs);
        Assert.Equal((10000L, 0.25), (s.Files[0].Size, s.Files[0].Cached));
        Assert.Equal(1.0, s.Files[1].Cached);
        ScenarioProcess p = s.Processes[0];
        Assert.Equal(("/a/b", -17, 2, 0.5), (p.Memcg, p.OomScoreAdj, p.Cpu!.Value, p.Start));
        Assert.Equal((ScenarioVmaKind.SharedFile, 8192L, "f", true), (p.Vmas[0].Kind, p.Vmas[0].Size, p.Vmas[0].File, p.Vmas[0].Mlock));
        Assert.Equal((AccessPattern.Zipf, 1.2, 0.25, 10.0, 2.5), (p.Phases[0].Pattern, p.Phases[0].Theta, p.Phases[0].WriteRatio, p.Phases[0].Rate, p.Phases[0].End));
        Assert.Equal((AccessPattern.HotCold, "g", 0.1, 0.7, 1.0), (p.Phases[1].Pattern, p.Phases[1].File, p.Phases[1].HotFraction, p.Phases[1].HotProbability, p.Phases[1].WriteRatio));
        Assert.Equal((AccessPattern.Stride, 16384L, 0.0), (p.Phases[2].Pattern, p.Phases[2].Stride, p.Phases[2].WriteRatio));
        Assert.Equal(
            new[] { ScenarioEventKind.AllocBurst, ScenarioEventKind.SlabGrow, ScenarioEventKind.Fork, ScenarioEventKind.Exit, ScenarioEventKind.SuspendToDisk,
                ScenarioEventKind.ForceEmpty, ScenarioEventKind.SetLimit, ScenarioEventKind.DropCaches },
            s.Events.Select(e => e.Kind).ToArray());
        Assert.Equal((8L << 20, ScenarioGfp.Atomic, 0.25), (s.Events[0].Size, s.Events[0].Gfp, s.Events[0].Hold!.Value));
        Assert.Equal((ScenarioMemcgKnob.SwapMax, ulong.MaxValue), (s.Events[6].Knob, s.Events[6].Value));

        string canonical = ScenarioWriter.ToJson(s);
        Assert.Equal(canonical, ScenarioWriter.ToJson(ScenarioParser.Parse(canonical, "again.json")));
    }

    [Fact]
    public void ReadmeExample_ParsesAndUsesEveryEventKind()
    {
        string dir = AppContext.BaseDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(dir, "README.md")))
            dir = System.IO.Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("README.md not found above the test binaries");
        string readme = System.IO.File.ReadAllText(System.IO.Path.Combine(dir, "README.md"));
        const string start = "### Example\n\n```json\n";
        int from = readme.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, "README has no scenario example");
        from += start.Length;
        string json = readme[from..readme.IndexOf("\n```", from, StringComparison.Ordinal)];
        ScenarioDefinition s = ScenarioParser.Parse(json, "README example");
        Assert.Equal(Enum.GetValues<ScenarioEventKind>().Length, s.Events.Select(e => e.Kind).Distinct().Count());
        Assert.Equal(Enum.GetValues<AccessPattern>().Length - 1, s.Processes.SelectMany(p => p.Phases).Select(p => p.Pattern).Distinct().Count()); // all but sequential
    }

    [Fact]
    public void Defaults()
    {
        ScenarioDefinition s = ScenarioParser.Parse("""{ "name": "d", "duration": 1 }""", "d.json");
        Assert.Equal(0UL, s.Seed);
        Assert.Null(s.Machine.Nodes);
        Assert.Equal((10, 60, 0, false, 250), (s.Machine.WatermarkScaleFactor, s.Machine.Swappiness, s.Machine.ZoneReclaimMode, s.Machine.LaptopMode, s.Machine.Hz));
        // No nodes: the built-in 16 GiB two-node machine with its 4 CPUs.
        MachineDescription d = ScenarioRunner.Describe(s.Machine);
        Assert.Equal(MachineDescription.Default.MaxPfn, d.MaxPfn);
        Assert.Equal(4, d.NrCpus);
    }

    [Theory]
    // Each: the scenario, and the message after "x.json: ".
    [InlineData("""{ "name": "x" }""", "duration: (missing) is required")]
    [InlineData("""[1]""", "(top level): […] is not a JSON object")]
    [InlineData("""{ "name": "x", "name": "y", "duration": 1 }""", "name: \"y\" is given twice")]
    [InlineData("""{ "name": "x", "duration": 1, "machine": { "nodes": [ { "zones": { "dma32": "4GiB", "normal": "1GiB" } }, { "zones": { "dma": "4MiB" } } ] } }""",
        "machine.nodes[1].zones.dma: \"4MiB\" cannot fit: ZONE_DMA covers the first 16MiB of physical memory and earlier nodes use 5GiB")]
    [InlineData("""{ "name": "x", "duration": 1, "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "4GiB" } } ] } }""",
        "machine.nodes[0].zones.dma32: \"4GiB\" is larger than node 0 allows: ZONE_DMA32 ends at 4GiB and it would start at 16MiB")]
    [InlineData("""{ "name": "x", "duration": 1, "machine": { "nodes": [ { "zones": { "normal": "6000" } } ] } }""",
        "machine.nodes[0].zones.normal: \"6000\" is not a whole number of 4KiB pages")]
    [InlineData("""{ "name": "x", "duration": 1, "machine": { "swappiness": 101 } }""", "machine.swappiness: 101 is not a whole number 0..100")]
    [InlineData("""{ "name": "x", "duration": 1, "machine": { "cpus": 2 }, "processes": [ { "name": "p", "cpu": 2 } ] }""",
        "processes[0].cpu: 2 is not a CPU of the machine (cpus 0..1)")]
    [InlineData("""{ "name": "x", "duration": 1, "files": [ { "name": "f", "size": "4KiB" } ], "processes": [ { "name": "p", "vmas": [ { "name": "v", "kind": "shared_file", "size": "8KiB", "file": "f" } ] } ] }""",
        "processes[0].vmas[0].size: \"8KiB\" is larger than file \"f\" (4KiB); pages past its end would raise SIGBUS")]
    [InlineData("""{ "name": "x", "duration": 1, "processes": [ { "name": "p", "vmas": [ { "name": "v", "kind": "anon", "size": -1 } ] } ] }""",
        "processes[0].vmas[0].size: -1 is negative")]
    [InlineData("""{ "name": "x", "duration": 1, "processes": [ { "name": "p", "phases": [ { "start": 0, "end": 1, "pattern": "uniform", "vma": "v", "rate": 1 } ] } ] }""",
        "processes[0].phases[0].vma: \"v\" names a VMA this process does not map")]
    [InlineData("""{ "name": "x", "duration": 1, "processes": [ { "name": "p", "vmas": [ { "name": "v", "kind": "anon", "size": "4KiB" } ], "phases": [ { "start": 0, "end": 1, "pattern": "uniform", "vma": "v", "theta": 0.5, "rate": 1 } ] } ] }""",
        "processes[0].phases[0].theta: 0.5 applies only to pattern zipf")]
    [InlineData("""{ "name": "x", "duration": 1, "processes": [ { "name": "p", "vmas": [ { "name": "v", "kind": "anon", "size": "4KiB" } ], "phases": [ { "start": 0, "end": 1, "pattern": "uniform", "vma": "v", "rate": -3 } ] } ] }""",
        "processes[0].phases[0].rate: -3 must be greater than 0 (accesses per simulated second)")]
    [InlineData("""{ "name": "x", "duration": 1, "events": [ { "at": 0, "kind": "exit", "process": "ghost" } ] }""", "events[0].process: \"ghost\" names a missing process")]
    [InlineData("""{ "name": "x", "duration": 1, "events": [ { "at": 0, "kind": "slab_grow", "objects": 5, "size": "4KiB" } ] }""",
        "events[0].size: \"4KiB\" does not apply to a slab_grow event (it takes: objects)")]
    [InlineData("""{ "name": "x", "duration": 1, "events": [ { "at": 0, "kind": "drop_caches", "value": 1 } ] }""",
        "events[0].value: 1 must be 2 (drop slab objects; dropping the page cache, 1 and 3, is not emulated)")]
    [InlineData("""{ "name": "x", "duration": 1, "events": [ { "at": "1s", "kind": "drop_caches", "value": 2 } ] }""", "events[0].at: \"1s\" is not before the scenario's end (1s)")]
    [InlineData("""{ "name": "x", "duration": 1, "processes": [ { "name": "p", "start": 2 } ] }""", "processes[0].start: 2 is not before the scenario's end (1s)")]
    [InlineData("""{ "name": "x", "duration": 1, "files": [ { "name": "f", "size": "1.5GiB" } ] }""",
        "files[0].size: \"1.5GiB\" is not a size (a whole number and KiB, MiB, GiB or TiB, e.g. \"4GiB\")")]
    [InlineData("""{ "name": "x", "duration": 1, "files": [ { "name": "f", "size": "2GB" } ] }""", "files[0].size: \"2GB\" is not a size (use KiB, MiB, GiB, TiB)")]
    [InlineData("""{ "name": "x", "duration": 1, "events": [ { "at": 0, "kind": "set_limit", "memcg": "/nope", "knob": "max", "value": "1GiB" } ] }""",
        "events[0].memcg: \"/nope\" names a missing memcg (declare it under \"memcgs\")")]
    [InlineData("""{ "name": "x", "duration": 1, "memcgs": [ { "path": "/a", "max": "1 GiB" }, { "path": "/a", "max": "2GiB" } ] }""", "memcgs[1].path: \"/a\" names a memcg twice")]
    [InlineData("""{ "name": "x", "duration": 1, "memcgs": [ { "path": "/a", "max": "lots" } ] }""", "memcgs[0].max: \"lots\" is not a size (a whole number and KiB, MiB, GiB or TiB, e.g. \"4GiB\")")]
    public void BadInput_NamesFieldAndValue(string json, string message)
    {
        var e = Assert.Throws<ScenarioException>(() => ScenarioParser.Parse(json, "x.json"));
        Assert.Equal("x.json: " + message, e.Message);
    }
}
