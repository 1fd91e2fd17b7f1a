using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Cli.Output;

/// <summary>
/// <c>summary.json</c> (and what <c>--json</c> prints): one object. Everything except the <c>"run"</c> member is a
/// function of the scenario and seed (a determinism test compares the rest); <c>"run"</c> holds the host's wall
/// clock and the run's own speed. <c>"vmstat"</c> has every /proc/vmstat line under its exact name, in the
/// kernel's order (pgpgin/pgpgout in KiB, as printed); <c>"meminfo"</c> every /proc/meminfo line (kB, or a count
/// for HugePages_*); <c>"nodes"</c> per-node numbers named as <c>/sys/devices/system/node/nodeN/meminfo</c> names
/// them (kB) plus the node's watermark sums (pages); <c>"memcgs"</c> per-memcg usage.
/// </summary>
internal static class SummaryJson
{
    /// <summary>Writes the whole summary object.</summary>
    public static void Write(Utf8JsonWriter w, Machine m, TimelineRecorder? timeline, RunInfo info)
    {
        w.WriteStartObject();
        w.WriteString("scenario", info.Scenario);
        w.WriteNumber("seed", info.Seed);
        if (info.Ops is long ops)
            w.WriteNumber("ops", ops);
        w.WriteNumber("hz", m.Hz);
        w.WriteNumber("jiffies", m.Jiffies);
        w.WriteNumber("simulatedSeconds", SimulatedSeconds(m));
        w.WriteNumber("steps", m.StepsRun);
        w.WriteNumber("timelineRows", timeline?.Count ?? 0);

        w.WriteStartObject("machine");
        w.WriteNumber("nodes", m.NrNodes);
        w.WriteNumber("cpus", m.NrCpus);
        w.WriteNumber("maxPfn", m.MaxPfnValue);
        w.WriteNumber("managedPages", ManagedPages(m));
        w.WriteNumber("minFreeKbytes", m.MinFreeKbytes);
        w.WriteNumber("totalreservePages", m.TotalreservePages);
        w.WriteEndObject();

        w.WriteStartObject("vmstat");
        foreach ((string name, string value) in Lines(ProcVmstat.Read(m), ' '))
            w.WriteNumber(name, ulong.Parse(value, CultureInfo.InvariantCulture));
        w.WriteEndObject();

        w.WriteStartObject("meminfo");
        foreach ((string name, string value) in Lines(ProcMeminfo.Read(m), ':'))
            w.WriteNumber(name, ulong.Parse(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture));
        w.WriteEndObject();

        w.WriteStartArray("nodes");
        for (int nid = 0; nid < m.NrNodes; nid++)
            WriteNode(w, m, nid);
        w.WriteEndArray();

        w.WritePropertyName("memcgs");
        WriteMemcgs(w, m);

        w.WriteStartObject("run");
        w.WriteNumber("wallSeconds", Math.Round(info.WallSeconds, 3));
        double wall = Math.Max(info.WallSeconds, 1e-9);
        w.WriteNumber("stepsPerSecond", Math.Round(m.StepsRun / wall));
        long allocated = PagesAllocated(m), scanned = PagesScanned(m);
        w.WriteNumber("pagesAllocated", allocated);
        w.WriteNumber("pagesScanned", scanned);
        w.WriteNumber("pagesPerSecond", Math.Round((allocated + scanned) / wall));
        w.WriteNumber("simulatedSecondsPerWallSecond", Math.Round(SimulatedSeconds(m) / wall, 3));
        w.WriteNumber("nativeBytes", m.NativeBytes);
        w.WriteEndObject();

        w.WriteEndObject();
    }

