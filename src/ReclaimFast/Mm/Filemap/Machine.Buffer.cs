using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Slab;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// fs/buffer.c (v5.4): buffer heads on page-cache pages of block-backed files — attached on write (block_write_begin →
// create_empty_buffers), dirtied by block_commit_write, cleaned and locked by block_write_full_page, unlocked by
// end_buffer_async_write, and dropped by try_to_free_buffers when reclaim (shrink_page_list step 10), truncation or
// migration lets go of the page. Simplified: no buffer_heads_over_limit / max_buffer_heads accounting (so
// balance_pgdat never widens reclaim_idx for it), no per-CPU bh LRU, no b_assoc_buffers lists, and block mapping is
// implicit (every buffer is BH_Mapped to the block of its file offset).
public sealed unsafe partial class Machine
{
    /// <summary>
    /// AS_* bit of this emulator standing for "the mapping's a_ops are a buffer_head filesystem's" (block_write_begin,
    /// block_write_full_page, try_to_free_buffers as releasepage): writes attach buffer heads to the file's pages.
    /// </summary>
    internal const int AsBufferHeads = 30;

    private KmemCache* _bhCachep;          // bh_cachep, created on first use (buffer_init runs at boot in the kernel)
    private int _defaultBlocksize;         // 0: files are not block-backed unless asked
    private long _nrBufferHeads;           // bh_accounting.nr

    /// <summary>Buffer heads currently allocated (<c>bh_accounting.nr</c>).</summary>
    public long NrBufferHeads => _nrBufferHeads;

    /// <summary>The "buffer_head" slab cache, or null before the first buffer head was allocated.</summary>
    internal KmemCache* BufferHeadCache => _bhCachep;

    /// <summary>
    /// Block size (bytes) given to files created from now on, making them block-backed (buffer heads attached on
    /// write); 0 (the default) leaves new files without buffer heads. A scenario may set it to make buffer heads the
    /// default. Must be a power of two in 512..4096.
    /// </summary>
    public int DefaultFileBlocksize
    {
        get => _defaultBlocksize;
        set
        {
            if (value != 0)
                CheckBlocksize(value);
            _defaultBlocksize = value;
        }
    }

