using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.PageAlloc;

/// <summary>Mirrors <c>enum zone_type</c> (include/linux/mmzone.h) for x86-64 without HIGHMEM and ZONE_DEVICE.</summary>
public enum ZoneType
{
    /// <summary>ZONE_DMA: below 16 MiB on x86-64.</summary>
    Dma = 0,
    /// <summary>ZONE_DMA32: below 4 GiB on x86-64.</summary>
    Dma32 = 1,
    /// <summary>ZONE_NORMAL.</summary>
    Normal = 2,
    /// <summary>ZONE_MOVABLE.</summary>
    Movable = 3,
}

/// <summary>
/// Mirrors <c>enum migratetype</c> (mmzone.h) with CONFIG_MEMORY_ISOLATION on and CONFIG_CMA off (so there is no
/// MIGRATE_CMA and MIGRATE_ISOLATE is 4).
/// </summary>
public enum MigrateType
{
    /// <summary>MIGRATE_UNMOVABLE.</summary>
    Unmovable = 0,
    /// <summary>MIGRATE_MOVABLE.</summary>
    Movable = 1,
    /// <summary>MIGRATE_RECLAIMABLE.</summary>
    Reclaimable = 2,
    /// <summary>MIGRATE_HIGHATOMIC (= MIGRATE_PCPTYPES).</summary>
    HighAtomic = 3,
    /// <summary>MIGRATE_ISOLATE: can't allocate from here.</summary>
    Isolate = 4,
}

/// <summary>Constants and small helpers of include/linux/mmzone.h and pageblock-flags.h.</summary>
public static unsafe class MmZone
{
    /// <summary>MAX_ORDER: orders 0..10.</summary>
    public const int MaxOrder = 11;
    /// <summary>MAX_ORDER_NR_PAGES.</summary>
    public const int MaxOrderNrPages = 1 << (MaxOrder - 1);
    /// <summary>PAGE_ALLOC_COSTLY_ORDER.</summary>
    public const int PageAllocCostlyOrder = 3;
    /// <summary>MAX_NR_ZONES (DMA, DMA32, NORMAL, MOVABLE).</summary>
    public const int MaxNrZones = 4;
    /// <summary>MIGRATE_PCPTYPES: the types kept on per-cpu lists.</summary>
    public const int MigratePcptypes = 3;
    /// <summary>MIGRATE_TYPES (CMA off, ISOLATE on).</summary>
    public const int MigrateTypes = 5;
    /// <summary>pageblock_order = HUGETLB_PAGE_ORDER (x86-64, CONFIG_HUGETLB_PAGE).</summary>
    public const int PageblockOrder = 9;
    /// <summary>pageblock_nr_pages.</summary>
    public const int PageblockNrPages = 1 << PageblockOrder;
    /// <summary>NR_PAGEBLOCK_BITS: 3 migratetype bits and the compaction skip bit.</summary>
    public const int NrPageblockBits = 4;
    /// <summary>PB_migrate_end: last bit of the migratetype field.</summary>
    public const int PbMigrateEnd = 2;
    /// <summary>PB_migrate_skip.</summary>
    public const int PbMigrateSkip = 3;
    /// <summary>MIGRATETYPE_MASK.</summary>
    public const ulong MigratetypeMask = 0x7;
    /// <summary>MAX_NUMNODES (NODES_SHIFT 6).</summary>
    public const int MaxNumNodes = 1 << PageOps.NodesShift;
    /// <summary>MAX_ZONES_PER_ZONELIST.</summary>
    public const int MaxZonesPerZonelist = MaxNumNodes * MaxNrZones;
    /// <summary>ZONELIST_FALLBACK.</summary>
    public const int ZonelistFallback = 0;
    /// <summary>ZONELIST_NOFALLBACK (__GFP_THISNODE).</summary>
    public const int ZonelistNofallback = 1;
    /// <summary>MAX_ZONELISTS.</summary>
    public const int MaxZonelists = 2;
    /// <summary>WMARK_MIN.</summary>
    public const int WmarkMin = 0;
    /// <summary>WMARK_LOW.</summary>
    public const int WmarkLow = 1;
    /// <summary>WMARK_HIGH.</summary>
    public const int WmarkHigh = 2;
    /// <summary>NR_WMARK.</summary>
    public const int NrWmark = 3;
    /// <summary>ZONE_BOOSTED_WATERMARK bit of <see cref="Zone.Flags"/>.</summary>
    public const int ZoneBoostedWatermark = 0;
    /// <summary>PGDAT_CONGESTED bit of <see cref="PglistData.Flags"/>.</summary>
    public const int PgdatCongested = 0;
    /// <summary>PGDAT_DIRTY.</summary>
    public const int PgdatDirty = 1;
    /// <summary>PGDAT_WRITEBACK.</summary>
    public const int PgdatWriteback = 2;
    /// <summary>PGDAT_RECLAIM_LOCKED.</summary>
    public const int PgdatReclaimLocked = 3;
    /// <summary>MAX_RECLAIM_RETRIES (mm/internal.h).</summary>
    public const int MaxReclaimRetries = 16;
    /// <summary>LOCAL_DISTANCE (include/linux/topology.h).</summary>
    public const int LocalDistance = 10;
    /// <summary>REMOTE_DISTANCE.</summary>
    public const int RemoteDistance = 20;
    /// <summary>RECLAIM_DISTANCE: node_reclaim_distance default (x86-64).</summary>
    public const int ReclaimDistance = 30;

