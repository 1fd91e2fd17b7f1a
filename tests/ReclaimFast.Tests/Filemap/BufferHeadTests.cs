using System.Collections.Generic;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Compaction;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using ReclaimFast.Tests.EntryPoints;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Tests.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Filemap;

/// <summary>
/// Buffer heads on written pages of block-backed files (fs/buffer.c v5.4) and their release in shrink_page_list step
/// 10 (reference §7).
/// </summary>
public unsafe class BufferHeadTests
{
    private static Page* Cached(File* f, ulong index) => (Page*)f->FMapping->IPages.Load(index);

    private static ulong ShrinkInactiveFile(Machine m, ref ScanControl sc)
    {
        fixed (ScanControl* psc = &sc)
            return m.ShrinkInactiveList(32, LruTestKit.NodeLruvec(m), psc, LruList.InactiveFile);
    }

    [Fact]
    public void Write_AttachesBuffers_PagePrivateAndAReference_FromAReclaimableSlab()
    {
        using Machine m = LruTestKit.Small();
        File* f = m.CreateFile(8);
        m.SetFileBlockBacked(f, 1024);
        long sreclaimable0 = m.NodePageState(0, NodeStatItem.NrSlabReclaimable);
        long sunreclaim0 = m.NodePageState(0, NodeStatItem.NrSlabUnreclaimable);
        Assert.True(m.FileWritePage(f, 3));
        m.LruAddDrain();
        Page* p = Cached(f, 3);

        // attach_page_buffers: get_page + PG_private + private = head; the cache holds the other reference.
        Assert.True(PagePrivate(p));
        Assert.Equal(2, p->RefCount);
        Assert.Equal(4, m.NrBufferHeads);                   // PAGE_SIZE / 1024
        BufferHead* head = Machine.PageBuffers(p), bh = head;
        ulong offset = 0;
        for (int i = 0; i < 4; i++, bh = bh->BThisPage, offset += 1024)
        {
            Assert.True(bh->BPage == p);
            Assert.Equal(1024UL, bh->BSize);
            Assert.Equal(offset, bh->BData);                 // head is offset 0 (alloc_page_buffers builds backwards)
            Assert.Equal(3UL * 4 + (ulong)i, bh->BBlocknr);  // block of file offset 3 · 4096 + i · 1024
            Assert.Equal((1UL << BhState.Uptodate) | (1UL << BhState.Dirty) | (1UL << BhState.Mapped), bh->BState);
        }
        Assert.True(bh == head);                             // circular
        // bh_cachep is SLAB_RECLAIM_ACCOUNT: its one slab page counts as NR_SLAB_RECLAIMABLE (SReclaimable).
        Assert.Equal(sreclaimable0 + 1, m.NodePageState(0, NodeStatItem.NrSlabReclaimable));
        Assert.Equal(sunreclaim0, m.NodePageState(0, NodeStatItem.NrSlabUnreclaimable));
        Assert.Contains($"SReclaimable:   {(sreclaimable0 + 1) * 4,8} kB\n", ProcMeminfo.Read(m));
        Assert.Equal(4, m.BufferHeadCache->ActiveObjs);

        // A second write to the cached page keeps its buffers.
        Assert.True(m.FileWritePage(f, 3));
        Assert.Equal(4, m.NrBufferHeads);
        Assert.Equal(2, p->RefCount);
        m.CheckInvariants();
    }

