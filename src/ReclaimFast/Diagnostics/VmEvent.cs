using System.Collections.Immutable;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// Mirrors <c>enum vm_event_item</c> (v5.4 include/linux/vm_event_item.h) for x86-64 with CONFIG_NUMA,
/// CONFIG_MIGRATION, CONFIG_COMPACTION and CONFIG_SWAP on. Config groups left out on purpose (ReclaimFast does
/// not emulate them): CONFIG_NUMA_BALANCING (numa_pte_updates …), CONFIG_HUGETLB_PAGE events
/// (htlb_buddy_alloc_*), CONFIG_TRANSPARENT_HUGEPAGE (thp_*), CONFIG_MEMORY_BALLOON (balloon_*),
/// CONFIG_DEBUG_TLBFLUSH (nr_tlb_*) and CONFIG_DEBUG_VM_VMACACHE (vmacache_*). Per-zone groups keep the kernel's
/// DMA, DMA32, NORMAL, MOVABLE order (no HIGHMEM).
/// </summary>
/// <remarks>
/// The kernel keeps these per cpu (<c>vm_event_states</c>) and sums them when read; ReclaimFast keeps one
/// per-machine array (the sum is what every reader sees anyway, and emulated CPUs are not host threads).
/// </remarks>
public enum VmEventItem
{
    /// <summary>PGPGIN (sectors; /proc/vmstat prints it /2).</summary>
    Pgpgin,
    /// <summary>PGPGOUT (sectors; printed /2).</summary>
    Pgpgout,
    /// <summary>PSWPIN.</summary>
    Pswpin,
    /// <summary>PSWPOUT.</summary>
    Pswpout,
    /// <summary>PGALLOC_DMA.</summary>
    PgallocDma,
    /// <summary>PGALLOC_DMA32.</summary>
    PgallocDma32,
    /// <summary>PGALLOC_NORMAL.</summary>
    PgallocNormal,
    /// <summary>PGALLOC_MOVABLE.</summary>
    PgallocMovable,
    /// <summary>ALLOCSTALL_DMA.</summary>
    AllocstallDma,
    /// <summary>ALLOCSTALL_DMA32.</summary>
    AllocstallDma32,
    /// <summary>ALLOCSTALL_NORMAL.</summary>
    AllocstallNormal,
    /// <summary>ALLOCSTALL_MOVABLE.</summary>
    AllocstallMovable,
    /// <summary>PGSKIP_DMA.</summary>
    PgskipDma,
    /// <summary>PGSKIP_DMA32.</summary>
    PgskipDma32,
    /// <summary>PGSKIP_NORMAL.</summary>
    PgskipNormal,
    /// <summary>PGSKIP_MOVABLE.</summary>
    PgskipMovable,
    /// <summary>PGFREE.</summary>
    Pgfree,
    /// <summary>PGACTIVATE.</summary>
    Pgactivate,
    /// <summary>PGDEACTIVATE.</summary>
    Pgdeactivate,
    /// <summary>PGLAZYFREE.</summary>
    Pglazyfree,
    /// <summary>PGFAULT.</summary>
    Pgfault,
    /// <summary>PGMAJFAULT.</summary>
    Pgmajfault,
    /// <summary>PGLAZYFREED.</summary>
    Pglazyfreed,
    /// <summary>PGREFILL.</summary>
    Pgrefill,
    /// <summary>PGSTEAL_KSWAPD.</summary>
    PgstealKswapd,
    /// <summary>PGSTEAL_DIRECT.</summary>
    PgstealDirect,
    /// <summary>PGSCAN_KSWAPD.</summary>
    PgscanKswapd,
    /// <summary>PGSCAN_DIRECT.</summary>
    PgscanDirect,
    /// <summary>PGSCAN_DIRECT_THROTTLE.</summary>
    PgscanDirectThrottle,
    /// <summary>PGSCAN_ZONE_RECLAIM_FAILED ("zone_reclaim_failed", CONFIG_NUMA).</summary>
    PgscanZoneReclaimFailed,
    /// <summary>PGINODESTEAL.</summary>
    Pginodesteal,
    /// <summary>SLABS_SCANNED.</summary>
    SlabsScanned,
    /// <summary>KSWAPD_INODESTEAL.</summary>
    KswapdInodesteal,
    /// <summary>KSWAPD_LOW_WMARK_HIT_QUICKLY.</summary>
    KswapdLowWmarkHitQuickly,
    /// <summary>KSWAPD_HIGH_WMARK_HIT_QUICKLY.</summary>
    KswapdHighWmarkHitQuickly,
    /// <summary>PAGEOUTRUN.</summary>
    Pageoutrun,
    /// <summary>PGROTATED.</summary>
    Pgrotated,
    /// <summary>DROP_PAGECACHE.</summary>
    DropPagecache,
    /// <summary>DROP_SLAB.</summary>
    DropSlab,
    /// <summary>OOM_KILL.</summary>
    OomKill,
    /// <summary>PGMIGRATE_SUCCESS.</summary>
    PgmigrateSuccess,
    /// <summary>PGMIGRATE_FAIL.</summary>
    PgmigrateFail,
    /// <summary>COMPACTMIGRATE_SCANNED.</summary>
    CompactMigrateScanned,
    /// <summary>COMPACTFREE_SCANNED.</summary>
    CompactFreeScanned,
    /// <summary>COMPACTISOLATED.</summary>
    CompactIsolated,
    /// <summary>COMPACTSTALL.</summary>
    CompactStall,
    /// <summary>COMPACTFAIL.</summary>
    CompactFail,
    /// <summary>COMPACTSUCCESS.</summary>
    CompactSuccess,
    /// <summary>KCOMPACTD_WAKE.</summary>
    KcompactdWake,
    /// <summary>KCOMPACTD_MIGRATE_SCANNED.</summary>
    KcompactdMigrateScanned,
    /// <summary>KCOMPACTD_FREE_SCANNED.</summary>
    KcompactdFreeScanned,
    /// <summary>UNEVICTABLE_PGCULLED.</summary>
    UnevictablePgculled,
    /// <summary>UNEVICTABLE_PGSCANNED.</summary>
    UnevictablePgscanned,
    /// <summary>UNEVICTABLE_PGRESCUED.</summary>
    UnevictablePgrescued,
    /// <summary>UNEVICTABLE_PGMLOCKED.</summary>
    UnevictablePgmlocked,
    /// <summary>UNEVICTABLE_PGMUNLOCKED.</summary>
    UnevictablePgmunlocked,
    /// <summary>UNEVICTABLE_PGCLEARED.</summary>
    UnevictablePgcleared,
    /// <summary>UNEVICTABLE_PGSTRANDED.</summary>
    UnevictablePgstranded,
    /// <summary>SWAP_RA (CONFIG_SWAP).</summary>
    SwapRa,
    /// <summary>SWAP_RA_HIT.</summary>
    SwapRaHit,
}

