using System.Runtime.InteropServices;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Mm.Vmscan;

/// <summary>
/// Mirrors <c>struct reclaim_state</c> (include/linux/swap.h): slab pages freed during a reclaim pass, which
/// shrink_node adds to <c>sc->nr_reclaimed</c> (the slab issue fills it).
/// </summary>
public struct ReclaimState
{
    /// <summary><c>reclaimed_slab</c>.</summary>
    public ulong ReclaimedSlab;
}

/// <summary>The <c>sc->nr</c> tallies of one shrink_node round (struct scan_control, anonymous member).</summary>
public struct ScanControlNr
{
    /// <summary><c>nr.dirty</c>.</summary>
    public uint Dirty;
    /// <summary><c>nr.unqueued_dirty</c>.</summary>
    public uint UnqueuedDirty;
    /// <summary><c>nr.congested</c>.</summary>
    public uint Congested;
    /// <summary><c>nr.writeback</c>.</summary>
    public uint Writeback;
    /// <summary><c>nr.immediate</c>.</summary>
    public uint Immediate;
    /// <summary><c>nr.file_taken</c>.</summary>
    public uint FileTaken;
    /// <summary><c>nr.taken</c>.</summary>
    public uint Taken;
}

/// <summary>
/// Mirrors <c>struct scan_control</c> (mm/vmscan.c, v5.4) field for field. A stack value passed by pointer, as the
/// kernel passes <c>sc</c>. The kernel's bitfields are plain bools here.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ScanControl
{
    /// <summary><c>nr_to_reclaim</c>: how many pages shrink_list should reclaim.</summary>
    public ulong NrToReclaim;
    /// <summary><c>nodemask</c>: nodes allowed (null = all).</summary>
    public NodeMask* Nodemask;
    /// <summary><c>target_mem_cgroup</c>: the memcg being reclaimed from (0 = global reclaim).</summary>
    public nint TargetMemCgroup;
    /// <summary><c>may_writepage</c>: writing dirty pages out is allowed.</summary>
    public bool MayWritepage;
    /// <summary><c>may_unmap</c>: mapped pages may be unmapped.</summary>
    public bool MayUnmap;
    /// <summary><c>may_swap</c>: anon pages may be swapped.</summary>
    public bool MaySwap;
    /// <summary><c>memcg_low_reclaim</c>: memory.low protection is being overridden.</summary>
    public bool MemcgLowReclaim;
    /// <summary><c>memcg_low_skipped</c>: a group was skipped for its memory.low.</summary>
    public bool MemcgLowSkipped;
    /// <summary><c>hibernation_mode</c>.</summary>
    public bool HibernationMode;
    /// <summary><c>compaction_ready</c>: one zone is ready for compaction; stop reclaim.</summary>
    public bool CompactionReady;
    /// <summary><c>order</c>: the allocation order that triggered reclaim.</summary>
    public sbyte Order;
    /// <summary><c>priority</c>: scan (list size &gt;&gt; priority) pages per round.</summary>
    public sbyte Priority;
    /// <summary><c>reclaim_idx</c>: highest zone index to reclaim from.</summary>
    public sbyte ReclaimIdx;
    /// <summary><c>gfp_mask</c>: the allocation context of the reclaim.</summary>
    public uint GfpMask;
    /// <summary><c>nr_scanned</c>: incremented by shrink_page_list.</summary>
    public ulong NrScanned;
    /// <summary><c>nr_reclaimed</c>.</summary>
    public ulong NrReclaimed;
    /// <summary><c>nr</c>: per-round dirty/writeback tallies.</summary>
    public ScanControlNr Nr;
    /// <summary><c>reclaim_state</c> (of the current task in the kernel; carried here).</summary>
    public ReclaimState* ReclaimState;

    /// <summary><c>global_reclaim(sc)</c>: not on behalf of a memcg.</summary>
    public readonly bool GlobalReclaim => TargetMemCgroup == 0;
}

