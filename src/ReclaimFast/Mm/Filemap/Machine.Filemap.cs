using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/filemap.c: files, the page cache (xarray of pages and shadow entries) and filemap_fault.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// Creates a file of <paramref name="sizePages"/> pages whose page <c>i</c> holds the content token
    /// <see cref="FileToken"/>(ino, i), and opens it (the returned <c>File*</c> holds one reference).
    /// </summary>
    internal Mm.Filemap.File* CreateFile(ulong sizePages)
    {
        EnsureMmState();
        Inode* inode = _inodePool.Alloc();
        inode->Ino = _nextIno++;
        inode->SizePages = sizePages;
        inode->Count = 1;
        inode->Token = Heap.AllocArray<ulong>((long)Math.Max(1UL, sizePages));
        inode->DiskToken = Heap.AllocArray<ulong>((long)Math.Max(1UL, sizePages));
        inode->TokenCapacity = Math.Max(1UL, sizePages);
        for (ulong i = 0; i < sizePages; i++)
            inode->Token[i] = inode->DiskToken[i] = FileToken(inode->Ino, i);
        inode->IData.Host = inode;
        inode->IData.GfpMask = GfpUserMovable;
        ListHead.Init(&inode->IData.IMmap);
        ListHead.Init(&inode->IIoList);
        Mm.Filemap.File* file = _filePool.Alloc();
        file->FInode = inode;
        file->FMapping = &inode->IData;
        file->FCount = 1;
        if (_defaultBlocksize != 0)
            SetFileBlockBacked(file, _defaultBlocksize);
        return file;
    }

    /// <summary><c>find_get_page</c>: the cached page at <paramref name="offset"/> with a reference taken, or null (also for a shadow entry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Page* FindGetPage(AddressSpace* mapping, ulong offset)
    {
        ulong entry = mapping->IPages.Load(offset);
        if (entry == 0 || XArray.IsValue(entry))
            return null;
        Page* page = (Page*)entry;
        GetPage(page);
        return page;
    }

    /// <summary>
    /// <c>add_to_page_cache_lru</c>: lock the page, <c>__add_to_page_cache_locked</c> (cache reference,
    /// mapping/index, xarray store replacing any shadow, nrpages, NR_FILE_PAGES), then <c>lru_cache_add</c>.
    /// Returns the shadow entry replaced (0 if none), on which <c>workingset_refault</c> ran.
    /// </summary>
    internal ulong AddToPageCacheLru(Page* page, AddressSpace* mapping, ulong offset) =>
        AddToPageCacheLru(page, mapping, offset, mapping->GfpMask);

    /// <summary>
    /// <c>add_to_page_cache_lru(page, mapping, offset, gfp_mask)</c>: as above; a shadow is checked for a refault
    /// only when <paramref name="gfpMask"/> lacks <c>__GFP_WRITE</c> (a buffered write is not a refault).
    /// </summary>
    internal ulong AddToPageCacheLru(Page* page, AddressSpace* mapping, ulong offset, uint gfpMask)
    {
        // __add_to_page_cache_locked's mem_cgroup_try_charge (current->mm's group). Departure: callers here cannot
        // fail the insertion, so a charge the group refuses without OOM (non-blocking gfp) is forced instead.
        nint memcg = 0;
        if (_rootMemCgroup != null && MemCgroupTryCharge(page, null, gfpMask, out memcg) != 0)
            memcg = MemCgroupForceCharge(page);
        __SetPageLocked(page);
        GetPage(page);
        page->Mapping = (ulong)mapping;
        page->Index = offset;
        ulong old = mapping->IPages.Store(offset, (ulong)page, ref _xaNodePool, _pageCacheXaUpdate);
        ulong shadow = 0;
        if (old != 0)
        {
            if (!XArray.IsValue(old))
                throw new InvalidOperationException($"add_to_page_cache: offset {offset} already cached");
            shadow = old;
            mapping->NrExceptional--;
        }
        mapping->NrPages++;
        ModFilePages(page, 1);
        MemCgroupCommitCharge(page, memcg, false);
        // A shadow left by reclaim: refault detection may activate the page before it joins the LRU.
        if (shadow != 0 && (gfpMask & Mm.PageAlloc.Gfp.Write) == 0)
            WorkingsetRefault(page, shadow);
        LruCacheAdd(page);
        return shadow;
    }

    /// <summary>
    /// <c>__delete_from_page_cache</c>: replace the page by <paramref name="shadow"/> (a value entry, or 0),
    /// clear its mapping, nrpages and NR_FILE_PAGES. The cache's reference is the caller's to drop.
    /// </summary>
    internal void __DeleteFromPageCache(Page* page, ulong shadow)
    {
        AddressSpace* mapping = (AddressSpace*)page->Mapping;
        mapping->IPages.Store(page->Index, shadow, ref _xaNodePool, _pageCacheXaUpdate);
        if (shadow != 0)
            mapping->NrExceptional++;
        page->Mapping = 0;
        mapping->NrPages--;
        ModFilePages(page, -1);
    }

    /// <summary>
    /// <c>filemap_fault</c>: find the page in the cache, or (a major fault) allocate it, add it to the cache
    /// and read it in. There is no event loop yet, so the read's simulated latency is added to
    /// <see cref="IoJiffiesPending"/> and the read completes at once with the file's token. Readahead is not
    /// modelled. Returns with the page locked and a reference held (VM_FAULT_LOCKED).
    /// </summary>
    internal VmFault FilemapFault(VmAreaStruct* vma, ulong pgoff, out Page* page)
    {
        Mm.Filemap.File* file = vma->VmFile;
        AddressSpace* mapping = file->FMapping;
        Inode* inode = mapping->Host;
        page = null;
        if (pgoff >= inode->SizePages)
            return VmFault.SigBus;
        VmFault ret = VmFault.None;
        Page* p = FindGetPage(mapping, pgoff);
        if (p == null)
        {
            CountPgMajFault();
            CountMemcgEventMm(vma->VmMm, Mm.Memcontrol.MemcgVmEvent.Pgmajfault);
            ret = VmFault.Major;
            // pagecache_get_page(FGP_CREAT | FGP_FOR_MMAP)
            p = MmAllocPage(mapping->GfpMask);
            if (p == null)
                return VmFault.Oom;
            AddToPageCacheLru(p, mapping, pgoff);
            ClearPageLocked(p); // FGP_FOR_MMAP returns the new page unlocked
        }
        __SetPageLocked(p); // lock_page
        if (!PageUptodate(p))
        {
            // page_not_uptodate → ->readpage: the I/O brings in the file's content for this offset
            IoJiffiesPending += PageCacheReadLatencyJiffies;
            ContentToken[PageToPfn(p)] = inode->DiskToken[pgoff];
            SetPageUptodate(p);
        }
        page = p;
        return ret | VmFault.Locked;
    }
}
