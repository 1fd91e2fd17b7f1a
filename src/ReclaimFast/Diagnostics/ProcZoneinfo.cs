using System;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Writes /proc/zoneinfo byte-compatibly with v5.4 (<c>zoneinfo_show</c> → <c>zoneinfo_show_print</c>,
/// mm/vmstat.c): every zone of every node, populated or not. Counters print as the kernel's
/// <c>zone_page_state</c>/<c>node_page_state</c> do (negative values clamp to 0).
/// </summary>
public static unsafe class ProcZoneinfo
{
    /// <summary>Writes the whole file.</summary>
    public static void Write(Machine machine, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(writer);
        for (int nid = 0; nid < machine.NrNodes; nid++)
        {
            PglistData* pgdat = machine.NodeData(nid);
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
                ZoneinfoShowPrint(machine, writer, pgdat, zid);
        }
    }

    /// <summary>The file as a string.</summary>
    public static string Read(Machine machine)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(machine, sw);
        return sw.ToString();
    }

    /// <summary><c>is_zone_first_populated</c>.</summary>
    private static bool IsZoneFirstPopulated(PglistData* pgdat, int zid)
    {
        for (int i = 0; i < MmZone.MaxNrZones; i++)
        {
            if (MmZone.PopulatedZone(PglistData.NodeZone(pgdat, i)))
                return i == zid;
        }
        return false;
    }

    /// <summary><c>zoneinfo_show_print</c>.</summary>
    private static void ZoneinfoShowPrint(Machine m, TextWriter w, PglistData* pgdat, int zid)
    {
        Zone* zone = PglistData.NodeZone(pgdat, zid);
        w.Write(Fmt.S($"Node {pgdat->NodeId}, zone {MmZone.ZoneName(zid),8}"));
        if (IsZoneFirstPopulated(pgdat, zid))
        {
            w.Write("\n  per-node stats");
            for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
                w.Write(Fmt.S($"\n      {VmStat.NodeStatText[i],-12} {Fmt.Clamp(pgdat->VmStat[i])}"));
        }
        w.Write(Fmt.S($"\n  pages free     {Fmt.Clamp(zone->VmStat[(int)ZoneStatItem.NrFreePages])}"));
        w.Write(Fmt.S($"\n        min      {MmZone.MinWmarkPages(zone)}"));
        w.Write(Fmt.S($"\n        low      {MmZone.LowWmarkPages(zone)}"));
        w.Write(Fmt.S($"\n        high     {MmZone.HighWmarkPages(zone)}"));
        w.Write(Fmt.S($"\n        spanned  {zone->SpannedPages}"));
        w.Write(Fmt.S($"\n        present  {zone->PresentPages}"));
        w.Write(Fmt.S($"\n        managed  {zone->ManagedPages}"));
        w.Write(Fmt.S($"\n        protection: ({zone->LowmemReserve[0]}"));
        for (int i = 1; i < MmZone.MaxNrZones; i++)
            w.Write(Fmt.S($", {zone->LowmemReserve[i]}"));
        w.Write(')');

        // If unpopulated, no other information is useful.
        if (!MmZone.PopulatedZone(zone))
        {
            w.Write('\n');
            return;
        }

        for (int i = 0; i < VmStat.NrVmZoneStatItems; i++)
            w.Write(Fmt.S($"\n      {VmStat.ZoneStatText[i],-12} {Fmt.Clamp(zone->VmStat[i])}"));
        for (int i = 0; i < VmStat.NrVmNumaStatItems; i++)
            w.Write(Fmt.S($"\n      {VmStat.NumaStatText[i],-12} {Fmt.Clamp(zone->VmNumaStat[i])}"));

        w.Write("\n  pagesets");
        for (int cpu = 0; cpu < m.NrCpus; cpu++)
        {
            PerCpuPageset* pageset = zone->Pageset + cpu;
            w.Write(Fmt.S($"\n    cpu: {cpu}"));
            w.Write(Fmt.S($"\n              count: {pageset->Pcp.Count}"));
            w.Write(Fmt.S($"\n              high:  {pageset->Pcp.High}"));
            w.Write(Fmt.S($"\n              batch: {pageset->Pcp.Batch}"));
            w.Write(Fmt.S($"\n  vm stats threshold: {pageset->StatThreshold}"));
        }
        w.Write(Fmt.S($"\n  node_unreclaimable:  {(pgdat->KswapdFailures >= MmZone.MaxReclaimRetries ? 1 : 0)}"));
        w.Write(Fmt.S($"\n  start_pfn:           {zone->ZoneStartPfn}"));
        w.Write('\n');
    }
}

/// <summary>Invariant-culture formatting helpers for the /proc writers (printf's %lu, %ld, %d are culture-free).</summary>
internal static class Fmt
{
    /// <summary>Formats an interpolated string with the invariant culture.</summary>
    public static string S(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>zone_page_state</c>/<c>node_page_state</c> clamp a transiently negative counter to 0 (CONFIG_SMP).</summary>
    public static ulong Clamp(long v) => v < 0 ? 0 : (ulong)v;
}
