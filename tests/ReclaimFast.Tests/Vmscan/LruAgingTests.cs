using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>The mm/swap.c LRU state machine (reference §7 "LRU entry and aging").</summary>
public unsafe class LruAgingTests
{
    private static long Len(Machine m, LruList lru) => ListHead.Count(LruTestKit.List(m, lru));

    private static void AssertCountersMatchLists(Machine m)
    {
        for (int l = 0; l < Lru.NrLruLists; l++)
        {
            Assert.Equal(Len(m, (LruList)l), m.NodePageState(0, (NodeStatItem)l));
            long zones = 0;
            for (int z = 0; z < 4; z++)
                zones += m.ZonePageState(0, (ZoneType)z, ZoneStatItem.NrZoneInactiveAnon + l);
            Assert.Equal(Len(m, (LruList)l), zones);
        }
    }

    [Fact]
    public void Drain_AddsInSlotOrderAtTheHead_AndCountsScannedNotActivated()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* a = LruTestKit.AddFilePage(m, mapping, 0);
        Page* b = LruTestKit.AddFilePage(m, mapping, 1);
        Page* c = LruTestKit.AddFilePage(m, mapping, 2);
        Assert.Equal(0, Len(m, LruList.InactiveFile));       // still in the pagevec
        Assert.False(PageLRU(a));
        Assert.Equal(2, a->RefCount);                        // cache + pagevec
        m.LruAddDrain();
        // Each drained page is list_add()ed at the head: the last one drained is first.
        Assert.Equal(new[] { m.PageToPfn(c), m.PageToPfn(b), m.PageToPfn(a) }, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.True(PageLRU(a));
        Assert.Equal(1, a->RefCount);                        // the pagevec's reference released
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        Assert.Equal(3UL, lv->ReclaimStat.RecentScanned[1]);
        Assert.Equal(0UL, lv->ReclaimStat.RecentRotated[1]);
        Assert.Equal(0, m.VmEvent(VmEventItem.Pgactivate));
        AssertCountersMatchLists(m);
    }

    [Fact]
    public void Pagevec_DrainsItselfWhenFull()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        for (int i = 0; i < Pagevec.PagevecSize - 1; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        Assert.Equal(0, Len(m, LruList.InactiveFile));
        LruTestKit.AddFilePage(m, mapping, 99);               // the 15th fills it: pagevec_add returns 0 → drain
        Assert.Equal(Pagevec.PagevecSize, Len(m, LruList.InactiveFile));
        Assert.Equal(0, m.ThisCpuLruPvecs->LruAdd.Nr);
    }

    [Fact]
    public void MarkPageAccessed_Twice_ActivatesAtDrain()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.LruAddDrain();
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        ulong age0 = lv->InactiveAge;

        m.MarkPageAccessedLru(p);                             // inactive,unreferenced → inactive,referenced
        Assert.True(PageReferenced(p));
        Assert.False(PageActive(p));

        m.MarkPageAccessedLru(p);                             // → queued for activation; referenced cleared now
        Assert.False(PageReferenced(p));
        Assert.False(PageActive(p));                          // not yet: activate_page is batched
        Assert.Equal(age0 + 1, lv->InactiveAge);              // workingset_activation for page cache, immediately
        Assert.Equal(1, Len(m, LruList.InactiveFile));

        m.LruAddDrain();
        Assert.True(PageActive(p));
        Assert.Equal(1, Len(m, LruList.ActiveFile));
        Assert.Equal(0, Len(m, LruList.InactiveFile));
        Assert.Equal(1, m.VmEvent(VmEventItem.Pgactivate));
        Assert.Equal(2UL, lv->ReclaimStat.RecentScanned[1]);  // 1 at add + 1 at activation
        Assert.Equal(1UL, lv->ReclaimStat.RecentRotated[1]);

