using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

// Machine partial: the per-cpu page lists of mm/page_alloc.c.
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    /// <summary>
    /// Where <c>trace_mm_page_pcpu_drain</c> records the PFNs <see cref="FreePcppagesBulk"/> returns, in order (null =
    /// off). A test hook until the tracepoint EventSource covers it.
    /// </summary>
    internal System.Collections.Generic.List<ulong>? PcpuDrainTrace { get; set; }

    private PerCpuPageset* _pagesets; // every zone's per-cpu pagesets, by page_zone_id, then CPU

    /// <summary>The pcp of <paramref name="zone"/> for the current CPU (<c>this_cpu_ptr(zone->pageset)->pcp</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PerCpuPages* ThisCpuPcp(Zone* zone) => (PerCpuPages*)(zone->Pageset + _currentCpu); // pcp is at offset 0

    /// <summary>
    /// <c>this_cpu_ptr(page_zone(page)->pageset)->pcp</c> without loading the zone: the pagesets are laid out by
    /// <c>page_zone_id</c>, which <c>page->flags</c> holds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PerCpuPages* PageThisCpuPcp(Page* page) =>
        (PerCpuPages*)(_pagesets + (PageZoneId(page) * (ulong)_nrCpus + (ulong)_currentCpu)); // pcp is at offset 0

    /// <summary>
    /// <c>free_pcppages_bulk</c>: return <paramref name="count"/> pages (at most <c>pcp->count</c>) to the buddy
    /// lists, round-robin over the pcp lists starting after list 0 (MOVABLE, RECLAIMABLE, UNMOVABLE, …); each
    /// empty list visited adds one to <c>batch_free</c>, the number taken from the next non-empty list; pages
    /// leave from the list tail. The kernel collects them on a local list first and then frees them in that
    /// order under the zone lock; freeing them in pop order directly is the same sequence of buddy frees.
    /// </summary>
    internal void FreePcppagesBulk(Zone* zone, int count, PerCpuPages* pcp)
    {
        int migratetype = 0;
        int batchFree = 0;
        bool isolatedPageblocks = HasIsolatePageblock(zone);

        // Ensure the loop below cannot spin on empty lists.
        if (count > pcp->Count)
            count = pcp->Count;
        while (count != 0)
        {
            ListHead* list;
            // Remove pages round-robin; an empty list adds to batch_free so fuller lists give more.
            do
            {
                batchFree++;
                if (++migratetype == MmZone.MigratePcptypes)
                    migratetype = 0;
                list = PerCpuPages.List(pcp, migratetype);
            } while (ListHead.Empty(list));

            // This is the only non-empty list: free them all.
            if (batchFree == MmZone.MigratePcptypes)
                batchFree = count;

            do
            {
                Page* page = Page.FromLru(list->Prev);
                ListHead.Del(page->LruPtr);
                pcp->Count--;
                // bulkfree_pcp_prepare: without CONFIG_DEBUG_VM the page is checked now, not when it was freed.
                if (!_debugVm)
                    FreePagesCheck(page);
                int mt = GetPcppageMigratetype(page);
                Debug.Assert(!MmZone.IsMigrateIsolate(mt), "MIGRATE_ISOLATE page on a pcp list");
                // The pageblock could have been isolated meanwhile.
                if (isolatedPageblocks)
                    mt = GetPageblockMigratetype(page);
                ulong pfn = PageToPfn(page);
                __FreeOnePage(page, pfn, zone, 0, mt);
                if (PcpuDrainTrace is { } trace)
                    trace.Add(pfn); // trace_mm_page_pcpu_drain
            } while (--count != 0 && --batchFree != 0 && !ListHead.Empty(list));
        }
    }

    /// <summary><c>drain_zone_pages</c>: the NUMA vmstat worker's drain of a remote pageset (up to one batch).</summary>
    internal void DrainZonePages(Zone* zone, PerCpuPages* pcp)
    {
        int toDrain = pcp->Count < pcp->Batch ? pcp->Count : pcp->Batch;
        if (toDrain > 0)
            FreePcppagesBulk(zone, toDrain, pcp);
    }

    /// <summary><c>drain_pages_zone</c>: empty one CPU's pcp lists of one zone.</summary>
    internal void DrainPagesZone(int cpu, Zone* zone)
    {
        if (zone->Pageset == null)
            return;
        PerCpuPages* pcp = &zone->Pageset[cpu].Pcp;
        if (pcp->Count != 0)
            FreePcppagesBulk(zone, pcp->Count, pcp);
    }

    /// <summary><c>drain_pages</c>: empty one CPU's pcp lists of every populated zone.</summary>
    internal void DrainPages(int cpu)
    {
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                Zone* zone = PglistData.NodeZone(_pgdats + nid, zid);
                if (MmZone.PopulatedZone(zone))
                    DrainPagesZone(cpu, zone);
            }
        }
    }

    /// <summary><c>drain_local_pages</c>: the current CPU, one zone or (null) all.</summary>
    internal void DrainLocalPages(Zone* zone)
    {
        if (zone != null)
            DrainPagesZone(_currentCpu, zone);
        else
            DrainPages(_currentCpu);
    }

    /// <summary>
    /// <c>drain_all_pages</c>: every CPU with pcp pages drains them (one zone or, for null, all). The kernel queues
    /// a work item per such CPU and waits for all; here they run in ascending CPU order.
    /// </summary>
    internal void DrainAllPages(Zone* zone)
    {
        int saved = _currentCpu;
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            if (!CpuHasPcps(cpu, zone))
                continue;
            SwitchCpu(cpu);
            DrainLocalPages(zone);
        }
        SwitchCpu(saved);
    }

    private bool CpuHasPcps(int cpu, Zone* zone)
    {
        if (zone != null)
            return zone->Pageset != null && zone->Pageset[cpu].Pcp.Count != 0;
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                Zone* z = PglistData.NodeZone(_pgdats + nid, zid);
                if (MmZone.PopulatedZone(z) && z->Pageset[cpu].Pcp.Count != 0)
                    return true;
            }
        }
        return false;
    }

    /// <summary>Public <c>drain_all_pages(NULL)</c>: every CPU's pcp pages back to the buddy lists.</summary>
    public void DrainAllPcpPages() => DrainAllPages(null);

    /// <summary>
    /// <c>free_unref_page_prepare</c>: <c>free_pcp_prepare</c> (CONFIG_DEBUG_VM: the page is checked now, not at the
    /// bulk free) and the pageblock migratetype cached in <c>page->index</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool FreeUnrefPagePrepare(Page* page, ulong pfn, out int migratetype)
    {
        migratetype = 0;
        if (!FreePagesPrepare(page, 0, checkFree: _debugVm))
            return false;
        migratetype = (int)GetPfnblockFlagsMask(pfn, MmZone.PbMigrateEnd, MmZone.MigratetypeMask);
        SetPcppageMigratetype(page, migratetype);
        return true;
    }

    /// <summary>
    /// <c>free_unref_page_commit</c>: PGFREE; ISOLATE pages go straight to the buddy lists, HIGHATOMIC ones to the
    /// MOVABLE pcp list; head insert; at <c>high</c>, one <c>batch</c> goes back to the buddy lists. The zone itself
    /// is only needed on those two buddy paths.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeUnrefPageCommit(Page* page, ulong pfn, int migratetype, PerCpuPages* pcp)
    {
        Debug.Assert(migratetype == GetPcppageMigratetype(page), "free_unref_page_commit: migratetype is page->index");
        CountVmEvent(VmEventItem.Pgfree);

        // Only UNMOVABLE, RECLAIMABLE and MOVABLE live on pcp lists.
        if (migratetype >= MmZone.MigratePcptypes)
        {
            if (MmZone.IsMigrateIsolate(migratetype))
            {
                FreeOnePage(PageZone(page), page, pfn, 0, migratetype);
                return;
            }
            migratetype = (int)MigrateType.Movable;
        }

        ListHead.Add(page->LruPtr, PerCpuPages.List(pcp, migratetype));
        int count = ++pcp->Count;
        if (count >= pcp->High)
            FreePcppagesBulk(PageZone(page), pcp->Batch, pcp);
    }

    /// <summary><c>free_unref_page</c>: free an order-0 page to the current CPU's pcp list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void FreeUnrefPage(Page* page)
    {
        ulong pfn = PageToPfn(page);
        // The commit's this_cpu_ptr(page_zone(page)->pageset), read before free_pages_prepare rewrites page->flags
        // (it keeps the node and zone bits).
        PerCpuPages* pcp = PageThisCpuPcp(page);
        if (!FreeUnrefPagePrepare(page, pfn, out int migratetype))
            return;
        FreeUnrefPageCommit(page, pfn, migratetype, pcp); // get_pcppage_migratetype: the value just stored
    }

    /// <summary>
    /// <c>free_unref_page_list</c>: free a list of order-0 pages (linked by <c>lru</c>, refcount already 0): prepare
    /// them all, then commit each. As in the kernel the list head is left stale: re-initialise it before reuse. The
    /// kernel parks each PFN in <c>page->private</c> between the loops and zeroes it in the second; here the second
    /// loop recomputes the PFN (a subtraction and a shift) and zeroes <c>private</c> the same.
    /// </summary>
    internal void FreeUnrefPageList(ListHead* list)
    {
        ListHead* pos, next;
        for (pos = list->Next, next = pos->Next; pos != list; pos = next, next = pos->Next)
        {
            Page* page = Page.FromLru(pos);
            if (!FreeUnrefPagePrepare(page, PageToPfn(page), out _))
                ListHead.Del(page->LruPtr);
        }
        for (pos = list->Next, next = pos->Next; pos != list; pos = next, next = pos->Next)
        {
            Page* page = Page.FromLru(pos);
            page->Private = 0;
            FreeUnrefPageCommit(page, PageToPfn(page), GetPcppageMigratetype(page), PageThisCpuPcp(page));
        }
    }

    /// <summary>
    /// <c>zone_statistics</c> (CONFIG_NUMA): NUMA_HIT or NUMA_MISS/NUMA_FOREIGN against the preferred zone's node,
    /// NUMA_LOCAL or NUMA_OTHER against the current CPU's node.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ZoneStatistics(Zone* preferredZone, Zone* z)
    {
        NumaStatItem localStat = MmZone.ZoneToNid(z) != NumaNodeId ? NumaStatItem.NumaOther : NumaStatItem.NumaLocal;
        if (MmZone.ZoneToNid(z) == MmZone.ZoneToNid(preferredZone))
        {
            IncNumaState(z, NumaStatItem.NumaHit);
        }
        else
        {
            IncNumaState(z, NumaStatItem.NumaMiss);
            IncNumaState(preferredZone, NumaStatItem.NumaForeign);
        }
        IncNumaState(z, localStat);
    }

    /// <summary><c>__rmqueue_pcplist</c>: refill an empty list with one batch, then take its head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page* __RmqueuePcplist(Zone* zone, int migratetype, uint allocFlags, PerCpuPages* pcp, ListHead* list)
    {
        if (ListHead.Empty(list))
        {
            pcp->Count += RmqueueBulk(zone, 0, pcp->Batch, list, migratetype, allocFlags);
            if (ListHead.Empty(list))
                return null;
        }
        return PcpListPop(pcp, list);
    }

    /// <summary>The tail of <c>__rmqueue_pcplist</c>: take the head of a non-empty pcp list (<c>check_new_pcp</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page* PcpListPop(PerCpuPages* pcp, ListHead* list)
    {
        Page* page = Page.FromLru(list->Next);
        ListHead.Del(page->LruPtr);
        pcp->Count--;
        if (_debugVm)
            CheckNewPage(page); // check_new_pcp: CONFIG_DEBUG_VM checks at allocation, not at refill
        return page;
    }

    /// <summary>
    /// The first step of <c>get_page_from_freelist</c>'s walk for an order-0 request that needs no dirty spreading,
    /// when it succeeds without a refill: the preferred zone passes <c>zone_watermark_fast</c>'s order-0 test and this
    /// CPU's pcp list for the migratetype holds a page. It does exactly what the walk's first iteration does then,
    /// inline in the caller (the common allocation needs no walk frame). Otherwise null: the caller runs the walk from
    /// the start, which repeats only reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page* GetPageFromPreferredPcp(uint gfpMask, uint allocFlags, Zoneref* z, int migratetype)
    {
        Zone* zone = z->Zone;
        if (zone == null)
            return null;
        ulong mark = MmZone.WmarkPages(zone, (int)(allocFlags & AllocFlags.WmarkMask));
        if (zone->VmStat[(int)ZoneStatItem.NrFreePages] <= (long)mark + zone->LowmemReserve[z->ZoneIdx])
            return null;
        PerCpuPages* pcp = ThisCpuPcp(zone);
        ListHead* list = PerCpuPages.List(pcp, migratetype);
        if (ListHead.Empty(list))
            return null;
        Page* page = PcpListPop(pcp, list);
        CountZidVmEvents(VmEventItem.PgallocDma, z->ZoneIdx, 1); // page_zonenum(page), known from the zoneref
        ZoneStatistics(zone, zone);
        if ((zone->Flags & (1UL << MmZone.ZoneBoostedWatermark)) != 0)
            WakeBoostedZone(zone);
        PrepNewPage(page, 0, gfpMask, allocFlags);
        return page;
    }

    /// <summary><c>rmqueue_pcplist</c>: order-0 allocation from the current CPU's pcp list; PGALLOC and NUMA stats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page* RmqueuePcplist(Zone* preferredZone, Zone* zone, int migratetype, uint allocFlags)
    {
        PerCpuPages* pcp = ThisCpuPcp(zone);
        ListHead* list = PerCpuPages.List(pcp, migratetype);
        Page* page = __RmqueuePcplist(zone, migratetype, allocFlags, pcp, list);
        if (page != null)
        {
            CountZidVmEvents(VmEventItem.PgallocDma, PageOps.PageZonenum(page), 1);
            ZoneStatistics(preferredZone, zone);
        }
        return page;
    }

    /// <summary>
    /// <c>rmqueue</c>: order 0 through the pcp lists; higher orders from the buddy lists (ALLOC_HARDER tries the
    /// HIGHATOMIC reserve first). A zone whose watermark was boosted by a fallback wakes kswapd here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page* Rmqueue(Zone* preferredZone, Zone* zone, int order, uint gfpFlags, uint allocFlags, int migratetype)
    {
        Page* page;
        if (order == 0)
        {
            page = RmqueuePcplist(preferredZone, zone, migratetype, allocFlags);
        }
        else
        {
            page = RmqueueHighOrder(preferredZone, zone, order, allocFlags, migratetype);
            if (page == null)
                return null;
        }
        if ((zone->Flags & (1UL << MmZone.ZoneBoostedWatermark)) != 0)
            WakeBoostedZone(zone);
        Debug.Assert(page == null || MmZone.ZoneSpansPfn(zone, PageToPfn(page)), "rmqueue: page outside the zone");
        return page;
    }

    /// <summary>The order &gt; 0 half of <c>rmqueue</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Page* RmqueueHighOrder(Zone* preferredZone, Zone* zone, int order, uint allocFlags, int migratetype)
    {
        Page* page = null;
        if ((allocFlags & AllocFlags.Harder) != 0)
            page = __RmqueueSmallest(zone, order, (int)MigrateType.HighAtomic);
        if (page == null)
            page = __Rmqueue(zone, order, migratetype, allocFlags);
        if (page == null)
            return null;
        CheckNewPages(page, order);
        ModZoneFreepageState(zone, -(1L << order));
        CountZidVmEvents(VmEventItem.PgallocDma, PageOps.PageZonenum(page), 1L << order);
        ZoneStatistics(preferredZone, zone);
        return page;
    }

    /// <summary>The ZONE_BOOSTED_WATERMARK tail of <c>rmqueue</c>: clear the bit and wake kswapd for the zone.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WakeBoostedZone(Zone* zone)
    {
        zone->Flags &= ~(1UL << MmZone.ZoneBoostedWatermark);
        WakeupKswapd(zone, 0, 0, MmZone.ZoneIdx(zone));
    }
}
