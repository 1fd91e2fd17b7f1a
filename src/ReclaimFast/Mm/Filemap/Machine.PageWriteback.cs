using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/page-writeback.c: dirty limits, the page-cache writeback tags, balance_dirty_pages and write_cache_pages.
public sealed unsafe partial class Machine
{
    /// <summary><c>vm_dirty_ratio</c> default (percent of dirtyable memory).</summary>
    internal const int VmDirtyRatio = 20;

    /// <summary><c>dirty_background_ratio</c> default.</summary>
    internal const int DirtyBackgroundRatio = 10;

    /// <summary><c>dirty_writeback_interval</c> default: 500 centiseconds.</summary>
    internal const int DirtyWritebackCentisecs = 500;

    /// <summary><c>dirty_expire_interval</c> default: 3000 centiseconds.</summary>
    internal const int DirtyExpireCentisecs = 3000;

    /// <summary>MAX_PAUSE: the longest balance_dirty_pages sleep, max(HZ/5, 1).</summary>
    private long MaxPauseJiffies => Math.Max(_hz / 5, 1);

    // current->nr_dirtied and current->nr_dirtied_pause, kept per machine (see BalanceDirtyPagesRatelimited).
    private long _bdpNrDirtied;
    private long _bdpNrDirtiedPause = 128 >> (Pfn.PageShift - 10);
    private long _bdpPauses;
    private long _bdpPausedJiffies;

    /// <summary>balance_dirty_pages sleeps taken by writers (the throttle), and their total jiffies.</summary>
    internal long DirtyThrottlePauses => _bdpPauses;

    /// <summary>Total jiffies writers slept in balance_dirty_pages.</summary>
    internal long DirtyThrottleJiffies => _bdpPausedJiffies;

    /// <summary>
    /// <c>global_dirtyable_memory</c>: free pages less <c>totalreserve_pages</c>, plus the file LRUs, plus one (never 0).
    /// No highmem on x86-64, so nothing is subtracted for it.
    /// </summary>
    internal ulong GlobalDirtyableMemory()
    {
        ulong x = (ulong)Math.Max(0L, GlobalZonePageState(ZoneStatItem.NrFreePages));
        x -= Math.Min(x, TotalreservePages);
        x += (ulong)Math.Max(0L, GlobalNodePageState(NodeStatItem.NrInactiveFile));
        x += (ulong)Math.Max(0L, GlobalNodePageState(NodeStatItem.NrActiveFile));
        return x + 1;
    }

    /// <summary>
    /// <c>global_dirty_limits</c> → <c>domain_dirty_limits</c> over <c>global_dirtyable_memory</c>.
    /// </summary>
    internal void GlobalDirtyLimits(out ulong background, out ulong dirty) =>
        DomainDirtyLimits(GlobalDirtyableMemory(), out background, out dirty);

    /// <summary>
    /// <c>domain_dirty_limits</c> with vm_dirty_bytes = dirty_background_bytes = 0 and a non-RT task: thresholds in
    /// pages from the ratios of <paramref name="available"/>, in per-PAGE_SIZE units for precision as the kernel does.
    /// </summary>
    internal static void DomainDirtyLimits(ulong available, out ulong background, out ulong dirty)
    {
        ulong ratio = (ulong)VmDirtyRatio * Pfn.PageSize / 100;
        ulong bgRatio = (ulong)DirtyBackgroundRatio * Pfn.PageSize / 100;
        ulong thresh = ratio * available / Pfn.PageSize;
        ulong bgThresh = bgRatio * available / Pfn.PageSize;
        if (bgThresh >= thresh)
            bgThresh = thresh / 2;
        background = bgThresh;
        dirty = thresh;
    }

    /// <summary>
    /// <c>mem_cgroup_wb_stats</c> + <c>mdtc_calc_avail</c> + <c>domain_dirty_limits</c>: the cgroup writeback domain of
    /// <paramref name="memcg"/> (cgroup v2). Dirty and writeback pages of its subtree; available = its file LRU pages
    /// plus the smaller of its headroom (min(max, high) − usage, tightest up the hierarchy) and the clean memory
    /// outside it. Returns the domain's dirty pages, with its writeback pages when <paramref name="withWriteback"/>
    /// (balance_dirty_pages counts both, wb_over_bg_thresh only the dirty ones).
    /// </summary>
    internal ulong MemcgDirtyLimits(Mm.Memcontrol.MemCgroup* memcg, ulong globalAvail, ulong globalDirty, bool withWriteback,
        out ulong background, out ulong thresh)
    {
        long dirty = 0, writeback = 0, filepages = 0;
        for (Mm.Memcontrol.MemCgroup* pos = memcg; pos != null; pos = CssNextDescendantPre(pos, memcg))
        {
            for (int nid = 0; nid < _nrNodes; nid++)
            {
                Lruvec* lruvec = &Mm.Memcontrol.MemCgroup.NodeInfo(pos, nid)->Lruvec;
                dirty += lruvec->StatLocal[(int)NodeStatItem.NrFileDirty];
                writeback += lruvec->StatLocal[(int)NodeStatItem.NrWriteback];
                filepages += lruvec->StatLocal[(int)NodeStatItem.NrInactiveFile] + lruvec->StatLocal[(int)NodeStatItem.NrActiveFile];
            }
        }
        ulong headroom = ulong.MaxValue;
        for (Mm.Memcontrol.MemCgroup* m = memcg; m->Parent != null; m = m->Parent)
        {
            ulong ceiling = (ulong)Math.Min(m->Memory.Max, m->High);
            ulong used = (ulong)Math.Max(0L, m->Memory.Usage);
            headroom = Math.Min(headroom, ceiling - Math.Min(ceiling, used));
        }
        ulong mDirty = (ulong)Math.Max(0L, withWriteback ? dirty + writeback : dirty);
        ulong files = (ulong)Math.Max(0L, filepages);
        ulong clean = files - Math.Min(files, mDirty);
        ulong globalClean = globalAvail - Math.Min(globalAvail, globalDirty);
        ulong otherClean = globalClean - Math.Min(globalClean, clean);
        DomainDirtyLimits(files + Math.Min(headroom, otherClean), out background, out thresh);
        return mDirty;
    }

