// TEMPORARY (branch rmap only): a stand-in for the page allocator and Machine that the `pagealloc` branch
// builds, exposing the agreed contract names so process memory and rmap can be written and tested now.
// Delete this whole file when main has src/ReclaimFast/Mm/PageAlloc, and re-point Mm/Memory/Machine.MmGlue.cs.
using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

/// <summary>Stand-in machine description (stub).</summary>
public sealed class MachineDescription
{
    /// <summary>Pages of RAM.</summary>
    public long Pages { get; init; } = 65536;
}

/// <summary>
/// Stand-in for the allocator branch's Machine (stub): a flat mem_map and a LIFO free list, with the
/// contract's member names. Only what process memory and rmap need.
/// </summary>
public sealed unsafe partial class Machine : IDisposable
{
    private readonly ListHead* _freeList; // native: list heads must not move
    private readonly PglistData* _node;
    private readonly long* _events;

    internal NativeHeap Heap { get; }
    internal Page* MemMap { get; }
    internal ulong MaxPfn { get; }
    internal ulong* ContentToken { get; }
    internal int CurrentCpu => 0;

    /// <summary>Emulated CPUs.</summary>
    public int NrCpus => 1;

    /// <summary>Nodes.</summary>
    public int NrNodes => 1;

    /// <summary>Free pages (stub statistic).</summary>
    public long NrFreePages { get; private set; }

    private Machine(MachineDescription d)
    {
        Heap = new NativeHeap();
        MaxPfn = (ulong)d.Pages;
        MemMap = Heap.AllocArray<Page>(d.Pages);
        ContentToken = Heap.AllocArray<ulong>(d.Pages);
        _node = Heap.AllocOne<PglistData>();
        _events = Heap.AllocArray<long>((int)VmEventItem.NrVmEventItems);
        ListHead* fl = _freeList = Heap.AllocOne<ListHead>();
        {
            ListHead.Init(fl);
            for (long pfn = d.Pages - 1; pfn >= 1; pfn--)
            {
                Page* p = MemMap + pfn;
                p->MapCount = -1;
                PageOps.SetPageLinks(p, 2, 0);
                ListHead.Add(p->LruPtr, fl);
            }
        }
        MemMap->MapCount = -1;
        PageOps.SetPageReserved(MemMap);
        NrFreePages = d.Pages - 1;
    }

    /// <summary>Boots a machine.</summary>
    public static Machine Boot(MachineDescription d) => new(d);

    /// <summary>Boots the default machine.</summary>
    public static Machine CreateDefault() => new(new MachineDescription());

    internal PglistData* NodeData(int nid) => _node;
    internal Page* PfnToPage(ulong pfn) => MemMap + pfn;
    internal ulong PageToPfn(Page* page) => (ulong)(page - MemMap);
    internal Zone* PageZone(Page* page) => &_node->NodeZone;
    internal PglistData* PagePgdat(Page* page) => _node;

    internal Page* AllocPages(uint gfpMask, int order, int preferredNid)
    {
        if (order != 0)
            throw new NotSupportedException("stub allocator: order 0 only");
        ListHead* fl = _freeList;
        {
            if (ListHead.Empty(fl))
                return null;
            Page* p = Page.FromLru(fl->Next);
            ListHead.DelEntry(p->LruPtr);
            p->Lru = default;
            p->RefCount = 1;
            if ((gfpMask & Gfp.Zero) != 0)
                ContentToken[p - MemMap] = 0;
            NrFreePages--;
            _node->NodeZone.VmStat[(int)ZoneStatItem.NrFreePages]--;
            return p;
        }
    }

    internal Page* AllocPage(uint gfpMask) => AllocPages(gfpMask, 0, -1);

    internal void FreePages(Page* page, int order)
    {
        if (PageOps.PutPageTestzero(page))
            FreeOne(page);
    }

    private void FreeOne(Page* page)
    {
        const ulong checkAtFree = (1UL << (int)PG.Lru) | (1UL << (int)PG.Locked) | (1UL << (int)PG.Private)
            | (1UL << (int)PG.Writeback) | (1UL << (int)PG.Reserved) | (1UL << (int)PG.Slab)
            | (1UL << (int)PG.Active) | (1UL << (int)PG.Unevictable) | (1UL << (int)PG.Mlocked);
        if (page->MapCount != -1 || (page->Flags & checkAtFree) != 0 || (page->Mapping & ~PageOps.PageMappingFlags) != 0 && (page->Mapping & PageOps.PageMappingAnon) == 0)
            throw new InvalidOperationException($"stub allocator: bad page at free, pfn {page - MemMap} flags {page->Flags:x} mapcount {page->MapCount} mapping {page->Mapping:x}");
        page->Mapping = 0;
        page->Private = 0;
        page->Index = 0;
        page->Flags &= ~PageOps.PageFlagsMask;
        ListHead.Add(page->LruPtr, _freeList);
        NrFreePages++;
        _node->NodeZone.VmStat[(int)ZoneStatItem.NrFreePages]++;
    }

    internal void FreeUnrefPageList(ListHead* list)
    {
        while (!ListHead.Empty(list))
        {
            Page* p = Page.FromLru(list->Next);
            ListHead.DelEntry(p->LruPtr);
            FreeOne(p);
        }
    }

    internal void ModZonePageState(Zone* zone, ZoneStatItem item, long delta) => zone->VmStat[(int)item] += delta;
    internal void ModNodePageState(PglistData* pgdat, NodeStatItem item, long delta) => pgdat->VmStat[(int)item] += delta;
    internal void CountVmEvent(VmEventItem item, long delta = 1) => _events[(int)item] += delta;
    internal long VmEvent(VmEventItem item) => _events[(int)item];

    /// <summary>Frees all native memory.</summary>
    public void Dispose() => Heap.Dispose();
}
