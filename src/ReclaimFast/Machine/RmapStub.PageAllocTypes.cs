// TEMPORARY (branch rmap only): a stand-in for the page allocator and Machine that the `pagealloc` branch
// builds, exposing the agreed contract names so process memory and rmap can be written and tested now.
// Delete this whole file when main has src/ReclaimFast/Mm/PageAlloc, and re-point Mm/Memory/Machine.MmGlue.cs.
using System.Runtime.InteropServices;

namespace ReclaimFast.Mm.PageAlloc;

/// <summary>Stand-in zone (stub; replaced by the allocator's <c>struct zone</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Zone
{
    /// <summary><c>vm_stat</c>.</summary>
    public fixed long VmStat[(int)ZoneStatItem.NrVmZoneStatItems];
}

/// <summary>Stand-in node (stub; replaced by the allocator's <c>pglist_data</c>).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct PglistData
{
    /// <summary><c>vm_stat</c>.</summary>
    public fixed long VmStat[(int)NodeStatItem.NrVmNodeStatItems];
    /// <summary>The one zone.</summary>
    public Zone NodeZone;
}

/// <summary>Stand-in <c>enum zone_stat_item</c> (subset).</summary>
public enum ZoneStatItem
{
    /// <summary>NR_FREE_PAGES.</summary>
    NrFreePages,
    /// <summary>NR_MLOCK.</summary>
    NrMlock,
    /// <summary>NR_PAGETABLE.</summary>
    NrPagetable,
    /// <summary>Count.</summary>
    NrVmZoneStatItems,
}

/// <summary>Stand-in <c>enum node_stat_item</c> (subset).</summary>
public enum NodeStatItem
{
    /// <summary>NR_ANON_MAPPED.</summary>
    NrAnonMapped,
    /// <summary>NR_FILE_MAPPED.</summary>
    NrFileMapped,
    /// <summary>NR_FILE_PAGES.</summary>
    NrFilePages,
    /// <summary>Count.</summary>
    NrVmNodeStatItems,
}

/// <summary>Stand-in <c>enum vm_event_item</c> (subset).</summary>
public enum VmEventItem
{
    /// <summary>PGFAULT.</summary>
    PgFault,
    /// <summary>PGMAJFAULT.</summary>
    PgMajFault,
    /// <summary>UNEVICTABLE_PGMLOCKED.</summary>
    UnevictablePgMlocked,
    /// <summary>UNEVICTABLE_PGCLEARED.</summary>
    UnevictablePgCleared,
    /// <summary>UNEVICTABLE_PGMUNLOCKED.</summary>
    UnevictablePgMunlocked,
    /// <summary>Count.</summary>
    NrVmEventItems,
}

/// <summary>Stand-in GFP flags (include/linux/gfp.h values).</summary>
public static class Gfp
{
    /// <summary>__GFP_HIGHMEM.</summary>
    public const uint HighMem = 0x02;
    /// <summary>__GFP_MOVABLE.</summary>
    public const uint Movable = 0x08;
    /// <summary>__GFP_IO.</summary>
    public const uint Io = 0x40;
    /// <summary>__GFP_FS.</summary>
    public const uint Fs = 0x80;
    /// <summary>__GFP_ZERO.</summary>
    public const uint Zero = 0x100;
    /// <summary>__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM.</summary>
    public const uint Reclaim = 0x400 | 0x800;
    /// <summary>__GFP_HARDWALL.</summary>
    public const uint Hardwall = 0x100000;
    /// <summary>__GFP_ACCOUNT.</summary>
    public const uint Account = 0x400000;
    /// <summary>GFP_KERNEL.</summary>
    public const uint Kernel = Reclaim | Io | Fs;
    /// <summary>GFP_HIGHUSER_MOVABLE.</summary>
    public const uint HighUserMovable = Kernel | Hardwall | HighMem | Movable;
}