    private static void CheckBlocksize(int blocksize)
    {
        if (blocksize < 512 || blocksize > 4096 || (blocksize & (blocksize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(blocksize), blocksize, "block size must be a power of two in 512..4096 bytes");
    }

    /// <summary>
    /// Makes <paramref name="file"/> block-backed with <paramref name="blocksize"/>-byte blocks (<c>i_blkbits</c>):
    /// writes through it attach buffer heads to its pages from now on.
    /// </summary>
    internal void SetFileBlockBacked(Mm.Filemap.File* file, int blocksize = 4096)
    {
        CheckBlocksize(blocksize);
        Inode* inode = file->FInode;
        inode->IBlkbits = System.Numerics.BitOperations.Log2((uint)blocksize);
        file->FMapping->Flags |= 1u << AsBufferHeads;
    }

    /// <summary>Whether writes to <paramref name="mapping"/> attach buffer heads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool MappingHasBufferHeads(AddressSpace* mapping) => (mapping->Flags & (1u << AsBufferHeads)) != 0;

    /// <summary><c>page_has_private</c> (include/linux/page-flags.h): PG_private or PG_private_2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool PageHasPrivate(Page* page) => (page->Flags & ((1UL << (int)PG.Private) | (1UL << (int)PG.Private2))) != 0;

    /// <summary><c>page_buffers</c>: the first buffer of a page with PG_private.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static BufferHead* PageBuffers(Page* page) => (BufferHead*)page->Private;

    /// <summary><c>alloc_buffer_head(gfp)</c>: a zeroed object from bh_cachep; bh_accounting.nr++.</summary>
    internal BufferHead* AllocBufferHead(uint gfp)
    {
        if (_bhCachep == null)
            _bhCachep = KmemCacheCreate((uint)sizeof(BufferHead), reclaimable: true);   // SLAB_RECLAIM_ACCOUNT
        var bh = (BufferHead*)KmemCacheAlloc(_bhCachep, gfp);
        if (bh == null)
            return null;
        *bh = default;
        _nrBufferHeads++;       // recalc_bh_state: buffer_heads_over_limit is not emulated
        return bh;
    }

    /// <summary><c>free_buffer_head</c>: back to bh_cachep; bh_accounting.nr−−.</summary>
    internal void FreeBufferHead(BufferHead* bh)
    {
        KmemCacheFree(_bhCachep, bh);
        _nrBufferHeads--;
    }

    /// <summary>
    /// <c>alloc_page_buffers(page, size, retry)</c>: PAGE_SIZE / size buffer heads, allocated GFP_NOFS | __GFP_ACCOUNT
    /// (| __GFP_NOFAIL when <paramref name="retry"/>) — a slab allocation that may need a new slab page and so may
    /// enter the allocator's slow path without FS reclaim — linked through b_this_page (not yet circular), b_blocknr
    /// −1, b_data the offset in the page. On failure frees what it got and returns null.
    /// </summary>
    internal BufferHead* AllocPageBuffers(Page* page, ulong size, bool retry)
    {
        uint gfp = Gfp.NoFs | Gfp.Account;
        if (retry)
            gfp |= Gfp.NoFail;
        // memalloc_use_memcg(page->mem_cgroup) would charge the buffer_heads to the page's group: slab objects are
        // not charged to page counters in this emulator (no kmem accounting; see Memory cgroups).
        BufferHead* head = null;
        long offset = Pfn.PageSize;
        while ((offset -= (long)size) >= 0)
        {
            BufferHead* bh = AllocBufferHead(gfp);
            if (bh == null)
            {
                while (head != null)
                {
                    BufferHead* next = head->BThisPage;
                    FreeBufferHead(head);
                    head = next;
                }
                return null;
            }
            bh->BThisPage = head;
            bh->BBlocknr = ulong.MaxValue;
            head = bh;
            bh->BSize = size;
            bh->BPage = page;       // set_bh_page
            bh->BData = (ulong)offset;
        }
        return head;
    }

    /// <summary>
    /// <c>attach_page_buffers</c> (v5.4): <c>get_page</c>, SetPagePrivate, <c>set_page_private(page, head)</c>.
    /// </summary>
    private static void AttachPageBuffers(Page* page, BufferHead* head)
    {
        page->RefCount++;
        SetPagePrivate(page);
        page->Private = (ulong)head;
    }

    /// <summary>
    /// <c>create_empty_buffers(page, blocksize, b_state)</c>: alloc_page_buffers with retry, OR in b_state, close the
    /// ring; buffers of an uptodate / dirty page become uptodate / dirty; attach them to the page.
    /// </summary>
    internal void CreateEmptyBuffers(Page* page, ulong blocksize, ulong bState)
    {
        BufferHead* head = AllocPageBuffers(page, blocksize, retry: true);
        if (head == null)
            ThrowNofailFailed();
        BufferHead* bh = head, tail = null;
        do
        {
            bh->BState |= bState;
            tail = bh;
            bh = bh->BThisPage;
        }
        while (bh != null);
        tail->BThisPage = head;
        if (PageUptodate(page) || PageDirty(page))
        {
            bh = head;
            do
            {
                if (PageDirty(page))
                    bh->BState |= 1UL << BhState.Dirty;
                if (PageUptodate(page))
                    bh->BState |= 1UL << BhState.Uptodate;
                bh = bh->BThisPage;
            }
            while (bh != head);
        }
        AttachPageBuffers(page, head);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNofailFailed() =>
        throw new InvalidOperationException("alloc_page_buffers: a __GFP_NOFAIL allocation returned NULL (BUG)");

    /// <summary>
    /// The buffer-head part of <c>block_write_begin</c> → <c>__block_write_begin</c> for a whole-page write: a page
    /// without buffers gets them (<c>create_empty_buffers(page, 1 &lt;&lt; i_blkbits, 0)</c>), and every buffer is
    /// mapped to the block of its file offset (the emulated <c>get_block</c>).
    /// </summary>
    internal void BlockWriteBeginBuffers(Page* page, Inode* inode)
    {
        ulong blocksize = 1UL << inode->IBlkbits;
        if (!PagePrivate(page))
            CreateEmptyBuffers(page, blocksize, 0);
        BufferHead* head = PageBuffers(page), bh = head;
        ulong block = (page->Index << Pfn.PageShift) >> inode->IBlkbits;
        do
        {
            bh->BBlocknr = block++;
            bh->BState |= 1UL << BhState.Mapped;
            bh = bh->BThisPage;
        }
        while (bh != head);
    }

    /// <summary>
    /// <c>__block_commit_write</c> for a whole page: every buffer uptodate and <c>mark_buffer_dirty</c> (the page is
    /// dirtied by the caller's set_page_dirty, as mark_buffer_dirty's __set_page_dirty would).
    /// </summary>
    internal static void BlockCommitWriteBuffers(Page* page)
    {
        BufferHead* head = PageBuffers(page), bh = head;
        do
        {
            bh->BState |= (1UL << BhState.Uptodate) | (1UL << BhState.Dirty);
            bh = bh->BThisPage;
        }
        while (bh != head);
    }

    /// <summary>
    /// The buffer part of <c>__block_write_full_page</c>: each dirty mapped buffer is locked, cleaned
    /// (test_clear_buffer_dirty) and marked async-write before the page goes under writeback and is submitted.
    /// </summary>
    internal static void BlockWriteFullPageBuffers(Page* page)
    {
        BufferHead* head = PageBuffers(page), bh = head;
        do
        {
            if ((bh->BState & (1UL << BhState.Dirty)) != 0)
            {
                bh->BState &= ~(1UL << BhState.Dirty);
                bh->BState |= (1UL << BhState.Lock) | (1UL << BhState.AsyncWrite) | (1UL << BhState.Req);
            }
            bh = bh->BThisPage;
        }
        while (bh != head);
    }

    /// <summary>
    /// <c>end_buffer_async_write</c> for every buffer of the page (the last one then calls end_page_writeback):
    /// uptodate, async-write cleared, unlocked.
    /// </summary>
    internal static void EndBufferAsyncWritePage(Page* page)
    {
        BufferHead* head = PageBuffers(page), bh = head;
        do
        {
            if ((bh->BState & (1UL << BhState.AsyncWrite)) != 0)
            {
                bh->BState |= 1UL << BhState.Uptodate;
                bh->BState &= ~((1UL << BhState.AsyncWrite) | (1UL << BhState.Lock));
            }
            bh = bh->BThisPage;
        }
        while (bh != head);
    }

    /// <summary>
    /// <c>drop_buffers</c>: fail if any buffer is busy (referenced, dirty or locked); else detach the ring from the
    /// page (<c>__clear_page_buffers</c>: ClearPagePrivate, private 0, put_page) and hand it back for freeing.
    /// </summary>
    private static bool DropBuffers(Page* page, out BufferHead* buffersToFree)
    {
        buffersToFree = null;
        BufferHead* head = PageBuffers(page), bh = head;
        do
        {
            if (BhState.BufferBusy(bh))
                return false;
            bh = bh->BThisPage;
        }
        while (bh != head);
        // __remove_assoc_queue: no b_assoc_map lists are emulated.
        buffersToFree = head;
        ClearPagePrivate(page);
        page->Private = 0;
        page->RefCount--;      // put_page: the caller still holds its own reference
        return true;
    }

    /// <summary>
    /// Mirrors <c>try_to_free_buffers(page)</c> (fs/buffer.c v5.4): nothing under writeback; drop_buffers, and for a
    /// page still in a mapping, <c>cancel_dirty_page</c> once the buffers are gone (a filesystem that wrote its
    /// buffers by hand leaves a dirty page with clean buffers); free the buffer heads. Returns success.
    /// </summary>
    internal bool TryToFreeBuffers(Page* page)
    {
        if (PageWriteback(page))
            return false;
        nint mapping = (nint)PageMappingFile(page);
        bool ret = DropBuffers(page, out BufferHead* buffersToFree);
        if (ret && mapping != 0)
            CancelDirtyPage(page);
        if (buffersToFree != null)
        {
            BufferHead* bh = buffersToFree;
            do
            {
                BufferHead* next = bh->BThisPage;
                FreeBufferHead(bh);
                bh = next;
            }
            while (bh != buffersToFree);
        }
        return ret;
    }

    /// <summary>
    /// <c>cancel_dirty_page</c> → <c>account_page_cleaned</c>: a dirty page-cache page goes clean without I/O.
    /// </summary>
    internal void CancelDirtyPage(Page* page)
    {
        if (!TestClearPageDirty(page))
            return;
        ModLruvecPageState(page, NodeStatItem.NrFileDirty, -1);
        ModZonePageState(PageZone(page), ZoneStatItem.NrZoneWritePending, -1);
    }

    /// <summary>
    /// Mirrors <c>try_to_release_page(page, gfp_mask)</c> (mm/filemap.c): refuse a page under writeback; the emulated
    /// buffer-head filesystems have no <c>->releasepage</c>, so <c>try_to_free_buffers</c>.
    /// </summary>
    internal bool TryToReleasePage(Page* page, uint gfpMask)
    {
        System.Diagnostics.Debug.Assert(PageLocked(page));
        if (PageWriteback(page))
            return false;
        return TryToFreeBuffers(page);
    }

    /// <summary>
    /// <c>buffer_migrate_page</c>'s buffer move (mm/migrate.c): the private reference and PG_private travel with the
    /// page's flags and count; each buffer's b_page follows to <paramref name="newPage"/>.
    /// </summary>
    internal static void MigrateBuffers(Page* page, Page* newPage)
    {
        BufferHead* head = PageBuffers(page), bh = head;
        do
        {
            bh->BPage = newPage;
            bh = bh->BThisPage;
        }
        while (bh != head);
    }

    /// <summary>Whether any buffer of the page is locked (buffer_migrate_lock_buffers would have to wait).</summary>
    internal static bool PageBuffersLocked(Page* page)
    {
        BufferHead* head = PageBuffers(page), bh = head;
        do
        {
            if ((bh->BState & (1UL << BhState.Lock)) != 0)
                return true;
            bh = bh->BThisPage;
        }
        while (bh != head);
        return false;
    }
}
