using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

/// <summary>A whole-machine invariant does not hold: names the PFN (or the zone's first PFN) and the broken rule.</summary>
public sealed class InvariantViolationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvariantViolationException(ulong pfn, string rule)
        : base($"invariant violated at pfn 0x{pfn:x}: {rule}")
    {
        Pfn = pfn;
        Rule = rule;
    }

    /// <summary>The PFN where the violation was found.</summary>
    public ulong Pfn { get; }

    /// <summary>The broken rule.</summary>
    public string Rule { get; }
}

public sealed unsafe partial class Machine
{
    /// <summary>
    /// Validates the allocator's state of the whole machine (CONFIG_DEBUG_VM in spirit); throws
    /// <see cref="InvariantViolationException"/> on the first violation. O(pages): for tests and stress runs.
    /// </summary>
    public void CheckInvariants() => InvariantChecker.Check(this);
}

/// <summary>
/// The allocator part of the machine invariant checker. Rules: every free-list entry is a PageBuddy head of its
/// list's order, aligned, inside its zone, unreferenced, and no page is covered by two free blocks or by a free
/// block and a pcp list; <c>nr_free</c> equals the list lengths of each order; NR_FREE_PAGES equals the free
/// pages on non-isolated lists; every pcp page is an unreferenced non-buddy page of the pcp's zone and
/// <c>pcp->count</c> equals the list lengths; every non-reserved page of a zone is free, on a pcp list, or
/// allocated (a referenced page, a compound tail of a referenced head, or a page inside the naturally aligned block
/// of a referenced non-compound high-order head); reserved pages are never free; the non-reserved pages of a zone
/// number its <c>managed_pages</c>; every descriptor's node and zone links name the zone spanning it. Later issues
/// extend it (LRU, rmap, swap).
/// </summary>
internal static unsafe class InvariantChecker
{
    /// <summary>Page state: not on any free structure (allocated, reserved, or outside every zone).</summary>
    public const byte Unknown = 0;
    /// <summary>Page state: head of a free buddy block.</summary>
    public const byte BuddyHead = 1;
    /// <summary>Page state: inside a free buddy block.</summary>
    public const byte BuddyTail = 2;
    /// <summary>Page state: on a pcp list.</summary>
    public const byte OnPcp = 3;

    public static void Check(Machine m)
    {
        Classify(m);
        Mm.Rmap.RmapChecker.Check(m); // page tables, rmap, rss, anon_vmas, swap slots (Mm/Rmap)
        // The LRU part (vmscan issue): lists agree with their counters and with each page's flags.
        if (m.CheckLruInvariants() is string lru)
            throw new InvariantViolationException(0, lru);
        // The memcg part (Mm/Memcontrol): charges agree with the page counters, parents cover their children.
        if (m.CheckMemcgInvariants() is string memcg)
            throw new InvariantViolationException(0, memcg);
    }

    /// <summary>Runs every check and returns each PFN's state (<see cref="Unknown"/>, <see cref="BuddyHead"/>, …).</summary>
    public static byte[] Classify(Machine m)
    {
        var stateArray = new byte[m.MemMapPfns];
        fixed (byte* state = stateArray)
        {
            ClassifyInto(m, state);
        }
        return stateArray;
    }

