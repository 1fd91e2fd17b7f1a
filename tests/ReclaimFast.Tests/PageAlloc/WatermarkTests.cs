using System;
using ReclaimFast.Mm.PageAlloc;
using Xunit;
using static ReclaimFast.Tests.PageAlloc.PageAllocTestUtil;

namespace ReclaimFast.Tests.PageAlloc;

/// <summary>
/// Watermarks and reserves against the kernel's formulas (kernel-reference §2, mm/page_alloc.c), with every expected
/// number worked out by hand in the comments.
/// </summary>
public unsafe class WatermarkTests
{
    /// <summary>
    /// init_per_zone_wmark_min: min_free_kbytes = int_sqrt(lowmem_kbytes * 16); the kernel's own table in the comment
    /// above init_per_zone_wmark_min: 16MB 512k, 64MB 1024k, 256MB 2048k, 1GB 4096k, 4GB 8192k, 16GB 16384k.
    /// The machines have exactly that much low memory (no holes, nothing reserved), so lowmem_kbytes is the size.
    /// </summary>
    [Theory]
    [InlineData(16UL << 20, 512)]
    [InlineData(64UL << 20, 1024)]
    [InlineData(256UL << 20, 2048)]
    [InlineData(1UL << 30, 4096)]
    [InlineData(4UL << 30, 8192)]
    [InlineData(16UL << 30, 16384)]
    public void MinFreeKbytes_MatchesTheKernelTable(ulong lowmemBytes, int expectedKbytes)
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, lowmemBytes >> 12));
        Assert.Equal(expectedKbytes, m.MinFreeKbytes);
    }

    /// <summary>
    /// One node: DMA 4096 pages at pfn 0, DMA32 61440 pages, Normal 131072 pages; nothing reserved.
    /// lowmem = 4096 + 61440 + 131072 = 196608 pages = 786432 kB; 786432 × 16 = 12582912;
    /// int_sqrt = 3547 (3547² = 12581209 ≤ 12582912 &lt; 3548² = 12588304) → min_free_kbytes 3547.
    /// pages_min = 3547 &gt;&gt; 2 = 886.
    /// DMA:    min = 886×4096/196608 = 18 (18.46);   step = max(18&gt;&gt;2 = 4, 4096×10/10000 = 4) = 4 → low 22, high 26.
    /// DMA32:  min = 886×61440/196608 = 276 (276.9); step = max(69, 61) = 69 → low 345, high 414.
    /// Normal: min = 886×131072/196608 = 590 (590.7); step = max(147, 131) = 147 → low 737, high 884.
    /// lowmem_reserve (ratios 256, 256, 32, 0):
    ///   DMA[1] = 61440/256 = 240; DMA32[2] = 131072/256 = 512; DMA[2] = (131072+61440)/256 = 752;
    ///   Movable is empty, so [3] repeats [2]: DMA32[3] = 512, DMA[3] = 752; Normal[3] = 0/32 = 0.
    /// totalreserve = min(managed, max reserve + high): DMA 752+26 = 778, DMA32 512+414 = 926, Normal 884 → 2588.
    /// min_unmapped (1%): 40 + 614 + 1310 = 1964; min_slab (5%): 204 + 3072 + 6553 = 9829.
    /// </summary>
    [Fact]
    public void MultiZoneMachine_WatermarksAndReservesMatchHandComputation()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        Assert.Equal(3547, m.MinFreeKbytes);
        AssertWmarks(m, ZoneType.Dma, 18, 22, 26);
        AssertWmarks(m, ZoneType.Dma32, 276, 345, 414);
        AssertWmarks(m, ZoneType.Normal, 590, 737, 884);
        AssertWmarks(m, ZoneType.Movable, 0, 0, 0);
        AssertReserve(m, ZoneType.Dma, 0, 240, 752, 752);
        AssertReserve(m, ZoneType.Dma32, 0, 0, 512, 512);
        AssertReserve(m, ZoneType.Normal, 0, 0, 0, 0);
        Assert.Equal(2588UL, m.TotalreservePages);
        Assert.Equal(2588UL, m.NodeTotalreservePages(0));
        Assert.Equal(1964UL, m.NodeMinUnmappedPages(0));
        Assert.Equal(9829UL, m.NodeMinSlabPages(0));
    }

    /// <summary>
    /// vm.watermark_scale_factor = 100 recomputes low/high only through the step:
    /// DMA max(4, 4096×100/10000 = 40) = 40 → 58, 98; DMA32 max(69, 614) = 614 → 890, 1504;
    /// Normal max(147, 1310) = 1310 → 1900, 3210. Reserves unchanged; totalreserve = 752+98 + 512+1504 + 3210 = 6076.
    /// </summary>
    [Fact]
    public void WatermarkScaleFactorSysctl_Recomputes()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        m.SetWatermarkScaleFactor(100);
        AssertWmarks(m, ZoneType.Dma, 18, 58, 98);
        AssertWmarks(m, ZoneType.Dma32, 276, 890, 1504);
        AssertWmarks(m, ZoneType.Normal, 590, 1900, 3210);
        Assert.Equal(6076UL, m.TotalreservePages);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SetWatermarkScaleFactor(0));
    }

    /// <summary>
    /// vm.min_free_kbytes = 8192 → pages_min 2048: DMA 2048×4096/196608 = 42 → step max(10, 4) → 52, 62;
    /// DMA32 640 → step max(160, 61) → 800, 960; Normal 1365 → step max(341, 131) → 1706, 2047.
    /// totalreserve = 752+62 + 512+960 + 2047 = 4333. A user value also survives a later recompute of the default.
    /// </summary>
    [Fact]
    public void MinFreeKbytesSysctl_Recomputes()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        m.SetMinFreeKbytes(8192);
        Assert.Equal(8192, m.MinFreeKbytes);
        AssertWmarks(m, ZoneType.Dma, 42, 52, 62);
        AssertWmarks(m, ZoneType.Dma32, 640, 800, 960);
        AssertWmarks(m, ZoneType.Normal, 1365, 1706, 2047);
        Assert.Equal(4333UL, m.TotalreservePages);
    }

    /// <summary>The boot-time override is a user write after boot: same numbers as the sysctl.</summary>
    [Fact]
    public void MinFreeKbytesOverride_AtBoot()
    {
        var d = OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)) with { MinFreeKbytes = 8192 };
        using Machine m = Machine.Boot(d);
        AssertWmarks(m, ZoneType.Normal, 1365, 1706, 2047);
    }

    /// <summary>
    /// vm.lowmem_reserve_ratio = 128 64 32 0: DMA[1] = 61440/128 = 480; DMA32[2] = 131072/64 = 2048;
    /// DMA[2] = 192512/128 = 1504; [3] repeats [2].
    /// </summary>
    [Fact]
    public void LowmemReserveRatioSysctl_Recomputes()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        m.SetLowmemReserveRatio([128, 64, 32, 0]);
        AssertReserve(m, ZoneType.Dma, 0, 480, 1504, 1504);
        AssertReserve(m, ZoneType.Dma32, 0, 0, 2048, 2048);
        // A ratio below 1 means no reserve.
        m.SetLowmemReserveRatio([0, 256, 32, 0]);
        AssertReserve(m, ZoneType.Dma, 0, 0, 0, 0);
        AssertReserve(m, ZoneType.Dma32, 0, 0, 512, 512);
    }

    // __zone_watermark_ok on the Normal zone above (classzone Normal, so lowmem_reserve is 0) with mark 590.

    [Theory]
    [InlineData(0u, 591L, true)]    // free 591 > 590
    [InlineData(0u, 590L, false)]   // free <= min fails
    [InlineData(0x20u, 296L, true)] // ALLOC_HIGH: min = 590 - 295 = 295
    [InlineData(0x20u, 295L, false)]
    [InlineData(0x10u, 444L, true)] // ALLOC_HARDER: min = 590 - 590/4 (147) = 443
    [InlineData(0x10u, 443L, false)]
    [InlineData(0x30u, 223L, true)] // HIGH then HARDER: 590 - 295 = 295; 295 - 73 = 222
    [InlineData(0x30u, 222L, false)]
    [InlineData(0x08u, 296L, true)] // ALLOC_OOM: 590 - 295 = 295
    [InlineData(0x08u, 295L, false)]
    public void ZoneWatermarkOk_Order0_AllocFlags(uint allocFlags, long freePages, bool expected)
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        Assert.Equal(expected, Machine.__ZoneWatermarkOk(z, 0, 590, (int)ZoneType.Normal, allocFlags, freePages));
    }

    /// <summary>DMA with classzone Normal: min 18 + lowmem_reserve[Normal] 752 = 770 must be exceeded.</summary>
    [Fact]
    public void ZoneWatermarkOk_LowmemReserve()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        Zone* dma = ZoneOf(m, 0, ZoneType.Dma);
        Assert.True(Machine.__ZoneWatermarkOk(dma, 0, 18, (int)ZoneType.Normal, 0, 771));
        Assert.False(Machine.__ZoneWatermarkOk(dma, 0, 18, (int)ZoneType.Normal, 0, 770));
        // classzone DMA: only the mark counts.
        Assert.True(Machine.__ZoneWatermarkOk(dma, 0, 18, (int)ZoneType.Dma, 0, 19));
    }

    /// <summary>nr_reserved_highatomic is subtracted from free pages unless ALLOC_HARDER/ALLOC_OOM.</summary>
    [Fact]
    public void ZoneWatermarkOk_HighatomicReserveOnlyForHarder()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        z->NrReservedHighatomic = 100;
        Assert.False(Machine.__ZoneWatermarkOk(z, 0, 590, 2, 0, 690));   // 690 - 100 = 590 <= 590
        Assert.True(Machine.__ZoneWatermarkOk(z, 0, 590, 2, 0, 691));
        Assert.True(Machine.__ZoneWatermarkOk(z, 0, 590, 2, 0x10, 444)); // HARDER: not subtracted, min 443
        z->NrReservedHighatomic = 0;
    }

    /// <summary>
    /// Order &gt; 0: free_pages -= 2^order − 1 first; then a free block of at least that order on a pcp type list must
    /// exist. A zone whose free pages are all order-0 blocks passes order 0 and fails order 1.
    /// </summary>
    [Fact]
    public void ZoneWatermarkOk_HighOrderNeedsAFreeBlock()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Normal, 0, 4096)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        // Fresh zone: order-10 blocks exist. order 3 with mark 590: free 600 - 7 = 593 > 590.
        Assert.True(Machine.__ZoneWatermarkOk(z, 3, 590, 2, 0, 600));
        Assert.False(Machine.__ZoneWatermarkOk(z, 3, 590, 2, 0, 597)); // 597 - 7 = 590

        // Take everything, give back every even page: 2048 order-0 blocks, no two of them buddies.
        var blocks = new Mm.Types.Page*[4];
        for (int i = 0; i < 4; i++)
            blocks[i] = TakeBlock(m, z, 10, MigrateType.Movable);
        for (int i = 0; i < 4; i++)
        {
            for (int p = 0; p < 1024; p += 2)
                m.__FreeOnePage(blocks[i] + p, m.PageToPfn(blocks[i] + p), z, 0, (int)MigrateType.Movable);
        }
        Assert.Equal(2048, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrFreePages));
        Assert.True(Machine.__ZoneWatermarkOk(z, 0, 10, 2, 0, 2048));
        Assert.False(Machine.__ZoneWatermarkOk(z, 1, 10, 2, 0, 2048));

        // An order-1 block only on the HIGHATOMIC list counts for ALLOC_HARDER alone: freeing the odd page of the
        // first pair merges it with its free even buddy into an order-1 block on the freeing type's list.
        m.__FreeOnePage(blocks[0] + 1, m.PageToPfn(blocks[0] + 1), z, 0, (int)MigrateType.HighAtomic);
        Assert.Equal([m.PageToPfn(blocks[0])], FreeList(m, 0, ZoneType.Normal, 1, MigrateType.HighAtomic));
        Assert.False(Machine.__ZoneWatermarkOk(z, 1, 10, 2, 0, 2049));
        Assert.True(Machine.__ZoneWatermarkOk(z, 1, 10, 2, 0x10, 2049));
        Assert.True(Machine.__ZoneWatermarkOk(z, 1, 10, 2, 0x08, 2049));
    }

    /// <summary>
    /// zone_watermark_fast: order 0 passes on free &gt; mark + reserve; a GFP_ATOMIC order-0 request at WMARK_MIN of a
    /// boosted zone is judged against the unboosted min.
    /// </summary>
    [Fact]
    public void ZoneWatermarkFast_AtomicIgnoresBoostAtMin()
    {
        using Machine m = Machine.Boot(OneNode((ZoneType.Dma, 0, 4096), (ZoneType.Dma32, 4096, 61440), (ZoneType.Normal, 65536, 131072)));
        Zone* z = ZoneOf(m, 0, ZoneType.Normal);
        long saved = z->VmStat[(int)ZoneStatItem.NrFreePages];
        z->WatermarkBoost = 1000;
        z->VmStat[(int)ZoneStatItem.NrFreePages] = 1000; // above min 590, below boosted min 1590
        ulong boostedMin = MmZone.MinWmarkPages(z);
        Assert.Equal(1590UL, boostedMin);
        Assert.False(Machine.ZoneWatermarkFast(z, 0, boostedMin, 2, AllocFlags.WmarkMin, Gfp.Kernel));
        Assert.True(Machine.ZoneWatermarkFast(z, 0, boostedMin, 2, AllocFlags.WmarkMin, Gfp.Atomic));
        // Not at WMARK_MIN: no exception.
        Assert.False(Machine.ZoneWatermarkFast(z, 0, MmZone.LowWmarkPages(z), 2, AllocFlags.WmarkLow, Gfp.Atomic));
        z->WatermarkBoost = 0;
        z->VmStat[(int)ZoneStatItem.NrFreePages] = saved;
    }

    /// <summary>int_sqrt is the floor square root (lib/int_sqrt.c).</summary>
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(3UL, 1UL)]
    [InlineData(4UL, 2UL)]
    [InlineData(12582912UL, 3547UL)]
    [InlineData(268435456UL, 16384UL)]
    [InlineData(ulong.MaxValue, 4294967295UL)]
    public void IntSqrt_IsFloorSquareRoot(ulong x, ulong expected) => Assert.Equal(expected, Machine.IntSqrt(x));

    private static void AssertWmarks(Machine m, ZoneType z, ulong min, ulong low, ulong high)
    {
        Assert.Equal(min, m.ZoneWatermark(0, z, 0));
        Assert.Equal(low, m.ZoneWatermark(0, z, 1));
        Assert.Equal(high, m.ZoneWatermark(0, z, 2));
    }

    private static void AssertReserve(Machine m, ZoneType z, long r0, long r1, long r2, long r3)
    {
        Assert.Equal(r0, m.ZoneLowmemReserve(0, z, ZoneType.Dma));
        Assert.Equal(r1, m.ZoneLowmemReserve(0, z, ZoneType.Dma32));
        Assert.Equal(r2, m.ZoneLowmemReserve(0, z, ZoneType.Normal));
        Assert.Equal(r3, m.ZoneLowmemReserve(0, z, ZoneType.Movable));
    }
}
