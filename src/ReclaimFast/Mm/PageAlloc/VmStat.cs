using System.Collections.Immutable;

namespace ReclaimFast.Mm.PageAlloc;

/// <summary>
/// Mirrors <c>enum zone_stat_item</c> (v5.4 include/linux/mmzone.h) with CONFIG_ZSMALLOC off (no NR_ZSPAGES).
/// Per-zone counters live in <see cref="Zone.VmStat"/>.
/// </summary>
public enum ZoneStatItem
{
    /// <summary>NR_FREE_PAGES.</summary>
    NrFreePages,
    /// <summary>NR_ZONE_INACTIVE_ANON (= NR_ZONE_LRU_BASE).</summary>
    NrZoneInactiveAnon,
    /// <summary>NR_ZONE_ACTIVE_ANON.</summary>
    NrZoneActiveAnon,
    /// <summary>NR_ZONE_INACTIVE_FILE.</summary>
    NrZoneInactiveFile,
    /// <summary>NR_ZONE_ACTIVE_FILE.</summary>
    NrZoneActiveFile,
    /// <summary>NR_ZONE_UNEVICTABLE.</summary>
    NrZoneUnevictable,
    /// <summary>NR_ZONE_WRITE_PENDING: dirty, writeback and unstable pages.</summary>
    NrZoneWritePending,
    /// <summary>NR_MLOCK.</summary>
    NrMlock,
    /// <summary>NR_PAGETABLE.</summary>
    NrPagetable,
    /// <summary>NR_KERNEL_STACK_KB (in KiB).</summary>
    NrKernelStackKb,
    /// <summary>NR_BOUNCE.</summary>
    NrBounce,
    /// <summary>NR_FREE_CMA_PAGES (always 0: CMA off).</summary>
    NrFreeCmaPages,
}

/// <summary>Mirrors <c>enum numa_stat_item</c> (mmzone.h, CONFIG_NUMA); per zone in <see cref="Zone.VmNumaStat"/>.</summary>
public enum NumaStatItem
{
    /// <summary>NUMA_HIT: allocated in the intended node.</summary>
    NumaHit,
    /// <summary>NUMA_MISS: allocated in a non-intended node.</summary>
    NumaMiss,
    /// <summary>NUMA_FOREIGN: was intended here, hit elsewhere.</summary>
    NumaForeign,
    /// <summary>NUMA_INTERLEAVE_HIT (no mempolicies in ReclaimFast: stays 0).</summary>
    NumaInterleaveHit,
    /// <summary>NUMA_LOCAL: allocation from the local node.</summary>
    NumaLocal,
    /// <summary>NUMA_OTHER: allocation from another node.</summary>
    NumaOther,
}

/// <summary>Mirrors <c>enum node_stat_item</c> (v5.4 mmzone.h); per node in <see cref="PglistData.VmStat"/>.</summary>
public enum NodeStatItem
{
    /// <summary>NR_INACTIVE_ANON (= NR_LRU_BASE).</summary>
    NrInactiveAnon,
    /// <summary>NR_ACTIVE_ANON.</summary>
    NrActiveAnon,
    /// <summary>NR_INACTIVE_FILE.</summary>
    NrInactiveFile,
    /// <summary>NR_ACTIVE_FILE.</summary>
    NrActiveFile,
    /// <summary>NR_UNEVICTABLE.</summary>
    NrUnevictable,
    /// <summary>NR_SLAB_RECLAIMABLE.</summary>
    NrSlabReclaimable,
    /// <summary>NR_SLAB_UNRECLAIMABLE.</summary>
    NrSlabUnreclaimable,
    /// <summary>NR_ISOLATED_ANON.</summary>
    NrIsolatedAnon,
    /// <summary>NR_ISOLATED_FILE.</summary>
    NrIsolatedFile,
    /// <summary>WORKINGSET_NODES.</summary>
    WorkingsetNodes,
    /// <summary>WORKINGSET_REFAULT.</summary>
    WorkingsetRefault,
    /// <summary>WORKINGSET_ACTIVATE.</summary>
    WorkingsetActivate,
    /// <summary>WORKINGSET_RESTORE.</summary>
    WorkingsetRestore,
    /// <summary>WORKINGSET_NODERECLAIM.</summary>
    WorkingsetNodereclaim,
    /// <summary>NR_ANON_MAPPED ("nr_anon_pages").</summary>
    NrAnonMapped,
    /// <summary>NR_FILE_MAPPED ("nr_mapped").</summary>
    NrFileMapped,
    /// <summary>NR_FILE_PAGES.</summary>
    NrFilePages,
    /// <summary>NR_FILE_DIRTY ("nr_dirty").</summary>
    NrFileDirty,
    /// <summary>NR_WRITEBACK.</summary>
    NrWriteback,
    /// <summary>NR_WRITEBACK_TEMP.</summary>
    NrWritebackTemp,
    /// <summary>NR_SHMEM.</summary>
    NrShmem,
    /// <summary>NR_SHMEM_THPS ("nr_shmem_hugepages").</summary>
    NrShmemThps,
    /// <summary>NR_SHMEM_PMDMAPPED.</summary>
    NrShmemPmdmapped,
    /// <summary>NR_FILE_THPS ("nr_file_hugepages").</summary>
    NrFileThps,
    /// <summary>NR_FILE_PMDMAPPED.</summary>
    NrFilePmdmapped,
    /// <summary>NR_ANON_THPS ("nr_anon_transparent_hugepages").</summary>
    NrAnonThps,
    /// <summary>NR_UNSTABLE_NFS ("nr_unstable").</summary>
    NrUnstableNfs,
    /// <summary>NR_VMSCAN_WRITE.</summary>
    NrVmscanWrite,
    /// <summary>NR_VMSCAN_IMMEDIATE ("nr_vmscan_immediate_reclaim").</summary>
    NrVmscanImmediate,
    /// <summary>NR_DIRTIED.</summary>
    NrDirtied,
    /// <summary>NR_WRITTEN.</summary>
    NrWritten,
    /// <summary>NR_KERNEL_MISC_RECLAIMABLE.</summary>
    NrKernelMiscReclaimable,
}

