using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>
/// shrink_page_list's outcome per page state (reference §7 steps 1–12), driven through shrink_inactive_list so
/// the counters and the putback are the kernel's.
/// </summary>
public unsafe class ShrinkPageListTests
{
    private static long Len(Machine m, LruList lru) => ListHead.Count(LruTestKit.List(m, lru));

    private static long Free(Machine m) =>
        m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrFreePages) + m.ZonePcpCount(0, ZoneType.Dma32, 0);

    private static ulong ShrinkInactive(Machine m, LruList lru, ulong n, ref ScanControl sc)
    {
        fixed (ScanControl* psc = &sc)
            return m.ShrinkInactiveList(n, LruTestKit.NodeLruvec(m), psc, lru);
    }

    [Fact]
    public void CleanFilePage_IsReclaimed_WithAShadowAndTheCounters()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 7);
        SetPageReferenced(p);                              // referenced but unmapped → RECLAIM_CLEAN: still freed
        m.LruAddDrain();
        long free0 = Free(m);
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ulong reclaimed = ShrinkInactive(m, LruList.InactiveFile, 32, ref sc);
        Assert.Equal(1UL, reclaimed);
        Assert.Equal(free0 + 1, Free(m));
        Assert.Equal(0, Len(m, LruList.InactiveFile));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrFilePages));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrIsolatedFile));
        Assert.Equal(1UL, sc.NrScanned);
        Assert.Equal(1, m.VmEvent(VmEventItem.PgscanDirect));
        Assert.Equal(1, m.VmEvent(VmEventItem.PgstealDirect));
        Assert.Equal(1UL, LruTestKit.NodeLruvec(m)->InactiveAge);   // workingset_eviction advanced the clock
        Assert.Equal(1U, sc.Nr.Taken);
        Assert.Equal(1U, sc.Nr.FileTaken);
    }

    [Fact]
    public void DirtyFilePage_UnderDirectReclaim_IsActivatedForImmediateReclaim()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        m.SetPageDirtyFile(p);
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(0UL, ShrinkInactive(m, LruList.InactiveFile, 32, ref sc));
        Assert.True(PageReclaim(p) && PageActive(p) && PageDirty(p));
        Assert.Equal(1, Len(m, LruList.ActiveFile));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrVmscanImmediate));
        Assert.Equal(1, m.VmEvent(VmEventItem.Pgactivate));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrVmscanWrite));
        Assert.Equal(1U, sc.Nr.Dirty);
        Assert.Equal(1U, sc.Nr.UnqueuedDirty);
        Assert.Equal(1UL, LruTestKit.NodeLruvec(m)->ReclaimStat.RecentRotated[1]);
        Assert.Equal(1, m.FlusherWakeups);                 // every taken page was unqueued dirty
    }

    [Fact]
    public void DirtyFilePage_UnderKswapd_IsWrittenThenRotatedThenReclaimed()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        m.SetPageDirtyFile(p);
        m.CurrentIsKswapd = true;
        ScanControl sc = LruTestKit.DirectReclaimSc();

        // Without PG_reclaim (or PGDAT_DIRTY) even kswapd only marks it for immediate reclaim.
        ShrinkInactive(m, LruList.InactiveFile, 32, ref sc);
        Assert.True(PageReclaim(p) && PageActive(p));
        ClearPageActive(p);                                // back to the inactive list, as deactivation would
        m.IsolateLruPage(p);
        m.PutbackLruPage(p);
        m.LruAddDrain();

        m.NodeData(0)->Flags |= 1UL << Mm.Vmscan.Vmscan.PgdatDirty;
        long written0 = m.NodePageState(0, NodeStatItem.NrVmscanWrite);
        Assert.Equal(0UL, ShrinkInactive(m, LruList.InactiveFile, 32, ref sc));
        Assert.Equal(written0 + 1, m.NodePageState(0, NodeStatItem.NrVmscanWrite));
        Assert.True(PageWriteback(p) && !PageDirty(p) && PageReclaim(p) && !PageLocked(p) && !PageActive(p));
        Assert.Equal(1, Len(m, LruList.InactiveFile));     // kept (goto keep) on the inactive list
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrWriteback));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrFileDirty));

        // I/O completion: end_page_writeback rotates the PG_reclaim page to the inactive tail.
        long rotated0 = m.VmEvent(VmEventItem.Pgrotated);
        Assert.Equal(1, m.CompletePendingIo());
        m.LruAddDrain();
        Assert.False(PageWriteback(p) || PageReclaim(p));
        Assert.Equal(rotated0 + 1, m.VmEvent(VmEventItem.Pgrotated));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrWriteback));
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrWritten));

        Assert.Equal(1UL, ShrinkInactive(m, LruList.InactiveFile, 32, ref sc));
        Assert.Equal(1, m.VmEvent(VmEventItem.PgstealKswapd));
        m.CurrentIsKswapd = false;
    }

    [Fact]
    public void WritebackPage_WithoutReclaimFlag_GetsItAndIsActivated()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        m.SetPageWriteback(p);
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ShrinkInactive(m, LruList.InactiveFile, 32, ref sc);
        Assert.True(PageReclaim(p) && PageActive(p));
        Assert.Equal(1U, sc.Nr.Writeback);
        Assert.Equal(1U, sc.Nr.Dirty);                     // dirty || writeback
        Assert.Equal(0U, sc.Nr.Congested);                 // wb && PageReclaim was false when tallied
        Assert.Equal(0U, sc.Nr.Immediate);
        ClearPageReclaim(p);
        m.EndPageWriteback(p);
    }

    [Fact]
    public void WritebackPage_WithReclaimFlag_UnderKswapdAndPgdatWriteback_IsImmediate()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        m.SetPageWriteback(p);
        SetPageReclaim(p);
        m.CurrentIsKswapd = true;
        m.NodeData(0)->Flags |= 1UL << Mm.Vmscan.Vmscan.PgdatWriteback;
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ShrinkInactive(m, LruList.InactiveFile, 32, ref sc);
        Assert.True(PageActive(p));
        Assert.Equal(1U, sc.Nr.Immediate);
        Assert.Equal(0U, sc.Nr.Writeback);
        Assert.Equal(1U, sc.Nr.Congested);                 // writeback && PageReclaim
        m.CurrentIsKswapd = false;
        ClearPageReclaim(p);
        m.EndPageWriteback(p);
    }

    [Fact]
    public void MlockedPage_GoesToTheUnevictableList_NotActivated()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        SetPageMlocked(p);                                 // mlocked after it reached the inactive list
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(0UL, ShrinkInactive(m, LruList.InactiveFile, 32, ref sc));
        m.LruAddDrain();
        Assert.False(PageActive(p));
        Assert.Equal(0, m.VmEvent(VmEventItem.Pgactivate));
        Assert.Equal(1, Len(m, LruList.Unevictable));
        Assert.Equal(1, m.VmEvent(VmEventItem.UnevictablePgculled));
    }

    [Fact]
    public void AnonPage_WithoutSwapSpace_IsActivated()
    {
        using Machine m = LruTestKit.Small();
        nint anonVma = LruTestKit.FakeAnonVma(m);
        Page* p = LruTestKit.AddAnonPage(m, anonVma, active: false);
        m.LruAddDrain();
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(0UL, ShrinkInactive(m, LruList.InactiveAnon, 32, ref sc));
        Assert.True(PageActive(p));
        Assert.Equal(1, Len(m, LruList.ActiveAnon));
        Assert.Equal(1UL, LruTestKit.NodeLruvec(m)->ReclaimStat.RecentRotated[0]);
        Assert.Equal(0U, sc.Nr.Dirty);                     // anon pages never count as dirty for flushers
    }

    [Fact]
    public void AnonPage_WithoutGfpIo_IsKeptNotActivated()
    {
        using Machine m = LruTestKit.Small();
        nint anonVma = LruTestKit.FakeAnonVma(m);
        Page* p = LruTestKit.AddAnonPage(m, anonVma, active: false);
        m.LruAddDrain();
        ScanControl sc = LruTestKit.DirectReclaimSc(Gfp.NoIo);
        ShrinkInactive(m, LruList.InactiveAnon, 32, ref sc);
        Assert.False(PageActive(p));
        Assert.Equal(1, Len(m, LruList.InactiveAnon));
    }

    [Fact]
    public void LazyfreePage_Clean_IsFreed_Dirty_IsKept()
    {
        using Machine m = LruTestKit.Small();
        nint anonVma = LruTestKit.FakeAnonVma(m);
        Page* clean = LruTestKit.AddAnonPage(m, anonVma, active: false);
        Page* dirty = LruTestKit.AddAnonPage(m, anonVma, active: false);
        m.LruAddDrain();
        m.MarkPageLazyfree(clean);
        m.MarkPageLazyfree(dirty);
        m.LruAddDrain();
        // The PTEs are gone (zapped): only the isolation reference will remain.
        clean->RefCount--;
        dirty->RefCount--;
        // A refcount of 0 on an LRU page cannot be isolated; hold a temporary reference through the isolation.
        ScanControl sc = LruTestKit.DirectReclaimSc();
        clean->RefCount++;
        dirty->RefCount++;
        SetPageDirty(dirty);
        ListHead list;
        ListHead.Init(&list);
        LruTestKit.IsolateAll(m, LruList.InactiveFile, &list, &sc);
        clean->RefCount--;
        dirty->RefCount--;
        ReclaimStat stat;
        ulong reclaimed = m.ShrinkPageList(&list, m.NodeData(0), &sc, 0, &stat, false);
        Assert.Equal(1UL, reclaimed);
        Assert.Equal(1, m.VmEvent(VmEventItem.Pglazyfreed));
        Assert.Equal(1L, ListHead.Count(&list));           // the dirty one stays (a write after MADV_FREE)
        Assert.Equal(1, dirty->RefCount);                  // unfrozen back to 1
        dirty->RefCount++;
        m.MovePagesToLru(LruTestKit.NodeLruvec(m), &list);
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrIsolatedFile, -2);
    }

    [Fact]
    public void MappedPage_WithoutMayUnmap_IsKept()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ListHead list;
        ListHead.Init(&list);
        LruTestKit.IsolateAll(m, LruList.InactiveFile, &list, &sc);
        p->MapCount = 0;
        sc.MayUnmap = false;
        ReclaimStat stat;
        Assert.Equal(0UL, m.ShrinkPageList(&list, m.NodeData(0), &sc, 0, &stat, false));
        Assert.False(PageActive(p));
        Assert.Equal(1UL, sc.NrScanned);
        p->MapCount = -1;
        m.MovePagesToLru(LruTestKit.NodeLruvec(m), &list);
    }

    [Fact]
    public void PageOfAnUnevictableMapping_IsCulledToTheUnevictableList()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m, 16);
        ((Mm.Filemap.AddressSpace*)mapping)->Flags |= 1u << Machine.AsUnevictable;   // mapping_set_unevictable
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        Assert.True(PageUnevictable(p));
        Assert.Equal(1, Len(m, LruList.Unevictable));
        Assert.Equal(1, m.VmEvent(VmEventItem.UnevictablePgculled));
        // SHM_UNLOCK-style: the flag goes, check_move_unevictable_pages rescues the page.
        ((Mm.Filemap.AddressSpace*)mapping)->Flags &= ~(1u << Machine.AsUnevictable);
        m.CheckMoveUnevictablePage(p);
        Assert.Equal(1, Len(m, LruList.InactiveFile));
        Assert.Equal(1, m.VmEvent(VmEventItem.UnevictablePgrescued));
    }

    [Fact]
    public void ExitingMapping_GetsNoShadow()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m, 16);
        LruTestKit.AddFilePage(m, mapping, 3);
        m.LruAddDrain();
        ((Mm.Filemap.AddressSpace*)mapping)->Flags |= 1u << Machine.AsExiting;
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(1UL, ShrinkInactive(m, LruList.InactiveFile, 32, ref sc));
        Assert.Equal(0UL, ((Mm.Filemap.AddressSpace*)mapping)->NrExceptional);
        Assert.Equal(0UL, LruTestKit.NodeLruvec(m)->InactiveAge);
    }
}
