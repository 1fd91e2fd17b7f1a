using System.Globalization;
using System.IO;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memcontrol;

namespace ReclaimFast.Cli.Output;

/// <summary>
/// Writes every report of a run into <c>DIR</c> at once, through <see cref="AtomicOutputDirectory"/> (nothing
/// half-written is left if anything fails): <c>proc/{vmstat,meminfo,zoneinfo,buddyinfo,pagetypeinfo}</c>,
/// <c>summary.json</c>, <c>timeline.csv</c> and <c>plots/*.png</c>. Used by <c>run</c> and <c>stress</c>.
/// </summary>
internal static class RunReports
{
    /// <summary>The report files, relative to DIR, that every run writes.</summary>
    public static readonly string[] Files =
    [
        "proc/vmstat", "proc/meminfo", "proc/zoneinfo", "proc/buddyinfo", "proc/pagetypeinfo",
        "summary.json", "timeline.csv",
        "plots/free-vs-watermarks.png", "plots/lru-sizes.png", "plots/scan-steal-refault.png",
    ];

    /// <summary>
    /// Records the final state in <paramref name="t"/> (replacing a row taken at the same jiffy), then writes the
    /// reports of <paramref name="m"/> into <paramref name="dir"/>, replacing it atomically; <paramref name="extra"/> are
    /// more top-level files (name, text) written with them.
    /// </summary>
    public static void Write(Machine m, TimelineRecorder t, RunInfo info, string dir, params (string Name, string Text)[] extra)
    {
        t.Sample(m);
        using var output = new AtomicOutputDirectory(dir);
        foreach ((string name, string text) in extra)
            File.WriteAllText(Path.Combine(output.Path, name), text);
        string proc = output.Sub("proc");
        File.WriteAllText(Path.Combine(proc, "vmstat"), ProcVmstat.Read(m));
        File.WriteAllText(Path.Combine(proc, "meminfo"), ProcMeminfo.Read(m));
        File.WriteAllText(Path.Combine(proc, "zoneinfo"), ProcZoneinfo.Read(m));
        File.WriteAllText(Path.Combine(proc, "buddyinfo"), ProcBuddyinfo.Read(m));
        File.WriteAllText(Path.Combine(proc, "pagetypeinfo"), ProcPagetypeinfo.Read(m));
        WriteMemcgFiles(m, output);
        File.WriteAllText(Path.Combine(output.Path, "summary.json"), SummaryJson.ToJson(m, t, info));
        using (var csv = new StreamWriter(Path.Combine(output.Path, "timeline.csv")) { NewLine = "\n" })
            t.WriteCsv(csv);
        Plots.Write(t, output.Sub("plots"));
        output.Commit();
    }

    /// <summary>
    /// <c>memcg/&lt;path&gt;/{memory.current,memory.stat,memory.events,memory.events.local,memory.swap.current}</c> and the
    /// limit files for every cgroup below the root (the root has no memory.stat in v5.4).
    /// </summary>
    public static void WriteMemcgFiles(Machine m, AtomicOutputDirectory output)
    {
        foreach (string path in m.MemCgroupPaths())
        {
            if (path == "/")
                continue;
            string dir = output.Sub(Path.Combine("memcg", path.TrimStart('/')));
            using (var w = Writer(dir, "memory.stat"))
                m.WriteMemoryStat(path, w);
            using (var w = Writer(dir, "memory.events"))
                m.WriteMemoryEvents(path, w);
            using (var w = Writer(dir, "memory.events.local"))
                m.WriteMemoryEventsLocal(path, w);
            File.WriteAllText(Path.Combine(dir, "memory.current"), m.MemCgroupMemoryCurrent(path).ToString(CultureInfo.InvariantCulture) + "\n");
            File.WriteAllText(Path.Combine(dir, "memory.swap.current"), m.MemCgroupSwapCurrent(path).ToString(CultureInfo.InvariantCulture) + "\n");
            foreach ((string file, MemcgKnob knob) in SummaryJson.Knobs)
                File.WriteAllText(Path.Combine(dir, file), m.MemCgroupReadKnob(path, knob) + "\n");
        }
    }

    private static StreamWriter Writer(string dir, string file) => new(Path.Combine(dir, file)) { NewLine = "\n" };
}
