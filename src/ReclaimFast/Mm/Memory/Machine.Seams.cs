using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// Process memory's calls into the LRU (mm/swap.c) and writeback (mm/page-writeback.c), forwarded to the vmscan
// issue's implementations in Mm/Swap/Machine.Lru.cs and Mm/Vmscan/Machine.Writeback.cs.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>lru_cache_add_active_or_unevictable</c> (mm/swap.c): new anonymous pages go to the LRU active, or mlocked
    /// (and so unevictable) in a VM_LOCKED, non-VM_SPECIAL VMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void LruCacheAddActiveOrUnevictable(Page* page, VmAreaStruct* vma) =>
        LruCacheAddActiveOrUnevictableLocked(page, (vma->VmFlags & (VmFlags.Locked | VmFlags.Special)) == VmFlags.Locked);

    /// <summary><c>lru_cache_add</c> (mm/swap.c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void LruCacheAdd(Page* page) => LruCacheAddPage(page);

    /// <summary><c>mark_page_accessed</c> (mm/swap.c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void MarkPageAccessed(Page* page) => MarkPageAccessedLru(page);

    /// <summary>
    /// <c>set_page_dirty</c> (mm/page-writeback.c): page-cache pages through <c>__set_page_dirty_nobuffers</c> with dirty
    /// accounting (NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING, NR_DIRTIED); anonymous, swap-cache and shmem pages only get
    /// PG_dirty (<c>__set_page_dirty_no_writeback</c>). Returns true if the page was clean.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool SetPageDirtyMapping(Page* page)
    {
        if (!PageSwapBacked(page) && PageMappingFile(page) != null)
        {
            if (PagePrivate(page))
                BlockCommitWriteBuffers(page);      // __set_page_dirty_buffers: every buffer dirty too
            return SetPageDirtyFile(page);
        }
        return !TestSetPageDirty(page);
    }
}