/// <summary>Item count and the <c>vmstat_text[]</c> names (mm/vmstat.c) of <see cref="VmEventItem"/>, in order.</summary>
public static class VmEvent
{
    /// <summary>NR_VM_EVENT_ITEMS.</summary>
    public const int NrVmEventItems = (int)VmEventItem.SwapRaHit + 1;

    /// <summary>The vmstat_text names of the events, indexed by <see cref="VmEventItem"/>.</summary>
    public static ImmutableArray<string> Text { get; } =
    [
        "pgpgin",
        "pgpgout",
        "pswpin",
        "pswpout",
        "pgalloc_dma",
        "pgalloc_dma32",
        "pgalloc_normal",
        "pgalloc_movable",
        "allocstall_dma",
        "allocstall_dma32",
        "allocstall_normal",
        "allocstall_movable",
        "pgskip_dma",
        "pgskip_dma32",
        "pgskip_normal",
        "pgskip_movable",
        "pgfree",
        "pgactivate",
        "pgdeactivate",
        "pglazyfree",
        "pgfault",
        "pgmajfault",
        "pglazyfreed",
        "pgrefill",
        "pgsteal_kswapd",
        "pgsteal_direct",
        "pgscan_kswapd",
        "pgscan_direct",
        "pgscan_direct_throttle",
        "zone_reclaim_failed",
        "pginodesteal",
        "slabs_scanned",
        "kswapd_inodesteal",
        "kswapd_low_wmark_hit_quickly",
        "kswapd_high_wmark_hit_quickly",
        "pageoutrun",
        "pgrotated",
        "drop_pagecache",
        "drop_slab",
        "oom_kill",
        "pgmigrate_success",
        "pgmigrate_fail",
        "compact_migrate_scanned",
        "compact_free_scanned",
        "compact_isolated",
        "compact_stall",
        "compact_fail",
        "compact_success",
        "compact_daemon_wake",
        "compact_daemon_migrate_scanned",
        "compact_daemon_free_scanned",
        "unevictable_pgs_culled",
        "unevictable_pgs_scanned",
        "unevictable_pgs_rescued",
        "unevictable_pgs_mlocked",
        "unevictable_pgs_munlocked",
        "unevictable_pgs_cleared",
        "unevictable_pgs_stranded",
        "swap_ra",
        "swap_ra_hit",
    ];
}
