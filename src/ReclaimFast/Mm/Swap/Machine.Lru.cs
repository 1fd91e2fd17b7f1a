using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/swap.c (the LRU half) and include/linux/mm_inline.h: LRU list membership, the per-cpu pagevecs that batch
// additions and moves, page aging (mark_page_accessed, activate_page, rotate, deactivate, lazyfree) and the page
// release path that takes pages off the LRU.
public sealed unsafe partial class Machine
{
    private LruPvecs* _lruPvecs;     // one set per emulated CPU

    /// <summary>Allocates the per-cpu pagevecs and sets up workingset detection (boot, after the buddy allocator).</summary>
    private void LruInit()
    {
        _lruPvecs = _heap.AllocArray<LruPvecs>(_nrCpus);
        WorkingsetInit();
        ShadowNodesInit();
    }

    // ---- lruvec lookup (include/linux/memcontrol.h) ----

    // mem_cgroup_lruvec / mem_cgroup_page_lruvec: Mm/Memcontrol.

    // ---- LRU sizes and counters (mm_inline.h, vmscan.c, memcontrol.h) ----

    /// <summary>
    /// <c>__update_lru_size</c> + <c>mem_cgroup_update_lru_size</c>: NR_LRU_BASE+lru of the lruvec (node, and the
    /// memcg's local copy), NR_ZONE_LRU_BASE+lru of the zone, and the per-zone size of the lruvec.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void UpdateLruSize(Lruvec* lruvec, LruList lru, int zid, long nrPages)
    {
        PglistData* pgdat = lruvec->Pgdat;
        ModLruvecState(lruvec, (NodeStatItem)(int)lru, nrPages);
        PglistData.NodeZone(pgdat, zid)->VmStat[(int)ZoneStatItem.NrZoneInactiveAnon + (int)lru] += nrPages;
        lruvec->LruZoneSize[zid * Lru.NrLruLists + (int)lru] += nrPages;
    }

    /// <summary><c>__mod_lruvec_state</c>: the node counter, plus the memcg-local one for memcg lruvecs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ModLruvecState(Lruvec* lruvec, NodeStatItem idx, long val)
    {
        lruvec->Pgdat->VmStat[(int)idx] += val;
        if (lruvec->MemCgroup != 0)
            lruvec->StatLocal[(int)idx] += val;
    }

    /// <summary><c>lruvec_page_state_local</c>: the node counter when memcg is off (node lruvec), else the local one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long LruvecPageStateLocal(Lruvec* lruvec, NodeStatItem idx) =>
        lruvec->MemCgroup == 0 ? lruvec->Pgdat->VmStat[(int)idx] : lruvec->StatLocal[(int)idx];