/// <summary>Mirrors <c>struct reclaim_stat</c> (include/linux/vmstat.h): what one shrink_page_list call saw.</summary>
public unsafe struct ReclaimStat
{
    /// <summary><c>nr_dirty</c>.</summary>
    public uint NrDirty;
    /// <summary><c>nr_unqueued_dirty</c>.</summary>
    public uint NrUnqueuedDirty;
    /// <summary><c>nr_congested</c>.</summary>
    public uint NrCongested;
    /// <summary><c>nr_writeback</c>.</summary>
    public uint NrWriteback;
    /// <summary><c>nr_immediate</c>.</summary>
    public uint NrImmediate;
    /// <summary><c>nr_activate[2]</c>: [0] anon, [1] file.</summary>
    public fixed uint NrActivate[2];
    /// <summary><c>nr_ref_keep</c>.</summary>
    public uint NrRefKeep;
    /// <summary><c>nr_unmap_fail</c>.</summary>
    public uint NrUnmapFail;
}

/// <summary>Constants of mm/vmscan.c and include/linux/swap.h used by reclaim.</summary>
public static class Vmscan
{
    /// <summary>DEF_PRIORITY.</summary>
    public const int DefPriority = 12;
    /// <summary>SWAP_CLUSTER_MAX.</summary>
    public const int SwapClusterMax = 32;
    /// <summary>ISOLATE_UNMAPPED.</summary>
    public const uint IsolateUnmapped = 0x2;
    /// <summary>ISOLATE_ASYNC_MIGRATE.</summary>
    public const uint IsolateAsyncMigrate = 0x4;
    /// <summary>ISOLATE_UNEVICTABLE.</summary>
    public const uint IsolateUnevictable = 0x8;
    /// <summary>PGDAT_CONGESTED bit of <c>pgdat->flags</c>.</summary>
    public const int PgdatCongested = 0;
    /// <summary>PGDAT_DIRTY.</summary>
    public const int PgdatDirty = 1;
    /// <summary>PGDAT_WRITEBACK.</summary>
    public const int PgdatWriteback = 2;
    /// <summary>PGDAT_RECLAIM_LOCKED.</summary>
    public const int PgdatReclaimLocked = 3;
    /// <summary>VM_EXEC (include/linux/mm.h).</summary>
    public const ulong VmExec = 0x4;
    /// <summary>VM_LOCKED.</summary>
    public const ulong VmLocked = 0x2000;
}

/// <summary>Mirrors <c>enum scan_balance</c> (mm/vmscan.c).</summary>
public enum ScanBalance
{
    /// <summary>SCAN_EQUAL: scan lists relative to their size.</summary>
    Equal,
    /// <summary>SCAN_FRACT: split by swappiness and recent rotation.</summary>
    Fract,
    /// <summary>SCAN_ANON: anon only.</summary>
    Anon,
    /// <summary>SCAN_FILE: file only.</summary>
    File,
}

/// <summary>Mirrors <c>enum page_references</c> (mm/vmscan.c).</summary>
public enum PageReferences
{
    /// <summary>PAGEREF_RECLAIM.</summary>
    Reclaim,
    /// <summary>PAGEREF_RECLAIM_CLEAN.</summary>
    ReclaimClean,
    /// <summary>PAGEREF_KEEP.</summary>
    Keep,
    /// <summary>PAGEREF_ACTIVATE.</summary>
    Activate,
}

/// <summary>Mirrors <c>pageout_t</c> (mm/vmscan.c).</summary>
public enum PageoutResult
{
    /// <summary>PAGE_KEEP: failed to write, keep it locked on the list.</summary>
    Keep,
    /// <summary>PAGE_ACTIVATE: move to the active list.</summary>
    Activate,
    /// <summary>PAGE_SUCCESS: write started.</summary>
    Success,
    /// <summary>PAGE_CLEAN: page is clean; free it.</summary>
    Clean,
}
