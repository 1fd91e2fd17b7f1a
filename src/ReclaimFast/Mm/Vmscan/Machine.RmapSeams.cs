using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// ---------------------------------------------------------------------------------------------------------------
// RMAP / SWAP / PAGE-CACHE SEAMS. Reclaim's calls into the reverse map, the swap cache and the page cache (the rmap
// branch, issue 3) go through these methods and nowhere else. Until that branch is merged they do what v5.4 does
// for pages that are in no page table, no swap cache and no xarray; after the merge they forward to it.
// ---------------------------------------------------------------------------------------------------------------
public sealed unsafe partial class Machine
{
    /// <summary><c>nr_swap_pages</c>: free swap slots (the rmap branch's swapfile owns it after the merge).</summary>
    internal long NrSwapPages;

    /// <summary><c>total_swap_pages</c>: configured swap slots.</summary>
    internal long TotalSwapPages;

    /// <summary><c>get_nr_swap_pages()</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long GetNrSwapPages() => NrSwapPages;

    /// <summary>
    /// <c>page_referenced(page, is_locked, memcg, &amp;vm_flags)</c>: referencing VMAs. An unmapped page has none;
    /// mapped pages need the rmap walk (rmap branch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int PageReferencedSeam(Page* page, bool isLocked, nint memcg, out ulong vmFlags)
    {
        vmFlags = 0;
        return 0;
    }

    /// <summary><c>try_to_unmap(page, flags)</c>: true when no mapping is left (rmap branch walks the PTEs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryToUnmapSeam(Page* page, uint flags) => !PageMapped(page);

    /// <summary><c>add_to_swap(page)</c>: false (no swap device) until the rmap branch's swap slots are merged.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool AddToSwapSeam(Page* page) => false;

    /// <summary><c>try_to_free_swap(page)</c>: free the slot of a swap-cache page no PTE refers to (rmap branch).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool TryToFreeSwapSeam(Page* page) => false;

    /// <summary>Stand-in for the swap address space returned by <c>page_mapping</c> of a swap-cache page.</summary>
    internal const nint SwapperSpaceMarker = 0x5a0;

    /// <summary>
    /// <c>page_mapping(page)</c>: the swap address space for swap-cache pages, null for other anonymous pages and
    /// slab, else the page cache's address_space.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint PageMappingSeam(Page* page)
    {
        if (PageSwapCache(page))
            return SwapperSpaceMarker;
        return (nint)PageMappingFile(page);
    }

    /// <summary>
    /// <c>__delete_from_swap_cache</c> + <c>put_swap_page</c> as <c>__remove_mapping</c> does them (refcount already
    /// frozen): the rmap branch's swap cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void __DeleteFromSwapCacheSeam(Page* page)
    {
        ClearPageSwapCache(page);
        page->Private = 0;
        ModNodePageState(PagePgdat(page), NodeStatItem.NrFilePages, -1);
    }

    /// <summary>
    /// <c>__delete_from_page_cache(page, shadow)</c>: unaccount (NR_FILE_PAGES) and clear <c>page->mapping</c>; the
    /// rmap branch's xarray stores <paramref name="shadow"/> in the page's slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void __DeleteFromPageCacheSeam(Page* page, nint mapping, ulong shadow)
    {
        ModNodePageState(PagePgdat(page), NodeStatItem.NrFilePages, -CompoundNr(page));
        page->Mapping = 0;
    }

    /// <summary>
    /// <c>mapping->a_ops->writepage(page, wbc)</c>: start asynchronous writeback (swap: <c>swap_writepage</c>, which
    /// the rmap branch's swap slots complete with the content token) and unlock the page, as writepage does.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void WritepageSeam(Page* page)
    {
        SetPageWriteback(page);
        ClearPageLocked(page);
        QueuePendingIo(page);
    }
}
