using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

// Machine partial: mm/page_alloc.c's slow path — kswapd wakeups, direct reclaim, direct compaction,
// the retry logic and the (seamed) OOM killer.
namespace ReclaimFast;

/// <summary>The <c>enum compact_result</c> values of v5.4 include/linux/compaction.h.</summary>
public static class CompactResult
{
    /// <summary>COMPACT_NOT_SUITABLE_ZONE.</summary>
    public const int NotSuitableZone = 0;
    /// <summary>COMPACT_SKIPPED: not enough free order-0 pages to compact.</summary>
    public const int Skipped = 1;
    /// <summary>COMPACT_DEFERRED (= COMPACT_INACTIVE).</summary>
    public const int Deferred = 2;
    /// <summary>COMPACT_NO_SUITABLE_PAGE.</summary>
    public const int NoSuitablePage = 3;
    /// <summary>COMPACT_CONTINUE.</summary>
    public const int Continue = 4;
    /// <summary>COMPACT_COMPLETE.</summary>
    public const int Complete = 5;
    /// <summary>COMPACT_PARTIAL_SKIPPED.</summary>
    public const int PartialSkipped = 6;
    /// <summary>COMPACT_CONTENDED.</summary>
    public const int Contended = 7;
    /// <summary>COMPACT_SUCCESS.</summary>
    public const int Success = 8;
}

public sealed unsafe partial class Machine
{
    // enum compact_priority: COMPACT_PRIO_SYNC_FULL 0, SYNC_LIGHT 1 (= DEF_COMPACT_PRIORITY), ASYNC 2 (= INIT).
    private const int CompactPrioSyncFull = 0, CompactPrioSyncLight = 1, CompactPrioAsync = 2;

    private long _allocFailures;
    private long _oomInvocations;

    /// <summary>Allocations that reached <c>nopage</c> and failed ("page allocation failure").</summary>
    public long AllocFailures => _allocFailures;

    /// <summary>Calls of the <c>out_of_memory</c> seam.</summary>
    public long OomInvocations => _oomInvocations;

    /// <summary>
    /// Mirrors <c>__alloc_pages_slowpath</c> (mm/page_alloc.c, v5.4) in its order: wake kswapds, retry the freelist at
    /// the min watermark, early async compaction for costly/unmovable high orders, then the retry loop — kswapds again,
    /// reserves for PF_MEMALLOC/__GFP_MEMALLOC/OOM victims, freelist, direct reclaim, direct compaction,
    /// should_reclaim_retry / should_compact_retry, OOM — and nopage (__GFP_NOFAIL loops via the cpuset fallback).
    /// cpusets are not emulated, so the cpuset-change retries never fire.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal Page* __AllocPagesSlowpath(uint gfpMask, int order, AllocContext* ac)
    {
        bool canDirectReclaim = (gfpMask & Gfp.DirectReclaim) != 0;
        bool costlyOrder = order > MmZone.PageAllocCostlyOrder;
        bool canCompact = GfpCompactionAllowed(gfpMask);
        Page* page;
        ulong didSomeProgress = 0;
        int compactResult = CompactResult.Skipped;

        // Atomic reserves are not for callers that may sleep.
        if ((gfpMask & (Gfp.__Atomic | Gfp.DirectReclaim)) == (Gfp.__Atomic | Gfp.DirectReclaim))
            gfpMask &= ~Gfp.__Atomic;

        // retry_cpuset:
        int compactionRetries = 0;
        int noProgressLoops = 0;
        int compactPriority = CompactPrioSyncLight;
        uint allocFlags = GfpToAllocFlags(gfpMask);

        ac->PreferredZoneref = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask);
        if (ac->PreferredZoneref->Zone == null)
            goto nopage;

        if ((allocFlags & AllocFlags.Kswapd) != 0)
            WakeAllKswapds(order, gfpMask, ac);

        page = GetPageFromFreelist(gfpMask, order, allocFlags, ac);
        if (page != null)
            return page;

