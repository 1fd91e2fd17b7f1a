using System;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>The allocation and free entry points: GFP handling, compound pages, counters, NUMA, pcp drains, bad pages.</summary>
public unsafe class AllocApiTests
{
    /// <summary>
    /// gfp_zone (GFP_ZONE_TABLE, no HIGHMEM): 0 → NORMAL, DMA → DMA, HIGHMEM → NORMAL, DMA32 → DMA32, MOVABLE → NORMAL,
    /// MOVABLE|DMA → DMA, MOVABLE|HIGHMEM → MOVABLE, MOVABLE|DMA32 → DMA32; DMA|HIGHMEM etc. are GFP_ZONE_BAD.
    /// gfpflags_to_migratetype = (flags &amp; (RECLAIMABLE|MOVABLE)) &gt;&gt; 3.
    /// </summary>
    [Fact]
    public void GfpZone_AndMigratetype()
    {
        Assert.Equal((int)ZoneType.Normal, Gfp.GfpZone(Gfp.Kernel));
        Assert.Equal((int)ZoneType.Dma, Gfp.GfpZone(Gfp.Kernel | Gfp.Dma));
        Assert.Equal((int)ZoneType.Normal, Gfp.GfpZone(Gfp.HighUser));
        Assert.Equal((int)ZoneType.Dma32, Gfp.GfpZone(Gfp.Dma32));
        Assert.Equal((int)ZoneType.Normal, Gfp.GfpZone(Gfp.Movable));
        Assert.Equal((int)ZoneType.Dma, Gfp.GfpZone(Gfp.Movable | Gfp.Dma));
        Assert.Equal((int)ZoneType.Movable, Gfp.GfpZone(Gfp.HighUserMovable));
        Assert.Equal((int)ZoneType.Dma32, Gfp.GfpZone(Gfp.Movable | Gfp.Dma32));
        Assert.False(Gfp.GfpZoneIsValid(Gfp.Dma | Gfp.HighMem));
        Assert.False(Gfp.GfpZoneIsValid(Gfp.Movable | Gfp.Dma32 | Gfp.Dma));
        Assert.Equal((int)MigrateType.Unmovable, Gfp.GfpflagsToMigratetype(Gfp.Kernel, false));
        Assert.Equal((int)MigrateType.Movable, Gfp.GfpflagsToMigratetype(Gfp.HighUserMovable, false));
        Assert.Equal((int)MigrateType.Reclaimable, Gfp.GfpflagsToMigratetype(Gfp.Kernel | Gfp.Reclaimable, false));
        Assert.Equal((int)MigrateType.Unmovable, Gfp.GfpflagsToMigratetype(Gfp.HighUserMovable, true));
        // v5.4 gfp.h composites from the ___GFP_* bit values:
        // GFP_ATOMIC = HIGH 0x20 | ATOMIC 0x200 | KSWAPD_RECLAIM 0x800; GFP_KERNEL = RECLAIM 0xc00 | IO 0x40 | FS 0x80;
        // GFP_USER adds HARDWALL 0x100000; HIGHUSER_MOVABLE adds HIGHMEM 0x2 | MOVABLE 0x8;
        // TRANSHUGE_LIGHT = (0x100cca | COMP 0x40000 | NOMEMALLOC 0x80000 | NOWARN 0x2000) & ~0xc00; TRANSHUGE | 0x400.
        Assert.Equal(0xa20u, Gfp.Atomic);
        Assert.Equal(0xcc0u, Gfp.Kernel);
        Assert.Equal(0xc40u, Gfp.NoFs);
        Assert.Equal(0xc00u, Gfp.NoIo);
        Assert.Equal(0x100cc0u, Gfp.User);
        Assert.Equal(0x100ccau, Gfp.HighUserMovable);
        Assert.Equal(0x1c20cau, Gfp.TranshugeLight);
        Assert.Equal(0x1c24cau, Gfp.Transhuge);
    }