    /// <summary><c>zone_names[]</c> (mm/page_alloc.c).</summary>
    public static string ZoneName(int zoneIdx) => zoneIdx switch
    {
        0 => "DMA",
        1 => "DMA32",
        2 => "Normal",
        3 => "Movable",
        _ => throw new System.ArgumentOutOfRangeException(nameof(zoneIdx)),
    };

    /// <summary><c>migratetype_names[]</c> (mm/page_alloc.c), CMA off.</summary>
    public static string MigratetypeName(int mt) => mt switch
    {
        0 => "Unmovable",
        1 => "Movable",
        2 => "Reclaimable",
        3 => "HighAtomic",
        4 => "Isolate",
        _ => throw new System.ArgumentOutOfRangeException(nameof(mt)),
    };

    /// <summary><c>min_wmark_pages</c>: _watermark[WMARK_MIN] + watermark_boost.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MinWmarkPages(Zone* z) => z->Watermark[WmarkMin] + z->WatermarkBoost;

    /// <summary><c>low_wmark_pages</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong LowWmarkPages(Zone* z) => z->Watermark[WmarkLow] + z->WatermarkBoost;

    /// <summary><c>high_wmark_pages</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HighWmarkPages(Zone* z) => z->Watermark[WmarkHigh] + z->WatermarkBoost;

    /// <summary><c>wmark_pages(z, i)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong WmarkPages(Zone* z, int i) => z->Watermark[i] + z->WatermarkBoost;

    /// <summary><c>zone_end_pfn</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ZoneEndPfn(Zone* z) => z->ZoneStartPfn + z->SpannedPages;

    /// <summary><c>zone_spans_pfn</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ZoneSpansPfn(Zone* z, ulong pfn) => z->ZoneStartPfn <= pfn && pfn < ZoneEndPfn(z);

    /// <summary><c>populated_zone</c>: the zone has present pages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PopulatedZone(Zone* z) => z->PresentPages != 0;

    /// <summary><c>managed_zone</c>: the zone has pages managed by the buddy allocator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ManagedZone(Zone* z) => z->ManagedPages != 0;

    /// <summary><c>zone_idx(zone)</c>: index in its node's <c>node_zones</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ZoneIdx(Zone* z) => (int)(z - PglistData.NodeZone(z->ZonePgdat, 0));

    /// <summary><c>zone_to_nid</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ZoneToNid(Zone* z) => z->Node;

    /// <summary><c>pgdat_end_pfn</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PgdatEndPfn(PglistData* pgdat) => pgdat->NodeStartPfn + pgdat->NodeSpannedPages;

    /// <summary><c>is_migrate_isolate</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsMigrateIsolate(int mt) => mt == (int)MigrateType.Isolate;

    /// <summary><c>is_migrate_highatomic</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsMigrateHighatomic(int mt) => mt == (int)MigrateType.HighAtomic;
}

