using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// Seams other issues fill. Each does today only what needs none of their structures, and says so.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>lru_cache_add_active_or_unevictable</c> (mm/swap.c). For now only the mlock part (no LRU yet:
    /// the LRU issue adds SetPageActive and <c>lru_cache_add</c> here).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void LruCacheAddActiveOrUnevictable(Page* page, VmAreaStruct* vma)
    {
        if ((vma->VmFlags & (VmFlags.Locked | VmFlags.Special)) == VmFlags.Locked)
        {
            if (!TestSetPageMlocked(page))
            {
                ModMlockStat(page, 1);
                CountUnevictablePgMlocked();
            }
        }
    }

    /// <summary><c>lru_cache_add</c> (mm/swap.c): nothing yet (no LRU lists: the LRU issue fills it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LruCacheAdd(Page* page)
    {
    }

    /// <summary>
    /// <c>mark_page_accessed</c> (mm/swap.c): only the PG_referenced step for now; activation needs the LRU
    /// lists (the LRU issue completes it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MarkPageAccessed(Page* page)
    {
        if (!PageReferenced(page))
            SetPageReferenced(page);
    }

    /// <summary>
    /// <c>set_page_dirty</c> (mm/page-writeback.c): PG_dirty only. Anonymous/swap-cache pages need no more
    /// (<c>__set_page_dirty_no_writeback</c>); dirty accounting and xarray tags of file pages come with writeback.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SetPageDirtyMapping(Page* page) => !TestSetPageDirty(page);

    /// <summary>
    /// <c>put_page</c>: drop a reference; at zero <c>__put_single_page</c> frees it (removal from the LRU,
    /// <c>__page_cache_release</c>, is the LRU issue's).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PutPage(Page* page)
    {
        if (PutPageTestzero(page))
            __PutSinglePage(page);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void __PutSinglePage(Page* page)
    {
        // free_pages_prepare clears an anon/movable mapping tag; done here so no allocator depends on it.
        if ((page->Mapping & PageMappingFlags) != 0)
            page->Mapping = 0;
        MmFreeZeroRefPage(page);
    }
}
