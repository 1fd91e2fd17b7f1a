using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>
/// The six scan_control initialisers, field for field against the seed's text (the kernel's designated initialisers;
/// every field they leave out must be zero).
/// </summary>
public unsafe class ScanControlInitialiserTests
{
    /// <summary>Asserts every field of <paramref name="sc"/>.</summary>
    private static void AssertSc(in ScanControl sc, ulong nrToReclaim = 0, uint gfp = 0, int reclaimIdx = 0, int order = 0,
        nint nodemask = 0, nint memcg = 0, int priority = 0, bool mayWritepage = false, bool mayUnmap = false,
        bool maySwap = false, bool hibernation = false)
    {
        Assert.Equal(nrToReclaim, sc.NrToReclaim);
        Assert.Equal(gfp, sc.GfpMask);
        Assert.Equal(reclaimIdx, sc.ReclaimIdx);
        Assert.Equal(order, sc.Order);
        Assert.Equal(nodemask, (nint)sc.Nodemask);
        Assert.Equal(memcg, sc.TargetMemCgroup);
        Assert.Equal(priority, sc.Priority);
        Assert.Equal(mayWritepage, sc.MayWritepage);
        Assert.Equal(mayUnmap, sc.MayUnmap);
        Assert.Equal(maySwap, sc.MaySwap);
        Assert.Equal(hibernation, sc.HibernationMode);
        Assert.False(sc.MemcgLowReclaim);
        Assert.False(sc.MemcgLowSkipped);
        Assert.False(sc.CompactionReady);
        Assert.Equal(0UL, sc.NrScanned);
        Assert.Equal(0UL, sc.NrReclaimed);
        Assert.True(sc.Nr.Equals(default(ScanControlNr)));
        Assert.Equal(0, (nint)sc.ReclaimState);
    }

    [Fact]
    public void BalancePgdat()
    {
        // { .gfp_mask = GFP_KERNEL, .order = order, .may_unmap = 1 } — v5.4.286; the seed's older copy also sets
        // .priority = DEF_PRIORITY, .may_writepage = !laptop_mode, .may_swap = 1, which 5.4 assigns in the loop
        // instead (priority at restart:, may_writepage/may_swap per iteration from nr_boost_reclaim).
        AssertSc(ScanControlInitialisers.BalancePgdat(3), gfp: Gfp.Kernel, order: 3, mayUnmap: true);
    }

    [Fact]
    public void TryToFreePages()
    {
        NodeMask mask = default;
        // nr_to_reclaim SWAP_CLUSTER_MAX, gfp_mask current_gfp_context(gfp), reclaim_idx gfp_zone(gfp), order,
        // nodemask, priority DEF_PRIORITY, may_writepage !laptop_mode, may_unmap 1, may_swap 1.
        ScanControl sc = ScanControlInitialisers.TryToFreePages(Gfp.HighUserMovable, TaskFlags.MemallocNofs, 2, &mask, laptopMode: false);
        AssertSc(sc, nrToReclaim: 32, gfp: Gfp.HighUserMovable & ~Gfp.Fs, reclaimIdx: (int)ZoneType.Movable, order: 2,
            nodemask: (nint)(&mask), priority: 12, mayWritepage: true, mayUnmap: true, maySwap: true);
        sc = ScanControlInitialisers.TryToFreePages(Gfp.Kernel, 0, 0, null, laptopMode: true);
        AssertSc(sc, nrToReclaim: 32, gfp: Gfp.Kernel, reclaimIdx: (int)ZoneType.Normal, priority: 12, mayUnmap: true, maySwap: true);
    }

