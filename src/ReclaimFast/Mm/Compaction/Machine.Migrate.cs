using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Compaction;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/migrate.c for order-0 LRU pages, with compaction's target allocator. Departure on purpose: instead of
// replacing PTEs by migration entries (try_to_unmap(TTU_MIGRATION)) and restoring them (remove_migration_ptes),
// one rmap walk retargets every PTE of the old page to the new page in place, keeping its bits. Nothing can fault
// in between (one task runs at a time), so the result is the same.
public sealed unsafe partial class Machine
{
    private const int MigratepageSuccess = 0;
    private const int Eagain = 11, Enomem = 12;
    private const int MigrateMaxPasses = 10;

    // Flags that follow the data (migrate_page_states); PG_lru, PG_locked, PG_writeback, PG_waiters and the
    // zone/node bits stay with each page.
    private const ulong MigrateFlagsMask =
        (1UL << (int)PG.Referenced) | (1UL << (int)PG.Uptodate) | (1UL << (int)PG.Dirty) | (1UL << (int)PG.Active)
        | (1UL << (int)PG.Workingset) | (1UL << (int)PG.Error) | (1UL << (int)PG.OwnerPriv1) | (1UL << (int)PG.Private)
        | (1UL << (int)PG.Private2) | (1UL << (int)PG.MappedToDisk) | (1UL << (int)PG.Reclaim)
        | (1UL << (int)PG.SwapBacked) | (1UL << (int)PG.Unevictable) | (1UL << (int)PG.Mlocked)
        | (1UL << (int)PG.Young) | (1UL << (int)PG.Idle);

    /// <summary>The rmap walk that retargets each PTE mapping the old page (see the file comment).</summary>
    private struct RemapPtes : IRmapWalkControl
    {
        public Page* NewPage;
        public int Remapped;

        public bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address)
        {
            ulong* pte = m.PageVmaMappedPte(page, vma, address);
            if (pte != null)
            {
                *pte = Pte.PfnPte(m.PageToPfn(NewPage), *pte & ~Pte.PfnMask);
                Remapped++;
            }
            return true;
        }

        public readonly bool Done(Page* page) => false;