        // Costly orders and unmovable high orders try async compaction before reclaim.
        if (canDirectReclaim && canCompact && (costlyOrder || (order > 0 && ac->Migratetype != (int)MigrateType.Movable))
            && !GfpPfmemallocAllowed(gfpMask))
        {
            page = __AllocPagesDirectCompact(gfpMask, order, allocFlags, ac, CompactPrioAsync, out compactResult);
            if (page != null)
                return page;
            if (order >= MmZone.PageblockOrder && (gfpMask & Gfp.Io) != 0 && (gfpMask & Gfp.RetryMayfail) == 0
                && (compactResult == CompactResult.Skipped || compactResult == CompactResult.Deferred))
                goto nopage;
            if (costlyOrder && (gfpMask & Gfp.NoRetry) != 0)
            {
                if (compactResult == CompactResult.Deferred)
                    goto nopage;
                compactPriority = CompactPrioAsync;
            }
        }

    retry:
        // Make sure kswapd doesn't fall asleep while the slow path loops.
        if ((allocFlags & AllocFlags.Kswapd) != 0)
            WakeAllKswapds(order, gfpMask, ac);

        uint reserveFlags = __GfpPfmemallocFlags(gfpMask);
        if (reserveFlags != 0)
            allocFlags = reserveFlags;

