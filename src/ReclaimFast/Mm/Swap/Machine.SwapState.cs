using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// mm/swap_state.c: add_to_swap and delete_from_swap_cache over the swap cache index of Machine.SwapCache.cs.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>add_to_swap</c>: a slot for an anon page (SWAP_HAS_CACHE), <c>add_to_swap_cache</c> (reference,
    /// PG_swapcache, <c>private</c> = entry, the index, NR_FILE_PAGES) and <c>set_page_dirty</c>. False when swap
    /// is full.
    /// </summary>
    internal bool AddToSwap(Page* page)
    {
        SwpEntry entry = GetSwapPage();
        if (entry.IsNull)
            return false;
        // get_swap_page's mem_cgroup_try_charge_swap: over swap.max the slot goes back.
        if (_rootMemCgroup != null && MemCgroupTryChargeSwap(page, entry) != 0)
        {
            PutSwapPage(entry);
            return false;
        }
        if (AddToSwapCache(page, entry) != 0)
        {
            PutSwapPage(entry);
            return false;
        }
        SetPageDirtyMapping(page);
        return true;
    }

    /// <summary>
    /// <c>delete_from_swap_cache</c>: <c>__delete_from_swap_cache</c>, <c>put_swap_page</c> (drop SWAP_HAS_CACHE),
    /// and the cache's page reference.
    /// </summary>
    internal void DeleteFromSwapCache(Page* page)
    {
        SwpEntry entry = new(page->Private);
        __DeleteFromSwapCache(page, entry);
        PutSwapPage(entry);
        PutPage(page);
    }

    /// <summary>
    /// Records the content token of a page written to its swap slot (what <c>swap_writepage</c> puts on the
    /// device); swap-in reads it back.
    /// </summary>
    internal void SwapWriteToken(Page* page)
    {
        SwpEntry entry = new(page->Private);
        SwapInfoStruct* si = SwapInfoGet(entry);
        si->SlotToken[entry.Offset] = ContentToken[PageToPfn(page)];
    }
}
