using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/vmscan.c: taking pages off the LRU (isolate_lru_pages, __isolate_lru_page, too_many_isolated), the two list
// scanners (shrink_inactive_list, shrink_active_list) and putting survivors back (move_pages_to_lru).
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>__isolate_lru_page(page, mode)</c>: 0 and a reference taken (PG_lru cleared) on success; −EINVAL for pages
    /// not on the LRU or unevictable without ISOLATE_UNEVICTABLE; −EBUSY for mapped pages under ISOLATE_UNMAPPED,
    /// writeback/dirty pages under ISOLATE_ASYNC_MIGRATE, or pages being freed (refcount 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int __IsolateLruPage(Page* page, uint mode)
    {
        if (!PageLRU(page))
            return -Einval;
        if (PageUnevictable(page) && (mode & Vmscan.IsolateUnevictable) == 0)
            return -Einval;
        if ((mode & Vmscan.IsolateAsyncMigrate) != 0)
        {
            if (PageWriteback(page))
                return -Ebusy;
            // Dirty pages: every emulated mapping can migrate without blocking (no ->migratepage distinction yet).
        }
        if ((mode & Vmscan.IsolateUnmapped) != 0 && PageMapped(page))
            return -Ebusy;
        if (page->RefCount == 0)       // get_page_unless_zero
            return -Ebusy;
        page->RefCount++;
        ClearPageLRU(page);
        return 0;
    }

    /// <summary>EINVAL.</summary>
    internal const int Einval = 22;

    /// <summary>
    /// <c>isolate_lru_pages(nr_to_scan, lruvec, dst, &amp;nr_scanned, sc, lru)</c>: take up to
    /// <paramref name="nrToScan"/> eligible pages from the tail of <paramref name="lru"/>. Pages of zones above
    /// reclaim_idx are parked (PGSKIP_*) and spliced back to the list head afterwards; they count in
    /// <paramref name="nrScanned"/> but not toward nr_to_scan. Isolated pages go to the head of
    /// <paramref name="dst"/>. Returns pages taken.
    /// </summary>
    internal ulong IsolateLruPages(ulong nrToScan, Lruvec* lruvec, ListHead* dst, out ulong nrScanned, ScanControl* sc, LruList lru)
    {
        ListHead* src = Lruvec.List(lruvec, lru);
        ulong nrTaken = 0;
        // Fixed buffers in locals, not stackalloc: a method with localloc cannot use OSR, so the runtime compiles it
        // straight to FullOpts without tiering or PGO.
        PerZoneCounts taken = default, skippedPerZone = default;
        long* nrZoneTaken = taken.V;
        long* nrSkipped = skippedPerZone.V;
        ulong skipped = 0;
        ListHead pagesSkipped;
        ListHead.Init(&pagesSkipped);
        uint mode = sc->MayUnmap ? 0 : Vmscan.IsolateUnmapped;
        ulong totalScan = 0, scan = 0;

        while (scan < nrToScan && !ListHead.Empty(src))
        {
            Page* page = Page.FromLru(src->Prev);     // lru_to_page
            PrefetchwPrevLruPage(page, src);
            Debug.Assert(PageLRU(page), "isolate_lru_pages: page on an LRU list without PG_lru");
            int nrPages = CompoundNr(page);
            totalScan += (ulong)nrPages;
            int zid = PageZonenum(page);
            if (zid > sc->ReclaimIdx)
            {
                ListHead.Move(page->LruPtr, &pagesSkipped);
                nrSkipped[zid] += nrPages;
                continue;
            }
            scan += (ulong)nrPages;
            switch (__IsolateLruPage(page, mode))
            {
                case 0:
                    nrTaken += (ulong)nrPages;
                    nrZoneTaken[zid] += nrPages;
                    ListHead.Move(page->LruPtr, dst);
                    break;
                case -Ebusy:
                    ListHead.Move(page->LruPtr, src);
                    continue;
                default:
                    ThrowIsolateBug(page);
                    break;
            }
        }

        if (!ListHead.Empty(&pagesSkipped))
        {
            ListHead.Splice(&pagesSkipped, src);
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                if (nrSkipped[zid] == 0)
                    continue;
                CountZidVmEvents(VmEventItem.PgskipDma, zid, nrSkipped[zid]);
                skipped += (ulong)nrSkipped[zid];
            }
        }
        nrScanned = totalScan;
        ReclaimFastEventSource log = ReclaimFastEventSource.Log;
        if (log.IsEnabled())
            log.mm_vmscan_lru_isolate(sc->ReclaimIdx, sc->Order, nrToScan, totalScan, skipped, nrTaken, mode, (int)lru);
        // update_lru_sizes
        for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
        {
            if (nrZoneTaken[zid] != 0)
                UpdateLruSize(lruvec, lru, zid, -nrZoneTaken[zid]);
        }
        return nrTaken;
    }

    /// <summary>
    /// <c>prefetchw_prev_lru_page(page, base, flags)</c> (mm/vmscan.c, ARCH_HAS_PREFETCHW): start loading the struct page
    /// the LRU walk takes next (the one before <paramref name="page"/>), unless <paramref name="page"/> is the last.
    /// A host cache hint only: no emulated state changes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PrefetchwPrevLruPage(Page* page, ListHead* head)
    {
        ListHead* prev = page->Lru.Prev;
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported && prev != head)
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Page.FromLru(prev));
    }

    /// <summary>One counter per zone type (isolate_lru_pages' nr_zone_taken[] and nr_skipped[]).</summary>
    private struct PerZoneCounts
    {
        public fixed long V[MmZone.MaxNrZones];
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowIsolateBug(Page* page) =>
        throw new System.InvalidOperationException($"isolate_lru_pages: pfn {PageToPfn(page)} on an LRU list cannot be isolated (BUG)");

    /// <summary>
    /// <c>too_many_isolated(pgdat, file, sc)</c>: never for kswapd (legacy-memcg reclaim is not emulated yet); the
    /// inactive count is divided by 8 when the caller may do both IO and FS.
    /// </summary>
    internal bool TooManyIsolated(PglistData* pgdat, bool file, ScanControl* sc)
    {
        if (_currentIsKswapd)
            return false;
        long inactive = pgdat->VmStat[(int)(file ? NodeStatItem.NrInactiveFile : NodeStatItem.NrInactiveAnon)];
        long isolated = pgdat->VmStat[(int)(file ? NodeStatItem.NrIsolatedFile : NodeStatItem.NrIsolatedAnon)];
        if ((sc->GfpMask & (Gfp.Io | Gfp.Fs)) == (Gfp.Io | Gfp.Fs))
            inactive >>= 3;
        return isolated > inactive;
    }

    /// <summary>
    /// <c>move_pages_to_lru(lruvec, list)</c>: pop from the tail of <paramref name="list"/> and add each page at the
    /// head of <c>page_lru(page)</c> (so relative order is preserved), unevictable pages through putback_lru_page;
    /// pages whose last reference was the isolation one are taken off again and left on <paramref name="list"/> for
    /// the caller to free. Returns the pages moved.
    /// </summary>
    internal ulong MovePagesToLru(Lruvec* lruvec, ListHead* list)
    {
        PglistData* pgdat = lruvec->Pgdat;
        ulong nrMoved = 0;
        ListHead pagesToFree;
        ListHead.Init(&pagesToFree);
        // update_lru_size runs per page in the kernel; consecutive pages going to the same (lruvec, lru, zone) have
        // their sizes summed here and added in one update before anything else reads or changes those counters.
        Lruvec* pendLruvec = null;
        LruList pendLru = 0;
        int pendZid = 0;
        long pendNr = 0;
        while (!ListHead.Empty(list))
        {
            Page* page = Page.FromLru(list->Prev);
            Debug.Assert(!PageLRU(page));
            if (!PageEvictable(page))
            {
                FlushLruSize(pendLruvec, pendLru, pendZid, ref pendNr);
                ListHead.Del(page->LruPtr);
                PutbackLruPage(page);
                continue;
            }
            lruvec = MemCgroupPageLruvec(page, pgdat);
            // page_lru, compound_nr and page_zonenum do not depend on PG_lru: read them before SetPageLRU, so the list
            // head and the counters this page updates do not wait on that flag store.
            LruList lru = PageLruOfFlags(CompoundHead(page)->Flags);
            int nrPages = CompoundNr(page);
            int zid = PageZonenum(page);
            SetPageLRU(page);
            if (lruvec != pendLruvec || lru != pendLru || zid != pendZid)
            {
                FlushLruSize(pendLruvec, pendLru, pendZid, ref pendNr);
                pendLruvec = lruvec;
                pendLru = lru;
                pendZid = zid;
            }
            pendNr += nrPages;
            ListHead.Move(page->LruPtr, Lruvec.List(lruvec, lru));
            if (PutPageTestzero(page))
            {
                FlushLruSize(pendLruvec, pendLru, pendZid, ref pendNr);
                __ClearPageLRU(page);
                __ClearPageActive(page);
                DelPageFromLruList(page, lruvec, lru);
                if (PageCompound(page))
                    FreeCompoundPage(page);
                else
                    ListHead.Add(page->LruPtr, &pagesToFree);
            }
            else
            {
                nrMoved += (ulong)nrPages;
            }
        }
        FlushLruSize(pendLruvec, pendLru, pendZid, ref pendNr);
        ListHead.Init(list);
        ListHead.Splice(&pagesToFree, list);
        return nrMoved;
    }

    /// <summary>Adds the pages summed by <see cref="MovePagesToLru"/> to the lru sizes (<c>update_lru_size</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FlushLruSize(Lruvec* lruvec, LruList lru, int zid, ref long nrPages)
    {
        if (nrPages == 0)
            return;
        UpdateLruSize(lruvec, lru, zid, nrPages);
        nrPages = 0;
    }

    /// <summary>
    /// <c>shrink_inactive_list(nr_to_scan, lruvec, sc, lru)</c>: drain pagevecs, isolate, count PGSCAN_*,
    /// shrink_page_list, count PGSTEAL_*, feed activations into recent_rotated, put survivors back, free the rest and
    /// add the dirty/writeback tallies to <c>sc->nr</c>. Returns pages reclaimed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal ulong ShrinkInactiveList(ulong nrToScan, Lruvec* lruvec, ScanControl* sc, LruList lru)
    {
        ListHead pageList;
        ListHead.Init(&pageList);
        int file = Lru.IsFileLru(lru) ? 1 : 0;
        PglistData* pgdat = lruvec->Pgdat;
        ZoneReclaimStat* reclaimStat = &lruvec->ReclaimStat;
        bool stalled = false;

        while (TooManyIsolated(pgdat, file != 0, sc))
        {
            if (stalled)
                return 0;
            // msleep(100): simulated time passes (the event loop's model); the second check decides, as after the sleep.
            SimulatedSleep(System.Math.Max(1, Hz / 10));
            stalled = true;
        }

        LruAddDrain();

        ulong nrTaken = IsolateLruPages(nrToScan, lruvec, &pageList, out ulong nrScanned, sc, lru);
        ModNodePageState(pgdat, NodeStatItem.NrIsolatedAnon + file, (long)nrTaken);
        reclaimStat->RecentScanned[file] += nrTaken;
        if (sc->GlobalReclaim)
            CountVmEvent(_currentIsKswapd ? VmEventItem.PgscanKswapd : VmEventItem.PgscanDirect, (long)nrScanned);
        CountMemcgEvents(lruvec->MemCgroup, _currentIsKswapd ? Mm.Memcontrol.MemcgVmEvent.PgscanKswapd : Mm.Memcontrol.MemcgVmEvent.PgscanDirect, (long)nrScanned);

        if (nrTaken == 0)
            return 0;

        ReclaimStat stat;
        ulong nrReclaimed = ShrinkPageList(&pageList, pgdat, sc, 0, &stat, false);

        if (sc->GlobalReclaim)
            CountVmEvent(_currentIsKswapd ? VmEventItem.PgstealKswapd : VmEventItem.PgstealDirect, (long)nrReclaimed);
        CountMemcgEvents(lruvec->MemCgroup, _currentIsKswapd ? Mm.Memcontrol.MemcgVmEvent.PgstealKswapd : Mm.Memcontrol.MemcgVmEvent.PgstealDirect, (long)nrReclaimed);
        reclaimStat->RecentRotated[0] += stat.NrActivate[0];
        reclaimStat->RecentRotated[1] += stat.NrActivate[1];

        MovePagesToLru(lruvec, &pageList);
        ModNodePageState(pgdat, NodeStatItem.NrIsolatedAnon + file, -(long)nrTaken);

        MemCgroupUnchargeList(&pageList);
        FreeUnrefPageList(&pageList);

        // Dirty pages nobody queued for I/O: the flushers are behind (or asleep); nudge them.
        if (stat.NrUnqueuedDirty == nrTaken)
        {
            _flusherWakeups++;
            WakeupFlusherThreads(WbReason.Vmscan);
        }

        sc->Nr.Dirty += stat.NrDirty;
        sc->Nr.Congested += stat.NrCongested;
        sc->Nr.UnqueuedDirty += stat.NrUnqueuedDirty;
        sc->Nr.Writeback += stat.NrWriteback;
        sc->Nr.Immediate += stat.NrImmediate;
        sc->Nr.Taken += (uint)nrTaken;
        if (file != 0)
            sc->Nr.FileTaken += (uint)nrTaken;

        ReclaimFastEventSource log = ReclaimFastEventSource.Log;
        if (log.IsEnabled())
        {
            log.mm_vmscan_lru_shrink_inactive(pgdat->NodeId, nrScanned, nrReclaimed, stat.NrDirty, stat.NrWriteback,
                stat.NrCongested, stat.NrImmediate, stat.NrActivate[0], stat.NrActivate[1], stat.NrRefKeep,
                stat.NrUnmapFail, sc->Priority, ReclaimFastEventSource.TraceReclaimFlags(file != 0));
        }
        return nrReclaimed;
    }

    private long _flusherWakeups;

    /// <summary>Calls of <c>wakeup_flusher_threads(WB_REASON_VMSCAN)</c> from shrink_inactive_list.</summary>
    internal long FlusherWakeups => _flusherWakeups;

    /// <summary>
    /// <c>shrink_active_list(nr_to_scan, lruvec, sc, lru)</c>: isolate from an active list; PGREFILL += scanned;
    /// referenced pages count as rotated and VM_EXEC page cache stays active; every other page loses PG_active,
    /// gains PG_workingset and goes to the inactive head (PGDEACTIVATE).
    /// </summary>
    internal void ShrinkActiveList(ulong nrToScan, Lruvec* lruvec, ScanControl* sc, LruList lru)
    {
        ListHead lHold, lActive, lInactive;
        ListHead.Init(&lHold);
        ListHead.Init(&lActive);
        ListHead.Init(&lInactive);
        ZoneReclaimStat* reclaimStat = &lruvec->ReclaimStat;
        ulong nrRotated = 0;
        int file = Lru.IsFileLru(lru) ? 1 : 0;
        PglistData* pgdat = lruvec->Pgdat;

        LruAddDrain();

        ulong nrTaken = IsolateLruPages(nrToScan, lruvec, &lHold, out ulong nrScanned, sc, lru);
        ModNodePageState(pgdat, NodeStatItem.NrIsolatedAnon + file, (long)nrTaken);
        reclaimStat->RecentScanned[file] += nrTaken;
        CountVmEvent(VmEventItem.Pgrefill, (long)nrScanned);
        CountMemcgEvents(lruvec->MemCgroup, Mm.Memcontrol.MemcgVmEvent.Pgrefill, (long)nrScanned);

        while (!ListHead.Empty(&lHold))
        {
            Page* page = Page.FromLru(lHold.Prev);
            ListHead.Del(page->LruPtr);
            if (!PageEvictable(page))
            {
                PutbackLruPage(page);
                continue;
            }
            // buffer_heads_over_limit: no buffer heads are emulated.
            if (PageReferencedSeam(page, false, sc->TargetMemCgroup, out ulong vmFlags) != 0)
            {
                nrRotated += (ulong)CompoundNr(page);
                if ((vmFlags & Vmscan.VmExec) != 0 && Lru.PageIsFileCache(page) != 0)
                {
                    ListHead.Add(page->LruPtr, &lActive);
                    continue;
                }
            }
            ClearPageActive(page);
            SetPageWorkingset(page);
            ListHead.Add(page->LruPtr, &lInactive);
        }

        reclaimStat->RecentRotated[file] += nrRotated;
        ulong nrActivate = MovePagesToLru(lruvec, &lActive);
        ulong nrDeactivate = MovePagesToLru(lruvec, &lInactive);
        ListHead.Splice(&lInactive, &lActive);   // keep all free pages in l_active
        CountVmEvent(VmEventItem.Pgdeactivate, (long)nrDeactivate);
        CountMemcgEvents(lruvec->MemCgroup, Mm.Memcontrol.MemcgVmEvent.Pgdeactivate, (long)nrDeactivate);
        ModNodePageState(pgdat, NodeStatItem.NrIsolatedAnon + file, -(long)nrTaken);

        FreeUnrefPageList(&lActive);
        ReclaimFastEventSource log = ReclaimFastEventSource.Log;
        if (log.IsEnabled())
            log.mm_vmscan_lru_shrink_active(pgdat->NodeId, nrTaken, nrActivate, nrDeactivate, nrRotated, sc->Priority,
                ReclaimFastEventSource.TraceReclaimFlags(file != 0));
    }
}