    [Fact]
    public void Step10_FreesTheBuffersAndReclaimsThePage_OnceWrittenBack()
    {
        using Machine m = LruTestKit.Small();
        File* f = m.CreateFile(8);
        m.SetFileBlockBacked(f);
        Assert.True(m.FileWritePage(f, 0));
        m.LruAddDrain();
        Page* p = Cached(f, 0);
        Assert.Equal(1, m.NrBufferHeads);

        // kswapd with PGDAT_DIRTY writes the dirty page (pageout: is_page_cache_freeable discounts the buffers'
        // reference); block_write_full_page cleans and locks the buffer for the async write.
        m.CurrentIsKswapd = true;
        SetPageReclaim(p);
        m.NodeData(0)->Flags |= 1UL << Mm.Vmscan.Vmscan.PgdatDirty;
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(0UL, ShrinkInactiveFile(m, ref sc));
        Assert.True(PageWriteback(p));
        BufferHead* bh = Machine.PageBuffers(p);
        Assert.Equal(1UL << BhState.Lock, bh->BState & ((1UL << BhState.Lock) | (1UL << BhState.Dirty)));
        Assert.False(m.TryToFreeBuffers(p));                 // under writeback

        // end_buffer_async_write, then end_page_writeback (rotated to the inactive tail).
        Assert.Equal(1, m.CompletePendingIo());
        m.LruAddDrain();
        Assert.Equal(0UL, bh->BState & ((1UL << BhState.Lock) | (1UL << BhState.Dirty)));

        // Step 10: try_to_release_page → try_to_free_buffers drops the ring and its reference; __remove_mapping then
        // freezes the usual 2 references and the page is reclaimed.
        long free0 = m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrFreePages) + m.ZonePcpCount(0, ZoneType.Dma32, 0);
        Assert.Equal(1UL, ShrinkInactiveFile(m, ref sc));
        m.CurrentIsKswapd = false;
        Assert.Equal(0, m.NrBufferHeads);
        Assert.Equal(0, m.BufferHeadCache->ActiveObjs);
        Assert.True(XArray.IsValue(f->FMapping->IPages.Load(0)));       // a shadow replaced it
        Assert.Equal(free0 + 1, m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrFreePages) + m.ZonePcpCount(0, ZoneType.Dma32, 0));
        Assert.Equal(1, m.VmEvent(VmEventItem.PgstealKswapd));
        m.CheckInvariants();
    }

    [Fact]
    public void BusyBuffers_KeepThePage_Activated()
    {
        using Machine m = LruTestKit.Small();
        File* f = m.CreateFile(8);
        m.SetFileBlockBacked(f, 2048);
        Assert.True(m.FileWritePage(f, 0));
        m.LruAddDrain();
        Page* p = Cached(f, 0);
        // The page is clean (as if a filesystem had cleaned the page) but a buffer is still dirty: buffer_busy.
        m.CompletePendingIo();
        m.CancelDirtyPage(p);

        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(0UL, ShrinkInactiveFile(m, ref sc));
        Assert.True(PageActive(p) && PagePrivate(p));         // activate_locked
        Assert.Equal(2, m.NrBufferHeads);
        Assert.Equal(1, m.VmEvent(VmEventItem.Pgactivate));
        Assert.Equal(1, ListHead.Count(LruTestKit.List(m, LruList.ActiveFile)));

        // A held buffer (b_count, get_bh) is busy as well, even when clean.
        BufferHead* head = Machine.PageBuffers(p);
        head->BState &= ~(1UL << BhState.Dirty);
        head->BThisPage->BState &= ~(1UL << BhState.Dirty);
        head->BThisPage->BCount = 1;
        Assert.Equal(0, m.IsolateLruPage(p));
        ClearPageActive(p);
        Assert.False(TestSetPageLocked(p));
        Assert.False(m.TryToReleasePage(p, Gfp.Kernel));
        head->BThisPage->BCount = 0;
        Assert.True(m.TryToReleasePage(p, Gfp.Kernel));        // both clean and unused now: dropped
        ClearPageLocked(p);
        Assert.Equal(0, m.NrBufferHeads);
        Assert.False(PagePrivate(p));
        Assert.Equal(2, p->RefCount);                          // cache + isolation
        m.PutbackLruPage(p);
        m.LruAddDrain();
        m.CheckInvariants();
    }

    [Fact]
    public void Truncate_DropsCleanBuffers()
    {
        using Machine m = LruTestKit.Small();
        File* f = m.CreateFile(8);
        m.SetFileBlockBacked(f);
        Assert.True(m.FileWritePage(f, 1));
        m.LruAddDrain();
        Page* p = Cached(f, 1);
        Assert.False(m.TruncateInodeIndex(f->FMapping, 1));   // dirty: the helper does not write
        m.CancelDirtyPage(p);
        Machine.PageBuffers(p)->BState &= ~(1UL << BhState.Dirty);
        Assert.True(m.TruncateInodeIndex(f->FMapping, 1));
        Assert.Equal(0, m.NrBufferHeads);
        m.CheckInvariants();
    }

    [Fact]
    public void FilesAreNotBlockBacked_UnlessAsked_ThenByDefault()
    {
        using Machine m = LruTestKit.Small();
        File* plain = m.CreateFile(4);
        Assert.True(m.FileWritePage(plain, 0));
        Assert.False(PagePrivate(Cached(plain, 0)));
        Assert.Equal(0, m.NrBufferHeads);
        Assert.True(m.BufferHeadCache == null);

        m.DefaultFileBlocksize = 4096;
        File* backed = m.CreateFile(4);
        Assert.True(m.FileWritePage(backed, 0));
        Assert.True(PagePrivate(Cached(backed, 0)));
        Assert.Equal(1, m.NrBufferHeads);
        Assert.Throws<System.ArgumentOutOfRangeException>(() => m.DefaultFileBlocksize = 3000);
    }

    /// <summary>
    /// Compaction migrates a page with buffers as buffer_migrate_page does: the buffers and their reference follow
    /// the page, content intact.
    /// </summary>
    [Fact]
    public void Migration_MovesTheBuffersWithThePage()
    {
        using Machine m = LruTestKit.Small(16384);
        File* f = m.CreateFile(8);
        m.SetFileBlockBacked(f, 2048);
        Assert.True(m.FileWritePage(f, 0));
        m.LruAddDrain();
        m.CompletePendingIo();
        Page* p = Cached(f, 0);
        ulong token = m.ContentToken[m.PageToPfn(p)];
        CompactControl cc = default;
        ListHead.Init(&cc.FreePages);
        ListHead.Init(&cc.MigratePages);
        Assert.Equal(0, m.IsolateLruPage(p));
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrIsolatedFile, 1);
        ListHead.Add(p->LruPtr, &cc.MigratePages);
        cc.NrMigratepages++;
        Page* moved = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        Machine.CompactionFree(moved, &cc);
        Assert.Equal(0, m.MigratePages(&cc.MigratePages, &cc, MigrateMode.SyncLight));
        m.LruAddDrain();
        Assert.True(Cached(f, 0) == moved);
        Assert.True(PagePrivate(moved) && !PagePrivate(p));
        Assert.Equal(2, moved->RefCount);
        BufferHead* head = Machine.PageBuffers(moved);
        Assert.True(head->BPage == moved && head->BThisPage->BPage == moved);
        Assert.Equal(token, m.ContentToken[m.PageToPfn(moved)]);
        m.CheckInvariants();
    }
}

