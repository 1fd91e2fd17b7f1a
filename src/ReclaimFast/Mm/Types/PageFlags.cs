namespace ReclaimFast.Mm.Types;

/// <summary>
/// Mirrors v5.4 <c>enum pageflags</c> (include/linux/page-flags.h) for x86-64 with CONFIG_MMU,
/// ARCH_USES_PG_UNCACHED, CONFIG_MEMORY_FAILURE and CONFIG_IDLE_PAGE_TRACKING on: bit numbers in
/// <see cref="Page.Flags"/>. Aliases (PG_swapcache = PG_owner_priv_1, …) are the kernel's.
/// </summary>
public enum PG : int
{
    /// <summary>PG_locked: page is locked; don't touch.</summary>
    Locked = 0,
    /// <summary>PG_referenced.</summary>
    Referenced = 1,
    /// <summary>PG_uptodate.</summary>
    Uptodate = 2,
    /// <summary>PG_dirty.</summary>
    Dirty = 3,
    /// <summary>PG_lru: on an LRU list.</summary>
    Lru = 4,
    /// <summary>PG_active.</summary>
    Active = 5,
    /// <summary>PG_workingset.</summary>
    Workingset = 6,
    /// <summary>PG_waiters.</summary>
    Waiters = 7,
    /// <summary>PG_error.</summary>
    Error = 8,
    /// <summary>PG_slab.</summary>
    Slab = 9,
    /// <summary>PG_owner_priv_1 (= PG_swapcache, PG_checked, PG_pinned).</summary>
    OwnerPriv1 = 10,
    /// <summary>PG_arch_1.</summary>
    Arch1 = 11,
    /// <summary>PG_reserved.</summary>
    Reserved = 12,
    /// <summary>PG_private: has buffer heads (page->private).</summary>
    Private = 13,
    /// <summary>PG_private_2.</summary>
    Private2 = 14,
    /// <summary>PG_writeback.</summary>
    Writeback = 15,
    /// <summary>PG_head: compound head page.</summary>
    Head = 16,
    /// <summary>PG_mappedtodisk.</summary>
    MappedToDisk = 17,
    /// <summary>PG_reclaim (= PG_readahead).</summary>
    Reclaim = 18,
    /// <summary>PG_swapbacked.</summary>
    SwapBacked = 19,
    /// <summary>PG_unevictable.</summary>
    Unevictable = 20,
    /// <summary>PG_mlocked (CONFIG_MMU).</summary>
    Mlocked = 21,
    /// <summary>PG_uncached (ARCH_USES_PG_UNCACHED, on for x86-64 with X86_PAT).</summary>
    Uncached = 22,
    /// <summary>PG_hwpoison (CONFIG_MEMORY_FAILURE).</summary>
    HwPoison = 23,
    /// <summary>PG_young (CONFIG_IDLE_PAGE_TRACKING, 64-bit).</summary>
    Young = 24,
    /// <summary>PG_idle.</summary>
    Idle = 25,
    /// <summary>__NR_PAGEFLAGS.</summary>
    NrPageFlags = 26,

    /// <summary>PG_swapcache alias of PG_owner_priv_1.</summary>
    SwapCache = OwnerPriv1,
    /// <summary>PG_readahead alias of PG_reclaim.</summary>
    Readahead = Reclaim,
}
