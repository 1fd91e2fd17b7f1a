using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ReclaimFast.Mm.PageAlloc;

/// <summary>
/// GFP flags of v5.4 include/linux/gfp.h (checked against 5.4.286; CONFIG_LOCKDEP off, so ___GFP_NOLOCKDEP is 0).
/// Raw <c>__GFP_X</c> bits are <c>Gfp.X</c>; the one name clash, <c>__GFP_ATOMIC</c> versus the composite
/// <c>GFP_ATOMIC</c>, is resolved as <see cref="__Atomic"/> (the bit) and <see cref="Atomic"/> (the composite).
/// </summary>
public static class Gfp
{
    /// <summary>__GFP_DMA (0x01).</summary>
    public const uint Dma = 0x01u;
    /// <summary>__GFP_HIGHMEM (0x02).</summary>
    public const uint HighMem = 0x02u;
    /// <summary>__GFP_DMA32 (0x04).</summary>
    public const uint Dma32 = 0x04u;
    /// <summary>__GFP_MOVABLE (0x08): ZONE_MOVABLE allowed and the page is movable.</summary>
    public const uint Movable = 0x08u;
    /// <summary>__GFP_RECLAIMABLE (0x10).</summary>
    public const uint Reclaimable = 0x10u;
    /// <summary>__GFP_HIGH (0x20): high priority, may use part of the reserves (= ALLOC_HIGH).</summary>
    public const uint High = 0x20u;
    /// <summary>__GFP_IO (0x40).</summary>
    public const uint Io = 0x40u;
    /// <summary>__GFP_FS (0x80).</summary>
    public const uint Fs = 0x80u;
    /// <summary>__GFP_ZERO (0x100).</summary>
    public const uint Zero = 0x100u;
    /// <summary>__GFP_ATOMIC (0x200): the caller cannot reclaim or sleep (the bit; see <see cref="Atomic"/>).</summary>
    public const uint __Atomic = 0x200u;
    /// <summary>__GFP_DIRECT_RECLAIM (0x400).</summary>
    public const uint DirectReclaim = 0x400u;
    /// <summary>__GFP_KSWAPD_RECLAIM (0x800).</summary>
    public const uint KswapdReclaim = 0x800u;
    /// <summary>__GFP_WRITE (0x1000).</summary>
    public const uint Write = 0x1000u;
    /// <summary>__GFP_NOWARN (0x2000).</summary>
    public const uint NoWarn = 0x2000u;
    /// <summary>__GFP_RETRY_MAYFAIL (0x4000).</summary>
    public const uint RetryMayfail = 0x4000u;
    /// <summary>__GFP_NOFAIL (0x8000).</summary>
    public const uint NoFail = 0x8000u;
    /// <summary>__GFP_NORETRY (0x10000).</summary>
    public const uint NoRetry = 0x10000u;
    /// <summary>__GFP_MEMALLOC (0x20000).</summary>
    public const uint Memalloc = 0x20000u;
    /// <summary>__GFP_COMP (0x40000): set up compound page metadata.</summary>
    public const uint Comp = 0x40000u;
    /// <summary>__GFP_NOMEMALLOC (0x80000).</summary>
    public const uint NoMemalloc = 0x80000u;
    /// <summary>__GFP_HARDWALL (0x100000).</summary>
    public const uint Hardwall = 0x100000u;
    /// <summary>__GFP_THISNODE (0x200000).</summary>
    public const uint ThisNode = 0x200000u;
    /// <summary>__GFP_ACCOUNT (0x400000).</summary>
    public const uint Account = 0x400000u;

    /// <summary>__GFP_BITS_SHIFT (23, lockdep off).</summary>
    public const int BitsShift = 23;
    /// <summary>__GFP_BITS_MASK.</summary>
    public const uint BitsMask = (1u << BitsShift) - 1;
    /// <summary>GFP_ZONEMASK.</summary>
    public const uint ZoneMask = Dma | HighMem | Dma32 | Movable;
    /// <summary>__GFP_RECLAIM.</summary>
    public const uint Reclaim = DirectReclaim | KswapdReclaim;

    /// <summary>GFP_ATOMIC.</summary>
    public const uint Atomic = High | __Atomic | KswapdReclaim;
    /// <summary>GFP_KERNEL.</summary>
    public const uint Kernel = Reclaim | Io | Fs;
    /// <summary>GFP_KERNEL_ACCOUNT.</summary>
    public const uint KernelAccount = Kernel | Account;
    /// <summary>GFP_NOWAIT.</summary>
    public const uint NoWait = KswapdReclaim;
    /// <summary>GFP_NOIO.</summary>
    public const uint NoIo = Reclaim;
    /// <summary>GFP_NOFS.</summary>
    public const uint NoFs = Reclaim | Io;
    /// <summary>GFP_USER.</summary>
    public const uint User = Reclaim | Io | Fs | Hardwall;
    /// <summary>GFP_HIGHUSER.</summary>
    public const uint HighUser = User | HighMem;
    /// <summary>GFP_HIGHUSER_MOVABLE.</summary>
    public const uint HighUserMovable = HighUser | Movable;
    /// <summary>GFP_TRANSHUGE_LIGHT.</summary>
    public const uint TranshugeLight = (HighUserMovable | Comp | NoMemalloc | NoWarn) & ~Reclaim;
    /// <summary>GFP_TRANSHUGE.</summary>
    public const uint Transhuge = TranshugeLight | DirectReclaim;