/// <summary>
/// A write whose buffer heads need a new slab page while memory is short: the slab's GFP_NOFS allocation enters the
/// slow path and reclaims directly without __GFP_FS (traced as mm_vmscan_direct_reclaim_begin). Uses the in-process
/// tracepoint listener, hence the non-parallel collection.
/// </summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class BufferHeadPressureTests
{
    [Fact]
    public void WriteUnderPressure_BufferHeadAllocation_EntersTheSlowPath_WithNoFs()
    {
        using Machine m = LruTestKit.Small(16384);
        File* f = m.CreateFile(4);
        m.SetFileBlockBacked(f);
        Assert.True(m.FileReadPage(f, 0));                     // cached before buffers are wanted: no page to allocate
        EntryTestKit.FillPageCache(m, 8000);                   // clean page cache to reclaim
        var ballast = new List<nint>();
        while (true)
        {
            Page* b = m.AllocPages(Gfp.Memalloc | Gfp.HighMem | Gfp.Movable, 0, -1);
            if (b == null)
                break;
            ballast.Add((nint)b);
        }
        for (int i = 0; i < 16; i++)
        {
            m.PutPage((Page*)ballast[^1]);
            ballast.RemoveAt(ballast.Count - 1);
        }
        m.DrainAllPages(null);
        long stalls0 = m.VmEvent(VmEventItem.AllocstallDma) + m.VmEvent(VmEventItem.AllocstallDma32)
            + m.VmEvent(VmEventItem.AllocstallNormal) + m.VmEvent(VmEventItem.AllocstallMovable);

        using var rec = new TracepointRecorder();
        Assert.True(m.FileWritePage(f, 0));
        long stalls = m.VmEvent(VmEventItem.AllocstallDma) + m.VmEvent(VmEventItem.AllocstallDma32)
            + m.VmEvent(VmEventItem.AllocstallNormal) + m.VmEvent(VmEventItem.AllocstallMovable);

        Assert.True(PagePrivate((Page*)f->FMapping->IPages.Load(0)));
        // At least one stall (each direct reclaim pass frees ~SWAP_CLUSTER_MAX; the retry loop runs until the min
        // watermark is met, so the number of passes depends on how far below min the ballast left the zone).
        Assert.True(stalls > stalls0);
        Assert.True(m.VmEvent(VmEventItem.PgstealDirect) > 0);
        bool sawNoFs = false;
        foreach (var e in rec.Events)
        {
            if (e.EventName != nameof(ReclaimFastEventSource.mm_vmscan_direct_reclaim_begin))
                continue;
            uint gfp = (uint)e.Payload![1]!;
            Assert.Equal(0u, gfp & Gfp.Fs);                    // GFP_NOFS: no filesystem recursion
            Assert.NotEqual(0u, gfp & Gfp.Io);
            sawNoFs = true;
        }
        Assert.True(sawNoFs);
        foreach (nint b in ballast)
            m.PutPage((Page*)b);
        m.CheckInvariants();
    }
}
