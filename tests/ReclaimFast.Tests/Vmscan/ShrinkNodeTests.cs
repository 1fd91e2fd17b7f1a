using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>shrink_node / shrink_node_memcg: the proportional loop, its early stop, and the anon rebalancing.</summary>
public unsafe class ShrinkNodeTests
{
    private static long Len(Machine m, LruList lru) => ListHead.Count(LruTestKit.List(m, lru));

    [Fact]
    public void Kswapd_StopsTheSmallerTypeOnceNrToReclaimIsMet_AndScalesTheOther()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        nint anonVma = LruTestKit.FakeAnonVma(m);
        for (int i = 0; i < 64; i++)
            LruTestKit.AddAnonPage(m, anonVma, active: false);
        for (int i = 0; i < 256; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        m.LruAddDrain();
        m.TotalSwapPages = m.NrSwapPages = 1000;           // swap configured (the slots themselves come with rmap)
        m.CurrentIsKswapd = true;
        ScanControl sc = LruTestKit.DirectReclaimSc(priority: 0);   // priority 0 + swappiness → SCAN_EQUAL
        sc.NrToReclaim = 32;
        m.ShrinkNodeMemcg(m.NodeData(0), 0, &sc, out ulong lruPages);
        m.CurrentIsKswapd = false;
        // targets = {64, 0, 256, 0}. Round 1: IA 32 scanned (activated: no swap slot), IF 32 reclaimed → 32 ≥ 32.
        // nr = {32, 0, 224, 0}: file > anon → pct = 32·100/(64+0+1) = 49; anon stopped; file target becomes
        // 256·(100−49)/100 = 130 minus the 32 done = 98 more. File reclaimed = 32 + 98 = 130.
        Assert.Equal(320UL, lruPages);
        Assert.Equal(130UL, sc.NrReclaimed);
        Assert.Equal(32 + 130, m.VmEvent(VmEventItem.PgscanKswapd));
        Assert.Equal(256 - 130, Len(m, LruList.InactiveFile));
        Assert.Equal(32, Len(m, LruList.ActiveAnon));
        Assert.Equal(32, Len(m, LruList.InactiveAnon));
    }

    [Fact]
    public void DirectReclaimAtDefPriority_DoesNotStopEarly()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        for (int i = 0; i < 8192; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        m.LruAddDrain();
        ScanControl sc = LruTestKit.DirectReclaimSc();
        m.ShrinkNodeMemcg(m.NodeData(0), 0, &sc, out _);
        // No swap → SCAN_FILE; 8192 >> 12 = 2 pages, and scan_adjusted is already set, so all 2 are scanned.
        Assert.Equal(2UL, sc.NrReclaimed);
        Assert.Equal(2, m.VmEvent(VmEventItem.PgscanDirect));
    }

    [Fact]
    public void ActiveAnonTargetAlone_DoesNotKeepTheLoopAlive_ButAnonIsRebalanced()
    {
        using Machine m = LruTestKit.Small();
        nint anonVma = LruTestKit.FakeAnonVma(m);
        for (int i = 0; i < 100; i++)
            LruTestKit.AddAnonPage(m, anonVma, active: true);
        m.LruAddDrain();
        m.TotalSwapPages = m.NrSwapPages = 1000;
        ScanControl sc = LruTestKit.DirectReclaimSc(priority: 0);
        ulong* nr = stackalloc ulong[5];
        Assert.Equal(ScanBalance.Equal, m.GetScanCount(LruTestKit.NodeLruvec(m), 0, &sc, nr, out _));
        Assert.Equal(100UL, nr[(int)LruList.ActiveAnon]);
        m.ShrinkNodeMemcg(m.NodeData(0), 0, &sc, out _);
        // The while loop never runs (nr[IA] = nr[IF] = nr[AF] = 0); the final inactive_list_is_low(anon)
        // (0·1 < 100) deactivates one SWAP_CLUSTER_MAX batch.
        Assert.Equal(32, m.VmEvent(VmEventItem.Pgrefill));
        Assert.Equal(32, m.VmEvent(VmEventItem.Pgdeactivate));
        Assert.Equal(32, Len(m, LruList.InactiveAnon));
        Assert.Equal(68, Len(m, LruList.ActiveAnon));
        Page* tail = Page.FromLru(LruTestKit.List(m, LruList.InactiveAnon)->Next);
        Assert.True(PageWorkingset(tail) && !PageActive(tail));
    }

    [Fact]
    public void ShrinkNode_Kswapd_SetsPgdatDirtyWhenAllTakenFilePagesAreUnqueuedDirty()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        for (int i = 0; i < 40; i++)
            m.SetPageDirtyFile(LruTestKit.AddFilePage(m, mapping, (ulong)i));
        m.LruAddDrain();
        m.CurrentIsKswapd = true;
        ScanControl sc = LruTestKit.DirectReclaimSc(priority: 0);
        m.NodeData(0)->KswapdFailures = 3;
        Assert.False(m.ShrinkNode(m.NodeData(0), &sc));
        m.CurrentIsKswapd = false;
        Assert.NotEqual(0UL, m.NodeData(0)->Flags & (1UL << Mm.Vmscan.Vmscan.PgdatDirty));
        Assert.Equal(0UL, m.NodeData(0)->Flags & (1UL << Mm.Vmscan.Vmscan.PgdatWriteback));
        Assert.Equal(3, m.NodeData(0)->KswapdFailures);   // no progress: not reset
        Assert.Equal(40, m.NodePageState(0, NodeStatItem.NrVmscanImmediate));
    }

    [Fact]
    public void ReclaimNode_FreesCleanPageCache_AndResetsKswapdFailures()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        for (int i = 0; i < 20000; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        m.LruAddDrain();
        m.NodeData(0)->KswapdFailures = 5;
        ulong reclaimed = m.ReclaimNode(0, Gfp.HighUserMovable, 32);
        // No swap → SCAN_FILE. Priority 12: 20000 >> 12 = 4 (reclaimed 4); priority 11: 20000 >> 11 = 9 (total 13);
        // priority 10: 20000 >> 10 = 19 (total 32 ≥ nr_to_reclaim 32) → do_try_to_free_pages' loop stops.
        Assert.Equal(32UL, reclaimed);
        Assert.Equal(0, m.NodeData(0)->KswapdFailures);
        Assert.Equal(20000 - 32, Len(m, LruList.InactiveFile));
    }
}