/// <summary>The <c>free_list[MIGRATE_TYPES]</c> array of a <see cref="FreeArea"/>.</summary>
[InlineArray(MmZone.MigrateTypes)]
public struct FreeListArray
{
    private ListHead _element0;
}

/// <summary>
/// Mirrors <c>struct free_area</c> (mmzone.h): one list of free buddy blocks per migratetype for one order, and the
/// number of blocks on all of them (<c>nr_free</c> counts blocks, not pages).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct FreeArea
{
    /// <summary><c>free_list[]</c>: heads of the free blocks (their <c>lru</c>), by migratetype.</summary>
    public FreeListArray FreeList;

    /// <summary><c>nr_free</c>: blocks on all lists of this order.</summary>
    public ulong NrFree;

    /// <summary><c>&amp;area->free_list[mt]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListHead* List(FreeArea* area, int mt) => (ListHead*)&area->FreeList + mt;

    /// <summary><c>free_area_empty</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Empty(FreeArea* area, int mt) => ListHead.Empty(List(area, mt));
}

/// <summary>The <c>free_area[MAX_ORDER]</c> array of a <see cref="Zone"/>.</summary>
[InlineArray(MmZone.MaxOrder)]
public struct FreeAreaArray
{
    private FreeArea _element0;
}

/// <summary>The <c>lists[MIGRATE_PCPTYPES]</c> array of <see cref="PerCpuPages"/>.</summary>
[InlineArray(MmZone.MigratePcptypes)]
public struct PcpListArray
{
    private ListHead _element0;
}

/// <summary>
/// Mirrors <c>struct per_cpu_pages</c> (mmzone.h): order-0 pages cached per CPU and zone, one list per pcp
/// migratetype. 64 bytes, as in the kernel.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PerCpuPages
{
    /// <summary><c>count</c>: pages on all lists.</summary>
    public int Count;
    /// <summary><c>high</c>: when <c>count</c> reaches it, <c>batch</c> pages go back to the buddy lists.</summary>
    public int High;
    /// <summary><c>batch</c>: chunk size for buddy add/remove.</summary>
    public int Batch;
    /// <summary><c>lists[]</c>, by migratetype (UNMOVABLE, MOVABLE, RECLAIMABLE).</summary>
    public PcpListArray Lists;

    /// <summary><c>&amp;pcp->lists[mt]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListHead* List(PerCpuPages* pcp, int mt) => (ListHead*)&pcp->Lists + mt;
}

/// <summary>
/// Mirrors <c>struct per_cpu_pageset</c> (mmzone.h). The kernel's per-cpu vmstat differentials
/// (<c>vm_stat_diff</c>, <c>vm_numa_stat_diff</c>, <c>expire</c>) are not kept: ReclaimFast updates the zone
/// counters exactly (no per-cpu drift), so only <c>stat_threshold</c> survives, for /proc/zoneinfo.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
public struct PerCpuPageset
{
    /// <summary><c>pcp</c>.</summary>
    [FieldOffset(0)] public PerCpuPages Pcp;
    /// <summary><c>stat_threshold</c> (calculate_normal_threshold).</summary>
    [FieldOffset(64)] public sbyte StatThreshold;
}