    /// <summary>The current task's memcg when it is not the root (its cgroup writeback domain applies), else null.</summary>
    private Mm.Memcontrol.MemCgroup* CurrentDirtyDomainMemcg()
    {
        if (_rootMemCgroup == null)
            return null;
        Mm.Memcontrol.MemCgroup* memcg = GetMemCgroupFromMm(null);
        return MemCgroupIsRoot(memcg) ? null : memcg;
    }

    /// <summary>NR_FILE_DIRTY + NR_UNSTABLE_NFS: what writeback can still start on.</summary>
    private long GlobalNrReclaimable() =>
        GlobalNodePageState(NodeStatItem.NrFileDirty) + GlobalNodePageState(NodeStatItem.NrUnstableNfs);

    /// <summary>Page-cache pages use writeback tags; the swap cache does not (<c>mapping_use_writeback_tags</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static AddressSpace* TaggedMapping(Page* page) =>
        PageSwapCache(page) ? null : (AddressSpace*)PageMappingFile(page);

    /// <summary>
    /// The tagging half of <c>__set_page_dirty_nobuffers</c>: PAGECACHE_TAG_DIRTY on the page's slot and
    /// <c>__mark_inode_dirty(I_DIRTY_PAGES)</c>.
    /// </summary>
    private void TagPageDirty(Page* page)
    {
        AddressSpace* mapping = TaggedMapping(page);
        if (mapping == null)
            return;
        mapping->IPages.SetMark(page->Index, PagecacheTag.Dirty);
        if (mapping->Host != null)
            __MarkInodeDirty(mapping->Host);
    }

    /// <summary>
    /// The tagging half of <c>__test_set_page_writeback</c>: PAGECACHE_TAG_WRITEBACK set; PAGECACHE_TAG_DIRTY cleared
    /// unless the page was redirtied; PAGECACHE_TAG_TOWRITE cleared.
    /// </summary>
    private void TagPageWriteback(Page* page)
    {
        AddressSpace* mapping = TaggedMapping(page);
        if (mapping == null)
            return;
        mapping->IPages.SetMark(page->Index, PagecacheTag.Writeback);
        if (!PageDirty(page))
            mapping->IPages.ClearMark(page->Index, PagecacheTag.Dirty);
        mapping->IPages.ClearMark(page->Index, PagecacheTag.Towrite);
    }

    /// <summary>The tagging half of <c>test_clear_page_writeback</c>: PAGECACHE_TAG_WRITEBACK cleared.</summary>
    private static void TagPageWritebackEnd(Page* page)
    {
        AddressSpace* mapping = TaggedMapping(page);
        if (mapping != null)
            mapping->IPages.ClearMark(page->Index, PagecacheTag.Writeback);
    }

    /// <summary>
    /// <c>balance_dirty_pages_ratelimited</c>: called after each page a write dirties. Every
    /// <c>nr_dirtied_pause</c> pages it runs <see cref="BalanceDirtyPages"/>. Simplification: the kernel keeps the count
    /// per task (plus per-CPU leak counters); one count per machine gives the same cadence for one writer and a
    /// shared one for several.
    /// </summary>
    internal void BalanceDirtyPagesRatelimited()
    {
        if (++_bdpNrDirtied >= _bdpNrDirtiedPause)
            BalanceDirtyPages();
    }

    /// <summary><c>dirty_freerun_ceiling</c>: (thresh + bg_thresh) / 2.</summary>
    private static ulong DirtyFreerunCeiling(ulong thresh, ulong bgThresh) => (thresh + bgThresh) / 2;

    /// <summary><c>dirty_poll_interval</c>: the pages a writer may dirty before checking again.</summary>
    internal static long DirtyPollInterval(ulong dirty, ulong thresh) =>
        thresh > dirty ? 1L << (BitOperations.Log2(thresh - dirty) >> 1) : 1;

