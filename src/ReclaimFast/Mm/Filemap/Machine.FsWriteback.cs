using System;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

/// <summary>Why writeback was started (<c>enum wb_reason</c>, include/linux/backing-dev-defs.h, the ones emulated).</summary>
public enum WbReason
{
    /// <summary>WB_REASON_BACKGROUND.</summary>
    Background = 0,
    /// <summary>WB_REASON_VMSCAN: reclaim found only dirty pages nobody had queued for I/O.</summary>
    Vmscan = 1,
    /// <summary>WB_REASON_PERIODIC: the kupdate-style flush of expired inodes.</summary>
    Periodic = 4,
}

// fs/fs-writeback.c: the flusher (one bdi_writeback for the machine's one backing device) and its inode lists.
public sealed unsafe partial class Machine
{
    /// <summary>MIN_WRITEBACK_PAGES: 4 MiB of pages, the unit writeback chunks are rounded to.</summary>
    internal const long MinWritebackPages = 4096 >> (Pfn.PageShift - 10);

    /// <summary>INIT_BW: the initial write bandwidth estimate, 100 MiB/s in pages per second.</summary>
    internal const long InitBwPages = 100L << (20 - Pfn.PageShift);

    /// <summary>DIRTY_SCOPE: a writeback chunk is at most 1/8 of the dirty limit.</summary>
    private const int DirtyScope = 8;

    private const int TimerWriteback = 16;

    // b_dirty, b_io, b_more_io: list heads in native memory (inodes link to them; the Machine object may move).
    private ListHead* _wbLists;
    private bool _wbStartAll;
    private WbReason _wbStartAllReason;
    private bool _wbBackgroundRequested;
    private bool _wbRunning;
    private bool _wbTimerArmed;
    private ulong _wbTimerExpires;
    private ulong _wbLastOldFlush;
    private long _wbWorks;
    private long _wbPagesWritten;

    /// <summary>
    /// Replay and tests without the event loop: flusher work runs at once when requested and its writes complete at
    /// once (no simulated time passes outside the event loop).
    /// </summary>
    internal bool WritebackInline { get; set; }

    /// <summary>Flusher work items run (start-all, kupdate and background flushes).</summary>
    internal long FlusherWorks => _wbWorks;

    /// <summary>Pages the flusher wrote.</summary>
    internal long FlusherPagesWritten => _wbPagesWritten;

    private ListHead* WbBDirty => _wbLists;
    private ListHead* WbBIo => _wbLists + 1;
    private ListHead* WbBMoreIo => _wbLists + 2;

    private void EnsureWbLists()
    {
        if (_wbLists != null)
            return;
        _wbLists = _heap.AllocArray<ListHead>(3);
        for (int i = 0; i < 3; i++)
            ListHead.Init(_wbLists + i);
    }

    /// <summary><c>wb_has_dirty_io</c>: some inode is on b_dirty, b_io or b_more_io.</summary>
    internal bool WbHasDirtyIo()
    {
        if (_wbLists == null)
            return false;
        return !ListHead.Empty(WbBDirty) || !ListHead.Empty(WbBIo) || !ListHead.Empty(WbBMoreIo);
    }

    /// <summary><c>writeback_in_progress</c>: the flusher has work queued or running.</summary>
    internal bool WritebackInProgress() => _wbRunning || _wbStartAll || _wbBackgroundRequested;

    /// <summary>
    /// <c>__mark_inode_dirty(inode, I_DIRTY_PAGES)</c>: a clean inode gets <c>dirtied_when</c> and goes to the head of
    /// b_dirty (newest first); the first dirty inode arms the periodic flush (<c>wb_wakeup_delayed</c>).
    /// </summary>
    private void __MarkInodeDirty(Inode* inode)
    {
        if ((inode->IState & InodeState.DirtyPages) != 0)
            return;
        EnsureWbLists();
        inode->IState |= InodeState.DirtyPages;
        if ((inode->IState & InodeState.Sync) != 0)
            return; // the flusher is writing it and requeues it itself
        inode->DirtiedWhen = _jiffies;
        bool wakeup = !WbHasDirtyIo();
        ListHead.Move(&inode->IIoList, WbBDirty);
        if (wakeup)
            WbWakeupDelayed();
    }

    /// <summary><c>wb_wakeup_delayed</c>: the periodic flush in dirty_writeback_interval.</summary>
    private void WbWakeupDelayed() => ArmWritebackTimer(_jiffies + (ulong)CentisecsToJiffies(DirtyWritebackCentisecs));

    private long CentisecsToJiffies(int cs) => Math.Max(1L, (long)cs * _hz / 100);

    private void ArmWritebackTimer(ulong expires)
    {
        if (_wbTimerArmed && _wbTimerExpires <= expires)
            return;
        _wbTimerArmed = true;
        _wbTimerExpires = expires;
        AddTimer(expires, TimerWriteback, 0, expires);
    }