    [Fact]
    public void TryToFreeMemCgroupPages()
    {
        // nr_to_reclaim max(nr_pages, SWAP_CLUSTER_MAX); gfp_mask (current_gfp_context(gfp) & GFP_RECLAIM_MASK) |
        // (GFP_HIGHUSER_MOVABLE & ~GFP_RECLAIM_MASK); reclaim_idx MAX_NR_ZONES - 1; target_mem_cgroup memcg;
        // priority DEF_PRIORITY; may_writepage !laptop_mode; may_unmap 1; may_swap may_swap.
        const uint reclaimMask = Gfp.Reclaim | Gfp.High | Gfp.Io | Gfp.Fs | Gfp.NoWarn | Gfp.RetryMayfail | Gfp.NoFail
            | Gfp.NoRetry | Gfp.Memalloc | Gfp.NoMemalloc | Gfp.__Atomic;
        ScanControl sc = ScanControlInitialisers.TryToFreeMemCgroupPages(0x1000, 5, Gfp.Kernel | Gfp.Dma32, 0, maySwap: false, laptopMode: false);
        AssertSc(sc, nrToReclaim: 32, gfp: (Gfp.Kernel & reclaimMask) | (Gfp.HighUserMovable & ~reclaimMask),
            reclaimIdx: MmZone.MaxNrZones - 1, memcg: 0x1000, priority: 12, mayWritepage: true, mayUnmap: true);
        sc = ScanControlInitialisers.TryToFreeMemCgroupPages(0, 100, Gfp.Kernel, TaskFlags.MemallocNoio, maySwap: true, laptopMode: true);
        AssertSc(sc, nrToReclaim: 100, gfp: ((Gfp.Kernel & ~(Gfp.Io | Gfp.Fs)) & reclaimMask) | (Gfp.HighUserMovable & ~reclaimMask),
            reclaimIdx: MmZone.MaxNrZones - 1, priority: 12, mayUnmap: true, maySwap: true);
    }

    [Fact]
    public void MemCgroupShrinkNode()
    {
        // nr_to_reclaim SWAP_CLUSTER_MAX, target_mem_cgroup memcg, may_writepage !laptop_mode, may_unmap 1,
        // reclaim_idx MAX_NR_ZONES - 1, may_swap !noswap; no priority (0) and no gfp_mask in the initialiser.
        AssertSc(ScanControlInitialisers.MemCgroupShrinkNode(0x2000, noswap: true, laptopMode: false),
            nrToReclaim: 32, memcg: 0x2000, mayWritepage: true, mayUnmap: true, reclaimIdx: MmZone.MaxNrZones - 1);
        AssertSc(ScanControlInitialisers.MemCgroupShrinkNode(0x2000, noswap: false, laptopMode: true),
            nrToReclaim: 32, memcg: 0x2000, mayUnmap: true, reclaimIdx: MmZone.MaxNrZones - 1, maySwap: true);
    }

    [Fact]
    public void ShrinkAllMemory()
    {
        // nr_to_reclaim, GFP_HIGHUSER_MOVABLE, reclaim_idx MAX_NR_ZONES - 1, DEF_PRIORITY, may_writepage 1,
        // may_unmap 1, may_swap 1, hibernation_mode 1.
        AssertSc(ScanControlInitialisers.ShrinkAllMemory(12345), nrToReclaim: 12345, gfp: Gfp.HighUserMovable,
            reclaimIdx: MmZone.MaxNrZones - 1, priority: 12, mayWritepage: true, mayUnmap: true, maySwap: true, hibernation: true);
    }

    [Theory]
    [InlineData(0, 0, 32)]
    [InlineData(6, 7, 64)]       // max(1 << 6, SWAP_CLUSTER_MAX) = 64
    [InlineData(2, 2, 32)]
    public void NodeReclaim(int order, int mode, ulong nrToReclaim)
    {
        // nr_to_reclaim max(nr_pages, SWAP_CLUSTER_MAX), gfp_mask current_gfp_context(gfp), order,
        // priority NODE_RECLAIM_PRIORITY (4), may_writepage !!(mode & RECLAIM_WRITE), may_unmap !!(mode & RECLAIM_UNMAP),
        // may_swap 1, reclaim_idx gfp_zone(gfp).
        ScanControl sc = ScanControlInitialisers.__NodeReclaim(Gfp.Kernel, TaskFlags.MemallocNofs, order, mode);
        AssertSc(sc, nrToReclaim: nrToReclaim, gfp: Gfp.Kernel & ~Gfp.Fs, order: order, priority: 4,
            mayWritepage: (mode & 2) != 0, mayUnmap: (mode & 4) != 0, maySwap: true, reclaimIdx: (int)ZoneType.Normal);
    }
}