/// <summary>
/// Mirrors <c>struct zone</c> (mmzone.h): watermarks, reserves, the buddy free areas, per-cpu pagesets and the
/// zone counters. Native, inside its node's <see cref="PglistData"/>. The zone name is not stored (no managed
/// reference in native memory): <see cref="MmZone.ZoneName"/> gives it by zone index.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Zone
{
    /// <summary><c>_watermark[NR_WMARK]</c>: read through <see cref="MmZone.MinWmarkPages"/> etc. (they add the boost).</summary>
    public fixed ulong Watermark[MmZone.NrWmark];
    /// <summary><c>watermark_boost</c>.</summary>
    public ulong WatermarkBoost;
    /// <summary><c>nr_reserved_highatomic</c>.</summary>
    public ulong NrReservedHighatomic;
    /// <summary><c>lowmem_reserve[MAX_NR_ZONES]</c>: pages kept back from allocations whose classzone is the index.</summary>
    public fixed long LowmemReserve[MmZone.MaxNrZones];
    /// <summary><c>node</c> (CONFIG_NUMA).</summary>
    public int Node;
    /// <summary><c>zone_pgdat</c>.</summary>
    public PglistData* ZonePgdat;
    /// <summary><c>pageset</c>: one <see cref="PerCpuPageset"/> per emulated CPU (null for unpopulated zones).</summary>
    public PerCpuPageset* Pageset;
    /// <summary><c>zone_start_pfn</c>.</summary>
    public ulong ZoneStartPfn;
    /// <summary><c>managed_pages</c>: present pages handed to the buddy allocator.</summary>
    public ulong ManagedPages;
    /// <summary><c>spanned_pages</c>: end − start, holes included.</summary>
    public ulong SpannedPages;
    /// <summary><c>present_pages</c>: spanned − holes.</summary>
    public ulong PresentPages;
    /// <summary><c>nr_isolate_pageblock</c> (CONFIG_MEMORY_ISOLATION).</summary>
    public ulong NrIsolatePageblock;
    /// <summary><c>initialized</c>.</summary>
    public int Initialized;
    /// <summary><c>free_area[MAX_ORDER]</c>.</summary>
    public FreeAreaArray FreeArea;
    /// <summary><c>flags</c> (ZONE_BOOSTED_WATERMARK).</summary>
    public ulong Flags;
    /// <summary><c>percpu_drift_mark</c> (kept for fidelity; ReclaimFast counters do not drift).</summary>
    public ulong PercpuDriftMark;
    /// <summary><c>compact_cached_free_pfn</c>.</summary>
    public ulong CompactCachedFreePfn;
    /// <summary><c>compact_cached_migrate_pfn[2]</c>.</summary>
    public fixed ulong CompactCachedMigratePfn[2];
    /// <summary><c>compact_init_migrate_pfn</c>.</summary>
    public ulong CompactInitMigratePfn;
    /// <summary><c>compact_init_free_pfn</c>.</summary>
    public ulong CompactInitFreePfn;
    /// <summary><c>compact_considered</c>.</summary>
    public uint CompactConsidered;
    /// <summary><c>compact_defer_shift</c>.</summary>
    public uint CompactDeferShift;
    /// <summary><c>compact_order_failed</c>.</summary>
    public int CompactOrderFailed;
    /// <summary><c>compact_blockskip_flush</c>.</summary>
    public bool CompactBlockskipFlush;
    /// <summary><c>contiguous</c>.</summary>
    public bool Contiguous;
    /// <summary><c>vm_stat[NR_VM_ZONE_STAT_ITEMS]</c>, indexed by <see cref="ZoneStatItem"/>.</summary>
    public fixed long VmStat[PageAlloc.VmStat.NrVmZoneStatItems];
    /// <summary><c>vm_numa_stat[NR_VM_NUMA_STAT_ITEMS]</c>, indexed by <see cref="NumaStatItem"/>.</summary>
    public fixed long VmNumaStat[PageAlloc.VmStat.NrVmNumaStatItems];

    /// <summary><c>&amp;zone->free_area[order]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FreeArea* Area(Zone* zone, int order) => (FreeArea*)&zone->FreeArea + order;
}

/// <summary>Mirrors <c>struct zoneref</c> (mmzone.h): a zone and its index, so walks need not dereference the zone.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Zoneref
{
    /// <summary><c>zone</c>: null terminates a zonelist.</summary>
    public Zone* Zone;
    /// <summary><c>zone_idx</c>.</summary>
    public int ZoneIdx;
}

/// <summary>The <c>_zonerefs[MAX_ZONES_PER_ZONELIST + 1]</c> array of a <see cref="Zonelist"/>.</summary>
[InlineArray(MmZone.MaxZonesPerZonelist + 1)]
public struct ZonerefArray
{
    private Zoneref _element0;
}

/// <summary>Mirrors <c>struct zonelist</c> (mmzone.h): zones in fallback order, terminated by a null zone.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Zonelist
{
    /// <summary><c>_zonerefs</c>.</summary>
    public ZonerefArray Zonerefs;

    /// <summary><c>&amp;zonelist->_zonerefs[0]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Zoneref* First(Zonelist* zonelist) => (Zoneref*)&zonelist->Zonerefs;
}