    // GFP_ZONE_TABLE with GFP_ZONES_SHIFT = 2, no HIGHMEM (OPT_ZONE_HIGHMEM = NORMAL), ZONE_DMA and ZONE_DMA32 on.
    private const int ZonesShift = 2;
    private const ulong ZoneTable =
        ((ulong)ZoneType.Normal << (0 * ZonesShift))
        | ((ulong)ZoneType.Dma << ((int)Dma * ZonesShift))
        | ((ulong)ZoneType.Normal << ((int)HighMem * ZonesShift))
        | ((ulong)ZoneType.Dma32 << ((int)Dma32 * ZonesShift))
        | ((ulong)ZoneType.Normal << ((int)Movable * ZonesShift))
        | ((ulong)ZoneType.Dma << ((int)(Movable | Dma) * ZonesShift))
        | ((ulong)ZoneType.Movable << ((int)(Movable | HighMem) * ZonesShift))
        | ((ulong)ZoneType.Dma32 << ((int)(Movable | Dma32) * ZonesShift));

    // GFP_ZONE_BAD: combinations of zone modifiers that are not permitted.
    private const uint ZoneBad =
        (1u << (int)(Dma | HighMem)) | (1u << (int)(Dma | Dma32)) | (1u << (int)(Dma32 | HighMem))
        | (1u << (int)(Dma | Dma32 | HighMem)) | (1u << (int)(Movable | HighMem | Dma))
        | (1u << (int)(Movable | Dma32 | Dma)) | (1u << (int)(Movable | Dma32 | HighMem))
        | (1u << (int)(Movable | Dma32 | Dma | HighMem));

    /// <summary><c>gfp_zone</c>: the highest zone an allocation with these flags may use (GFP_ZONE_TABLE lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GfpZone(uint flags)
    {
        int bit = (int)(flags & ZoneMask);
        Debug.Assert(((ZoneBad >> bit) & 1) == 0, "gfp_zone: bad zone modifier combination");
        return (int)((ZoneTable >> (bit * ZonesShift)) & ((1UL << ZonesShift) - 1));
    }

    /// <summary><c>gfp_zone</c> validity: false for the GFP_ZONE_BAD combinations (VM_BUG_ON in the kernel).</summary>
    public static bool GfpZoneIsValid(uint flags) => ((ZoneBad >> (int)(flags & ZoneMask)) & 1) == 0;

    /// <summary>
    /// <c>gfpflags_to_migratetype</c>: (flags &amp; (RECLAIMABLE|MOVABLE)) &gt;&gt; 3, or UNMOVABLE when mobility
    /// grouping is disabled.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GfpflagsToMigratetype(uint flags, bool pageGroupByMobilityDisabled)
    {
        Debug.Assert((flags & (Reclaimable | Movable)) != (Reclaimable | Movable), "gfp: both RECLAIMABLE and MOVABLE");
        if (pageGroupByMobilityDisabled)
            return (int)MigrateType.Unmovable;
        return (int)((flags & (Reclaimable | Movable)) >> 3);
    }

    /// <summary><c>gfpflags_allow_blocking</c>.</summary>
    public static bool GfpflagsAllowBlocking(uint flags) => (flags & DirectReclaim) != 0;

    /// <summary><c>gfp_zonelist</c>: ZONELIST_NOFALLBACK for __GFP_THISNODE (CONFIG_NUMA), else ZONELIST_FALLBACK.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GfpZonelist(uint flags) => (flags & ThisNode) != 0 ? MmZone.ZonelistNofallback : MmZone.ZonelistFallback;
}

/// <summary>The <c>ALLOC_*</c> allocator-internal flags of v5.4 mm/internal.h (CONFIG_MMU, CONFIG_ZONE_DMA32).</summary>
public static class AllocFlags
{
    /// <summary>ALLOC_WMARK_MIN.</summary>
    public const uint WmarkMin = MmZone.WmarkMin;
    /// <summary>ALLOC_WMARK_LOW.</summary>
    public const uint WmarkLow = MmZone.WmarkLow;
    /// <summary>ALLOC_WMARK_HIGH.</summary>
    public const uint WmarkHigh = MmZone.WmarkHigh;
    /// <summary>ALLOC_NO_WATERMARKS: don't check watermarks at all.</summary>
    public const uint NoWatermarks = 0x04;
    /// <summary>ALLOC_WMARK_MASK: selects the watermark.</summary>
    public const uint WmarkMask = NoWatermarks - 1;
    /// <summary>ALLOC_OOM: an OOM victim may dip deeper.</summary>
    public const uint Oom = 0x08;
    /// <summary>ALLOC_HARDER: try to alloc harder.</summary>
    public const uint Harder = 0x10;
    /// <summary>ALLOC_HIGH: __GFP_HIGH set.</summary>
    public const uint High = 0x20;
    /// <summary>ALLOC_CPUSET: check for the correct cpuset.</summary>
    public const uint Cpuset = 0x40;
    /// <summary>ALLOC_CMA: allow allocations from CMA areas (never set: CMA off).</summary>
    public const uint Cma = 0x80;
    /// <summary>ALLOC_NOFRAGMENT: avoid mixing pageblock types.</summary>
    public const uint NoFragment = 0x100;
    /// <summary>ALLOC_KSWAPD: allow waking up kswapd (__GFP_KSWAPD_RECLAIM set).</summary>
    public const uint Kswapd = 0x200;
}

/// <summary>The <c>NODE_RECLAIM_*</c> results of <c>node_reclaim</c> (mm/internal.h).</summary>
public static class NodeReclaimResult
{
    /// <summary>NODE_RECLAIM_NOSCAN: did not scan.</summary>
    public const int NoScan = -2;
    /// <summary>NODE_RECLAIM_FULL: scanned but unreclaimable.</summary>
    public const int Full = -1;
    /// <summary>NODE_RECLAIM_SOME: scanned and reclaimed some.</summary>
    public const int Some = 0;
    /// <summary>NODE_RECLAIM_SUCCESS: reclaimed enough.</summary>
    public const int Success = 1;
}
