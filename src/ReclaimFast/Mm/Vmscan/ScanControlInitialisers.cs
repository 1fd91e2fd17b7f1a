using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Mm.Vmscan;

/// <summary>
/// The six <c>struct scan_control</c> initialisers of v5.4 mm/vmscan.c, each written once, field for field; every
/// field the kernel's designated initialiser leaves out is zero here too. The entry points build their
/// <c>sc</c> only through these.
/// </summary>
public static unsafe class ScanControlInitialisers
{
    /// <summary>GFP_RECLAIM_MASK (mm/internal.h, v5.4; lockdep off so __GFP_NOLOCKDEP is 0).</summary>
    public const uint GfpReclaimMask = Gfp.Reclaim | Gfp.High | Gfp.Io | Gfp.Fs | Gfp.NoWarn | Gfp.RetryMayfail
        | Gfp.NoFail | Gfp.NoRetry | Gfp.Memalloc | Gfp.NoMemalloc | Gfp.__Atomic;

    /// <summary>NODE_RECLAIM_PRIORITY (mm/vmscan.c): 4 scans 1/16th of a node per round.</summary>
    public const int NodeReclaimPriority = 4;

    /// <summary><c>balance_pgdat</c>: <c>{ .gfp_mask = GFP_KERNEL, .order = order, .may_unmap = 1 }</c> (v5.4).</summary>
    public static ScanControl BalancePgdat(int order) => new()
    {
        GfpMask = Gfp.Kernel,
        Order = (sbyte)order,
        MayUnmap = true,
    };

    /// <summary>
    /// <c>try_to_free_pages</c>: nr_to_reclaim SWAP_CLUSTER_MAX, gfp_mask current_gfp_context(gfp), reclaim_idx
    /// gfp_zone(gfp), order, nodemask, priority DEF_PRIORITY, may_writepage !laptop_mode, may_unmap 1, may_swap 1.
    /// </summary>
    public static ScanControl TryToFreePages(uint gfpMask, uint taskFlags, int order, NodeMask* nodemask, bool laptopMode) => new()
    {
        NrToReclaim = Vmscan.SwapClusterMax,
        GfpMask = Machine.CurrentGfpContext(taskFlags, gfpMask),
        ReclaimIdx = (sbyte)Gfp.GfpZone(gfpMask),
        Order = (sbyte)order,
        Nodemask = nodemask,
        Priority = Vmscan.DefPriority,
        MayWritepage = !laptopMode,
        MayUnmap = true,
        MaySwap = true,
    };

    /// <summary>
    /// <c>try_to_free_mem_cgroup_pages</c>: nr_to_reclaim max(nr_pages, SWAP_CLUSTER_MAX), gfp_mask
    /// (current_gfp_context(gfp) &amp; GFP_RECLAIM_MASK) | (GFP_HIGHUSER_MOVABLE &amp; ~GFP_RECLAIM_MASK), reclaim_idx
    /// MAX_NR_ZONES − 1, target_mem_cgroup memcg, priority DEF_PRIORITY, may_writepage !laptop_mode, may_unmap 1,
    /// may_swap as asked.
    /// </summary>
    public static ScanControl TryToFreeMemCgroupPages(nint memcg, ulong nrPages, uint gfpMask, uint taskFlags, bool maySwap, bool laptopMode) => new()
    {
        NrToReclaim = nrPages > Vmscan.SwapClusterMax ? nrPages : Vmscan.SwapClusterMax,
        GfpMask = (Machine.CurrentGfpContext(taskFlags, gfpMask) & GfpReclaimMask) | (Gfp.HighUserMovable & ~GfpReclaimMask),
        ReclaimIdx = MmZone.MaxNrZones - 1,
        TargetMemCgroup = memcg,
        Priority = Vmscan.DefPriority,
        MayWritepage = !laptopMode,
        MayUnmap = true,
        MaySwap = maySwap,
    };

    /// <summary>
    /// <c>mem_cgroup_shrink_node</c>: nr_to_reclaim SWAP_CLUSTER_MAX, target_mem_cgroup memcg, may_writepage
    /// !laptop_mode, may_unmap 1, reclaim_idx MAX_NR_ZONES − 1, may_swap !noswap. (No priority: it stays 0; the
    /// function sets gfp_mask right after.)
    /// </summary>
    public static ScanControl MemCgroupShrinkNode(nint memcg, bool noswap, bool laptopMode) => new()
    {
        NrToReclaim = Vmscan.SwapClusterMax,
        TargetMemCgroup = memcg,
        MayWritepage = !laptopMode,
        MayUnmap = true,
        ReclaimIdx = MmZone.MaxNrZones - 1,
        MaySwap = !noswap,
    };

    /// <summary>
    /// <c>shrink_all_memory</c>: nr_to_reclaim as asked, gfp_mask GFP_HIGHUSER_MOVABLE, reclaim_idx MAX_NR_ZONES − 1,
    /// priority DEF_PRIORITY, may_writepage 1, may_unmap 1, may_swap 1, hibernation_mode 1.
    /// </summary>
    public static ScanControl ShrinkAllMemory(ulong nrToReclaim) => new()
    {
        NrToReclaim = nrToReclaim,
        GfpMask = Gfp.HighUserMovable,
        ReclaimIdx = MmZone.MaxNrZones - 1,
        Priority = Vmscan.DefPriority,
        MayWritepage = true,
        MayUnmap = true,
        MaySwap = true,
        HibernationMode = true,
    };

    /// <summary>
    /// <c>__node_reclaim</c>: nr_to_reclaim max(1 &lt;&lt; order, SWAP_CLUSTER_MAX), gfp_mask current_gfp_context(gfp),
    /// order, priority NODE_RECLAIM_PRIORITY, may_writepage !!(mode &amp; RECLAIM_WRITE), may_unmap
    /// !!(mode &amp; RECLAIM_UNMAP), may_swap 1, reclaim_idx gfp_zone(gfp).
    /// </summary>
    public static ScanControl __NodeReclaim(uint gfpMask, uint taskFlags, int order, int nodeReclaimMode)
    {
        ulong nrPages = 1UL << order;
        return new ScanControl
        {
            NrToReclaim = nrPages > Vmscan.SwapClusterMax ? nrPages : Vmscan.SwapClusterMax,
            GfpMask = Machine.CurrentGfpContext(taskFlags, gfpMask),
            Order = (sbyte)order,
            Priority = NodeReclaimPriority,
            MayWritepage = (nodeReclaimMode & NodeReclaimMode.Write) != 0,
            MayUnmap = (nodeReclaimMode & NodeReclaimMode.Unmap) != 0,
            MaySwap = true,
            ReclaimIdx = (sbyte)Gfp.GfpZone(gfpMask),
        };
    }
}

/// <summary>The <c>node_reclaim_mode</c> bits (mm/vmscan.c, CONFIG_NUMA).</summary>
public static class NodeReclaimMode
{
    /// <summary>RECLAIM_OFF.</summary>
    public const int Off = 0;
    /// <summary>RECLAIM_ZONE: run shrink_inactive_list on the zone.</summary>
    public const int Zone = 1 << 0;
    /// <summary>RECLAIM_WRITE: write out pages during reclaim.</summary>
    public const int Write = 1 << 1;
    /// <summary>RECLAIM_UNMAP: unmap pages during reclaim.</summary>
    public const int Unmap = 1 << 2;
}
