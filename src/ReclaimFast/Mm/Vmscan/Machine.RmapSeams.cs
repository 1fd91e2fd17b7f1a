using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// Reclaim's calls into the reverse map, the swap cache and the page cache go through these methods and nowhere
// else, so the vmscan code reads like vmscan.c and the layers below can change behind one seam each.
public sealed unsafe partial class Machine
{
    /// <summary><c>get_nr_swap_pages()</c>: free swap slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long GetNrSwapPages() => NrSwapPages;

    /// <summary>
    /// <c>page_referenced(page, is_locked, memcg, &amp;vm_flags)</c>: the number of VMAs whose PTEs referenced the
    /// page (young bits test-and-cleared), in memcg reclaim only the target cgroup's mappings. Unmapped pages: 0 without a walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int PageReferencedSeam(Page* page, bool isLocked, nint memcg, out ulong vmFlags)
    {
        if (!PageMapped(page) || PageRmapping(page) == null)
        {
            vmFlags = 0;
            return 0;
        }
        return PageReferencedRmap(page, isLocked, memcg, out vmFlags);
    }

    /// <summary><c>try_to_unmap(page, flags)</c>: true when no mapping is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryToUnmapSeam(Page* page, uint flags) => TryToUnmap(page, (TtuFlags)flags);

    /// <summary><c>add_to_swap(page)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool AddToSwapSeam(Page* page) => AddToSwap(page);

    /// <summary><c>try_to_free_swap(page)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryToFreeSwapSeam(Page* page) => TryToFreeSwap(page);

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
    /// frozen, so no page reference is dropped).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void __DeleteFromSwapCacheSeam(Page* page)
    {
        SwpEntry entry = new(page->Private);
        __DeleteFromSwapCache(page, entry);
        PutSwapPage(entry);
    }

    /// <summary><c>__delete_from_page_cache(page, shadow)</c>: the xarray slot keeps <paramref name="shadow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void __DeleteFromPageCacheSeam(Page* page, nint mapping, ulong shadow)
    {
        if (PageDirty(page))
            ClearPageDirtyForIo(page);      // account_page_cleaned (only reachable for truncation-like callers)
        __DeleteFromPageCache(page, shadow);
    }

    /// <summary>
    /// <c>mapping->a_ops->writepage(page, wbc)</c>: <c>swap_writepage</c> for swap-cache pages; for page cache the
    /// emulated filesystem's writepage, which stores the page's token as the file's content. Both start
    /// asynchronous writeback and unlock the page.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void WritepageSeam(Page* page)
    {
        if (PageSwapCache(page))
        {
            SwapWritepage(page);
            return;
        }
        AddressSpace* mapping = (AddressSpace*)PageMappingFile(page);
        Inode* inode = mapping->Host;
        if (inode != null && page->Index < inode->SizePages)
            inode->DiskToken[page->Index] = ContentToken[PageToPfn(page)]; // ->writepage: the data goes to disk
        if (PagePrivate(page))
            BlockWriteFullPageBuffers(page);    // block_write_full_page: dirty buffers locked for async write
        SetPageWriteback(page);
        ClearPageLocked(page);
        QueuePendingIo(page);
    }
}