    /// <summary>
    /// <c>balance_dirty_pages</c> over the global domain and, for a task in a cgroup, its cgroup writeback domain
    /// (<c>mdtc</c>): below both freerun ceilings the writer goes on (and sets its next poll interval, the smaller of the
    /// two); above either, background writeback is started and the writer sleeps. Background writeback also starts
    /// when reclaimable dirty pages exceed the background threshold (unless writeback is already running or
    /// laptop_mode is on). Simplifications: one flusher for all domains; the pause is linear in how far the dirty
    /// count is between the freerun ceiling and the limit of the more loaded domain (up to MAX_PAUSE), instead of the
    /// bandwidth estimator's pos_ratio; the sleep is the writer's (added to the step's wait, as a read's latency is).
    /// </summary>
    private void BalanceDirtyPages()
    {
        long nrReclaimable = GlobalNrReclaimable();
        ulong dirty = (ulong)Math.Max(0L, nrReclaimable + GlobalNodePageState(NodeStatItem.NrWriteback));
        ulong avail = GlobalDirtyableMemory();
        DomainDirtyLimits(avail, out ulong bgThresh, out ulong thresh);
        ulong freerun = DirtyFreerunCeiling(thresh, bgThresh);
        Mm.Memcontrol.MemCgroup* memcg = CurrentDirtyDomainMemcg();
        ulong mDirty = 0, mBgThresh = 0, mThresh = 0, mFreerun = 0;
        if (memcg != null)
        {
            mDirty = MemcgDirtyLimits(memcg, avail, dirty, withWriteback: true, out mBgThresh, out mThresh);
            mFreerun = DirtyFreerunCeiling(mThresh, mBgThresh);
        }
        _bdpNrDirtied = 0;
        if (dirty <= freerun && (memcg == null || mDirty <= mFreerun))
        {
            long interval = DirtyPollInterval(dirty, thresh);
            if (memcg != null)
                interval = Math.Min(interval, DirtyPollInterval(mDirty, mThresh));
            _bdpNrDirtiedPause = interval;
        }
        else
        {
            if (!WritebackInProgress())
                WbStartBackgroundWriteback();
            long pause = Math.Max(PauseFor(dirty, freerun, thresh), memcg != null ? PauseFor(mDirty, mFreerun, mThresh) : 0);
            _bdpPauses++;
            _bdpPausedJiffies += pause;
            IoJiffiesPending += pause;
            _bdpNrDirtiedPause = 1;
        }
        if (WritebackInProgress() || _laptopMode)
            return;
        if ((ulong)Math.Max(0L, nrReclaimable) > bgThresh || (memcg != null && mDirty > mBgThresh))
            WbStartBackgroundWriteback();
    }

    /// <summary>The writer's pause for one domain: 0 at or below its freerun ceiling, up to MAX_PAUSE at its limit.</summary>
    private long PauseFor(ulong dirty, ulong freerun, ulong thresh)
    {
        if (dirty <= freerun)
            return 0;
        ulong over = Math.Min(dirty, thresh) - freerun;
        ulong span = Math.Max(1UL, thresh - freerun);
        return Math.Max(1L, (long)((ulong)MaxPauseJiffies * over / span));
    }

    /// <summary>
    /// <c>write_cache_pages</c> with WB_SYNC_NONE and range_cyclic: from <c>writeback_index</c>, every page tagged dirty
    /// (wrapping once to the start) is cleaned for I/O and written through <c>->writepage</c>, until
    /// <paramref name="nrToWrite"/> pages went out. Pages under writeback are skipped (WB_SYNC_NONE does not wait).
    /// Returns the pages written. Simplification: a locked page is skipped rather than waited for (only reclaim's
    /// current page can be locked while the flusher runs, and it is about to be handled by reclaim).
    /// </summary>
    internal long WriteCachePages(AddressSpace* mapping, long nrToWrite)
    {
        long written = 0;
        ulong index = mapping->WritebackIndex;
        ulong end = ulong.MaxValue;
        bool cycled = index == 0;
        while (true)
        {
            while (written < nrToWrite)
            {
                ulong at = index;
                ulong entry = mapping->IPages.FindMarked(ref at, end, PagecacheTag.Dirty);
                if (entry == 0)
                    break;
                index = at + 1;
                Page* page = (Page*)entry;
                if (page->Mapping != (ulong)mapping || !PageDirty(page) || PageWriteback(page))
                    continue;
                if (TestSetPageLocked(page))
                    continue;
                if (!ClearPageDirtyForIo(page))
                {
                    ClearPageLocked(page);
                    continue;
                }
                WritepageSeam(page); // ->writepage: sets writeback, unlocks
                written++;
                if (index == 0)
                    break; // wrapped past the largest index
            }
            if (written >= nrToWrite || cycled)
                break;
            // Wrap to the start for the range before writeback_index.
            cycled = true;
            end = mapping->WritebackIndex == 0 ? 0 : mapping->WritebackIndex - 1;
            index = 0;
        }
        mapping->WritebackIndex = index;
        return written;
    }
}
