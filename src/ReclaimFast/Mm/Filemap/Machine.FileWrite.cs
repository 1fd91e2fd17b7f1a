using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/filemap.c generic_perform_write for one whole page: what write(2) does to the page cache and the LRU.
public sealed unsafe partial class Machine
{
    private ulong _fileWriteSeq;

    /// <summary>
    /// <c>generic_perform_write</c> of a whole page at <paramref name="index"/>: <c>grab_cache_page_write_begin</c>
    /// (<c>pagecache_get_page</c> with FGP_LOCK|FGP_WRITE|FGP_CREAT — a miss allocates with <c>__GFP_WRITE</c>, so a
    /// shadow there is not a refault, and there is no FGP_ACCESSED: a write does not <c>mark_page_accessed</c>), the
    /// copy (a new content token; a full-page write needs no read first), then <c>write_end</c>: uptodate,
    /// <c>set_page_dirty</c>, unlock, put. Returns false when no page could be allocated (the caller reclaims and
    /// retries), and <c>balance_dirty_pages_ratelimited</c>. Simplification: <c>wait_for_stable_page</c> does not wait
    /// (no stable-page devices).
    /// </summary>
    internal bool FileWritePage(File* file, ulong index) => FileWritePage(file, index, out _);

    /// <summary>As <see cref="FileWritePage(File*, ulong)"/>, telling whether the page was in the cache (a hit).</summary>
    internal bool FileWritePage(File* file, ulong index, out bool hit)
    {
        AddressSpace* mapping = file->FMapping;
        Inode* inode = mapping->Host;
        if (index >= inode->SizePages)
            throw new System.ArgumentOutOfRangeException(nameof(index), index, $"file has {inode->SizePages} pages");
        Page* page = FindGetPage(mapping, index);
        hit = page != null;
        if (page == null)
        {
            uint gfp = mapping->GfpMask | Gfp.Write; // FGP_WRITE on a mapping that accounts dirty pages
            page = MmAllocPage(gfp);
            if (page == null)
                return false;
            AddToPageCacheLru(page, mapping, index, gfp); // returns the page locked
        }
        else
        {
            bool wasLocked = TestSetPageLocked(page); // FGP_LOCK: one emulated task runs at a time, so it is free
            System.Diagnostics.Debug.Assert(!wasLocked, "page-cache page locked across task steps");
        }
        // block_write_begin → __block_write_begin on a buffer-head filesystem: buffers attached (GFP_NOFS slab
        // allocations, which may reclaim) and mapped.
        bool buffers = Machine.MappingHasBufferHeads(mapping);
        if (buffers)
            BlockWriteBeginBuffers(page, inode);
        // The file's content is its token per offset (the page cache and the disk share it).
        ulong token = WriteToken(-2, (inode->Ino << 40) ^ index, ++_fileWriteSeq);
        ContentToken[PageToPfn(page)] = token;
        inode->Token[index] = token;
        if (buffers)
            BlockCommitWriteBuffers(page);  // block_write_end: buffers uptodate and dirty
        SetPageUptodate(page);
        SetPageDirtyMapping(page);
        ClearPageLocked(page);
        PutPage(page);
        BalanceDirtyPagesRatelimited();
        return true;
    }
}