    /// <summary>The summary as UTF-8 JSON text (indented), ending with a newline.</summary>
    public static string ToJson(Machine m, TimelineRecorder? timeline, RunInfo info)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            Write(w, m, timeline, info);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>
    /// The <c>"memcgs"</c> value: an object keyed by cgroup path (pre-order, the root excluded: v5.4 has no memory.stat
    /// there) with each group's memory.current, memory.swap.current, its limits as the files read, memory.events and
    /// memory.stat (bytes and counts under the files' own names).
    /// </summary>
    public static void WriteMemcgs(Utf8JsonWriter w, Machine m)
    {
        ArgumentNullException.ThrowIfNull(m);
        w.WriteStartObject();
        foreach (string path in m.MemCgroupPaths())
        {
            if (path == "/")
                continue;
            w.WriteStartObject(path);
            w.WriteNumber("memory.current", m.MemCgroupMemoryCurrent(path));
            w.WriteNumber("memory.swap.current", m.MemCgroupSwapCurrent(path));
            foreach ((string file, MemcgKnob knob) in Knobs)
                w.WriteString(file, m.MemCgroupReadKnob(path, knob));
            WriteKeyedFile(w, "memory.events", writer => m.WriteMemoryEvents(path, writer));
            WriteKeyedFile(w, "memory.stat", writer => m.WriteMemoryStat(path, writer));
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>A flat-keyed cgroup file ("name value" lines) as an object named <paramref name="file"/>.</summary>
    private static void WriteKeyedFile(Utf8JsonWriter w, string file, Action<TextWriter> write)
    {
        var text = new StringWriter();
        write(text);
        w.WriteStartObject(file);
        foreach ((string name, string value) in Lines(text.ToString(), ' '))
            w.WriteNumber(name, ulong.Parse(value, CultureInfo.InvariantCulture));
        w.WriteEndObject();
    }

    /// <summary>The limit files of a cgroup, as <c>memory.*</c> names.</summary>
    internal static readonly (string File, MemcgKnob Knob)[] Knobs =
    [
        ("memory.min", MemcgKnob.Min), ("memory.low", MemcgKnob.Low), ("memory.high", MemcgKnob.High),
        ("memory.max", MemcgKnob.Max), ("memory.swap.max", MemcgKnob.SwapMax), ("memory.soft_limit_in_bytes", MemcgKnob.SoftLimit),
    ];

    /// <summary>Simulated seconds: jiffies / HZ.</summary>
    public static double SimulatedSeconds(Machine m) => (double)m.Jiffies / m.Hz;

    /// <summary>Pages the allocator handed out (Σ pgalloc_*).</summary>
    public static long PagesAllocated(Machine m) =>
        m.VmEvent(VmEventItem.PgallocDma) + m.VmEvent(VmEventItem.PgallocDma32)
        + m.VmEvent(VmEventItem.PgallocNormal) + m.VmEvent(VmEventItem.PgallocMovable);

    /// <summary>Pages reclaim scanned (pgscan_kswapd + pgscan_direct).</summary>
    public static long PagesScanned(Machine m) => m.VmEvent(VmEventItem.PgscanKswapd) + m.VmEvent(VmEventItem.PgscanDirect);

    /// <summary>Σ managed pages over all zones.</summary>
    public static ulong ManagedPages(Machine m)
    {
        ulong managed = 0;
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                managed += m.ZoneManagedPages(nid, (ZoneType)z);
        }
        return managed;
    }

    /// <summary>
    /// One node, with the names and units of v5.4 <c>node_read_meminfo</c> (drivers/base/node.c) for the lines
    /// ReclaimFast keeps (kB), then the node's zone watermark sums in pages.
    /// </summary>
    private static void WriteNode(Utf8JsonWriter w, Machine m, int nid)
    {
        ulong managed = 0;
        long free = 0, mlock = 0, pagetables = 0, kernelStackKb = 0, bounce = 0;
        ulong min = 0, low = 0, high = 0;
        for (int z = 0; z < MmZone.MaxNrZones; z++)
        {
            var zt = (ZoneType)z;
            managed += m.ZoneManagedPages(nid, zt);
            free += m.ZonePageState(nid, zt, ZoneStatItem.NrFreePages);
            mlock += m.ZonePageState(nid, zt, ZoneStatItem.NrMlock);
            pagetables += m.ZonePageState(nid, zt, ZoneStatItem.NrPagetable);
            kernelStackKb += m.ZonePageState(nid, zt, ZoneStatItem.NrKernelStackKb);
            bounce += m.ZonePageState(nid, zt, ZoneStatItem.NrBounce);
            min += m.ZoneWatermark(nid, zt, 0);
            low += m.ZoneWatermark(nid, zt, 1);
            high += m.ZoneWatermark(nid, zt, 2);
        }
        long N(NodeStatItem item) => Math.Max(0, m.NodePageState(nid, item));
        static long Kb(long pages) => pages * 4;
        long activeAnon = N(NodeStatItem.NrActiveAnon), inactiveAnon = N(NodeStatItem.NrInactiveAnon);
        long activeFile = N(NodeStatItem.NrActiveFile), inactiveFile = N(NodeStatItem.NrInactiveFile);
        long sreclaimable = N(NodeStatItem.NrSlabReclaimable), sunreclaim = N(NodeStatItem.NrSlabUnreclaimable);

        w.WriteStartObject();
        w.WriteNumber("node", nid);
        w.WriteNumber("MemTotal", Kb((long)managed));
        w.WriteNumber("MemFree", Kb(free));
        w.WriteNumber("MemUsed", Kb((long)managed - free));
        w.WriteNumber("Active", Kb(activeAnon + activeFile));
        w.WriteNumber("Inactive", Kb(inactiveAnon + inactiveFile));
        w.WriteNumber("Active(anon)", Kb(activeAnon));
        w.WriteNumber("Inactive(anon)", Kb(inactiveAnon));
        w.WriteNumber("Active(file)", Kb(activeFile));
        w.WriteNumber("Inactive(file)", Kb(inactiveFile));
        w.WriteNumber("Unevictable", Kb(N(NodeStatItem.NrUnevictable)));
        w.WriteNumber("Mlocked", Kb(mlock));
        w.WriteNumber("Dirty", Kb(N(NodeStatItem.NrFileDirty)));
        w.WriteNumber("Writeback", Kb(N(NodeStatItem.NrWriteback)));
        w.WriteNumber("FilePages", Kb(N(NodeStatItem.NrFilePages)));
        w.WriteNumber("Mapped", Kb(N(NodeStatItem.NrFileMapped)));
        w.WriteNumber("AnonPages", Kb(N(NodeStatItem.NrAnonMapped)));
        w.WriteNumber("Shmem", Kb(N(NodeStatItem.NrShmem)));
        w.WriteNumber("KernelStack", kernelStackKb);
        w.WriteNumber("PageTables", Kb(pagetables));
        w.WriteNumber("Bounce", Kb(bounce));
        w.WriteNumber("KReclaimable", Kb(sreclaimable + N(NodeStatItem.NrKernelMiscReclaimable)));
        w.WriteNumber("Slab", Kb(sreclaimable + sunreclaim));
        w.WriteNumber("SReclaimable", Kb(sreclaimable));
        w.WriteNumber("SUnreclaim", Kb(sunreclaim));
        w.WriteNumber("wmarkMinPages", min);
        w.WriteNumber("wmarkLowPages", low);
        w.WriteNumber("wmarkHighPages", high);
        w.WriteEndObject();
    }

    /// <summary>Splits a /proc text into (name, rest) at the first <paramref name="sep"/> of each line.</summary>
    private static System.Collections.Generic.IEnumerable<(string Name, string Value)> Lines(string text, char sep)
    {
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int i = line.IndexOf(sep, StringComparison.Ordinal);
            yield return (line[..i], line[(i + 1)..].Trim());
        }
    }
}