    /// <summary>The writeback timer fired: a stale one (re-armed earlier since) is ignored.</summary>
    private void WritebackTimer(ulong gen)
    {
        if (!_wbTimerArmed || gen != _wbTimerExpires)
            return;
        _wbTimerArmed = false;
        WbWorkfn();
    }

    /// <summary>Queues flusher work: inline mode runs it now, the event loop on its next timer check.</summary>
    private void WbWakeup()
    {
        if (WritebackInline)
        {
            WbWorkfn();
            CompletePendingIo();
        }
        else
        {
            ArmWritebackTimer(_jiffies);
        }
    }

    /// <summary><c>wb_start_background_writeback</c>.</summary>
    internal void WbStartBackgroundWriteback()
    {
        _wbBackgroundRequested = true;
        WbWakeup();
    }

    /// <summary>
    /// <c>wakeup_flusher_threads(reason)</c> → <c>wb_start_writeback</c>: write back everything dirty (WB_start_all),
    /// unless there is no dirty I/O or a start-all is already pending.
    /// </summary>
    internal void WakeupFlusherThreads(WbReason reason)
    {
        if (!WbHasDirtyIo() || _wbStartAll)
            return;
        _wbStartAll = true;
        _wbStartAllReason = reason;
        WbWakeup();
    }

    /// <summary>
    /// <c>wb_workfn</c> → <c>wb_do_writeback</c>: the start-all request, then the kupdate flush once
    /// dirty_writeback_interval has passed since the last, then background writeback while over the background
    /// threshold; afterwards, if dirty inodes remain, the next periodic flush is armed.
    /// </summary>
    internal long WbWorkfn()
    {
        if (_wbRunning)
            return 0;
        _wbRunning = true;
        long wrote = 0;
        if (_wbStartAll)
        {
            _wbStartAll = false;
            wrote += WbWriteback(GetNrDirtyPages(), forKupdate: false, forBackground: false);
        }
        ulong interval = (ulong)CentisecsToJiffies(DirtyWritebackCentisecs);
        if (_jiffies >= _wbLastOldFlush + interval)
        {
            _wbLastOldFlush = _jiffies;
            long nr = GetNrDirtyPages();
            if (nr != 0)
                wrote += WbWriteback(nr, forKupdate: true, forBackground: false);
        }
        // wb_check_background_flush: a request only wakes the flusher; the threshold decides.
        _wbBackgroundRequested = false;
        if (WbOverBgThresh())
            wrote += WbWriteback(long.MaxValue, forKupdate: false, forBackground: true);
        _wbRunning = false;
        if (WbHasDirtyIo())
            WbWakeupDelayed();
        return wrote;
    }

    /// <summary><c>get_nr_dirty_pages</c>: NR_FILE_DIRTY + NR_UNSTABLE_NFS + dirty inodes.</summary>
    private long GetNrDirtyPages()
    {
        long inodes = 0;
        if (_wbLists != null)
            inodes = ListHead.Count(WbBDirty) + ListHead.Count(WbBIo) + ListHead.Count(WbBMoreIo);
        return Math.Max(0L, GlobalNrReclaimable()) + inodes;
    }

    /// <summary>
    /// <c>wb_over_bg_thresh</c>: global reclaimable dirty pages above the background threshold, or (cgroup writeback) some
    /// cgroup's dirty pages above its domain's. Simplification: one writeback serves every cgroup, so it goes on while
    /// any of them is over.
    /// </summary>
    internal bool WbOverBgThresh()
    {
        ulong avail = GlobalDirtyableMemory();
        DomainDirtyLimits(avail, out ulong bg, out _);
        long reclaimable = GlobalNrReclaimable();
        if ((ulong)Math.Max(0L, reclaimable) > bg)
            return true;
        if (_rootMemCgroup == null || reclaimable <= 0)
            return false;
        ulong dirty = (ulong)reclaimable;
        for (Mm.Memcontrol.MemCgroup* pos = CssNextDescendantPre(_rootMemCgroup, _rootMemCgroup); pos != null;
             pos = CssNextDescendantPre(pos, _rootMemCgroup))
        {
            if (MemcgDirtyLimits(pos, avail, dirty, withWriteback: false, out ulong mBg, out _) > mBg)
                return true;
        }
        return false;
    }

