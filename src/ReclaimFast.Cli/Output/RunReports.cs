using System.IO;
using ReclaimFast.Diagnostics;

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
    /// Hook for <c>memcg/&lt;path&gt;/memory.stat</c> and <c>memory.events</c>: writes nothing until memcg is wired in.
    /// </summary>
    public static void WriteMemcgFiles(Machine m, AtomicOutputDirectory output)
    {
        _ = m;
        _ = output;
    }
}
