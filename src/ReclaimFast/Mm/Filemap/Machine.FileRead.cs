using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/filemap.c generic_file_buffered_read for one page: what read(2) does to the page cache and the LRU.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>generic_file_buffered_read</c> of page <paramref name="index"/>: a cache hit, or a miss that allocates a page,
    /// adds it to the cache (refault detection on a shadow) and reads the file's token; then
    /// <c>mark_page_accessed</c> and the read's reference dropped. Returns false when no page could be allocated
    /// (the caller reclaims and retries). Simplification: no readahead.
    /// </summary>
    internal bool FileReadPage(File* file, ulong index) => FileReadPage(file, index, out _);

    /// <summary>As <see cref="FileReadPage(File*, ulong)"/>, telling whether the page was in the cache (a hit).</summary>
    internal bool FileReadPage(File* file, ulong index, out bool hit)
    {
        AddressSpace* mapping = file->FMapping;
        Inode* inode = mapping->Host;
        if (index >= inode->SizePages)
            throw new System.ArgumentOutOfRangeException(nameof(index), index, $"file has {inode->SizePages} pages");
        Page* page = FindGetPage(mapping, index);
        hit = page != null;
        if (page == null)
        {
            page = MmAllocPage(mapping->GfpMask);
            if (page == null)
                return false;
            AddToPageCacheLru(page, mapping, index);
            // ->readpage
            IoJiffiesPending += PageCacheReadLatencyJiffies;
            ContentToken[PageToPfn(page)] = inode->DiskToken[index]; // the device's copy
            SetPageUptodate(page);
            ClearPageLocked(page);
        }
        if (ContentToken[PageToPfn(page)] != inode->Token[index])
            throw new DataLossException($"read of file {inode->Ino} page {index}: token 0x{ContentToken[PageToPfn(page)]:x}, file has 0x{inode->Token[index]:x}");
        MarkPageAccessed(page);
        PutPage(page);
        return true;
    }

    /// <summary>
    /// <c>clear_shadow_entry</c> (mm/truncate.c): truncation removes a workingset shadow left at
    /// <paramref name="index"/>. Returns whether there was one.
    /// </summary>
    internal bool ClearShadowEntry(AddressSpace* mapping, ulong index)
    {
        if (!XArray.IsValue(mapping->IPages.Load(index)))
            return false;
        mapping->IPages.Store(index, 0, ref _xaNodePool, _pageCacheXaUpdate);
        mapping->NrExceptional--;
        return true;
    }
}
