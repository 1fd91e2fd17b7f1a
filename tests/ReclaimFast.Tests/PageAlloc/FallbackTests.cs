using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>
/// Migratetype fallback and stealing, watermark boosting, ALLOC_NOFRAGMENT and the highatomic reserve
/// (kernel-reference §3.2, §3.4; mm/page_alloc.c). Expected outcomes are derived in the comments.
/// </summary>
public unsafe class FallbackTests
{
    private const int Unmovable = (int)MigrateType.Unmovable;
    private const int Movable = (int)MigrateType.Movable;

    /// <summary>
    /// An UNMOVABLE request on a fresh all-MOVABLE zone: __rmqueue_fallback finds the largest MOVABLE block (order 10,
    /// head 3072); order ≥ pageblock_order claims both covered pageblocks (change_pageblock_range) and skips the boost;
    /// the block moves to the UNMOVABLE list and __rmqueue_smallest splits it there.
    /// </summary>
    [Fact]
    public void UnmovableRequest_ClaimsAWholeMaxOrderBlock()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        Page* page = m.__Rmqueue(z, 0, Unmovable, 0);
        Assert.Equal(3072UL, m.PageToPfn(page));
        Assert.Equal(Unmovable, m.GetPageblockMigratetype(m.PfnToPage(3072)));
        Assert.Equal(Unmovable, m.GetPageblockMigratetype(m.PfnToPage(3584)));
        Assert.Equal(Movable, m.GetPageblockMigratetype(m.PfnToPage(2048)));
        Assert.Equal([3584UL], FreeList(m, 0, ZoneType.Normal, 9, MigrateType.Unmovable));
        Assert.Equal([2048UL, 1024, 0], FreeList(m, 0, ZoneType.Normal, 10, MigrateType.Movable));
        Assert.Equal(0UL, z->WatermarkBoost);
    }

    /// <summary>
    /// A small foreign block: every page held except an order-3 MOVABLE block at 3080. An UNMOVABLE request may steal
    /// (can_steal_fallback: UNMOVABLE start), so steal_suitable_fallback boosts the watermark and, with ALLOC_KSWAPD,
    /// sets ZONE_BOOSTED_WATERMARK. Zone: min_free_kbytes = int_sqrt(16384×16) = 512 → min 128, low 160, high 192;
    /// max_boost = max(512, 192×15000/10000 = 288) = 512, so the boost becomes 512. move_freepages_block moves the
    /// 8 free pages and counts 0 movable (no LRU pages): alike = 512 − 8 = 504, 8 + 504 ≥ 256 → the block turns UNMOVABLE.
    /// </summary>
    [Fact]
    public void SmallFallback_BoostsAndClaimsTheBlockWhenMostlyAlike()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        TakeAll(m, z);
        m.__FreeOnePage(m.PfnToPage(3080), 3080, z, 3, Movable);
        Assert.Equal(192UL, MmZone.HighWmarkPages(z));

        Assert.True(m.__RmqueueFallback(z, 0, Unmovable, AllocFlags.Kswapd));
        Assert.Equal(512UL, z->WatermarkBoost);
        Assert.NotEqual(0UL, z->Flags & (1UL << MmZone.ZoneBoostedWatermark));
        Assert.Equal(Unmovable, m.GetPageblockMigratetype(m.PfnToPage(3072)));
        Assert.Equal([3080UL], FreeList(m, 0, ZoneType.Normal, 3, MigrateType.Unmovable));
        Assert.Empty(FreeList(m, 0, ZoneType.Normal, 3, MigrateType.Movable));
    }

    /// <summary>
    /// Same, but 300 held pages of the block are on an LRU (PG_lru): movable = 300, alike = 512 − (8 + 300) = 204,
    /// 8 + 204 &lt; 256 → the pageblock stays MOVABLE; the free pages still move to the UNMOVABLE list. Without
    /// ALLOC_KSWAPD the boost happens but the zone flag stays clear.
    /// </summary>
    [Fact]
    public void SmallFallback_KeepsTheBlockTypeWhenMovablePagesDominate()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        TakeAll(m, z);
        m.__FreeOnePage(m.PfnToPage(3080), 3080, z, 3, Movable);
        for (ulong pfn = 3200; pfn < 3500; pfn++)
            PageOps.__SetPageLRU(m.PfnToPage(pfn));

        Assert.True(m.__RmqueueFallback(z, 0, Unmovable, 0));
        Assert.Equal(512UL, z->WatermarkBoost);
        Assert.Equal(0UL, z->Flags & (1UL << MmZone.ZoneBoostedWatermark));
        Assert.Equal(Movable, m.GetPageblockMigratetype(m.PfnToPage(3072)));
        Assert.Equal([3080UL], FreeList(m, 0, ZoneType.Normal, 3, MigrateType.Unmovable));
    }

    /// <summary>
    /// A MOVABLE request that cannot steal (block order &lt; pageblock_order/2 = 4) splits the smallest fallback block:
    /// UNMOVABLE blocks 8 (o3) and 2 (o1) are free; scanning down, order 3 is found first with can_steal false, so
    /// find_smallest takes order 1 (pfn 2), moves only it (single page), and the allocation returns 2 with 3 left on
    /// the MOVABLE order-0 list. The order-3 block and the pageblock type stay UNMOVABLE; the watermark is boosted.
    /// </summary>
    [Fact]
    public void MovableRequest_CannotSteal_TakesTheSmallestFallbackBlock()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        TakeAll(m, z);
        m.SetPageblockMigratetype(m.PfnToPage(0), Unmovable);
        m.__FreeOnePage(m.PfnToPage(8), 8, z, 3, Unmovable);
        m.__FreeOnePage(m.PfnToPage(2), 2, z, 1, Unmovable);

        Page* page = m.__Rmqueue(z, 0, Movable, 0);
        Assert.Equal(2UL, m.PageToPfn(page));
        Assert.Equal([3UL], FreeList(m, 0, ZoneType.Normal, 0, MigrateType.Movable));
        Assert.Equal([8UL], FreeList(m, 0, ZoneType.Normal, 3, MigrateType.Unmovable));
        Assert.Equal(Unmovable, m.GetPageblockMigratetype(m.PfnToPage(0)));
        Assert.Equal(512UL, z->WatermarkBoost);
    }

    /// <summary>rmqueue wakes kswapd (the seam) once for a zone with ZONE_BOOSTED_WATERMARK and clears the bit.</summary>
    [Fact]
    public void BoostedZone_WakesKswapdFromRmqueueOnce()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        z->Flags |= 1UL << MmZone.ZoneBoostedWatermark;
        Page* a = m.AllocPage(Gfp.Kernel);
        Assert.Equal(1, m.KswapdWakeupCalls);
        Assert.Equal(0UL, z->Flags & (1UL << MmZone.ZoneBoostedWatermark));
        Page* b = m.AllocPage(Gfp.Kernel);
        Assert.Equal(1, m.KswapdWakeupCalls);
        m.FreePages(a, 0);
        m.FreePages(b, 0);
        m.CheckInvariants();
    }

    /// <summary>
    /// Two nodes: node 0 DMA32 [0, 8192) + Normal [8192, 16384), node 1 Normal [16384, 24576); CPU 0 on node 0.
    /// min_free_kbytes = int_sqrt(24576×4×16) = 1254 → Normal-0 min 104, low 130. Normal-0 keeps 2048 free pages, all
    /// in MOVABLE order-8 blocks. An UNMOVABLE order-0 request prefers Normal-0 with ALLOC_NOFRAGMENT (Normal with a
    /// populated DMA32 on the node): below pageblock order nothing may be stolen, so Normal-0 fails and DMA32-0 (same
    /// node) claims a whole block. Normal-0's free pages are untouched.
    /// </summary>
    [Fact]
    public void NoFragment_PrefersAnotherLocalZoneOverPollutingAPageblock()
    {
        using Machine m = Machine.Boot(TwoNodeMachine());
        FragmentToOrder8Blocks(m, 0);
        Assert.Equal(2048, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
        Page* page = m.AllocPages(Gfp.Kernel, 0, 0);
        Assert.Equal((nint)ZoneOf(m, 0, ZoneType.Dma32), (nint)m.PageZone(page));
        Assert.Equal(2048, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
    }

    /// <summary>
    /// Node 1 has no DMA32, so on this multi-node machine its Normal zone gets no ALLOC_NOFRAGMENT: the same request
    /// steals from a small MOVABLE block of Normal-1.
    /// </summary>
    [Fact]
    public void NoFragment_NotUsedWithoutALocalDma32()
    {
        using Machine m = Machine.Boot(TwoNodeMachine());
        FragmentToOrder8Blocks(m, 1);
        Page* page = m.AllocPages(Gfp.Kernel, 0, 1);
        Assert.Equal((nint)ZoneOf(m, 1, ZoneType.Normal), (nint)m.PageZone(page));
    }

    /// <summary>
    /// Both node-0 zones fragmented: reaching node 1 with ALLOC_NOFRAGMENT drops the flag and restarts from the
    /// preferred zone, so the page comes from Normal-0 (locality over fragmentation avoidance), not node 1.
    /// </summary>
    [Fact]
    public void NoFragment_DroppedBeforeLeavingTheNode()
    {
        using Machine m = Machine.Boot(TwoNodeMachine());
        FragmentToOrder8Blocks(m, 0);
        Zone* dma32 = ZoneOf(m, 0, ZoneType.Dma32);
        var blocks = new Page*[8];
        for (int i = 0; i < 8; i++)
            blocks[i] = TakeBlock(m, dma32, 10, MigrateType.Movable);
        foreach (Page* b in blocks)
            m.__FreeOnePage(b, m.PageToPfn(b), dma32, 8, Movable);
        Page* page = m.AllocPages(Gfp.Kernel, 0, 0);
        Assert.Equal((nint)ZoneOf(m, 0, ZoneType.Normal), (nint)m.PageZone(page));
    }

    /// <summary>
    /// Highatomic reserve on an 8192-page zone: the limit is managed/100 + 512 = 593 pages. A high-order ALLOC_HARDER
    /// allocation retypes its pageblock to HIGHATOMIC (reserved 512), a second one another block (1024), a third none
    /// (1024 ≥ 593). Later ALLOC_HARDER high-order requests take HIGHATOMIC blocks first. unreserve_highatomic_pageblock
    /// keeps the last block unless forced.
    /// </summary>
    [Fact]
    public void HighatomicReserve_ReserveUseAndUnreserve()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 8192)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        AllocContext ac;
        m.PrepareAllocContext(Gfp.Atomic, 0, null, &ac);
        uint harder = AllocFlags.WmarkMin | AllocFlags.Harder;

        Page* p1 = m.GetPageFromFreelist(Gfp.Atomic, 1, harder, &ac);
        ulong b1 = m.PageToPfn(p1) & ~511UL;
        Assert.Equal((int)MigrateType.HighAtomic, m.GetPageblockMigratetype(p1));
        Assert.Equal(512UL, z->NrReservedHighatomic);
        // The rest of the block's free pages moved to the HIGHATOMIC lists (order 1..8 halves of the split).
        Assert.Equal([b1 + 256], FreeList(m, 0, ZoneType.Normal, 8, MigrateType.HighAtomic));

        // The next ALLOC_HARDER order-1 request is served from the reserve: the HIGHATOMIC order-1 half b1 + 2.
        Page* p2 = m.GetPageFromFreelist(Gfp.Atomic, 1, harder, &ac);
        Assert.Equal(b1 + 2, m.PageToPfn(p2));
        Assert.Equal(512UL, z->NrReservedHighatomic); // block already HIGHATOMIC

        // Nothing is unreserved while only one block is reserved, unless forced.
        Assert.False(m.UnreserveHighatomicPageblock(&ac, false));
        m.ReserveHighatomicPageblock(m.PfnToPage(0), z);
        Assert.Equal(1024UL, z->NrReservedHighatomic);
        m.ReserveHighatomicPageblock(m.PfnToPage(512), z);
        Assert.Equal(1024UL, z->NrReservedHighatomic); // 1024 >= 593
        Assert.Equal(Movable, m.GetPageblockMigratetype(m.PfnToPage(512)));

        Assert.True(m.UnreserveHighatomicPageblock(&ac, false));
        Assert.Equal(512UL, z->NrReservedHighatomic);
        Assert.True(m.UnreserveHighatomicPageblock(&ac, true));
        Assert.Equal(0UL, z->NrReservedHighatomic);
        Assert.Equal(ac.Migratetype, m.GetPageblockMigratetype(p1));
        m.FreePages(p1, 1);
        m.FreePages(p2, 1);
        m.CheckInvariants();
    }

    internal static MachineDescription TwoNodeMachine() => new()
    {
        NrCpus = 2,
        Nodes =
        [
            new NodeDescription
            {
                Zones =
                [
                    new ZoneDescription { Type = ZoneType.Dma32, StartPfn = 0, SpannedPages = 8192 },
                    new ZoneDescription { Type = ZoneType.Normal, StartPfn = 8192, SpannedPages = 8192 },
                ],
            },
            new NodeDescription { Zones = [new ZoneDescription { Type = ZoneType.Normal, StartPfn = 16384, SpannedPages = 8192 }] },
        ],
    };

    /// <summary>Holds all of a node's Normal zone, then frees the first order-8 quarter of each order-10 block.</summary>
    private static void FragmentToOrder8Blocks(Machine m, int nid)
    {
        Zone* z = ZoneOf(m, nid, ZoneType.Normal);
        var blocks = new Page*[8];
        for (int i = 0; i < 8; i++)
            blocks[i] = TakeBlock(m, z, 10, MigrateType.Movable);
        foreach (Page* b in blocks)
            m.__FreeOnePage(b, m.PageToPfn(b), z, 8, Movable);
    }

    private static void TakeAll(Machine m, Zone* z)
    {
        for (int i = 0; i < 4; i++)
            TakeBlock(m, z, 10, MigrateType.Movable);
    }
}
