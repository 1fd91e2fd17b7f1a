using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast.Mm.Memcontrol;

/// <summary>The cgroup v2 memory knobs the scenario runner sets (bytes; <see cref="ulong.MaxValue"/> = "max").</summary>
public enum MemcgKnob
{
    /// <summary>memory.max (<c>memory_max_write</c>).</summary>
    Max,
    /// <summary>memory.high (<c>memory_high_write</c>).</summary>
    High,
    /// <summary>memory.low (<c>memory_low_write</c>).</summary>
    Low,
    /// <summary>memory.min (<c>memory_min_write</c>).</summary>
    Min,
    /// <summary>memory.swap.max (<c>swap_max_write</c>).</summary>
    SwapMax,
    /// <summary>The v1 soft limit (<c>memory.soft_limit_in_bytes</c>).</summary>
    SoftLimit,
}

/// <summary>Mirrors <c>enum memcg_memory_event</c> (include/linux/memcontrol.h, 5.4): the memory.events items.</summary>
public enum MemcgEventItem
{
    /// <summary>MEMCG_LOW.</summary>
    Low,
    /// <summary>MEMCG_HIGH.</summary>
    High,
    /// <summary>MEMCG_MAX.</summary>
    Max,
    /// <summary>MEMCG_OOM.</summary>
    Oom,
    /// <summary>MEMCG_OOM_KILL.</summary>
    OomKill,
    /// <summary>MEMCG_SWAP_MAX.</summary>
    SwapMax,
    /// <summary>MEMCG_SWAP_FAIL.</summary>
    SwapFail,
}

/// <summary>
/// The memcg-only stat items of <c>enum memcg_stat_item</c> (MEMCG_CACHE, MEMCG_RSS, MEMCG_RSS_HUGE, MEMCG_SWAP) plus
/// NR_SHMEM and NR_FILE_MAPPED kept per memcg (the kernel keeps all node items per memcg; these are the ones the
/// emulator's charge path moves).
/// </summary>
internal enum MemcgStatItem
{
    Cache,
    Rss,
    RssHuge,
    Swap,
    Shmem,
    FileMapped,
    Count,
}

/// <summary>The vm_event items counted per memcg (<c>count_memcg_events</c>) that memory.stat prints.</summary>
internal enum MemcgVmEvent
{
    Pgpgin,
    Pgpgout,
    Pgfault,
    Pgmajfault,
    Pgrefill,
    PgscanKswapd,
    PgscanDirect,
    PgstealKswapd,
    PgstealDirect,
    Pgactivate,
    Pgdeactivate,
    Pglazyfree,
    Pglazyfreed,
    ThpFaultAlloc,
    ThpCollapseAlloc,
    Count,
}

/// <summary>
/// Mirrors <c>struct mem_cgroup_per_node</c> (memcontrol.h, v5.4): the memcg's lruvec on one node (with its
/// lru_zone_size and local stats, kept in <see cref="Lruvec"/>), its node in the soft-limit tree and its excess.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MemCgroupPerNode
{
    /// <summary><c>lruvec</c>.</summary>
    public Lruvec Lruvec;
    /// <summary><c>tree_node</c>: link in the node's soft-limit list (sorted by excess; see Machine.SoftLimit).</summary>
    public ListHead TreeNode;
    /// <summary><c>usage_in_excess</c>: usage − soft_limit when inserted.</summary>
    public long UsageInExcess;
    /// <summary><c>on_tree</c>.</summary>
    public bool OnTree;
    /// <summary><c>congested</c>: set by shrink_node when this group's reclaim met only congested dirty pages.</summary>
    public bool Congested;
    /// <summary><c>shrinker_map</c>: bit i set = shrinker id i may have objects of this memcg on this node.</summary>
    public ulong* ShrinkerMap;
    /// <summary>Bits the map holds (<c>memcg_shrinker_map_size</c> · 8).</summary>
    public int ShrinkerMapBits;
    /// <summary><c>memcg</c>: back pointer.</summary>
    public MemCgroup* Memcg;
}

