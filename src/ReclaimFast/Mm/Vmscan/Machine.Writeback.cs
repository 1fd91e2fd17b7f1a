using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/page-writeback.c and mm/filemap.c, the part reclaim needs: dirty accounting, starting and ending writeback.
// Without an event loop there is no I/O latency: started writes wait in a per-machine FIFO until
// CompletePendingIo() (a test, or later the event loop) completes them.
public sealed unsafe partial class Machine
{
    // FIFO of pages under writeback: a power-of-two ring grown on demand (never beyond the page frames, since a
    // page is queued at most once), so a machine pays for the writes in flight, not 8 bytes per page frame.
    private const long PendingIoInitialCapacity = 64;
    private const long PendingIoPrefetchAhead = 4;
    private Page** _pendingIo;
    private long _pendingIoCapacity;
    private long _pendingIoHead;
    private long _pendingIoCount;

    /// <summary>Writes started and not yet completed.</summary>
    internal long PendingIoCount => _pendingIoCount;

    /// <summary>Queues a page whose writeback has started (holds a reference until completion).</summary>
    private void QueuePendingIo(Page* page)
    {
        long count = _pendingIoCount;
        if (count == _pendingIoCapacity)
            GrowPendingIo();
        GetPage(page);
        _pendingIo[(_pendingIoHead + count) & (_pendingIoCapacity - 1)] = page;
        _pendingIoCount = count + 1;
    }

    /// <summary>Doubles the ring (native memory), keeping submission order: the oldest write moves to slot 0.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void GrowPendingIo()
    {
        long capacity = _pendingIoCapacity == 0 ? PendingIoInitialCapacity : _pendingIoCapacity * 2;
        Page** ring = (Page**)_heap.AllocArray<nint>(capacity, zero: false);
        for (long i = 0; i < _pendingIoCount; i++)
            ring[i] = _pendingIo[(_pendingIoHead + i) & (_pendingIoCapacity - 1)];
        if (_pendingIo != null)
            _heap.Free(_pendingIo);
        _pendingIo = ring;
        _pendingIoCapacity = capacity;
        _pendingIoHead = 0;
    }

    /// <summary>
    /// Completes up to <paramref name="max"/> pending writes (all by default) in submission order
    /// (<c>end_page_writeback</c> on each), as the block layer's completion would; the event loop will call it as
    /// simulated I/O latency elapses. Returns the number completed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal long CompletePendingIo(long max = long.MaxValue)
    {
        long n = 0;
        while (_pendingIoCount != 0 && n < max)
        {
            Page* page = _pendingIo[_pendingIoHead];
            // Host cache hint for a completion a few slots ahead (the ring holds pointers to scattered page structs).
            if (System.Runtime.Intrinsics.X86.Sse.IsSupported && _pendingIoCount > PendingIoPrefetchAhead)
                System.Runtime.Intrinsics.X86.Sse.Prefetch0(_pendingIo[(_pendingIoHead + PendingIoPrefetchAhead) & (_pendingIoCapacity - 1)]);
            _pendingIoHead = (_pendingIoHead + 1) & (_pendingIoCapacity - 1);
            _pendingIoCount--;
            if (PagePrivate(page))
                EndBufferAsyncWritePage(page);   // the buffers' completions come first; the last ends the page's
            EndPageWriteback(page);
            PutPage(page);
            n++;
        }
        return n;
    }

    /// <summary>
    /// <c>__mod_lruvec_page_state</c>: the node counter and, for a charged page, its memcg's copy (cgroup writeback
    /// reads NR_FILE_DIRTY and NR_WRITEBACK per memcg).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ModLruvecPageState(Page* page, NodeStatItem idx, long delta) =>
        ModLruvecState(MemCgroupPageLruvec(page, PagePgdat(page)), idx, delta);

    /// <summary>
    /// <c>account_page_dirtied</c> via <c>__set_page_dirty_nobuffers</c>: a page-cache page becomes dirty
    /// (NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING, NR_DIRTIED). Returns true if it was clean.
    /// </summary>
    internal bool SetPageDirtyFile(Page* page)
    {
        if (TestSetPageDirty(page))
            return false;
        ModLruvecPageState(page, NodeStatItem.NrFileDirty, 1);
        ModZonePageState(PageZone(page), ZoneStatItem.NrZoneWritePending, 1);
        ModNodePageState(PagePgdat(page), NodeStatItem.NrDirtied, 1);
        TagPageDirty(page);
        return true;
    }

    /// <summary>
    /// <c>clear_page_dirty_for_io</c>: <c>page_mkclean</c> for mapped page-cache pages, then clear PG_dirty before
    /// writing; page cache (dirty-accounted) pages also give back NR_FILE_DIRTY and NR_ZONE_WRITE_PENDING. Swap-cache
    /// pages are not dirty-accounted.
    /// </summary>
    internal bool ClearPageDirtyForIo(Page* page)
    {
        bool accounted = !PageSwapBacked(page) && PageMappingFile(page) != null;
        // page_mkclean: write-protect the shared PTEs, so a later store faults and redirties; data a dirty PTE held is
        // the page's to write now.
        if (accounted && PageMkclean(page) != 0)
            SetPageDirtyFile(page);
        if (!TestClearPageDirty(page))
            return false;
        if (accounted)
        {
            ModLruvecPageState(page, NodeStatItem.NrFileDirty, -1);
            ModZonePageState(PageZone(page), ZoneStatItem.NrZoneWritePending, -1);
        }
        return true;
    }

    /// <summary><c>set_page_writeback</c>: PG_writeback, the page-cache writeback tags, NR_WRITEBACK and NR_ZONE_WRITE_PENDING.</summary>
    internal void SetPageWriteback(Page* page)
    {
        // The page's lruvec and zone, read before the flag update so the counters do not wait on that store.
        Lruvec* lruvec = MemCgroupPageLruvec(page, PagePgdat(page));
        Zone* zone = PageZone(page);
        if (TestSetPageWriteback(page))
            return;
        TagPageWriteback(page);
        ModLruvecState(lruvec, NodeStatItem.NrWriteback, 1);
        ModZonePageState(zone, ZoneStatItem.NrZoneWritePending, 1);
    }

    /// <summary>
    /// <c>end_page_writeback</c>: a PG_reclaim page is rotated to the inactive tail (<c>rotate_reclaimable_page</c>)
    /// so the next scan frees it; then <c>test_clear_page_writeback</c> (NR_WRITEBACK, NR_ZONE_WRITE_PENDING down,
    /// NR_WRITTEN up).
    /// </summary>
    internal void EndPageWriteback(Page* page)
    {
        // page_pgdat / page_zone / the lruvec read once, before the flag updates below.
        PglistData* pgdat = PagePgdat(page);
        Zone* zone = PageZone(page);
        Lruvec* lruvec = MemCgroupPageLruvec(page, pgdat);
        if (PageReclaim(page))
        {
            ClearPageReclaim(page);
            RotateReclaimablePage(page);
        }
        if (!TestClearPageWriteback(page))
            ThrowNotUnderWriteback(page);
        TagPageWritebackEnd(page);
        ModLruvecState(lruvec, NodeStatItem.NrWriteback, -1);
        ModZonePageState(zone, ZoneStatItem.NrZoneWritePending, -1);
        ModNodePageState(pgdat, NodeStatItem.NrWritten, 1);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowNotUnderWriteback(Page* page) =>
        throw new System.InvalidOperationException($"end_page_writeback: pfn {PageToPfn(page)} is not under writeback (BUG)");
}
