using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/swap_state.c and mm/page_io.c: the swap cache index (swapper_spaces: one Page* per slot of each device),
// lookup, add/delete, try_to_free_swap, swap-out writepage and the swap-in half of do_swap_page.
// Simplification: swap readahead (swapin_readahead, page_cluster) is not emulated; swap-in reads the one page.
public sealed unsafe partial class Machine
{
    private Page*** _swapCache;          // [swap type] → Page*[si->Max]
    private ulong _swapCacheNrPages;     // Σ nrpages of the swap address spaces

    /// <summary>Latency of one swap read-in (jiffies), added to <see cref="IoJiffiesPending"/> until the event loop.</summary>
    internal int SwapReadLatencyJiffies = 1;

    /// <summary>
    /// <c>total_swapcache_pages</c>: the pages in the swap cache, the sum of the swap address spaces'
    /// <c>nrpages</c> (kept at add and delete, as the kernel keeps them; not counted by walking the index).
    /// </summary>
    internal ulong TotalSwapcachePages() => _swapCacheNrPages;

    /// <summary>The swap-cache slot of <paramref name="entry"/> (<c>swap_address_space(entry)</c> + offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page** SwapCacheSlot(SwpEntry entry)
    {
        Page** slots;
        if (_swapCache == null || (slots = _swapCache[entry.Type]) == null)
            slots = SwapCacheSlotsAlloc(entry.Type);
        return slots + entry.Offset;
    }

    /// <summary>First use of a device's swap cache index: allocate it (kept out of line, off the reclaim path).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Page** SwapCacheSlotsAlloc(int type)
    {
        if (_swapCache == null)
            _swapCache = (Page***)Heap.AllocArray<nint>(SwpEntry.MaxSwapfiles);
        Page** slots = _swapCache[type];
        if (slots == null)
        {
            SwapInfoStruct* si = SwapInfo(type);
            slots = (Page**)Heap.AllocArray<nint>((long)si->Max);
            _swapCache[type] = slots;
        }
        return slots;
    }

    /// <summary><c>lookup_swap_cache</c> (without readahead statistics): the cached page with a reference, or null.</summary>
    internal Page* LookupSwapCache(SwpEntry entry)
    {
        if (SwapInfoGet(entry) == null)
            return null;
        Page* page = *SwapCacheSlot(entry);
        if (page != null)
            GetPage(page);
        return page;
    }

    /// <summary>
    /// <c>add_to_swap_cache(page, entry)</c>: a reference per base page, PG_swapcache, <c>private</c> = entry, the
    /// index slot, NR_FILE_PAGES. The slot must already hold SWAP_HAS_CACHE.
    /// </summary>
    internal int AddToSwapCache(Page* page, SwpEntry entry)
    {
        Page** slot = SwapCacheSlot(entry);
        if (*slot != null)
            return -EEXIST;
        // page_pgdat read before the flag update below, so it does not wait on that store.
        PglistData* pgdat = PagePgdat(page);
        page->RefCount++;
        SetPageSwapCache(page);
        page->Private = entry.Val;
        *slot = page;
        _swapCacheNrPages++;
        ModNodePageState(pgdat, NodeStatItem.NrFilePages, 1);
        return 0;
    }

    /// <summary><c>__delete_from_swap_cache(page, entry)</c>: the inverse of add_to_swap_cache, without the reference.</summary>
    internal void __DeleteFromSwapCache(Page* page, SwpEntry entry)
    {
        PglistData* pgdat = PagePgdat(page);    // before the flag update (see add_to_swap_cache)
        *SwapCacheSlot(entry) = null;
        _swapCacheNrPages--;
        page->Private = 0;
        ClearPageSwapCache(page);
        ModNodePageState(pgdat, NodeStatItem.NrFilePages, -1);
    }

    /// <summary><c>try_to_free_swap(page)</c>: drop the swap copy of a swap-cache page no PTE refers to any more.</summary>
    internal bool TryToFreeSwap(Page* page)
    {
        if (!PageSwapCache(page) || PageWriteback(page))
            return false;
        if (SwpSwapcount(new SwpEntry(page->Private)) != 0)      // page_swapped
            return false;
        DeleteFromSwapCache(page);
        SetPageDirty(page);
        return true;
    }

    /// <summary>
    /// <c>free_swap_cache</c>: an unmapped swap-cache page being released loses its swap copy if nothing else needs it.
    /// </summary>
    internal void FreeSwapCache(Page* page)
    {
        if (PageSwapCache(page) && !PageMapped(page) && !TestSetPageLocked(page))
        {
            TryToFreeSwap(page);
            ClearPageLocked(page);
        }
    }

    /// <summary>
    /// <c>swap_writepage</c> → <c>__swap_writepage</c>: a page whose slot no PTE references is just dropped from the
    /// swap cache; otherwise writeback starts (PSWPOUT), the content token goes to the slot and the page is unlocked;
    /// the write completes in <see cref="CompletePendingIo"/>.
    /// </summary>
    internal void SwapWritepage(Page* page)
    {
        if (TryToFreeSwap(page))
        {
            ClearPageLocked(page);
            return;
        }
        SetPageWriteback(page);
        ClearPageLocked(page);
        CountVmEvent(VmEventItem.Pswpout);
        SwapWriteToken(page);
        QueuePendingIo(page);
    }

    /// <summary>
    /// The swap-in of <c>do_swap_page</c> when the swap cache misses (<c>__read_swap_cache_async</c> +
    /// <c>swap_readpage</c>): a new page, SWAP_HAS_CACHE on the slot, locked, swap-backed, in the swap cache,
    /// PG_workingset, on the inactive anon list via lru_cache_add_anon, its content read from the slot (PSWPIN).
    /// Returns the page with a reference, or null when no memory is left.
    /// </summary>
    private Page* ReadSwapCache(SwpEntry entry)
    {
        Page* page = MmAllocPage(GfpUserMovable);
        if (page == null)
            return null;
        if (SwapcachePrepare(entry) != 0)
        {
            MmFreePage(page);
            return null;
        }
        __SetPageLocked(page);
        __SetPageSwapBacked(page);
        AddToSwapCache(page, entry);
        SetPageWorkingset(page);
        LruCacheAddAnon(page);
        SwapInfoStruct* si = SwapInfoGet(entry);
        ContentToken[PageToPfn(page)] = si->SlotToken[entry.Offset];
        SetPageUptodate(page);
        CountVmEvent(VmEventItem.Pswpin);
        IoJiffiesPending += SwapReadLatencyJiffies;
        ClearPageLocked(page);
        return page;
    }
}
