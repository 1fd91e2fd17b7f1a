using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/swap_state.c, minimal: the page side of the swap cache. There is no swap address space index yet
// (lookup_swap_cache, the xarray insert/erase): the swap issue adds it to these two methods.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>add_to_swap</c>: a slot for an anon page (SWAP_HAS_CACHE), <c>add_to_swap_cache</c> (reference,
    /// PG_swapcache, <c>private</c> = entry, NR_FILE_PAGES) and <c>set_page_dirty</c>. False when swap is full.
    /// </summary>
    internal bool AddToSwap(Page* page)
    {
        SwpEntry entry = GetSwapPage();
        if (entry.IsNull)
            return false;
        page->RefCount++;
        SetPageSwapCache(page);
        page->Private = entry.Val;
        ModFilePages(page, 1);
        SetPageDirtyMapping(page);
        return true;
    }

    /// <summary>
    /// <c>delete_from_swap_cache</c>: <c>__delete_from_swap_cache</c> (clear PG_swapcache and <c>private</c>,
    /// NR_FILE_PAGES), <c>put_swap_page</c> (drop SWAP_HAS_CACHE), and the cache's page reference.
    /// </summary>
    internal void DeleteFromSwapCache(Page* page)
    {
        SwpEntry entry = new(page->Private);
        ClearPageSwapCache(page);
        page->Private = 0;
        ModFilePages(page, -1);
        PutSwapPage(entry);
        PutPage(page);
    }

    /// <summary>
    /// Records the content token of a page written to its swap slot (what <c>swap_writepage</c> puts on the
    /// device). The swap issue calls it from its write-out path; swap-in checks the token read back.
    /// </summary>
    internal void SwapWriteToken(Page* page)
    {
        SwpEntry entry = new(page->Private);
        SwapInfoStruct* si = SwapInfoGet(entry);
        si->SlotToken[entry.Offset] = ContentToken[PageToPfn(page)];
    }
}
