using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/vmscan.c: deciding the fate of each isolated page (page_check_references, page_check_dirty_writeback,
// shrink_page_list), writing dirty pages (pageout) and detaching clean ones from their mapping (__remove_mapping).
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>page_check_references(page, sc)</c>: VM_LOCKED → RECLAIM (try_to_unmap will mlock it); referenced by
    /// PTEs: swap-backed → ACTIVATE, else mark PG_referenced and ACTIVATE on a second look (PG_referenced was set, or
    /// several PTEs, or VM_EXEC) or KEEP; unreferenced: PG_referenced page cache → RECLAIM_CLEAN, else RECLAIM.
    /// </summary>
    internal PageReferences PageCheckReferences(Page* page, ScanControl* sc)
    {
        int referencedPtes = PageReferencedSeam(page, true, sc->TargetMemCgroup, out ulong vmFlags);
        bool referencedPage = TestClearPageReferenced(page);
        if ((vmFlags & Vmscan.VmLocked) != 0)
            return PageReferences.Reclaim;
        if (referencedPtes != 0)
        {
            if (PageSwapBacked(page))
                return PageReferences.Activate;
            SetPageReferenced(page);
            if (referencedPage || referencedPtes > 1)
                return PageReferences.Activate;
            if ((vmFlags & Vmscan.VmExec) != 0)
                return PageReferences.Activate;
            return PageReferences.Keep;
        }
        if (referencedPage && !PageSwapBacked(page))
            return PageReferences.ReclaimClean;
        return PageReferences.Reclaim;
    }

    /// <summary>
    /// <c>page_check_dirty_writeback</c>: swap-backed and lazyfree pages count as neither (flushers do not handle
    /// them); otherwise the page flags (no buffer heads, so no <c>is_dirty_writeback</c> refinement).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PageCheckDirtyWriteback(Page* page, out bool dirty, out bool writeback)
    {
        if (Lru.PageIsFileCache(page) == 0 || (PageAnon(page) && !PageSwapBacked(page)))
        {
            dirty = false;
            writeback = false;
            return;
        }
        dirty = PageDirty(page);
        writeback = PageWriteback(page);
    }

    /// <summary>
    /// <c>shrink_page_list(page_list, pgdat, sc, ttu_flags, stat, ignore_references)</c>: for each page from the list
    /// tail, in the kernel's order — trylock; evictable; dirty/writeback tallies; the three writeback cases;
    /// references; swap slot for anon; unmap; dirty → pageout; lazyfree / __remove_mapping — then free the reclaimed
    /// pages in one batch and leave survivors (PG_active set for activations) on <paramref name="pageList"/>.
    /// Returns pages reclaimed.
    /// </summary>
    internal ulong ShrinkPageList(ListHead* pageList, PglistData* pgdat, ScanControl* sc, uint ttuFlags, ReclaimStat* stat, bool ignoreReferences)
    {
        ListHead retPages, freePages;
        ListHead.Init(&retPages);
        ListHead.Init(&freePages);
        ulong nrReclaimed = 0;
        ulong nrScanned = 0;    // sc->nr_scanned, added once at the end (nothing reads it meanwhile)
        *stat = default;

        while (!ListHead.Empty(pageList))
        {
            Page* page = Page.FromLru(pageList->Prev);
            ListHead.Del(page->LruPtr);
            PageReferences references = PageReferences.Reclaim;
            // compound_nr, read before trylock_page's flag store (the kernel reads it just after; it cannot change).
            uint nrPages = (uint)CompoundNr(page);

            if (TestSetPageLocked(page))       // !trylock_page
                goto Keep;
            Debug.Assert(!PageActive(page), "shrink_page_list: active page on an inactive list");

            nrScanned += nrPages;

            if (!PageEvictable(page))
                goto ActivateLocked;
            if (!sc->MayUnmap && PageMapped(page))
                goto KeepLocked;

            bool mayEnterFs = (sc->GfpMask & Gfp.Fs) != 0 || (PageSwapCache(page) && (sc->GfpMask & Gfp.Io) != 0);

            PageCheckDirtyWriteback(page, out bool dirty, out bool writeback);
            if (dirty || writeback)
                stat->NrDirty++;
            if (dirty && !writeback)
                stat->NrUnqueuedDirty++;
            nint mapping = PageMappingSeam(page);
            if (((dirty || writeback) && mapping != 0 && InodeWriteCongested(mapping)) || (writeback && PageReclaim(page)))
                stat->NrCongested++;

            if (PageWriteback(page))
            {
                if (_currentIsKswapd && PageReclaim(page) && (pgdat->Flags & (1UL << Vmscan.PgdatWriteback)) != 0)
                {
                    stat->NrImmediate++;             // case 1
                    goto ActivateLocked;
                }
                // Case 2 (sane_reclaim: global or cgroup-v2 reclaim). Case 3, a cgroup-v1 memcg waiting on writeback,
                // cannot happen: the emulated memory controller is cgroup v2.
                SetPageReclaim(page);
                stat->NrWriteback++;
                goto ActivateLocked;
            }

            if (!ignoreReferences)
                references = PageCheckReferences(page, sc);
            switch (references)
            {
                case PageReferences.Activate:
                    goto ActivateLocked;
                case PageReferences.Keep:
                    stat->NrRefKeep += nrPages;
                    goto KeepLocked;
            }

            if (PageAnon(page) && PageSwapBacked(page))
            {
                if (!PageSwapCache(page))
                {
                    if ((sc->GfpMask & Gfp.Io) == 0)
                        goto KeepLocked;
                    // THP split-and-retry is not emulated: every anon page on the LRU is a small page.
                    if (!AddToSwapSeam(page))
                        goto ActivateLocked;
                    mayEnterFs = true;
                    mapping = PageMappingSeam(page);
                }
            }

            if (PageMapped(page))
            {
                if (!TryToUnmapSeam(page, ttuFlags | TtuBatchFlush))
                {
                    stat->NrUnmapFail += nrPages;
                    goto ActivateLocked;
                }
            }

            if (PageDirty(page))
            {
                if (Lru.PageIsFileCache(page) != 0
                    && (!_currentIsKswapd || !PageReclaim(page) || (pgdat->Flags & (1UL << Vmscan.PgdatDirty)) == 0))
                {
                    ModNodePageState(PagePgdat(page), NodeStatItem.NrVmscanImmediate, 1);
                    SetPageReclaim(page);
                    goto ActivateLocked;
                }
                if (references == PageReferences.ReclaimClean)
                    goto KeepLocked;
                if (!mayEnterFs)
                    goto KeepLocked;
                if (!sc->MayWritepage)
                    goto KeepLocked;

                switch (Pageout(page, mapping, sc))
                {
                    case PageoutResult.Keep:
                        goto KeepLocked;
                    case PageoutResult.Activate:
                        goto ActivateLocked;
                    case PageoutResult.Success:
                        if (PageWriteback(page))
                            goto Keep;
                        if (PageDirty(page))
                            goto Keep;
                        // A synchronous write: relock and try to free it.
                        if (TestSetPageLocked(page))
                            goto Keep;
                        if (PageDirty(page) || PageWriteback(page))
                            goto KeepLocked;
                        mapping = PageMappingSeam(page);
                        break;
                    case PageoutResult.Clean:
                        break;
                }
            }

            // Buffers (step 10): drop them, or keep the page active while they are busy. A page left with no mapping
            // and only our reference is an orphan: free it here.
            if (PageHasPrivate(page))
            {
                if (!TryToReleasePage(page, sc->GfpMask))
                    goto ActivateLocked;
                if (mapping == 0 && PageCount(page) == 1)
                {
                    ClearPageLocked(page);
                    if (--page->RefCount == 0)
                    {
                        nrReclaimed += nrPages;
                        ListHead.Add(page->LruPtr, &freePages);
                    }
                    else
                    {
                        // Someone took a reference meanwhile: it is theirs to free; count it reclaimed.
                        nrReclaimed++;
                    }
                    continue;
                }
            }

            if (PageAnon(page) && !PageSwapBacked(page))
            {
                // Lazyfree: follow __remove_mapping's refcount freeze.
                if (!PageRefFreeze(page, 1))
                    goto KeepLocked;
                if (PageDirty(page))
                {
                    PageRefUnfreeze(page, 1);
                    goto KeepLocked;
                }
                CountVmEvent(VmEventItem.Pglazyfreed);
            }
            else if (mapping == 0 || !__RemoveMapping(mapping, page, true))
            {
                goto KeepLocked;
            }

            ClearPageLocked(page);
            nrReclaimed += nrPages;
            if (PageCompound(page))
                FreeCompoundPage(page);
            else
                ListHead.Add(page->LruPtr, &freePages);
            continue;

        ActivateLocked:
            if (PageSwapCache(page) && (VmSwapFull() || PageMlocked(page)))
                TryToFreeSwapSeam(page);
            Debug.Assert(!PageActive(page));
            if (!PageMlocked(page))
            {
                int type = Lru.PageIsFileCache(page);
                SetPageActive(page);
                stat->NrActivate[type] += (uint)CompoundNr(page);
                CountMemcgEvents((nint)page->MemCgroup, Mm.Memcontrol.MemcgVmEvent.Pgactivate, 1);    // count_memcg_page_event
            }
        KeepLocked:
            ClearPageLocked(page);
        Keep:
            ListHead.Add(page->LruPtr, &retPages);
            Debug.Assert(!PageLRU(page) && !PageUnevictable(page));
        }

        sc->NrScanned += nrScanned;
        uint pgactivate = stat->NrActivate[0] + stat->NrActivate[1];
        MemCgroupUnchargeList(&freePages);
        // try_to_unmap_flush: no TLBs to flush.
        FreeUnrefPageList(&freePages);
        ListHead.Splice(&retPages, pageList);
        CountVmEvent(VmEventItem.Pgactivate, pgactivate);
        return nrReclaimed;
    }

    /// <summary>TTU_BATCH_FLUSH (include/linux/rmap.h).</summary>
    internal const uint TtuBatchFlush = 0x40;

    /// <summary>
    /// Seam for <c>inode_write_congested(mapping->host)</c>: no backing-device congestion is emulated yet, so no inode
    /// is write-congested.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InodeWriteCongested(nint mapping) => false;

    /// <summary>
    /// <c>is_page_cache_freeable</c>: only the page cache (1) and the isolation (1) hold the page — refcount minus
    /// the buffer heads' reference (page_has_private) is 2 for a small page.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPageCacheFreeable(Page* page) => PageCount(page) - (PageHasPrivate(page) ? 1 : 0) == 1 + CompoundNr(page);

    /// <summary>
    /// <c>pageout(page, mapping, sc)</c>: KEEP if someone else holds the page or there is no mapping (no buffers to
    /// drop); otherwise <c>clear_page_dirty_for_io</c>, PG_reclaim, <c>->writepage</c> (asynchronous: the write
    /// completes in <see cref="CompletePendingIo"/>), NR_VMSCAN_WRITE → SUCCESS. A page found clean → CLEAN.
    /// </summary>
    internal PageoutResult Pageout(Page* page, nint mapping, ScanControl* sc)
    {
        if (!IsPageCacheFreeable(page))
            return PageoutResult.Keep;
        if (mapping == 0)
        {
            // A truncated page still holding buffers: free them and call it clean ("orphaned page").
            if (PageHasPrivate(page) && TryToFreeBuffers(page))
            {
                ClearPageDirty(page);
                return PageoutResult.Clean;
            }
            return PageoutResult.Keep;
        }
        // Every emulated mapping has ->writepage (swap: swap_writepage; files: the emulated filesystem).
        // inode_write_congested without PF_SWAPWRITE: no congestion emulated.
        PglistData* pgdat = PagePgdat(page);    // read before the flag updates below
        if (ClearPageDirtyForIo(page))
        {
            SetPageReclaim(page);
            WritepageSeam(page);
            if (!PageWriteback(page))
                ClearPageReclaim(page);     // synchronous write completed
            ReclaimFastEventSource log = ReclaimFastEventSource.Log;
            if (log.IsEnabled())
                log.mm_vmscan_writepage(PageToPfn(page), ReclaimFastEventSource.TraceReclaimFlags(Lru.PageIsFileCache(page) != 0));
            ModNodePageState(pgdat, NodeStatItem.NrVmscanWrite, 1);
            return PageoutResult.Success;
        }
        return PageoutResult.Clean;
    }

    /// <summary>
    /// <c>__remove_mapping(mapping, page, reclaimed)</c>: freeze the refcount at isolation + cache references
    /// (1 + compound_nr) or fail; fail if dirty; swap cache → delete the entry and drop the slot; page cache → plant a
    /// workingset shadow (reclaimed page cache) and delete the page from the cache.
    /// </summary>
    internal bool __RemoveMapping(nint mapping, Page* page, bool reclaimed)
    {
        Debug.Assert(PageLocked(page));
        int refcount = 1 + CompoundNr(page);
        if (!PageRefFreeze(page, refcount))
            return false;
        if (PageDirty(page))
        {
            PageRefUnfreeze(page, refcount);
            return false;
        }
        if (PageSwapCache(page))
        {
            // mem_cgroup_swapout: a no-op on cgroup v2 (do_memsw_account() is false); the memory charge goes when the
            // page is freed, the swap charge was taken by mem_cgroup_try_charge_swap in get_swap_page.
            __DeleteFromSwapCacheSeam(page);
        }
        else
        {
            ulong shadow = 0;
            // No DAX mappings are emulated; an exiting mapping (AS_EXITING) gets no new shadows.
            if (reclaimed && Lru.PageIsFileCache(page) != 0 && (((Mm.Filemap.AddressSpace*)mapping)->Flags & (1u << AsExiting)) == 0)
                shadow = WorkingsetEviction(page);
            __DeleteFromPageCacheSeam(page, mapping, shadow);
        }
        return true;
    }

    /// <summary>
    /// <c>vm_swap_full()</c>: more than half the swap space in use (free slots × 2 &lt; total).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool VmSwapFull() => GetNrSwapPages() * 2 < TotalSwapPages;
}
