using System.Collections.Generic;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>Small machines and list readers shared by the allocator tests.</summary>
internal static unsafe class PageAllocTestUtil
{
    /// <summary>One node, one CPU, the given zones (contiguous, no holes).</summary>
    public static MachineDescription OneNode(params (ZoneType Type, ulong Start, ulong Pages)[] zones)
    {
        var list = new List<ZoneDescription>();
        foreach (var (type, start, pages) in zones)
            list.Add(new ZoneDescription { Type = type, StartPfn = start, SpannedPages = pages });
        return new MachineDescription { Nodes = [new NodeDescription { Zones = list }], NrCpus = 1 };
    }

    public static Zone* ZoneOf(Machine m, int nid, ZoneType type) => PglistData.NodeZone(m.NodeData(nid), (int)type);

    /// <summary>PFNs of the blocks on a free list, head first.</summary>
    public static List<ulong> FreeList(Machine m, int nid, ZoneType type, int order, MigrateType mt)
    {
        var result = new List<ulong>();
        ListHead* list = FreeArea.List(Zone.Area(ZoneOf(m, nid, type), order), (int)mt);
        for (ListHead* p = list->Next; p != list; p = p->Next)
            result.Add(m.PageToPfn(Page.FromLru(p)));
        return result;
    }

    /// <summary>PFNs on a pcp list of one CPU, head first.</summary>
    public static List<ulong> PcpList(Machine m, int nid, ZoneType type, int cpu, MigrateType mt)
    {
        var result = new List<ulong>();
        ListHead* list = PerCpuPages.List(&ZoneOf(m, nid, type)->Pageset[cpu].Pcp, (int)mt);
        for (ListHead* p = list->Next; p != list; p = p->Next)
            result.Add(m.PageToPfn(Page.FromLru(p)));
        return result;
    }

    /// <summary>Every free block of a zone as (pfn, order), sorted by pfn.</summary>
    public static List<(ulong Pfn, int Order)> FreeBlocks(Machine m, int nid, ZoneType type)
    {
        var result = new List<(ulong, int)>();
        for (int order = 0; order < MmZone.MaxOrder; order++)
        {
            for (int mt = 0; mt < MmZone.MigrateTypes; mt++)
            {
                foreach (ulong pfn in FreeList(m, nid, type, order, (MigrateType)mt))
                    result.Add((pfn, order));
            }
        }
        result.Sort();
        return result;
    }

    /// <summary>Takes a whole free block off the buddy lists (as rmqueue does, NR_FREE_PAGES included) for hand-made states.</summary>
    public static Page* TakeBlock(Machine m, Zone* zone, int order, MigrateType mt)
    {
        Page* page = Machine.__RmqueueSmallest(zone, order, (int)mt);
        if (page != null)
            Machine.ModZoneFreepageState(zone, -(1L << order));
        return page;
    }
}
