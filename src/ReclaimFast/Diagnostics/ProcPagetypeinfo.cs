using System;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Writes /proc/pagetypeinfo byte-compatibly with v5.4 (<c>pagetypeinfo_show</c>, mm/vmstat.c): per node with
/// memory, the pageblock header, free blocks per migratetype and order (<c>pagetypeinfo_showfree_print</c>, lists
/// counted up to 100000) and pageblocks per migratetype (<c>pagetypeinfo_showblockcount_print</c>). CMA is off, so
/// there is no CMA column; PAGE_OWNER is off, so there is no mixed-blocks table.
/// </summary>
public static unsafe class ProcPagetypeinfo
{
    /// <summary>Writes the whole file.</summary>
    public static void Write(Machine machine, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(writer);
        for (int nid = 0; nid < machine.NrNodes; nid++)
        {
            PglistData* pgdat = machine.NodeData(nid);
            if (pgdat->NodePresentPages == 0)
                continue; // !node_state(N_MEMORY)
            writer.Write(Fmt.S($"Page block order: {MmZone.PageblockOrder}\n"));
            writer.Write(Fmt.S($"Pages per block:  {MmZone.PageblockNrPages}\n"));
            writer.Write('\n');
            ShowFree(writer, pgdat);
            ShowBlockcount(machine, writer, pgdat);
        }
    }

    /// <summary>The file as a string.</summary>
    public static string Read(Machine machine)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Write(machine, sw);
        return sw.ToString();
    }

    /// <summary><c>pagetypeinfo_showfree</c>.</summary>
    private static void ShowFree(TextWriter w, PglistData* pgdat)
    {
        w.Write(Fmt.S($"{"Free pages count per migrate type at order",-43} "));
        for (int order = 0; order < MmZone.MaxOrder; order++)
            w.Write(Fmt.S($"{order,6} "));
        w.Write('\n');
        for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, zid);
            if (!MmZone.PopulatedZone(zone))
                continue;
            for (int mt = 0; mt < MmZone.MigrateTypes; mt++)
            {
                w.Write(Fmt.S($"Node {pgdat->NodeId,4}, zone {MmZone.ZoneName(zid),8}, type {MmZone.MigratetypeName(mt),12} "));
                for (int order = 0; order < MmZone.MaxOrder; order++)
                {
                    ListHead* list = FreeArea.List(Zone.Area(zone, order), mt);
                    ulong freecount = 0;
                    bool overflow = false;
                    for (ListHead* curr = list->Next; curr != list; curr = curr->Next)
                    {
                        // The kernel caps the walk: it runs under the zone lock.
                        if (++freecount >= 100000)
                        {
                            overflow = true;
                            break;
                        }
                    }
                    w.Write(Fmt.S($"{(overflow ? ">" : "")}{freecount,6} "));
                }
                w.Write('\n');
            }
        }
    }

    /// <summary><c>pagetypeinfo_showblockcount</c> and its per-zone print.</summary>
    private static void ShowBlockcount(Machine m, TextWriter w, PglistData* pgdat)
    {
        w.Write(Fmt.S($"\n{"Number of blocks type ",-23}"));
        for (int mt = 0; mt < MmZone.MigrateTypes; mt++)
            w.Write(Fmt.S($"{MmZone.MigratetypeName(mt),12} "));
        w.Write('\n');
        Span<ulong> count = stackalloc ulong[MmZone.MigrateTypes];
        for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, zid);
            if (!MmZone.PopulatedZone(zone))
                continue;
            count.Clear();
            ulong end = MmZone.ZoneEndPfn(zone);
            for (ulong pfn = zone->ZoneStartPfn; pfn < end; pfn += MmZone.PageblockNrPages)
            {
                if (!m.PfnValid(pfn)) // pfn_to_online_page
                    continue;
                Page* page = m.PfnToPage(pfn);
                if (m.PageZone(page) != zone)
                    continue;
                int mtype = m.GetPageblockMigratetype(page);
                if (mtype < MmZone.MigrateTypes)
                    count[mtype]++;
            }
            w.Write(Fmt.S($"Node {pgdat->NodeId}, zone {MmZone.ZoneName(zid),8} "));
            for (int mt = 0; mt < MmZone.MigrateTypes; mt++)
                w.Write(Fmt.S($"{count[mt],12} "));
            w.Write('\n');
        }
    }
}