        m.MarkPageAccessedLru(p);                             // active,unreferenced → active,referenced
        Assert.True(PageReferenced(p));
        AssertCountersMatchLists(m);
    }

    [Fact]
    public void MarkPageAccessed_WhileStillInAddPagevec_SetsActiveSoDrainPutsItOnActiveList()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        m.MarkPageAccessedLru(p);
        m.MarkPageAccessedLru(p);
        Assert.True(PageActive(p));                           // __lru_cache_activate_page
        m.LruAddDrain();
        Assert.Equal(1, Len(m, LruList.ActiveFile));
        Assert.Equal(0, m.VmEvent(VmEventItem.Pgactivate));   // no PGACTIVATE at add time
        Assert.Equal(1UL, LruTestKit.NodeLruvec(m)->ReclaimStat.RecentRotated[1]);
    }

    [Fact]
    public void NewAnonPage_GoesActive_OrUnevictableInLockedVma()
    {
        using Machine m = LruTestKit.Small();
        nint anonVma = LruTestKit.FakeAnonVma(m);
        Page* a = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        a->Mapping = (ulong)anonVma | PageMappingAnon;
        SetPageSwapBacked(a);
        m.LruCacheAddActiveOrUnevictableLocked(a, vmaLocked: false);
        Page* b = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        b->Mapping = (ulong)anonVma | PageMappingAnon;
        SetPageSwapBacked(b);
        m.LruCacheAddActiveOrUnevictableLocked(b, vmaLocked: true);
        m.LruAddDrain();
        Assert.Equal(1, Len(m, LruList.ActiveAnon));
        Assert.Equal(1, Len(m, LruList.Unevictable));
        Assert.True(PageUnevictable(b) && PageMlocked(b) && !PageActive(b));
        Assert.Equal(1, m.VmEvent(VmEventItem.UnevictablePgmlocked));
        Assert.Equal(1, m.VmEvent(VmEventItem.UnevictablePgculled));
        Assert.Equal(1, m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrMlock));

        // munlock: evictable again → back on an evictable list, rescued.
        ClearPageMlocked(b);
        m.MunlockMovePageBack(b);
        m.LruAddDrain();
        Assert.Equal(0, Len(m, LruList.Unevictable));
        Assert.Equal(1, Len(m, LruList.InactiveAnon));
        Assert.Equal(1, m.VmEvent(VmEventItem.UnevictablePgrescued));

        // mlock of an LRU page: isolate + putback lands it on LRU_UNEVICTABLE.
        SetPageMlocked(a);
        m.MlockMovePageToUnevictable(a);
        m.LruAddDrain();
        Assert.Equal(0, Len(m, LruList.ActiveAnon));
        Assert.Equal(1, Len(m, LruList.Unevictable));
        AssertCountersMatchLists(m);
    }

    [Fact]
    public void RotateReclaimablePage_MovesToInactiveTail_AndCountsPgrotated()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* a = LruTestKit.AddFilePage(m, mapping, 0);
        Page* b = LruTestKit.AddFilePage(m, mapping, 1);
        Page* c = LruTestKit.AddFilePage(m, mapping, 2);
        m.LruAddDrain();                                      // head→tail: c b a
        m.RotateReclaimablePage(c);
        m.LruAddDrain();
        Assert.Equal(new[] { m.PageToPfn(b), m.PageToPfn(a), m.PageToPfn(c) }, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.Equal(1, m.VmEvent(VmEventItem.Pgrotated));
        Assert.Equal(1, c->RefCount);

        // Dirty or locked pages are not rotated.
        SetPageDirty(b);
        m.RotateReclaimablePage(b);
        m.LruAddDrain();
        Assert.Equal(1, m.VmEvent(VmEventItem.Pgrotated));
        ClearPageDirty(b);
    }

    [Fact]
    public void DeactivateFilePage_CleanToTail_DirtyToHeadWithReclaim()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* x = LruTestKit.AddFilePage(m, mapping, 0);
        Page* clean = LruTestKit.AddFilePage(m, mapping, 1);
        Page* dirty = LruTestKit.AddFilePage(m, mapping, 2);
        SetPageActive(clean);
        SetPageActive(dirty);
        m.LruAddDrain();
        SetPageDirty(dirty);
        m.DeactivateFilePage(clean);
        m.DeactivateFilePage(dirty);
        m.LruAddDrain();
        // inactive: dirty (head) … x … clean (tail)
        Assert.Equal(new[] { m.PageToPfn(dirty), m.PageToPfn(x), m.PageToPfn(clean) }, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.True(PageReclaim(dirty));
        Assert.False(PageReclaim(clean));
        Assert.Equal(2, m.VmEvent(VmEventItem.Pgdeactivate));
        Assert.Equal(1, m.VmEvent(VmEventItem.Pgrotated));
        ClearPageDirty(dirty);
        AssertCountersMatchLists(m);
    }

    [Fact]
    public void MarkPageLazyfree_MovesAnonToInactiveFileAsNotSwapBacked()
    {
        using Machine m = LruTestKit.Small();
        nint anonVma = LruTestKit.FakeAnonVma(m);
        Page* p = LruTestKit.AddAnonPage(m, anonVma, active: true);
        m.LruAddDrain();
        SetPageReferenced(p);
        m.MarkPageLazyfree(p);
        m.LruAddDrain();
        Assert.Equal(1, Len(m, LruList.InactiveFile));
        Assert.False(PageSwapBacked(p) || PageActive(p) || PageReferenced(p));
        Assert.Equal(1, m.VmEvent(VmEventItem.Pglazyfree));
        AssertCountersMatchLists(m);
    }

    [Fact]
    public void PutPage_OfLastReference_TakesPageOffTheLruAndFreesIt()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        long free0 = m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrFreePages) + m.ZonePcpCount(0, ZoneType.Dma32, 0);
        Page* p = LruTestKit.AddFilePage(m, mapping, 0);
        SetPageActive(p);
        m.LruAddDrain();
        m.__DeleteFromPageCache(p, 0);                        // truncation: out of the cache, then its reference
        m.PutPage(p);
        Assert.Equal(0, Len(m, LruList.ActiveFile));
        Assert.Equal(free0, m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrFreePages) + m.ZonePcpCount(0, ZoneType.Dma32, 0));
        AssertCountersMatchLists(m);
    }

    [Fact]
    public void DeactivatePage_MovesActiveToInactiveHead_DrainedAfterDeactivateFile()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* a = LruTestKit.AddFilePage(m, mapping, 0);
        Page* b = LruTestKit.AddFilePage(m, mapping, 1);
        SetPageActive(a);
        SetPageActive(b);
        m.LruAddDrain();
        SetPageReferenced(a);
        m.DeactivatePage(a);                                  // MADV_COLD: inactive head
        m.DeactivateFilePage(b);                              // clean: inactive tail
        m.LruAddDrain();
        Assert.Equal(new[] { m.PageToPfn(a), m.PageToPfn(b) }, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.False(PageReferenced(a) || PageActive(a));
        Assert.Equal(2, m.VmEvent(VmEventItem.Pgdeactivate));
        AssertCountersMatchLists(m);
    }
}
