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

    [Fact]
    public void ShouldContinueReclaim_OnlyInReclaimCompactionMode()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        for (int i = 0; i < 100; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        m.LruAddDrain();
        PglistData* pgdat = m.NodeData(0);
        ScanControl sc = LruTestKit.DirectReclaimSc(Gfp.Kernel);
        // Order 0: never (in_reclaim_compaction needs an order).
        Assert.False(m.ShouldContinueReclaim(pgdat, 10, &sc));
        sc.Order = 4;                                      // costly order: reclaim/compaction mode at any priority
        Assert.False(m.ShouldContinueReclaim(pgdat, 0, &sc));   // no progress: stop
        // A fresh machine has plenty of free memory: compaction_suitable says SUCCESS/CONTINUE → stop.
        Assert.False(m.ShouldContinueReclaim(pgdat, 10, &sc));
        // No free memory anywhere: SKIPPED in every zone → continue while inactive (100) > compact_gap(4) = 32.
        long* saved = stackalloc long[4];
        for (int z = 0; z < 4; z++)
        {
            saved[z] = PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrFreePages];
            PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrFreePages] = 0;
        }
        Assert.True(m.ShouldContinueReclaim(pgdat, 10, &sc));
        sc.Order = 6;                                      // compact_gap(6) = 128 > 100 inactive pages
        Assert.False(m.ShouldContinueReclaim(pgdat, 10, &sc));
        sc.GfpMask = Gfp.NoIo;                             // 5.4.286: no compaction without __GFP_IO
        sc.Order = 4;
        Assert.False(m.ShouldContinueReclaim(pgdat, 10, &sc));
        for (int z = 0; z < 4; z++)
            PglistData.NodeZone(pgdat, z)->VmStat[(int)ZoneStatItem.NrFreePages] = saved[z];
    }

    [Fact]
    public void TwoNodes_EachLruvecHoldsItsOwnPages_AndReclaimStaysOnItsNode()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 16384, nrCpus: 2));
        nint mapping = LruTestKit.FakeMapping(m);
        var ad = (Mm.Filemap.AddressSpace*)mapping;
        for (int nid = 0; nid < 2; nid++)
        {
            m.CurrentCpu = nid;                            // CPU n is on node n: its pagevec, its local node
            for (int i = 0; i < 1000; i++)
            {
                Page* p = m.AllocPages(Gfp.HighUserMovable | Gfp.ThisNode, 0, nid);
                m.AddToPageCacheLru(p, ad, (ulong)(nid * 1000 + i));
                ClearPageLocked(p);
                m.PutPage(p);
                Assert.Equal(nid, PageToNid(p));
            }
        }
        m.LruAddDrainAll();
        m.CurrentCpu = 0;
        Assert.Equal(1000, m.NodePageState(0, NodeStatItem.NrInactiveFile));
        Assert.Equal(1000, m.NodePageState(1, NodeStatItem.NrInactiveFile));
        ScanControl sc = LruTestKit.DirectReclaimSc(priority: 0);
        sc.NrToReclaim = 500;
        m.ShrinkNode(m.NodeData(1), &sc);
        Assert.Equal(1000, m.NodePageState(0, NodeStatItem.NrInactiveFile));
        Assert.True(m.NodePageState(1, NodeStatItem.NrInactiveFile) <= 500);
        // The shadow records node 1, so a refault is charged to node 1's lruvec.
        ulong shadow = ad->IPages.Load(1000);
        Assert.True(Mm.Filemap.XArray.IsValue(shadow));
        m.UnpackShadow(shadow, out _, out int shadowNid, out _, out _);
        Assert.Equal(1, shadowNid);
        m.CheckInvariants();
    }
}