/// <summary>The <c>node_zones[MAX_NR_ZONES]</c> array of a <see cref="PglistData"/>.</summary>
[InlineArray(MmZone.MaxNrZones)]
public struct ZoneArray
{
    private Zone _element0;
}

/// <summary>The <c>node_zonelists[MAX_ZONELISTS]</c> array of a <see cref="PglistData"/>.</summary>
[InlineArray(MmZone.MaxZonelists)]
public struct ZonelistArray
{
    private Zonelist _element0;
}

/// <summary>
/// Mirrors <c>pg_data_t</c> / <c>struct pglist_data</c> (mmzone.h): one per NUMA node, holding its zones, its
/// zonelists, the node counters and (from later issues) the kswapd state and the node lruvec.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PglistData
{
    /// <summary><c>node_zones[]</c>.</summary>
    public ZoneArray NodeZones;
    /// <summary><c>node_zonelists[]</c>: [ZONELIST_FALLBACK] all nodes by distance, [ZONELIST_NOFALLBACK] this node only.</summary>
    public ZonelistArray NodeZonelists;
    /// <summary><c>nr_zones</c>: highest initialised zone index + 1.</summary>
    public int NrZones;
    /// <summary><c>node_start_pfn</c>.</summary>
    public ulong NodeStartPfn;
    /// <summary><c>node_present_pages</c>.</summary>
    public ulong NodePresentPages;
    /// <summary><c>node_spanned_pages</c>.</summary>
    public ulong NodeSpannedPages;
    /// <summary><c>node_id</c>.</summary>
    public int NodeId;
    /// <summary><c>kswapd_order</c> (kswapd issue).</summary>
    public int KswapdOrder;
    /// <summary><c>kswapd_classzone_idx</c> (kswapd issue).</summary>
    public int KswapdClasszoneIdx;
    /// <summary><c>kswapd_failures</c>: number of 'reclaimed == 0' runs.</summary>
    public int KswapdFailures;
    /// <summary><c>kcompactd_max_order</c> (compaction issue).</summary>
    public int KcompactdMaxOrder;
    /// <summary><c>kcompactd_classzone_idx</c> (compaction issue).</summary>
    public int KcompactdClasszoneIdx;
    /// <summary><c>totalreserve_pages</c>: per-node reserve not available to userspace allocations.</summary>
    public ulong TotalreservePages;
    /// <summary><c>min_unmapped_pages</c> (CONFIG_NUMA): node reclaim becomes active above this.</summary>
    public ulong MinUnmappedPages;
    /// <summary><c>min_slab_pages</c> (CONFIG_NUMA).</summary>
    public ulong MinSlabPages;
    /// <summary><c>lruvec</c>: the node's LRU lists (between min_slab_pages and flags, as in v5.4).</summary>
    public Lruvec Lruvec;
    /// <summary><c>flags</c> (PGDAT_CONGESTED, PGDAT_DIRTY, PGDAT_WRITEBACK, PGDAT_RECLAIM_LOCKED).</summary>
    public ulong Flags;
    /// <summary><c>vm_stat[NR_VM_NODE_STAT_ITEMS]</c>, indexed by <see cref="NodeStatItem"/>.</summary>
    public fixed long VmStat[PageAlloc.VmStat.NrVmNodeStatItems];

    /// <summary><c>&amp;pgdat->node_zones[idx]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Zone* NodeZone(PglistData* pgdat, int idx) => (Zone*)&pgdat->NodeZones + idx;

    /// <summary><c>&amp;pgdat->node_zonelists[idx]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Zonelist* NodeZonelist(PglistData* pgdat, int idx) => (Zonelist*)&pgdat->NodeZonelists + idx;
}

/// <summary>Mirrors <c>nodemask_t</c> for MAX_NUMNODES = 64: one bit per node.</summary>
public struct NodeMask
{
    /// <summary>The node bits.</summary>
    public ulong Bits;

    /// <summary><c>node_isset</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool IsSet(int nid) => (Bits & (1UL << nid)) != 0;

    /// <summary><c>node_set</c>.</summary>
    public void Set(int nid) => Bits |= 1UL << nid;
}
