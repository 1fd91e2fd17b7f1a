using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>isolate_lru_pages (skip list, ordering, modes) and move_pages_to_lru (relative order kept).</summary>
public unsafe class IsolateTests
{
    private static ulong Pfn(Machine m, Page* p) => m.PageToPfn(p);

    [Fact]
    public void ZonesAboveReclaimIdx_AreSkipped_CountedInScannedAndSplicedBackToHead()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        uint dma = Gfp.Kernel | Gfp.Dma;
        Page* d1 = LruTestKit.AddFilePage(m, mapping, 0, dma);
        Page* n1 = LruTestKit.AddFilePage(m, mapping, 1);
        Page* d2 = LruTestKit.AddFilePage(m, mapping, 2, dma);
        Page* n2 = LruTestKit.AddFilePage(m, mapping, 3);
        Page* d3 = LruTestKit.AddFilePage(m, mapping, 4, dma);
        m.LruAddDrain();                                   // head→tail: d3 n2 d2 n1 d1
        Assert.Equal(0, PageZonenum(d1));
        Assert.Equal(1, PageZonenum(n1));

        ScanControl sc = LruTestKit.DirectReclaimSc(dma);  // reclaim_idx = ZONE_DMA
        ListHead dst;
        ListHead.Init(&dst);
        ulong taken = m.IsolateLruPages(2, LruTestKit.NodeLruvec(m), &dst, out ulong scanned, &sc, LruList.InactiveFile);
        // Tail first: d1 taken (scan 1), n1 skipped (not counted), d2 taken (scan 2) → stop.
        Assert.Equal(2UL, taken);
        Assert.Equal(3UL, scanned);                        // total_scan includes the skipped page
        Assert.Equal(new[] { Pfn(m, d2), Pfn(m, d1) }, LruTestKit.Pfns(m, &dst));
        // The skipped n1 goes back to the head of the source list.
        Assert.Equal(new[] { Pfn(m, n1), Pfn(m, d3), Pfn(m, n2) }, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.Equal(1, m.VmEvent(VmEventItem.PgskipDma32));
        Assert.False(PageLRU(d1));
        Assert.Equal(2, d1->RefCount);                     // cache + isolation
        Assert.Equal(3, m.NodePageState(0, NodeStatItem.NrInactiveFile));
        Assert.Equal(1, m.ZonePageState(0, ZoneType.Dma, ZoneStatItem.NrZoneInactiveFile)); // d3 left in DMA

        m.MovePagesToLru(LruTestKit.NodeLruvec(m), &dst);
        Assert.Equal(5, m.NodePageState(0, NodeStatItem.NrInactiveFile));
    }

    [Fact]
    public void IsolateThenMoveBack_PreservesRelativeOrder()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        var pages = new ulong[6];
        for (int i = 0; i < 6; i++)
            pages[i] = Pfn(m, LruTestKit.AddFilePage(m, mapping, (ulong)i));
        m.LruAddDrain();
        ulong[] before = LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile));
        Assert.Equal(new[] { pages[5], pages[4], pages[3], pages[2], pages[1], pages[0] }, before);

        ScanControl sc = LruTestKit.DirectReclaimSc();
        ListHead dst;
        ListHead.Init(&dst);
        LruTestKit.IsolateAll(m, LruList.InactiveFile, &dst, &sc);
        Assert.Equal(before, LruTestKit.Pfns(m, &dst));    // tail-first to the head keeps the order
        ulong moved = m.MovePagesToLru(LruTestKit.NodeLruvec(m), &dst);
        Assert.Equal(6UL, moved);
        Assert.Equal(before, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.True(ListHead.Empty(&dst));
    }

    [Fact]
    public void IsolateUnmapped_SkipsMappedPagesToTheHead()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* a = LruTestKit.AddFilePage(m, mapping, 0);
        Page* b = LruTestKit.AddFilePage(m, mapping, 1);
        m.LruAddDrain();                                   // b a
        a->MapCount = 0;                                   // one PTE maps a
        ScanControl sc = LruTestKit.DirectReclaimSc();
        sc.MayUnmap = false;                               // ISOLATE_UNMAPPED
        ListHead dst;
        ListHead.Init(&dst);
        ulong taken = m.IsolateLruPages(2, LruTestKit.NodeLruvec(m), &dst, out ulong scanned, &sc, LruList.InactiveFile);
        Assert.Equal(1UL, taken);                          // a: −EBUSY → rotated to head; b taken
        Assert.Equal(2UL, scanned);
        Assert.Equal(new[] { Pfn(m, b) }, LruTestKit.Pfns(m, &dst));
        Assert.Equal(new[] { Pfn(m, a) }, LruTestKit.Pfns(m, LruTestKit.List(m, LruList.InactiveFile)));
        Assert.True(PageLRU(a));
        Assert.Equal(-Machine.Ebusy, Machine.__IsolateLruPage(a, Mm.Vmscan.Vmscan.IsolateUnmapped));
        Assert.Equal(-Machine.Einval, Machine.__IsolateLruPage(b, 0));   // not on the LRU any more
        a->MapCount = -1;
        m.MovePagesToLru(LruTestKit.NodeLruvec(m), &dst);
    }

    [Fact]
    public void MovePagesToLru_FreesPagesWhoseLastReferenceWasTheIsolation()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        Page* a = LruTestKit.AddFilePage(m, mapping, 0);
        Page* b = LruTestKit.AddFilePage(m, mapping, 1);
        m.LruAddDrain();
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ListHead dst;
        ListHead.Init(&dst);
        LruTestKit.IsolateAll(m, LruList.InactiveFile, &dst, &sc);
        m.__DeleteFromPageCache(a, 0);                     // truncated meanwhile: the cache lets go
        m.PutPage(a);
        ulong moved = m.MovePagesToLru(LruTestKit.NodeLruvec(m), &dst);
        Assert.Equal(1UL, moved);
        Assert.Equal(new[] { Pfn(m, a) }, LruTestKit.Pfns(m, &dst));   // left for the caller to free
        Assert.Equal(1, m.NodePageState(0, NodeStatItem.NrInactiveFile));
        Assert.False(PageLRU(a));
        m.FreeUnrefPageList(&dst);
        Assert.True(PageLRU(b));
    }
}