/// <summary>
/// Mirrors <c>struct mem_cgroup</c> (memcontrol.h, v5.4): the memory and swap page counters, memory.high, the soft
/// limit, the hierarchy (children list walked pre-order by <c>mem_cgroup_iter</c>), the css id, per-node info, local
/// stats and events, memory.events counters and the charge-path event ratelimit. Lives in native memory (a
/// NativePool); the per-node array comes from the NativeHeap.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MemCgroup
{
    /// <summary><c>memory</c>.</summary>
    public PageCounter Memory;
    /// <summary><c>swap</c> (cgroup v2 swap accounting).</summary>
    public PageCounter Swap;
    /// <summary><c>high</c> (pages; PAGE_COUNTER_MAX = "max").</summary>
    public long High;
    /// <summary><c>soft_limit</c> (pages).</summary>
    public long SoftLimit;
    /// <summary><c>swappiness</c> (v1 knob; v2 uses vm_swappiness).</summary>
    public int Swappiness;
    /// <summary><c>id</c> (css id; 1..65535, the root is 0 in shadows as with memcg disabled).</summary>
    public int Id;
    /// <summary><c>css</c> online (false after rmdir: offline, kept while charges remain).</summary>
    public bool Online;
    /// <summary><c>oom_lock</c>: an OOM kill is in progress for this subtree.</summary>
    public bool OomLock;
    /// <summary>Parent (the root memcg for top-level groups; null for the root).</summary>
    public MemCgroup* Parent;
    /// <summary><c>css.sibling</c>.</summary>
    public ListHead Sibling;
    /// <summary><c>css.children</c>.</summary>
    public ListHead Children;
    /// <summary><c>nodeinfo[]</c>: one per node (null for the root, whose lruvec is the node lruvec).</summary>
    public MemCgroupPerNode* Nodeinfo;
    /// <summary>Tasks attached (cgroup.procs count) — keeps the group from being freed.</summary>
    public long NrTasks;
    /// <summary><c>nr_page_events</c> (kernel: per-cpu; one counter here).</summary>
    public long NrPageEvents;
    /// <summary><c>targets[MEM_CGROUP_TARGET_THRESH]</c>.</summary>
    public long TargetThresh;
    /// <summary><c>targets[MEM_CGROUP_TARGET_SOFTLIMIT]</c>.</summary>
    public long TargetSoftlimit;
    /// <summary>Local stat counters (<c>vmstats_local</c>), by <see cref="MemcgStatItem"/>.</summary>
    public fixed long StatLocal[(int)MemcgStatItem.Count];
    /// <summary>Local vm events (<c>vmevents_local</c>), by <see cref="MemcgVmEvent"/>.</summary>
    public fixed long EventsVmLocal[(int)MemcgVmEvent.Count];
    /// <summary><c>memory_events[]</c> (hierarchical: this group and every descendant).</summary>
    public fixed long MemoryEvents[7];
    /// <summary><c>memory_events_local[]</c>.</summary>
    public fixed long MemoryEventsLocal[7];

    /// <summary><c>mem_cgroup_nodeinfo(memcg, nid)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MemCgroupPerNode* NodeInfo(MemCgroup* memcg, int nid) => memcg->Nodeinfo + nid;
}

/// <summary>Mirrors <c>struct memcg_stock_pcp</c>: the per-cpu pre-charged pages of one memcg.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct MemcgStockPcp
{
    /// <summary><c>cached</c>.</summary>
    public MemCgroup* Cached;
    /// <summary><c>nr_pages</c>.</summary>
    public long NrPages;
}

/// <summary>Constants of mm/memcontrol.c (v5.4).</summary>
public static class Memcontrol
{
    /// <summary><c>MEMCG_CHARGE_BATCH</c>: pages charged ahead into the per-cpu stock.</summary>
    public const int MemcgChargeBatch = 32;
    /// <summary><c>MEM_CGROUP_RECLAIM_RETRIES</c>.</summary>
    public const int MemCgroupReclaimRetries = 5;
    /// <summary><c>THRESHOLDS_EVENTS_TARGET</c>.</summary>
    public const int ThresholdsEventsTarget = 128;
    /// <summary><c>SOFTLIMIT_EVENTS_TARGET</c>.</summary>
    public const int SoftlimitEventsTarget = 1024;
    /// <summary><c>MEM_CGROUP_MAX_RECLAIM_LOOPS</c> (soft-limit reclaim).</summary>
    public const int MemCgroupMaxReclaimLoops = 100;
    /// <summary><c>MEM_CGROUP_MAX_SOFT_LIMIT_RECLAIM_LOOPS</c>.</summary>
    public const int MemCgroupMaxSoftLimitReclaimLoops = 2;
    /// <summary><c>MEMCG_DELAY_PRECISION_SHIFT</c> (5.4.y memory.high throttling).</summary>
    public const int MemcgDelayPrecisionShift = 20;
    /// <summary><c>MEMCG_DELAY_SCALING_SHIFT</c>.</summary>
    public const int MemcgDelayScalingShift = 14;
    /// <summary><c>MEM_CGROUP_ID_MAX</c> = USHRT_MAX.</summary>
    public const int MemCgroupIdMax = ushort.MaxValue;
}