/// <summary>
/// Item counts and the <c>vmstat_text[]</c> names (mm/vmstat.c) of the zone, NUMA and node counters, in the
/// kernel's order. Counters are exact in ReclaimFast: there are no per-cpu differentials, so the kernel's
/// <c>zone_page_state</c> and <c>zone_page_state_snapshot</c> read the same value.
/// </summary>
public static class VmStat
{
    /// <summary>NR_VM_ZONE_STAT_ITEMS.</summary>
    public const int NrVmZoneStatItems = 12;
    /// <summary>NR_VM_NUMA_STAT_ITEMS.</summary>
    public const int NrVmNumaStatItems = 6;
    /// <summary>NR_VM_NODE_STAT_ITEMS.</summary>
    public const int NrVmNodeStatItems = 32;

    /// <summary>vmstat_text names of <see cref="ZoneStatItem"/>.</summary>
    public static ImmutableArray<string> ZoneStatText { get; } =
    [
        "nr_free_pages",
        "nr_zone_inactive_anon",
        "nr_zone_active_anon",
        "nr_zone_inactive_file",
        "nr_zone_active_file",
        "nr_zone_unevictable",
        "nr_zone_write_pending",
        "nr_mlock",
        "nr_page_table_pages",
        "nr_kernel_stack",
        "nr_bounce",
        "nr_free_cma",
    ];

    /// <summary>vmstat_text names of <see cref="NumaStatItem"/>.</summary>
    public static ImmutableArray<string> NumaStatText { get; } =
    [
        "numa_hit",
        "numa_miss",
        "numa_foreign",
        "numa_interleave",
        "numa_local",
        "numa_other",
    ];

    /// <summary>vmstat_text names of <see cref="NodeStatItem"/>.</summary>
    public static ImmutableArray<string> NodeStatText { get; } =
    [
        "nr_inactive_anon",
        "nr_active_anon",
        "nr_inactive_file",
        "nr_active_file",
        "nr_unevictable",
        "nr_slab_reclaimable",
        "nr_slab_unreclaimable",
        "nr_isolated_anon",
        "nr_isolated_file",
        "workingset_nodes",
        "workingset_refault",
        "workingset_activate",
        "workingset_restore",
        "workingset_nodereclaim",
        "nr_anon_pages",
        "nr_mapped",
        "nr_file_pages",
        "nr_dirty",
        "nr_writeback",
        "nr_writeback_temp",
        "nr_shmem",
        "nr_shmem_hugepages",
        "nr_shmem_pmdmapped",
        "nr_file_hugepages",
        "nr_file_pmdmapped",
        "nr_anon_transparent_hugepages",
        "nr_unstable",
        "nr_vmscan_write",
        "nr_vmscan_immediate_reclaim",
        "nr_dirtied",
        "nr_written",
        "nr_kernel_misc_reclaimable",
    ];
}