    /// <summary>
    /// <c>lruvec_lru_size(lruvec, lru, zone_idx)</c>: pages on <paramref name="lru"/> in managed zones 0..zone_idx
    /// (MAX_NR_ZONES = all). The node lruvec reads the zone counters, a memcg lruvec its own lru_zone_size.
    /// </summary>
    internal static ulong LruvecLruSize(Lruvec* lruvec, LruList lru, int zoneIdx)
    {
        PglistData* pgdat = lruvec->Pgdat;
        long size = 0;
        for (int zid = 0; zid <= zoneIdx && zid < MmZone.MaxNrZones; zid++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, zid);
            if (!MmZone.ManagedZone(zone))
                continue;
            size += lruvec->MemCgroup == 0
                ? zone->VmStat[(int)ZoneStatItem.NrZoneInactiveAnon + (int)lru]
                : lruvec->LruZoneSize[zid * Lru.NrLruLists + (int)lru];
        }
        return (ulong)size;
    }

    /// <summary><c>add_page_to_lru_list</c>: at the head (most recently used end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddPageToLruList(Page* page, Lruvec* lruvec, LruList lru)
    {
        UpdateLruSize(lruvec, lru, PageZonenum(page), CompoundNr(page));
        ListHead.Add(page->LruPtr, Lruvec.List(lruvec, lru));
    }

    /// <summary><c>add_page_to_lru_list_tail</c>: at the tail (next to be scanned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddPageToLruListTail(Page* page, Lruvec* lruvec, LruList lru)
    {
        UpdateLruSize(lruvec, lru, PageZonenum(page), CompoundNr(page));
        ListHead.AddTail(page->LruPtr, Lruvec.List(lruvec, lru));
    }

    /// <summary><c>del_page_from_lru_list</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void DelPageFromLruList(Page* page, Lruvec* lruvec, LruList lru)
    {
        ListHead.Del(page->LruPtr);
        UpdateLruSize(lruvec, lru, PageZonenum(page), -CompoundNr(page));
    }

    /// <summary><c>update_page_reclaim_stat</c> (mm/swap.c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void UpdatePageReclaimStat(Lruvec* lruvec, int file, bool rotated)
    {
        lruvec->ReclaimStat.RecentScanned[file]++;
        if (rotated)
            lruvec->ReclaimStat.RecentRotated[file]++;
    }

    // ---- evictability (mm/internal.h, pagemap.h) ----

    /// <summary>AS_UNEVICTABLE bit of <c>address_space.flags</c> (include/linux/pagemap.h, enum mapping_flags).</summary>
    internal const int AsUnevictable = 3;

    /// <summary>AS_EXITING: the inode is being evicted (no new shadow entries).</summary>
    internal const int AsExiting = 4;

    /// <summary>
    /// <c>mapping_unevictable(page_mapping(page))</c>: the page cache's mapping has AS_UNEVICTABLE (ramfs, SHM_LOCK).
    /// Anonymous and swap-cache pages have no such mapping.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool MappingUnevictable(Page* page)
    {
        if (PageSwapCache(page))
            return false;
        var mapping = (Mm.Filemap.AddressSpace*)PageMappingFile(page);
        return mapping != null && (mapping->Flags & (1u << AsUnevictable)) != 0;
    }

    /// <summary><c>page_evictable</c>: neither an unevictable mapping nor PG_mlocked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool PageEvictable(Page* page) => !MappingUnevictable(page) && !PageMlocked(page);

    // ---- pagevec machinery ----

    /// <summary>The current emulated CPU's pagevecs (<c>this_cpu_ptr</c>).</summary>
    internal LruPvecs* ThisCpuLruPvecs
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _lruPvecs + _currentCpu;
    }

    /// <summary>What <see cref="PagevecLruMoveFn"/> does to each page (the kernel passes a function pointer).</summary>
    internal enum LruMoveFn
    {
        /// <summary><c>__pagevec_lru_add_fn</c>.</summary>
        LruAdd,
        /// <summary><c>pagevec_move_tail_fn</c>.</summary>
        MoveTail,
        /// <summary><c>__activate_page</c>.</summary>
        Activate,
        /// <summary><c>lru_deactivate_file_fn</c>.</summary>
        DeactivateFile,
        /// <summary><c>lru_deactivate_fn</c>.</summary>
        Deactivate,
        /// <summary><c>lru_lazyfree_fn</c>.</summary>
        Lazyfree,
    }

    /// <summary>
    /// <c>pagevec_lru_move_fn</c>: apply <paramref name="fn"/> to each page in slot order under its node's LRU lock,
    /// then <c>release_pages</c> (drop the pagevec's references) and reinit. Returns the pages the function moved
    /// (pagevec_move_tail's <c>pgmoved</c>).
    /// </summary>
    internal int PagevecLruMoveFn(Pagevec* pvec, LruMoveFn fn)
    {
        int moved = 0;
        int nr = pvec->Nr;
        for (int i = 0; i < nr; i++)
        {
            Page* page = Pagevec.Get(pvec, i);
            PglistData* pgdat = PagePgdat(page);
            Lruvec* lruvec = MemCgroupPageLruvec(page, pgdat);
            switch (fn)
            {
                case LruMoveFn.LruAdd: __PagevecLruAddFn(page, lruvec); break;
                case LruMoveFn.MoveTail: moved += PagevecMoveTailFn(page, lruvec); break;
                case LruMoveFn.Activate: __ActivatePage(page, lruvec); break;
                case LruMoveFn.DeactivateFile: LruDeactivateFileFn(page, lruvec); break;
                case LruMoveFn.Deactivate: LruDeactivateFn(page, lruvec); break;
                default: LruLazyfreeFn(page, lruvec); break;
            }
        }
        ReleasePages(pvec);
        return moved;
    }

    /// <summary>
    /// <c>release_pages</c> over a pagevec (then <c>pagevec_reinit</c>): drop one reference per page; pages reaching
    /// zero leave the LRU (<c>__page_cache_release</c> inline) and go to <c>free_unref_page_list</c> together.
    /// </summary>
    internal void ReleasePages(Pagevec* pvec)
    {
        ListHead pagesToFree;
        ListHead.Init(&pagesToFree);
        int nr = pvec->Nr;
        for (int i = 0; i < nr; i++)
        {
            Page* page = CompoundHead(Pagevec.Get(pvec, i));
            if (!PutPageTestzero(page))
                continue;
            if (PageCompound(page))
            {
                __PutCompoundPage(page);
                continue;
            }
            if (PageLRU(page))
            {
                Lruvec* lruvec = MemCgroupPageLruvec(page, PagePgdat(page));
                __ClearPageLRU(page);
                DelPageFromLruList(page, lruvec, Lru.PageOffLru(page));
            }
            __ClearPageActive(page);
            __ClearPageWaiters(page);
            ListHead.Add(page->LruPtr, &pagesToFree);
        }
        MemCgroupUnchargeList(&pagesToFree);
        FreeUnrefPageList(&pagesToFree);
        Pagevec.Reinit(pvec);
    }

    // ---- put_page and the release path ----

    /// <summary><c>put_page</c>: drop a reference; at zero free the page (<c>__put_page</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PutPage(Page* page)
    {
        page = CompoundHead(page);
        if (PutPageTestzero(page))
            __PutPage(page);
    }

    /// <summary><c>__put_page</c>: compound pages through their destructor, small ones through <c>__put_single_page</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void __PutPage(Page* page)
    {
        if (PageCompound(page))
        {
            __PutCompoundPage(page);
            return;
        }
        __PageCacheRelease(page);
        MemCgroupUncharge(page);
        FreeUnrefPage(page);
    }

    /// <summary><c>__put_compound_page</c>: release from the LRU, then the compound destructor.</summary>
    private void __PutCompoundPage(Page* page)
    {
        __PageCacheRelease(page);
        MemCgroupUncharge(page);
        FreeCompoundPage(page);
    }

    /// <summary><c>__page_cache_release</c>: take a dying page off its LRU list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void __PageCacheRelease(Page* page)
    {
        if (PageLRU(page))
        {
            Lruvec* lruvec = MemCgroupPageLruvec(page, PagePgdat(page));
            __ClearPageLRU(page);
            DelPageFromLruList(page, lruvec, Lru.PageOffLru(page));
        }
        __ClearPageWaiters(page);
    }

    // ---- adding pages to the LRU ----

    /// <summary><c>__lru_cache_add</c>: queue on this CPU's lru_add pagevec (taking a reference); drain when full or compound.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void __LruCacheAdd(Page* page)
    {
        Pagevec* pvec = &ThisCpuLruPvecs->LruAdd;
        GetPage(page);
        if (Pagevec.Add(pvec, page) == 0 || PageCompound(page))
            __PagevecLruAdd(pvec);
    }

    /// <summary><c>lru_cache_add_anon</c>.</summary>
    internal void LruCacheAddAnon(Page* page)
    {
        if (PageActive(page))
            ClearPageUnevictable(page);
        __LruCacheAdd(page);
    }

    /// <summary><c>lru_cache_add_file</c>.</summary>
    internal void LruCacheAddFile(Page* page)
    {
        if (PageActive(page))
            ClearPageUnevictable(page);
        __LruCacheAdd(page);
    }

    /// <summary><c>lru_cache_add</c>: the page must not be on the LRU yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void LruCacheAddPage(Page* page)
    {
        Debug.Assert(!(PageActive(page) && PageUnevictable(page)), "lru_cache_add: active and unevictable");
        Debug.Assert(!PageLRU(page), "lru_cache_add: already on the LRU");
        __LruCacheAdd(page);
    }

    /// <summary>
    /// <c>lru_cache_add_active_or_unevictable</c>, with the VMA reduced to whether it is VM_LOCKED (and not
    /// VM_SPECIAL): new anonymous pages go active, or mlocked (NR_MLOCK, UNEVICTABLE_PGMLOCKED) in a locked VMA.
    /// </summary>
    internal void LruCacheAddActiveOrUnevictableLocked(Page* page, bool vmaLocked)
    {
        if (!vmaLocked)
        {
            SetPageActive(page);
        }
        else if (!TestSetPageMlocked(page))
        {
            ModZonePageState(PageZone(page), ZoneStatItem.NrMlock, CompoundNr(page));
            CountVmEvent(VmEventItem.UnevictablePgmlocked);
        }
        LruCacheAddPage(page);
    }

    /// <summary><c>__pagevec_lru_add</c>.</summary>
    internal void __PagevecLruAdd(Pagevec* pvec) => PagevecLruMoveFn(pvec, LruMoveFn.LruAdd);

    /// <summary>
    /// <c>__pagevec_lru_add_fn</c>: PG_lru set; evictable pages go to the head of <c>page_lru</c> (reclaim stat:
    /// scanned, and rotated if active; UNEVICTABLE_PGRESCUED if it was unevictable), others to LRU_UNEVICTABLE
    /// (UNEVICTABLE_PGCULLED).
    /// </summary>
    private void __PagevecLruAddFn(Page* page, Lruvec* lruvec)
    {
        // TestClearPageUnevictable + SetPageLRU as one store of the head's flags word; page_lru, page_is_file_cache
        // and PageActive then read the value stored (what re-reading page->flags would give).
        Debug.Assert(!PageTail(page) && !PageLRU(page), "__pagevec_lru_add_fn: a tail page or one already on an LRU");
        ulong flags = page->Flags;
        bool wasUnevictable = (flags & (1UL << (int)PG.Unevictable)) != 0;
        flags = (flags & ~(1UL << (int)PG.Unevictable)) | (1UL << (int)PG.Lru);
        page->Flags = flags;
        LruList lru;
        if ((flags & (1UL << (int)PG.Mlocked)) == 0 && !MappingUnevictable(page)) // page_evictable
        {
            lru = PageLruOfFlags(flags);
            UpdatePageReclaimStat(lruvec, (flags & (1UL << (int)PG.SwapBacked)) != 0 ? 0 : 1, (flags & (1UL << (int)PG.Active)) != 0);
            if (wasUnevictable)
                CountVmEvent(VmEventItem.UnevictablePgrescued);
        }
        else
        {
            lru = LruList.Unevictable;
            ClearPageActive(page);
            SetPageUnevictable(page);
            if (!wasUnevictable)
                CountVmEvent(VmEventItem.UnevictablePgculled);
        }
        AddPageToLruList(page, lruvec, lru);
    }

    // ---- aging ----

    /// <summary><c>__activate_page</c>: inactive → active head, PGACTIVATE, reclaim stat scanned + rotated.</summary>
    private void __ActivatePage(Page* page, Lruvec* lruvec)
    {
        if (PageLRU(page) && !PageActive(page) && !PageUnevictable(page))
        {
            int file = Lru.PageIsFileCache(page);
            LruList lru = Lru.PageLruBaseType(page);
            DelPageFromLruList(page, lruvec, lru);
            SetPageActive(page);
            AddPageToLruList(page, lruvec, lru + Lru.Active);
            CountVmEvent(VmEventItem.Pgactivate);
            UpdatePageReclaimStat(lruvec, file, true);
        }
    }

    /// <summary><c>activate_page</c> (SMP): queue an inactive LRU page on this CPU's activate pagevec.</summary>
    internal void ActivatePage(Page* page)
    {
        page = CompoundHead(page);
        if (PageLRU(page) && !PageActive(page) && !PageUnevictable(page))
        {
            Pagevec* pvec = &ThisCpuLruPvecs->ActivatePage;
            GetPage(page);
            if (Pagevec.Add(pvec, page) == 0 || PageCompound(page))
                PagevecLruMoveFn(pvec, LruMoveFn.Activate);
        }
    }

    /// <summary>
    /// <c>__lru_cache_activate_page</c>: the page is still in this CPU's lru_add pagevec (not PG_lru yet): set
    /// PG_active so the drain puts it on the active list. Searched from the newest slot, as the kernel does.
    /// </summary>
    private void __LruCacheActivatePage(Page* page)
    {
        Pagevec* pvec = &ThisCpuLruPvecs->LruAdd;
        for (int i = pvec->Nr - 1; i >= 0; i--)
        {
            if (Pagevec.Get(pvec, i) == page)
            {
                SetPageActive(page);
                break;
            }
        }
    }

    /// <summary>
    /// <c>mark_page_accessed</c>: inactive,unreferenced → inactive,referenced; inactive,referenced → active
    /// (via the activate pagevec, or PG_active while still in the add pagevec), then PG_referenced cleared and, for
    /// page cache, <c>workingset_activation</c>; active,unreferenced → active,referenced.
    /// </summary>
    internal void MarkPageAccessedLru(Page* page)
    {
        page = CompoundHead(page);
        if (!PageActive(page) && !PageUnevictable(page) && PageReferenced(page))
        {
            if (PageLRU(page))
                ActivatePage(page);
            else
                __LruCacheActivatePage(page);
            ClearPageReferenced(page);
            if (Lru.PageIsFileCache(page) != 0)
                WorkingsetActivation(page);
        }
        else if (!PageReferenced(page))
        {
            SetPageReferenced(page);
        }
    }

    /// <summary><c>pagevec_move_tail_fn</c>: an evictable LRU page goes inactive, to the tail.</summary>
    private int PagevecMoveTailFn(Page* page, Lruvec* lruvec)
    {
        // PageLRU, PageUnevictable and page_lru all read the head's flags word: read it once.
        ulong flags = CompoundHead(page)->Flags;
        if ((flags & ((1UL << (int)PG.Lru) | (1UL << (int)PG.Unevictable))) == 1UL << (int)PG.Lru)
        {
            // del_page_from_lru_list(page_lru) + ClearPageActive + add_page_to_lru_list_tail(page_lru): page_lru after
            // the clear is the inactive list of the same type. For a page already inactive (the rotate case) the two
            // lru-size updates cancel, so only the list moves; the counters end as the kernel's.
            LruList from = PageLruOfFlags(flags);
            LruList to = from & ~(LruList)Lru.Active;
            ClearPageActive(page);
            if (from != to)
            {
                int nrPages = CompoundNr(page);
                int zid = PageZonenum(page);
                UpdateLruSize(lruvec, from, zid, -nrPages);
                UpdateLruSize(lruvec, to, zid, nrPages);
            }
            ListHead.MoveTail(page->LruPtr, Lruvec.List(lruvec, to));
            return 1;
        }
        return 0;
    }

    /// <summary><c>page_lru</c> (mm_inline.h) computed from a head page's flags word already read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LruList PageLruOfFlags(ulong flags)
    {
        if ((flags & (1UL << (int)PG.Unevictable)) != 0)
            return LruList.Unevictable;
        LruList lru = (flags & (1UL << (int)PG.SwapBacked)) != 0 ? LruList.InactiveAnon : LruList.InactiveFile;
        if ((flags & (1UL << (int)PG.Active)) != 0)
            lru += Lru.Active;
        return lru;
    }

    /// <summary><c>pagevec_move_tail</c>: move, then PGROTATED += pages moved.</summary>
    private void PagevecMoveTail(Pagevec* pvec)
    {
        int moved = PagevecLruMoveFn(pvec, LruMoveFn.MoveTail);
        CountVmEvent(VmEventItem.Pgrotated, moved);
    }

    /// <summary>
    /// <c>rotate_reclaimable_page</c>: after writeback of a PG_reclaim page, move it to the inactive tail so the next
    /// scan frees it (only if unlocked, clean, evictable and on the LRU).
    /// </summary>
    internal void RotateReclaimablePage(Page* page)
    {
        // !PageLocked && !PageDirty && !PageUnevictable && PageLRU, on one read of the head's flags word.
        const ulong tested = (1UL << (int)PG.Locked) | (1UL << (int)PG.Dirty) | (1UL << (int)PG.Unevictable) | (1UL << (int)PG.Lru);
        if ((CompoundHead(page)->Flags & tested) == 1UL << (int)PG.Lru)
        {
            GetPage(page);
            Pagevec* pvec = &ThisCpuLruPvecs->LruRotate;
            if (Pagevec.Add(pvec, page) == 0 || PageCompound(page))
                PagevecMoveTail(pvec);
        }
    }

    /// <summary>
    /// <c>lru_deactivate_file_fn</c>: an unmapped page cache page whose invalidation failed goes inactive; dirty or
    /// under writeback → inactive head with PG_reclaim, clean → inactive tail (PGROTATED); PGDEACTIVATE if it was
    /// active; reclaim stat scanned.
    /// </summary>
    private void LruDeactivateFileFn(Page* page, Lruvec* lruvec)
    {
        if (!PageLRU(page) || PageUnevictable(page) || PageMapped(page))
            return;
        bool active = PageActive(page);
        int file = Lru.PageIsFileCache(page);
        LruList lru = Lru.PageLruBaseType(page);
        DelPageFromLruList(page, lruvec, lru + (active ? Lru.Active : 0));
        ClearPageActive(page);
        ClearPageReferenced(page);
        if (PageWriteback(page) || PageDirty(page))
        {
            AddPageToLruList(page, lruvec, lru);
            SetPageReclaim(page);
        }
        else
        {
            AddPageToLruListTail(page, lruvec, lru);
            CountVmEvent(VmEventItem.Pgrotated);
        }
        if (active)
            CountVmEvent(VmEventItem.Pgdeactivate);
        UpdatePageReclaimStat(lruvec, file, false);
    }

    /// <summary><c>deactivate_file_page</c>: queue on the deactivate_file pagevec (a reference unless it is being freed).</summary>
    internal void DeactivateFilePage(Page* page)
    {
        if (PageUnevictable(page))
            return;
        if (page->RefCount == 0)      // get_page_unless_zero
            return;
        GetPage(page);
        Pagevec* pvec = &ThisCpuLruPvecs->LruDeactivateFile;
        if (Pagevec.Add(pvec, page) == 0 || PageCompound(page))
            PagevecLruMoveFn(pvec, LruMoveFn.DeactivateFile);
    }

    /// <summary>
    /// <c>lru_deactivate_fn</c>: an active evictable LRU page goes to the head of its inactive list without
    /// PG_referenced; PGDEACTIVATE += nr; reclaim stat scanned.
    /// </summary>
    private void LruDeactivateFn(Page* page, Lruvec* lruvec)
    {
        if (PageLRU(page) && PageActive(page) && !PageUnevictable(page))
        {
            int file = Lru.PageIsFileCache(page);
            LruList lru = Lru.PageLruBaseType(page);
            DelPageFromLruList(page, lruvec, lru + Lru.Active);
            ClearPageActive(page);
            ClearPageReferenced(page);
            AddPageToLruList(page, lruvec, lru);
            CountVmEvent(VmEventItem.Pgdeactivate, CompoundNr(page));
            UpdatePageReclaimStat(lruvec, file, false);
        }
    }

    /// <summary><c>deactivate_page</c> (MADV_COLD): queue an active LRU page on the deactivate pagevec.</summary>
    internal void DeactivatePage(Page* page)
    {
        if (PageLRU(page) && PageActive(page) && !PageUnevictable(page))
        {
            GetPage(page);
            Pagevec* pvec = &ThisCpuLruPvecs->LruDeactivate;
            if (Pagevec.Add(pvec, page) == 0 || PageCompound(page))
                PagevecLruMoveFn(pvec, LruMoveFn.Deactivate);
        }
    }

    /// <summary>
    /// <c>lru_lazyfree_fn</c>: a clean-able anon page (MADV_FREE) loses PG_active/referenced/swapbacked and goes
    /// to the INACTIVE_FILE head; PGLAZYFREE += nr; reclaim stat scanned (file).
    /// </summary>
    private void LruLazyfreeFn(Page* page, Lruvec* lruvec)
    {
        if (PageLRU(page) && PageAnon(page) && PageSwapBacked(page) && !PageSwapCache(page) && !PageUnevictable(page))
        {
            bool active = PageActive(page);
            DelPageFromLruList(page, lruvec, LruList.InactiveAnon + (active ? Lru.Active : 0));
            ClearPageActive(page);
            ClearPageReferenced(page);
            ClearPageSwapBacked(page);
            AddPageToLruList(page, lruvec, LruList.InactiveFile);
            CountVmEvent(VmEventItem.Pglazyfree, CompoundNr(page));
            UpdatePageReclaimStat(lruvec, 1, false);
        }
    }

    /// <summary><c>mark_page_lazyfree</c>.</summary>
    internal void MarkPageLazyfree(Page* page)
    {
        if (PageLRU(page) && PageAnon(page) && PageSwapBacked(page) && !PageSwapCache(page) && !PageUnevictable(page))
        {
            GetPage(page);
            Pagevec* pvec = &ThisCpuLruPvecs->LruLazyfree;
            if (Pagevec.Add(pvec, page) == 0 || PageCompound(page))
                PagevecLruMoveFn(pvec, LruMoveFn.Lazyfree);
        }
    }

    // ---- draining ----

    /// <summary>
    /// <c>lru_add_drain_cpu</c>: lru_add, then rotate (PGROTATED), deactivate_file, deactivate, lazyfree, then the
    /// activate pagevec (<c>activate_page_drain</c>), in the kernel's order.
    /// </summary>
    internal void LruAddDrainCpu(int cpu)
    {
        LruPvecs* pv = _lruPvecs + cpu;
        if (pv->LruAdd.Nr != 0)
            __PagevecLruAdd(&pv->LruAdd);
        if (pv->LruRotate.Nr != 0)
            PagevecMoveTail(&pv->LruRotate);
        if (pv->LruDeactivateFile.Nr != 0)
            PagevecLruMoveFn(&pv->LruDeactivateFile, LruMoveFn.DeactivateFile);
        if (pv->LruDeactivate.Nr != 0)
            PagevecLruMoveFn(&pv->LruDeactivate, LruMoveFn.Deactivate);
        if (pv->LruLazyfree.Nr != 0)
            PagevecLruMoveFn(&pv->LruLazyfree, LruMoveFn.Lazyfree);
        if (pv->ActivatePage.Nr != 0)
            PagevecLruMoveFn(&pv->ActivatePage, LruMoveFn.Activate);
    }

    /// <summary><c>lru_add_drain</c>: this CPU's pagevecs.</summary>
    internal void LruAddDrain() => LruAddDrainCpu(_currentCpu);

    /// <summary><c>lru_add_drain_all</c>: every CPU's pagevecs (the kernel schedules work on each; here in CPU order).</summary>
    internal void LruAddDrainAll()
    {
        for (int cpu = 0; cpu < _nrCpus; cpu++)
            LruAddDrainCpu(cpu);
    }

    // ---- isolation and putback of single pages (vmscan.c) ----

    /// <summary>
    /// <c>isolate_lru_page</c>: take a page (caller holds a reference) off its LRU list; 0 on success, −EBUSY if it
    /// was not on one. The page keeps PG_active / PG_unevictable.
    /// </summary>
    internal int IsolateLruPage(Page* page)
    {
        Debug.Assert(PageCount(page) != 0, "isolate_lru_page without a reference");
        if (!PageLRU(page))
            return -Ebusy;
        Lruvec* lruvec = MemCgroupPageLruvec(page, PagePgdat(page));
        LruList lru = Lru.PageLru(page);
        GetPage(page);
        ClearPageLRU(page);
        DelPageFromLruList(page, lruvec, lru);
        return 0;
    }

    /// <summary><c>putback_lru_page</c>: <c>lru_cache_add</c> then drop the isolation reference.</summary>
    internal void PutbackLruPage(Page* page)
    {
        __LruCacheAdd(page);
        PutPage(page);
    }

    /// <summary>
    /// <c>check_move_unevictable_pages</c> for one page: an unevictable LRU page that became evictable moves to the
    /// head of its inactive list (UNEVICTABLE_PGRESCUED); every page looked at counts UNEVICTABLE_PGSCANNED.
    /// </summary>
    internal void CheckMoveUnevictablePage(Page* page)
    {
        CountVmEvent(VmEventItem.UnevictablePgscanned);
        if (!PageLRU(page) || !PageUnevictable(page))
            return;
        if (PageEvictable(page))
        {
            Lruvec* lruvec = MemCgroupPageLruvec(page, PagePgdat(page));
            DelPageFromLruList(page, lruvec, LruList.Unevictable);
            ClearPageUnevictable(page);
            ClearPageActive(page);
            AddPageToLruList(page, lruvec, Lru.PageLru(page));
            CountVmEvent(VmEventItem.UnevictablePgrescued);
        }
    }

    /// <summary>
    /// The LRU half of <c>mlock_vma_page</c>: after PG_mlocked is set, <c>isolate_lru_page</c> +
    /// <c>putback_lru_page</c> move the page to LRU_UNEVICTABLE.
    /// </summary>
    internal void MlockMovePageToUnevictable(Page* page)
    {
        if (IsolateLruPage(page) == 0)
            PutbackLruPage(page);
    }

    /// <summary>
    /// The LRU half of <c>munlock_vma_page</c> (<c>__munlock_isolated_page</c>): after PG_mlocked is cleared the page
    /// is isolated and put back, landing on an evictable list.
    /// </summary>
    internal void MunlockMovePageBack(Page* page)
    {
        if (IsolateLruPage(page) == 0)
            PutbackLruPage(page);
    }

    /// <summary>EBUSY.</summary>
    internal const int Ebusy = 16;
}