    /// <summary>Each GFP zone modifier lands in its zone (the highest allowed zone with free pages, walking down).</summary>
    [Fact]
    public void Allocations_LandInTheRequestedZones()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 8192), (ZoneType.Normal, 12288, 8192)));
        Assert.InRange(m.AllocPagesPfn(Gfp.Kernel | Gfp.Dma, 0), 0, 4095);
        Assert.InRange(m.AllocPagesPfn(Gfp.Kernel | Gfp.Dma32, 0), 4096, 12287);
        Assert.InRange(m.AllocPagesPfn(Gfp.Kernel, 0), 12288, 20479);
        Assert.InRange(m.AllocPagesPfn(Gfp.HighUserMovable, 3), 12288, 20479);
        Assert.Equal(1, m.VmEvent(VmEventItem.PgallocDma));
        Assert.Equal(1, m.VmEvent(VmEventItem.PgallocDma32));
        Assert.Equal(1 + 8, m.VmEvent(VmEventItem.PgallocNormal));
        m.CheckInvariants();
    }

    /// <summary>
    /// prep_compound_page: PG_head on the head; first tail holds dtor COMPOUND_PAGE_DTOR (1), the order and
    /// compound_mapcount −1; every tail has refcount 0, mapping TAIL_MAPPING, compound_head = head | 1. Freeing it
    /// (put_page → free_compound_page) clears all of that and merges the block back.
    /// </summary>
    [Fact]
    public void CompoundPage_LayoutAndFree()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Page* head = m.AllocPages(Gfp.Kernel | Gfp.Comp, 3, 0);
        Assert.True(PageOps.PageHead(head));
        Assert.Equal(1, head[1].CompoundDtor);
        Assert.Equal(3, head[1].CompoundOrder);
        Assert.Equal(-1, head[1].CompoundMapcount);
        Assert.Equal(3, PageOps.CompoundOrder(head));
        for (int i = 1; i < 8; i++)
        {
            Assert.True(PageOps.PageTail(head + i));
            Assert.Equal((nint)head, (nint)PageOps.CompoundHead(head + i));
            Assert.Equal(0, head[i].RefCount);
            Assert.Equal(PageOps.TailMapping, head[i].Mapping);
        }
        m.CheckInvariants();
        Assert.True(PageOps.PutPageTestzero(head));
        m.FreeCompoundPage(head);
        Assert.False(PageOps.PageHead(head));
        for (int i = 1; i < 8; i++)
        {
            Assert.False(PageOps.PageTail(head + i));
            Assert.Equal(0UL, head[i].Mapping);
        }
        Assert.Equal(4096, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
        m.CheckInvariants();
    }

    /// <summary>__GFP_ZERO: page contents are a token, so a zeroed page's token is 0; without it the old token stays.</summary>
    [Fact]
    public void GfpZero_ZeroesTheContentTokens()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        long pfn = m.AllocPagesPfn(Gfp.HighUserMovable, 2);
        for (int i = 0; i < 4; i++)
            m.SetContentToken(pfn + i, 0xC0FFEE00UL + (ulong)i);
        m.FreePagesPfn(pfn, 2);
        long again = m.AllocPagesPfn(Gfp.HighUserMovable, 2);
        Assert.Equal(pfn, again);
        Assert.Equal(0xC0FFEE00UL, m.GetContentToken(again));
        m.FreePagesPfn(again, 2);
        long zeroed = m.AllocPagesPfn(Gfp.HighUserMovable | Gfp.Zero, 2);
        Assert.Equal(pfn, zeroed);
        for (int i = 0; i < 4; i++)
            Assert.Equal(0UL, m.GetContentToken(zeroed + i));
    }

    /// <summary>free_unref_page_list: pages whose last reference is gone go to the current CPU's pcp lists, PGFREE each.</summary>
    [Fact]
    public void FreeUnrefPageList_FreesEveryPageToThePcp()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 65536)));
        var pages = new Page*[5];
        for (int i = 0; i < 5; i++)
            pages[i] = m.AllocPage(Gfp.HighUserMovable);
        int pcpBefore = m.ZonePcpCount(0, ZoneType.Normal, 0);
        long pgfree = m.VmEvent(VmEventItem.Pgfree);
        ListHead list;
        ListHead.Init(&list);
        foreach (Page* p in pages)
        {
            Assert.True(PageOps.PutPageTestzero(p));
            ListHead.AddTail(p->LruPtr, &list);
        }
        m.FreeUnrefPageList(&list);
        Assert.Equal(pcpBefore + 5, m.ZonePcpCount(0, ZoneType.Normal, 0));
        Assert.Equal(pgfree + 5, m.VmEvent(VmEventItem.Pgfree));
        // Head inserts in list order: the last page freed is the pcp head.
        Assert.Equal(m.PageToPfn(pages[4]), PcpList(m, 0, ZoneType.Normal, 0, MigrateType.Movable)[0]);
        m.CheckInvariants();
    }

    /// <summary>
    /// zone_statistics: node-1 allocation from a node-0 CPU counts NUMA_HIT and NUMA_OTHER on node 1's zone; an
    /// allocation that prefers node 1 but (with node 1 exhausted) lands on node 0 counts NUMA_MISS there and
    /// NUMA_FOREIGN on node 1's zone. __GFP_THISNODE fails instead of falling back.
    /// </summary>
    [Fact]
    public void NumaStatistics_AndThisNode()
    {
        using Machine m = Machine.Boot(FallbackTests.TwoNodeMachine());
        m.CurrentCpu = 0; // node 0
        Assert.InRange(m.AllocPagesPfn(Gfp.HighUserMovable, 0, 1), 16384, 24575);
        Assert.Equal(1, m.ZoneNumaState(1, ZoneType.Normal, NumaStatItem.NumaHit));
        Assert.Equal(1, m.ZoneNumaState(1, ZoneType.Normal, NumaStatItem.NumaOther));
        Assert.Equal(0, m.ZoneNumaState(1, ZoneType.Normal, NumaStatItem.NumaLocal));

        // Exhaust node 1 down to its min watermark with order-9 blocks (the pcp keeps a few order-0 pages).
        while (m.AllocPagesPfn(Gfp.HighUserMovable | Gfp.ThisNode, 9, 1) >= 0)
        {
        }
        Assert.Equal(-1, m.AllocPagesPfn(Gfp.HighUserMovable | Gfp.ThisNode, 9, 1));
        long pfn = m.AllocPagesPfn(Gfp.HighUserMovable, 9, 1);
        Assert.InRange(pfn, 0, 16383);
        Assert.Equal(1, m.ZoneNumaState(0, ZoneType.Normal, NumaStatItem.NumaMiss));
        Assert.Equal(1, m.ZoneNumaState(1, ZoneType.Normal, NumaStatItem.NumaForeign));
        Assert.Equal(1, m.ZoneNumaState(0, ZoneType.Normal, NumaStatItem.NumaLocal));
        m.CheckInvariants();
    }

    /// <summary>
    /// The slow-path stub retries at ALLOC_WMARK_MIN after waking kswapd. A 4096-page zone has min 128, low 160
    /// (batch 1, high 0, so every page comes straight from the buddy lists): GFP_KERNEL order-0 allocations succeed in
    /// the fast path down to 160 free, in the slow path down to 128 (32 more), then fail; that is 33 slow-path entries,
    /// each waking the node's kswapd once, and the failing one wakes it again at <c>retry:</c> before its direct reclaim
    /// finds nothing to reclaim (34 wakeup_kswapd calls, as v5.4's __alloc_pages_slowpath does). GFP_ATOMIC (ALLOC_HIGH halves the mark, ALLOC_HARDER takes a quarter of
    /// the rest: 128 → 64 → 48) gets down to 48.
    /// </summary>
    [Fact]
    public void SlowpathStub_UsesTheMinWatermarkAndWakesKswapd()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        int n = 0;
        while (m.AllocPagesPfn(Gfp.Kernel, 0) >= 0)
            n++;
        Assert.Equal(4096 - 128, n);
        Assert.Equal(128, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
        Assert.Equal(34, m.KswapdWakeupCalls);
        int atomic = 0;
        while (m.AllocPagesPfn(Gfp.Atomic, 0) >= 0)
            atomic++;
        Assert.Equal(128 - 48, atomic);
        m.CheckInvariants();
    }

    /// <summary>drain_all_pages returns every CPU's pcp pages to the buddy lists.</summary>
    [Fact]
    public void DrainAllPages_EmptiesEveryCpu()
    {
        var d = OneNode((ZoneType.Normal, 0, 65536)) with { NrCpus = 3 };
        using Machine m = Machine.Boot(d);
        for (int cpu = 0; cpu < 3; cpu++)
        {
            m.CurrentCpu = cpu;
            long pfn = m.AllocPagesPfn(Gfp.Kernel, 0);
            m.FreePagesPfn(pfn, 0);
            Assert.True(m.ZonePcpCount(0, ZoneType.Normal, cpu) > 0);
        }
        m.DrainAllPcpPages();
        for (int cpu = 0; cpu < 3; cpu++)
            Assert.Equal(0, m.ZonePcpCount(0, ZoneType.Normal, cpu));
        Assert.Equal(65536, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
        Assert.Equal(2, m.CurrentCpu);
        m.CheckInvariants();
    }

    /// <summary>
    /// CONFIG_DEBUG_VM moves the order-0 checks (v5.4 free_pcp_prepare / bulkfree_pcp_prepare, check_new_pcp /
    /// check_pcp_refill): on, a page freed with a non-NULL mapping is caught by free_pages_check at the free and a
    /// corrupted page on a pcp list at its allocation; off, the bad free is caught only when free_pcppages_bulk drains
    /// it, and the pcp allocation hands the corrupted page out unchecked.
    /// </summary>
    /// <summary>The suite runs its machines with CONFIG_DEBUG_VM (the test project sets the AppContext switch).</summary>
    [Fact]
    public void TestSuite_BootsWithConfigDebugVm()
    {
        Assert.True(AppContext.TryGetSwitch(MachineDescription.ConfigDebugVmSwitch, out bool on) && on);
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Assert.True(m.ConfigDebugVm);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConfigDebugVm_DecidesWhereOrder0PagesAreChecked(bool debugVm)
    {
        // 64K pages: pcp batch 15, high 90, so the freed pages stay on the pcp list until drained.
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 65536)) with { ConfigDebugVm = debugVm });
        Assert.Equal(debugVm, m.ConfigDebugVm);

        Page* p = m.AllocPage(Gfp.Kernel);
        p->Mapping = 0x1000; // a stale address_space pointer: no PAGE_MAPPING_ANON/MOVABLE tag to strip
        if (debugVm)
        {
            Assert.Equal("non-NULL mapping", Assert.Throws<BadPageException>(() => m.FreePages(p, 0)).Reason);
            p->Mapping = 0;
            p->RefCount = 1;
            m.FreePages(p, 0);
        }
        else
        {
            m.FreePages(p, 0);
            Assert.Equal("non-NULL mapping", Assert.Throws<BadPageException>(() => m.DrainAllPcpPages()).Reason);
        }

        // A page on the pcp list whose mapcount was overwritten.
        m.DrainAllPcpPages();
        Page* q = m.AllocPage(Gfp.Kernel);
        m.FreePages(q, 0);
        q->MapCount = 0;
        if (debugVm)
        {
            Assert.Equal("nonzero mapcount", Assert.Throws<BadPageException>(() => m.AllocPage(Gfp.Kernel)).Reason);
        }
        else
        {
            Assert.True(m.AllocPage(Gfp.Kernel) == q);
            Assert.Equal(0, q->MapCount);
        }
    }

    /// <summary>Freeing a page still on an LRU is a bad page (free_pages_check); a double free is refused.</summary>
    [Fact]
    public void BadFrees_AreReported()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Page* p = m.AllocPage(Gfp.HighUserMovable);
        PageOps.__SetPageLRU(p);
        var ex = Assert.Throws<BadPageException>(() => m.FreePages(p, 0));
        Assert.Equal("PAGE_FLAGS_CHECK_AT_FREE flag(s) set", ex.Reason);
        Assert.Equal(m.PageToPfn(p), ex.Pfn);

        long pfn = m.AllocPagesPfn(Gfp.HighUserMovable, 0);
        m.FreePagesPfn(pfn, 0);
        Assert.Throws<InvalidOperationException>(() => m.FreePagesPfn(pfn, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.AllocPagesPfn(Gfp.Kernel, 11));
        Assert.Throws<ArgumentException>(() => m.AllocPagesPfn(Gfp.Dma | Gfp.HighMem, 0));
    }

    /// <summary>An anonymous page's mapping tag is dropped at free (free_pages_prepare: PageMappingFlags).</summary>
    [Fact]
    public void Free_ClearsAnonMappingTag()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Page* p = m.AllocPage(Gfp.HighUserMovable);
        p->Mapping = 0x1000 | PageOps.PageMappingAnon;
        PageOps.__SetPageSwapBacked(p);
        m.FreePages(p, 0);
        Assert.Equal(0UL, p->Mapping);
        Assert.False(PageOps.PageSwapBacked(p));
        m.CheckInvariants();
    }
}