    private static void ClassifyInto(Machine m, byte* state)
    {
        for (int nid = 0; nid < m.NrNodes; nid++)
        {
            PglistData* pgdat = m.NodeData(nid);
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                Zone* zone = PglistData.NodeZone(pgdat, zid);
                if (zone->SpannedPages == 0)
                {
                    if (zone->ManagedPages != 0 || zone->VmStat[(int)ZoneStatItem.NrFreePages] != 0)
                        Fail(0, $"node {nid} zone {MmZone.ZoneName(zid)}: empty zone with managed or free pages");
                    continue;
                }
                CheckFreeAreas(m, zone, nid, zid, state);
                CheckPcp(m, zone, nid, zid, state);
                CheckPages(m, zone, nid, zid, state);
            }
        }
    }

    private static void CheckFreeAreas(Machine m, Zone* zone, int nid, int zid, byte* state)
    {
        string Zn() => $"node {nid} zone {MmZone.ZoneName(zid)}";
        ulong zoneStart = zone->ZoneStartPfn, zoneEnd = MmZone.ZoneEndPfn(zone);
        long freePages = 0;
        for (int order = 0; order < MmZone.MaxOrder; order++)
        {
            FreeArea* area = Zone.Area(zone, order);
            ulong blocks = 0;
            for (int mt = 0; mt < MmZone.MigrateTypes; mt++)
            {
                ListHead* list = FreeArea.List(area, mt);
                ulong limit = zone->SpannedPages + 1;
                ulong len = 0;
                for (ListHead* pos = list->Next; pos != list; pos = pos->Next)
                {
                    if (pos->Next->Prev != pos)
                        Fail(zoneStart, $"{Zn()} free_area[{order}].free_list[{MmZone.MigratetypeName(mt)}]: broken list linkage");
                    if (++len > limit)
                        Fail(zoneStart, $"{Zn()} free_area[{order}].free_list[{MmZone.MigratetypeName(mt)}]: list does not terminate");
                    Page* page = Page.FromLru(pos);
                    ulong pfn = (ulong)(page - m.MemMap);
                    if (pfn >= m.MemMapPfns)
                        Fail(zoneStart, $"{Zn()} free list entry outside mem_map");
                    int o = order, t = mt;
                    string Where() => $"free block of order {o} on {Zn()} {MmZone.MigratetypeName(t)} list";
                    if (m.PageZone(page) != zone)
                        Fail(pfn, $"{Where()}: page belongs to another zone");
                    if (!PageBuddy(page))
                        Fail(pfn, $"{Where()}: head is not PageBuddy");
                    if (Machine.PageOrder(page) != order)
                        Fail(pfn, $"{Where()}: page_order is {Machine.PageOrder(page)}");
                    if ((pfn & ((1UL << order) - 1)) != 0)
                        Fail(pfn, $"{Where()}: block not naturally aligned");
                    if (pfn < zoneStart || pfn + (1UL << order) > zoneEnd)
                        Fail(pfn, $"{Where()}: block crosses the zone span");
                    if (page->RefCount != 0)
                        Fail(pfn, $"{Where()}: refcount {page->RefCount}");
                    for (ulong i = 0; i < (1UL << order); i++)
                    {
                        Page* p = page + i;
                        if (state[pfn + i] != Unknown)
                            Fail(pfn + i, $"{Where()}: page already free in another block or on a pcp list");
                        if (i != 0 && PageBuddy(p))
                            Fail(pfn + i, $"{Where()}: a PageBuddy head inside the block");
                        if (PageReserved(p))
                            Fail(pfn + i, $"{Where()}: reserved page inside a free block");
                        if (i != 0 && p->RefCount != 0)
                            Fail(pfn + i, $"{Where()}: page inside the block has refcount {p->RefCount}");
                        state[pfn + i] = i == 0 ? BuddyHead : BuddyTail;
                    }
                    if (mt != (int)MigrateType.Isolate)
                        freePages += 1L << order;
                }
                blocks += len;
            }
            if (blocks != area->NrFree)
                Fail(zoneStart, $"{Zn()} free_area[{order}].nr_free is {area->NrFree} but its lists hold {blocks} blocks");
        }
        long nrFree = zone->VmStat[(int)ZoneStatItem.NrFreePages];
        if (nrFree != freePages)
            Fail(zoneStart, $"{Zn()} NR_FREE_PAGES is {nrFree} but the free lists hold {freePages} pages");
    }

    private static void CheckPcp(Machine m, Zone* zone, int nid, int zid, byte* state)
    {
        if (zone->Pageset == null)
            return;
        string Zn() => $"node {nid} zone {MmZone.ZoneName(zid)}";
        for (int cpu = 0; cpu < m.NrCpus; cpu++)
        {
            PerCpuPages* pcp = &zone->Pageset[cpu].Pcp;
            long total = 0;
            for (int mt = 0; mt < MmZone.MigratePcptypes; mt++)
            {
                ListHead* list = PerCpuPages.List(pcp, mt);
                ulong limit = zone->SpannedPages + 1;
                for (ListHead* pos = list->Next; pos != list; pos = pos->Next)
                {
                    if (pos->Next->Prev != pos)
                        Fail(zone->ZoneStartPfn, $"{Zn()} cpu {cpu} pcp list {mt}: broken list linkage");
                    if ((ulong)++total > limit)
                        Fail(zone->ZoneStartPfn, $"{Zn()} cpu {cpu} pcp list {mt}: list does not terminate");
                    Page* page = Page.FromLru(pos);
                    ulong pfn = (ulong)(page - m.MemMap);
                    int c = cpu, t = mt;
                    string Where() => $"{Zn()} cpu {c} pcp list {MmZone.MigratetypeName(t)}";
                    if (pfn >= m.MemMapPfns)
                        Fail(zone->ZoneStartPfn, $"{Where()}: entry outside mem_map");
                    if (m.PageZone(page) != zone)
                        Fail(pfn, $"{Where()}: page belongs to another zone");
                    if (PageBuddy(page))
                        Fail(pfn, $"{Where()}: page is PageBuddy");
                    if (page->RefCount != 0)
                        Fail(pfn, $"{Where()}: refcount {page->RefCount}");
                    if (PageReserved(page))
                        Fail(pfn, $"{Where()}: reserved page on a pcp list");
                    if (page->Index >= MmZone.MigrateTypes || page->Index == (ulong)MigrateType.Isolate)
                        Fail(pfn, $"{Where()}: cached migratetype {page->Index} is not a pcp type");
                    if (state[pfn] != Unknown)
                        Fail(pfn, $"{Where()}: page also free in a buddy block or on another pcp list");
                    state[pfn] = OnPcp;
                }
            }
            if (total != pcp->Count)
                Fail(zone->ZoneStartPfn, $"{Zn()} cpu {cpu}: pcp count is {pcp->Count} but its lists hold {total} pages");
        }
    }

    private static void CheckPages(Machine m, Zone* zone, int nid, int zid, byte* state)
    {
        string Zn() => $"node {nid} zone {MmZone.ZoneName(zid)}";
        ulong start = zone->ZoneStartPfn, end = MmZone.ZoneEndPfn(zone);
        ulong managed = 0;
        for (ulong pfn = start; pfn < end; pfn++)
        {
            Page* page = m.MemMap + pfn;
            if (m.PageZone(page) != zone)
                Fail(pfn, $"{Zn()}: the page's node/zone links name node {PageToNid(page)} zone {PageZonenum(page)}");
            if (PageReserved(page))
            {
                if (state[pfn] != Unknown)
                    Fail(pfn, $"{Zn()}: reserved page is free");
                continue;
            }
            managed++;
            if (state[pfn] != Unknown || page->RefCount > 0)
                continue;
            if (page->RefCount < 0)
                Fail(pfn, $"{Zn()}: negative refcount {page->RefCount}");
            if (PageTail(page))
            {
                Page* head = CompoundHead(page);
                ulong headPfn = (ulong)(head - m.MemMap);
                if (headPfn >= pfn || head->RefCount <= 0 || !PageHead(head) || pfn - headPfn >= (1UL << CompoundOrder(head)))
                    Fail(pfn, $"{Zn()}: compound tail whose head 0x{headPfn:x} is not an allocated head covering it");
                continue;
            }
            // refcount 0, not free, not a tail: must lie in the aligned block of an allocated non-compound head.
            if (!InsideAllocatedBlock(m, pfn))
                Fail(pfn, $"{Zn()}: page lost (refcount 0, not free, not on a pcp list, not part of an allocation)");
        }
        if (managed != zone->ManagedPages)
            Fail(start, $"{Zn()}: managed_pages is {zone->ManagedPages} but the zone has {managed} non-reserved pages");
    }

    /// <summary>
    /// A non-compound order-k allocation leaves pages 1..2^k−1 with refcount 0 and nothing else to recognise them
    /// by: accept a page whose naturally aligned order-k block (k ≤ 10) starts at a referenced, non-tail page.
    /// </summary>
    private static bool InsideAllocatedBlock(Machine m, ulong pfn)
    {
        for (int k = 1; k < MmZone.MaxOrder; k++)
        {
            ulong head = pfn & ~((1UL << k) - 1);
            if (head == pfn)
                continue;
            Page* p = m.MemMap + head;
            if (p->RefCount > 0 && !PageTail(p) && !PageReserved(p))
                return true;
        }
        return false;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(ulong pfn, string rule) => throw new InvariantViolationException(pfn, rule);
}