        // Reset the nodemask and zonelist iterators for reserve or non-cpuset allocations.
        if ((allocFlags & AllocFlags.Cpuset) == 0 || reserveFlags != 0)
        {
            ac->Nodemask = null;
            ac->PreferredZoneref = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask);
        }

        page = GetPageFromFreelist(gfpMask, order, allocFlags, ac);
        if (page != null)
            return page;

        if (!canDirectReclaim)
            goto nopage;
        // Avoid recursion of direct reclaim.
        if ((_currentTaskFlags & TaskFlags.Memalloc) != 0)
            goto nopage;

        page = __AllocPagesDirectReclaim(gfpMask, order, allocFlags, ac, out didSomeProgress);
        if (page != null)
            return page;

        page = __AllocPagesDirectCompact(gfpMask, order, allocFlags, ac, compactPriority, out compactResult);
        if (page != null)
            return page;

        if ((gfpMask & Gfp.NoRetry) != 0)
            goto nopage;
        if (costlyOrder && (!canCompact || (gfpMask & Gfp.RetryMayfail) == 0))
            goto nopage;

        if (ShouldReclaimRetry(gfpMask, order, ac, allocFlags, didSomeProgress > 0, ref noProgressLoops))
            goto retry;

        if (didSomeProgress > 0 && canCompact && ShouldCompactRetry(ac, order, allocFlags, compactResult, ref compactPriority, ref compactionRetries))
            goto retry;

        // check_retry_cpuset: no cpusets.
        page = __AllocPagesMayOom(gfpMask, order, ac, out didSomeProgress);
        if (page != null)
            return page;

        // An OOM victim that already used ALLOC_OOM (or may not use reserves) gives up.
        if (_currentIsOomVictim && (allocFlags == AllocFlags.Oom || (gfpMask & Gfp.NoMemalloc) != 0))
            goto nopage;

        if (didSomeProgress != 0)
        {
            noProgressLoops = 0;
            goto retry;
        }

    nopage:
        if ((gfpMask & Gfp.NoFail) != 0 && canDirectReclaim)
        {
            page = __AllocPagesCpusetFallback(gfpMask, order, AllocFlags.Harder, ac);
            if (page != null)
                return page;
            goto retry;
        }
        // warn_alloc("page allocation failure: order:%u")
        _allocFailures++;
        TraceEvent(EntryEvent.AllocFail, order, (int)gfpMask, 0);
        return null;
    }

    /// <summary><c>__alloc_pages_cpuset_fallback</c>: try with ALLOC_CPUSET, then without.</summary>
    private Page* __AllocPagesCpusetFallback(uint gfpMask, int order, uint allocFlags, AllocContext* ac)
    {
        Page* page = GetPageFromFreelist(gfpMask, order, allocFlags | AllocFlags.Cpuset, ac);
        if (page == null)
            page = GetPageFromFreelist(gfpMask, order, allocFlags, ac);
        return page;
    }

    /// <summary>
    /// <c>__perform_reclaim</c>: PF_MEMALLOC for the duration (memalloc_noreclaim_save) around
    /// <c>try_to_free_pages</c>; returns the progress.
    /// </summary>
    internal ulong __PerformReclaim(uint gfpMask, int order, AllocContext* ac)
    {
        // cond_resched, cpuset_memory_pressure_bump, psi, fs_reclaim lockdep: nothing to emulate.
        uint noreclaim = MemallocNoreclaimSave();
        ulong progress = TryToFreePages(ac->Zonelist, order, gfpMask, ac->Nodemask);
        MemallocNoreclaimRestore(noreclaim);
        return progress;
    }

    /// <summary>
    /// <c>__alloc_pages_direct_reclaim</c>: reclaim; if that made progress, retry the freelist, and once more after
    /// unreserving a highatomic pageblock and draining every CPU's pcp lists.
    /// </summary>
    internal Page* __AllocPagesDirectReclaim(uint gfpMask, int order, uint allocFlags, AllocContext* ac, out ulong didSomeProgress)
    {
        didSomeProgress = __PerformReclaim(gfpMask, order, ac);
        if (didSomeProgress == 0)
            return null;
        bool drained = false;
        while (true)
        {
            Page* page = GetPageFromFreelist(gfpMask, order, allocFlags, ac);
            if (page != null || drained)
                return page;
            // Pages may be pinned on per-cpu lists or in highatomic reserves.
            UnreserveHighatomicPageblock(ac, false);
            DrainAllPages(null);
            drained = true;
        }
    }

    /// <summary>
    /// <c>__alloc_pages_direct_compact</c> (5.4.286): order 0 never compacts; run <c>try_to_compact_pages</c> under
    /// PF_MEMALLOC; count COMPACTSTALL, retry the freelist, and on success clear the zone's
    /// blockskip flush, reset its deferral (alloc success) and count COMPACTSUCCESS, else COMPACTFAIL.
    /// (5.1's compaction capture is not emulated: the page comes from the freelist.)
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal Page* __AllocPagesDirectCompact(uint gfpMask, int order, uint allocFlags, AllocContext* ac, int prio, out int compactResult)
    {
        compactResult = CompactResult.Skipped;
        if (order == 0)
            return null;
        uint noreclaim = MemallocNoreclaimSave();
        compactResult = TryToCompactPages(gfpMask, order, allocFlags, ac, prio);
        MemallocNoreclaimRestore(noreclaim);
        // 5.4 counts the stall whatever the result (the COMPACT_INACTIVE early return went with 5.1's capture).
        CountVmEvent(VmEventItem.CompactStall);
        Page* page = GetPageFromFreelist(gfpMask, order, allocFlags, ac);
        if (page != null)
        {
            Zone* zone = PageZone(page);
            zone->CompactBlockskipFlush = false;
            CompactionDeferReset(zone, order, true);
            CountVmEvent(VmEventItem.CompactSuccess);
            return page;
        }
        CountVmEvent(VmEventItem.CompactFail);
        return null;
    }

    /// <summary>
    /// <c>should_compact_retry</c> (5.4.286): never for order 0; SUCCESS counts a retry; COMPLETE, and the withdrawn
    /// results DEFERRED/CONTENDED/PARTIAL_SKIPPED, escalate the priority (ASYNC → SYNC_LIGHT → SYNC_FULL, costly
    /// orders stop at SYNC_LIGHT) with the retry count reset, or give up at the top; SKIPPED retries while reclaim
    /// could make some zone suitable; anything else retries up to MAX_COMPACT_RETRIES (16; 4 for costly orders).
    /// </summary>
    internal bool ShouldCompactRetry(AllocContext* ac, int order, uint allocFlags, int compactResult, ref int compactPriority, ref int compactionRetries)
    {
        const int MaxCompactRetries = 16;
        if (order == 0)
            return false;
        if (compactResult == CompactResult.Success)
            compactionRetries++;
        if (compactResult == CompactResult.Complete)
            goto CheckPriority;
        if (compactResult == CompactResult.Skipped)
            return CompactionZonelistSuitable(ac, order, allocFlags);
        if (compactResult == CompactResult.Deferred || compactResult == CompactResult.Contended
            || compactResult == CompactResult.PartialSkipped)
            goto CheckPriority;
        int maxRetries = order > MmZone.PageAllocCostlyOrder ? MaxCompactRetries / 4 : MaxCompactRetries;
        if (compactionRetries <= maxRetries)
            return true;
    CheckPriority:
        int minPriority = order > MmZone.PageAllocCostlyOrder ? CompactPrioSyncLight : CompactPrioSyncFull;
        if (compactPriority > minPriority)
        {
            compactPriority--;
            compactionRetries = 0;
            return true;
        }
        return false;
    }

    /// <summary>
    /// <c>should_reclaim_retry</c>: count no-progress loops (progress only resets them for orders ≤ costly); past
    /// MAX_RECLAIM_RETRIES give back highatomic reserves and stop; else retry if some zone would meet its min
    /// watermark with all its reclaimable pages freed (waiting HZ/10 first when there was no progress and most of
    /// them are under writeback).
    /// </summary>
    internal bool ShouldReclaimRetry(uint gfpMask, int order, AllocContext* ac, uint allocFlags, bool didSomeProgress, ref int noProgressLoops)
    {
        if (didSomeProgress && order <= MmZone.PageAllocCostlyOrder)
            noProgressLoops = 0;
        else
            noProgressLoops++;

        if (noProgressLoops > MmZone.MaxReclaimRetries)
            return UnreserveHighatomicPageblock(ac, true);

        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask); z->Zone != null;
             z = NextZonesZonelist(z + 1, ac->HighZoneidx, ac->Nodemask))
        {
            Zone* zone = z->Zone;
            long reclaimable = ZoneReclaimablePages(zone);
            long available = reclaimable + zone->VmStat[(int)ZoneStatItem.NrFreePages];
            ulong minWmark = MmZone.MinWmarkPages(zone);
            bool wmark = __ZoneWatermarkOk(zone, order, minWmark, ac->ClasszoneIdx, allocFlags, available);
            if (ReclaimFastEventSource.Log.IsEnabled())
            {
                ReclaimFastEventSource.Log.reclaim_retry_zone(zone->Node, MmZone.ZoneIdx(zone), order, (ulong)reclaimable,
                    (ulong)available, minWmark, noProgressLoops, wmark ? 1 : 0);
            }
            if (wmark)
            {
                if (!didSomeProgress)
                {
                    long writePending = zone->VmStat[(int)ZoneStatItem.NrZoneWritePending];
                    if (2 * writePending > reclaimable)
                    {
                        SimulatedSleep(System.Math.Max(1, _hz / 10));  // congestion_wait(BLK_RW_ASYNC, HZ/10)
                        return true;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <c>__alloc_pages_may_oom</c>: a last freelist try at the high watermark (it only catches a parallel OOM kill),
    /// then — unless the request is costly, __GFP_RETRY_MAYFAIL, below ZONE_NORMAL or __GFP_THISNODE — out_of_memory.
    /// </summary>
    internal Page* __AllocPagesMayOom(uint gfpMask, int order, AllocContext* ac, out ulong didSomeProgress)
    {
        didSomeProgress = 0;
        // oom_lock: uncontended (one task runs at a time).
        Page* page = GetPageFromFreelist((gfpMask | Gfp.Hardwall) & ~Gfp.DirectReclaim, order,
            AllocFlags.WmarkHigh | AllocFlags.Cpuset, ac);
        if (page != null)
            return page;
        if (order > MmZone.PageAllocCostlyOrder)
            return null;
        if ((gfpMask & Gfp.RetryMayfail) != 0)
            return null;
        if (ac->HighZoneidx < (int)ZoneType.Normal)
            return null;
        if ((gfpMask & Gfp.ThisNode) != 0)
            return null;
        if (OutOfMemory(gfpMask, order) || (gfpMask & Gfp.NoFail) != 0)
        {
            didSomeProgress = 1;
            if ((gfpMask & Gfp.NoFail) != 0)
                page = __AllocPagesCpusetFallback(gfpMask, order, AllocFlags.NoWatermarks, ac);
        }
        return page;
    }
}