        public readonly bool InvalidVma(VmAreaStruct* vma) => false;
    }

    /// <summary>
    /// <c>__unmap_and_move</c> + <c>move_to_new_page</c> + <c>migrate_page_move_mapping</c> + <c>migrate_page_copy</c>
    /// for an order-0 page: refuse a locked page or one with unexpected references (−EAGAIN), or one under writeback
    /// (−EBUSY); else copy
    /// the content token, move the page-cache or swap-cache slot, mapping, index, private, memcg, flags, mapcount and
    /// references to <paramref name="newPage"/>, retarget the PTEs, and leave the old page with only the isolation
    /// reference.
    /// </summary>
    private int MovePageToNew(Page* page, Page* newPage)
    {
        if (PageLocked(page))
            return -Eagain;       // trylock_page failed (no waiting: nothing else runs)
        if (PageWriteback(page))
            return -Ebusy;        // only MIGRATE_SYNC waits for writeback; not used by compaction
        bool swapCache = PageSwapCache(page);
        AddressSpace* mapping = swapCache ? null : (AddressSpace*)PageMappingFile(page);
        int cacheRefs = (mapping != null || swapCache) ? 1 : 0;
        // expected_page_refs, with the PTE references still in place: isolation + one per mapping + the cache's.
        // buffer_migrate_page: the buffer heads' reference is expected too; locked buffers would need waiting.
        bool buffers = PagePrivate(page) && mapping != null;
        int expected = 1 + PageMapcount(page) + cacheRefs + (buffers ? 1 : 0);
        if (page->RefCount != expected || (buffers && PageBuffersLocked(page)))
            return -Eagain;
        __SetPageLocked(page);
        __SetPageLocked(newPage);

        ulong oldPfn = PageToPfn(page), newPfn = PageToPfn(newPage);
        _contentToken[newPfn] = _contentToken[oldPfn];   // migrate_page_copy

        newPage->Index = page->Index;
        newPage->Mapping = page->Mapping;
        newPage->Private = page->Private;
        newPage->MemCgroup = page->MemCgroup;
        newPage->Flags = (newPage->Flags & ~MigrateFlagsMask) | (page->Flags & MigrateFlagsMask);
        if (swapCache)
            *SwapCacheSlot(new SwpEntry(page->Private)) = newPage;
        else if (mapping != null)
            mapping->IPages.Store(page->Index, (ulong)newPage, ref _xaNodePool, _pageCacheXaUpdate);
        if (buffers)
            MigrateBuffers(page, newPage);
        // Same zone and node: NR_FILE_PAGES, NR_SHMEM, NR_FILE_DIRTY, NR_ANON_MAPPED need no transfer.

        if (PageMapped(page))
        {
            RemapPtes walk = default;
            walk.NewPage = newPage;
            RmapWalk(page, ref walk);
        }
        // References and mappings move: the new page keeps its allocation reference as the isolation one.
        newPage->MapCount = page->MapCount;
        newPage->RefCount = page->RefCount;
        page->MapCount = -1;
        page->RefCount = 1;
        page->Mapping = 0;
        page->Private = 0;
        page->MemCgroup = 0;
        page->Flags &= ~MigrateFlagsMask;

        __ClearPageLocked(page);
        __ClearPageLocked(newPage);
        return MigratepageSuccess;
    }

    /// <summary>
    /// <c>unmap_and_move</c>: get a target from compaction, move the page; on a final result take it off the list
    /// (NR_ISOLATED back down) and either free the old page (success) or put it back on the LRU, the new page
    /// following it onto the LRU or back to compaction's free list.
    /// </summary>
    private int UnmapAndMove(CompactControl* cc, Page* page)
    {
        Page* newPage = CompactionAlloc(cc);
        if (newPage == null)
            return -Enomem;
        int rc;
        if (page->RefCount == 1)
        {
            // The page was freed from under us: only the isolation reference is left.
            ClearPageActive(page);
            ClearPageUnevictable(page);
            rc = MigratepageSuccess;
            ListHead.Del(page->LruPtr);
            ModNodePageState(PagePgdat(page), NodeStatItem.NrIsolatedAnon + PageIsFileCacheInt(page), -1);
            PutPage(page);
            CompactionFree(newPage, cc);
            return rc;
        }
        rc = MovePageToNew(page, newPage);
        if (rc != -Eagain)
        {
            ListHead.Del(page->LruPtr);
            ModNodePageState(PagePgdat(page), NodeStatItem.NrIsolatedAnon + PageIsFileCacheInt(newPage), -1);
        }
        if (rc == MigratepageSuccess)
        {
            PutbackLruPage(newPage);
            PutPage(page);
        }
        else
        {
            if (rc != -Eagain)
                PutbackLruPage(page);
            CompactionFree(newPage, cc);
        }
        return rc;
    }

    /// <summary>
    /// <c>migrate_pages(from, compaction_alloc, compaction_free, cc, mode, MR_COMPACTION)</c>: up to 10 passes over
    /// the list retrying −EAGAIN pages; −ENOMEM (no target) ends it. Counts PGMIGRATE_SUCCESS / PGMIGRATE_FAIL and
    /// returns the number of pages not migrated (or −ENOMEM). Pages left on the list are the caller's to put back.
    /// </summary>
    internal int MigratePages(ListHead* from, CompactControl* cc, int mode)
    {
        int retry = 1, nrFailed = 0, nrSucceeded = 0, rc = 0;
        for (int pass = 0; pass < MigrateMaxPasses && retry != 0; pass++)
        {
            retry = 0;
            ListHead* next;
            for (ListHead* p = from->Next; p != from; p = next)
            {
                next = p->Next;
                Page* page = Page.FromLru(p);
                rc = UnmapAndMove(cc, page);
                if (rc == -Enomem)
                {
                    nrFailed++;
                    goto Out;
                }
                if (rc == -Eagain)
                    retry++;
                else if (rc == MigratepageSuccess)
                    nrSucceeded++;
                else
                    nrFailed++;
            }
        }
        nrFailed += retry;
        rc = nrFailed;
    Out:
        if (nrSucceeded != 0)
            CountVmEvent(VmEventItem.PgmigrateSuccess, nrSucceeded);
        if (nrFailed != 0)
            CountVmEvent(VmEventItem.PgmigrateFail, nrFailed);
        _ = mode; // SYNC_LIGHT and ASYNC behave alike here: nothing waits on locks or writeback.
        return rc;
    }
}
