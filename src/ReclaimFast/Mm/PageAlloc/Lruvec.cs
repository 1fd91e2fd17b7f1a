using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Mm.PageAlloc;

/// <summary>
/// Mirrors <c>enum lru_list</c> (include/linux/mmzone.h): built from LRU_BASE + LRU_ACTIVE + LRU_FILE, as the kernel
/// builds it, so <c>lru - LRU_ACTIVE</c> and <c>lru + LRU_FILE</c> arithmetic works.
/// </summary>
public enum LruList
{
    /// <summary>LRU_INACTIVE_ANON = LRU_BASE.</summary>
    InactiveAnon = Lru.Base,
    /// <summary>LRU_ACTIVE_ANON = LRU_BASE + LRU_ACTIVE.</summary>
    ActiveAnon = Lru.Base + Lru.Active,
    /// <summary>LRU_INACTIVE_FILE = LRU_BASE + LRU_FILE.</summary>
    InactiveFile = Lru.Base + Lru.File,
    /// <summary>LRU_ACTIVE_FILE = LRU_BASE + LRU_FILE + LRU_ACTIVE.</summary>
    ActiveFile = Lru.Base + Lru.File + Lru.Active,
    /// <summary>LRU_UNEVICTABLE.</summary>
    Unevictable = 4,
}

/// <summary>The LRU list arithmetic and page → list helpers of include/linux/mmzone.h and mm_inline.h.</summary>
public static unsafe class Lru
{
    /// <summary>LRU_BASE.</summary>
    public const int Base = 0;
    /// <summary>LRU_ACTIVE.</summary>
    public const int Active = 1;
    /// <summary>LRU_FILE.</summary>
    public const int File = 2;
    /// <summary>NR_LRU_LISTS.</summary>
    public const int NrLruLists = 5;
    /// <summary>The evictable lists (<c>for_each_evictable_lru</c> runs 0..LRU_ACTIVE_FILE).</summary>
    public const int NrEvictableLruLists = 4;

    /// <summary><c>is_file_lru</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsFileLru(LruList lru) => lru == LruList.InactiveFile || lru == LruList.ActiveFile;

    /// <summary><c>is_active_lru</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsActiveLru(LruList lru) => lru == LruList.ActiveAnon || lru == LruList.ActiveFile;

    /// <summary><c>page_is_file_cache</c> (mm_inline.h): not swap-backed. Returns 0/1 as the kernel's int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PageIsFileCache(Page* page) => PageSwapBacked(page) ? 0 : 1;

    /// <summary><c>page_lru_base_type</c>: LRU_INACTIVE_FILE for page cache, else LRU_INACTIVE_ANON.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LruList PageLruBaseType(Page* page) => PageIsFileCache(page) != 0 ? LruList.InactiveFile : LruList.InactiveAnon;

    /// <summary><c>page_lru</c>: the list a page on the LRU belongs to, from its flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LruList PageLru(Page* page)
    {
        if (PageUnevictable(page))
            return LruList.Unevictable;
        LruList lru = PageLruBaseType(page);
        if (PageActive(page))
            lru += Active;
        return lru;
    }

    /// <summary><c>page_off_lru</c>: which list the page was on; clears PG_unevictable / PG_active (non-atomic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LruList PageOffLru(Page* page)
    {
        if (PageUnevictable(page))
        {
            __ClearPageUnevictable(page);
            return LruList.Unevictable;
        }
        LruList lru = PageLruBaseType(page);
        if (PageActive(page))
        {
            __ClearPageActive(page);
            lru += Active;
        }
        return lru;
    }
}

/// <summary>The <c>lists[NR_LRU_LISTS]</c> array of a <see cref="Lruvec"/>.</summary>
[InlineArray(Lru.NrLruLists)]
public struct LruListArray
{
    private ListHead _element0;
}

/// <summary>
/// Mirrors <c>struct zone_reclaim_stat</c> (mmzone.h): pages scanned and rotated back to the active list recently,
/// [0] anon, [1] file. get_scan_count decays them (halves both) once scanned exceeds a quarter of the list.
/// </summary>
public unsafe struct ZoneReclaimStat
{
    /// <summary><c>recent_rotated[2]</c>.</summary>
    public fixed ulong RecentRotated[2];
    /// <summary><c>recent_scanned[2]</c>.</summary>
    public fixed ulong RecentScanned[2];
}

/// <summary>
/// Mirrors <c>struct lruvec</c> (mmzone.h, v5.4): the five LRU lists of one node (the node lruvec, inside
/// <see cref="PglistData"/>) or of one memcg on one node (<c>mem_cgroup_per_node.lruvec</c>, the memcg issue). The
/// memcg's per-zone list sizes (<c>mem_cgroup_per_node.lru_zone_size</c>) and local lruvec counters
/// (<c>lruvec_stat_local</c>) are kept here, beside the lists, so both kinds share one layout; the node lruvec keeps
/// them too but reads its sizes from the zone counters, as the kernel does with memcg disabled.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Lruvec
{
    /// <summary><c>lists[NR_LRU_LISTS]</c>: head = most recently added, tail = next to scan.</summary>
    public LruListArray Lists;
    /// <summary><c>reclaim_stat</c>.</summary>
    public ZoneReclaimStat ReclaimStat;
    /// <summary><c>inactive_age</c>: evictions + activations (workingset clock; atomic_long_t in the kernel).</summary>
    public ulong InactiveAge;
    /// <summary><c>refaults</c>: WORKINGSET_ACTIVATE snapshot taken at the end of the last reclaim cycle.</summary>
    public ulong Refaults;
    /// <summary><c>pgdat</c>: the node.</summary>
    public PglistData* Pgdat;
    /// <summary>The owning <c>mem_cgroup*</c> (0 = the node lruvec / root with memcg disabled).</summary>
    public nint MemCgroup;
    /// <summary><c>lru_zone_size[MAX_NR_ZONES][NR_LRU_LISTS]</c> (of <c>mem_cgroup_per_node</c>).</summary>
    public fixed long LruZoneSize[MmZone.MaxNrZones * Lru.NrLruLists];
    /// <summary><c>lruvec_stat_local[NR_VM_NODE_STAT_ITEMS]</c> (of <c>mem_cgroup_per_node</c>; used by memcg lruvecs).</summary>
    public fixed long StatLocal[VmStat.NrVmNodeStatItems];

    /// <summary><c>&amp;lruvec->lists[lru]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ListHead* List(Lruvec* lruvec, LruList lru) => (ListHead*)&lruvec->Lists + (int)lru;

    /// <summary><c>lruvec_pgdat</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PglistData* LruvecPgdat(Lruvec* lruvec) => lruvec->Pgdat;

    /// <summary><c>lruvec_init</c> (mm/mmzone.c): empty lists, zeroed state.</summary>
    public static void Init(Lruvec* lruvec, PglistData* pgdat)
    {
        *lruvec = default;
        for (int i = 0; i < Lru.NrLruLists; i++)
            ListHead.Init(List(lruvec, (LruList)i));
        lruvec->Pgdat = pgdat;
    }
}