    /// <summary>
    /// <c>wb_writeback</c>: rounds of <c>queue_io</c> + <c>__writeback_inodes_wb</c> until <paramref name="nrPages"/> are
    /// written, background writeback falls below its threshold, or a round makes no progress.
    /// </summary>
    private long WbWriteback(long nrPages, bool forKupdate, bool forBackground)
    {
        EnsureWbLists();
        _wbWorks++;
        long wrote = 0;
        ListHead* bDirty = WbBDirty, bIo = WbBIo, bMoreIo = WbBMoreIo;
        while (nrPages > 0)
        {
            if (forBackground && !WbOverBgThresh())
                break;
            // kupdate writes inodes dirtied longer ago than dirty_expire_interval; others everything so far.
            ulong expire = (ulong)CentisecsToJiffies(DirtyExpireCentisecs);
            if (forKupdate && _jiffies < expire)
                break; // nothing can have expired yet
            ulong olderThan = forKupdate ? _jiffies - expire : _jiffies;
            bool haveOlderThan = forKupdate;
            if (ListHead.Empty(bIo))
                QueueIo(bDirty, bIo, bMoreIo, haveOlderThan, olderThan);
            long progress = WritebackInodes(bDirty, bIo, bMoreIo, ref nrPages, forBackground);
            wrote += progress;
            if (progress != 0)
                continue;
            break; // nothing written: no more expired inodes, or only pages under writeback left
        }
        _wbPagesWritten += wrote;
        return wrote;
    }

    /// <summary>
    /// <c>queue_io</c>: b_more_io to b_io, then <c>move_expired_inodes</c> from the tail (oldest) of b_dirty — those
    /// dirtied at or before <paramref name="olderThan"/> when that bound applies (kupdate), else all.
    /// </summary>
    private static void QueueIo(ListHead* bDirty, ListHead* bIo, ListHead* bMoreIo, bool haveOlderThan, ulong olderThan)
    {
        ListHead.SpliceInit(bMoreIo, bIo);
        while (!ListHead.Empty(bDirty))
        {
            Inode* inode = InodeFromIoList(bDirty->Prev);
            if (haveOlderThan && inode->DirtiedWhen > olderThan)
                break;
            ListHead.Move(&inode->IIoList, bIo);
        }
    }

    private static readonly int s_offsetOfIIoList = (int)System.Runtime.InteropServices.Marshal.OffsetOf<Inode>(nameof(Inode.IIoList));

    private static Inode* InodeFromIoList(ListHead* node) => (Inode*)((byte*)node - s_offsetOfIIoList);

    /// <summary>
    /// <c>writeback_sb_inodes</c>: inodes from the tail of b_io, each written a chunk
    /// (<c>__writeback_single_inode</c> → <c>do_writepages</c> → <c>write_cache_pages</c>) and requeued
    /// (<c>requeue_inode</c>): still dirty after using its whole chunk → b_more_io, still dirty otherwise → b_dirty
    /// (<c>redirty_tail</c>), clean → off the lists.
    /// </summary>
    private long WritebackInodes(ListHead* bDirty, ListHead* bIo, ListHead* bMoreIo, ref long nrPages, bool forBackground)
    {
        long wrote = 0;
        while (!ListHead.Empty(bIo) && nrPages > 0)
        {
            Inode* inode = InodeFromIoList(bIo->Prev);
            long chunk = WritebackChunkSize(nrPages);
            inode->IState |= InodeState.Sync;
            // __writeback_single_inode clears I_DIRTY_PAGES first; a redirty during the write sets it again.
            inode->IState &= ~InodeState.DirtyPages;
            long done = WriteCachePages(&inode->IData, chunk);
            inode->IState &= ~InodeState.Sync;
            if (inode->IData.IPages.Marked(PagecacheTag.Dirty))
                inode->IState |= InodeState.DirtyPages;
            nrPages -= done;
            wrote += done;
            if ((inode->IState & InodeState.DirtyPages) == 0)
            {
                ListHead.DelInit(&inode->IIoList); // inode_io_list_del: clean
            }
            else if (done >= chunk)
            {
                ListHead.Move(&inode->IIoList, bMoreIo); // requeue_io: the slice ran out
            }
            else
            {
                // redirty_tail: keep b_dirty ordered by dirtied_when.
                if (!ListHead.Empty(bDirty))
                {
                    Inode* newest = InodeFromIoList(bDirty->Next);
                    if (inode->DirtiedWhen < newest->DirtiedWhen)
                        inode->DirtiedWhen = _jiffies;
                }
                ListHead.Move(&inode->IIoList, bDirty);
            }
            if (forBackground && !WbOverBgThresh())
                break;
        }
        return wrote;
    }

    /// <summary>
    /// <c>writeback_chunk_size</c> for WB_SYNC_NONE: min(avg_write_bandwidth / 2, dirty_limit / DIRTY_SCOPE, nr_pages)
    /// rounded to MIN_WRITEBACK_PAGES. Simplification: the bandwidth estimator is not run; INIT_BW stands for it.
    /// </summary>
    private long WritebackChunkSize(long nrPages)
    {
        GlobalDirtyLimits(out _, out ulong limit);
        long pages = Math.Min(InitBwPages / 2, (long)(limit / DirtyScope));
        pages = Math.Min(pages, nrPages);
        return (pages + MinWritebackPages) / MinWritebackPages * MinWritebackPages;
    }
}
