using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// mm/truncate.c, the single-index part: dropping what the page cache holds at one offset.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>truncate_inode_pages_range</c> for one index: a shadow entry is cleared (<c>clear_shadow_entry</c>); a clean,
    /// unmapped, unlocked cached page is deleted from the cache and the cache's reference dropped
    /// (<c>truncate_inode_page</c> → <c>delete_from_page_cache</c>). Returns false for a page it may not drop (mapped,
    /// dirty, locked or under writeback: the kernel would unmap or wait, which this helper does not).
    /// </summary>
    internal bool TruncateInodeIndex(AddressSpace* mapping, ulong index)
    {
        ulong entry = mapping->IPages.Load(index);
        if (entry == 0)
            return true;
        if (XArray.IsValue(entry))
        {
            mapping->IPages.Store(index, 0, ref _xaNodePool);
            mapping->NrExceptional--;
            return true;
        }
        Page* page = (Page*)entry;
        if (PageOps.PageMapped(page) || PageOps.PageDirty(page) || PageOps.PageLocked(page) || PageOps.PageWriteback(page))
            return false;
        if (PageHasPrivate(page))
        {
            // do_invalidatepage → block_invalidatepage: the whole page's buffers go (try_to_release_page).
            PageOps.__SetPageLocked(page);
            bool released = TryToReleasePage(page, 0);
            PageOps.__ClearPageLocked(page);
            if (!released)
                return false;
        }
        __DeleteFromPageCache(page, 0);
        PutPage(page);
        return true;
    }
}
