using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Compaction;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/compaction.c: direct compaction — the migrate scanner walks up from the zone start isolating LRU pages, the free
// scanner walks down from the zone end isolating free pages, and migrate_pages moves the former into the latter.
// Simplified on purpose (each also said at its spot): no compaction capture (5.1's capture_control; freed sources go
// to the pcp lists and check_drain flushes them), no fast_find_migrateblock / fast_isolate_freepages, no
// too_many_isolated throttle, no skip_on_failure, and no kcompactd.
public sealed unsafe partial class Machine
{
    /// <summary>COMPACT_CLUSTER_MAX (= SWAP_CLUSTER_MAX): pages isolated per migrate batch.</summary>
    internal const int CompactClusterMax = 32;

    private const int IsolateAbort = 0, IsolateNone = 1, IsolateSuccess = 2;

    private static ulong PageblockStartPfn(ulong pfn) => pfn & ~(ulong)(MmZone.PageblockNrPages - 1);

    private static ulong PageblockEndPfn(ulong pfn) => PageblockStartPfn(pfn) + MmZone.PageblockNrPages;

    /// <summary><c>get_pageblock_skip</c>.</summary>
    internal bool GetPageblockSkip(ulong pfn) => GetPfnblockFlagsMask(pfn, MmZone.PbMigrateSkip, 1) != 0;

    /// <summary><c>set_pageblock_skip</c>.</summary>
    private void SetPageblockSkip(ulong pfn) => SetPfnblockFlagsMask(1, pfn, MmZone.PbMigrateSkip, 1);

    /// <summary><c>reset_cached_positions</c>: scanners restart at the zone's ends.</summary>
    private static void ResetCachedPositions(Zone* zone)
    {
        zone->CompactCachedMigratePfn[0] = zone->ZoneStartPfn;
        zone->CompactCachedMigratePfn[1] = zone->ZoneStartPfn;
        zone->CompactCachedFreePfn = PageblockStartPfn(MmZone.ZoneEndPfn(zone) - 1);
    }

    /// <summary><c>__reset_isolation_suitable</c>: clear every pageblock skip bit and the cached positions.</summary>
    internal void __ResetIsolationSuitable(Zone* zone)
    {
        ulong end = MmZone.ZoneEndPfn(zone);
        for (ulong pfn = zone->ZoneStartPfn; pfn < end; pfn = PageblockEndPfn(pfn))
            SetPfnblockFlagsMask(0, pfn, MmZone.PbMigrateSkip, 1);
        ResetCachedPositions(zone);
        zone->CompactBlockskipFlush = false;
    }

    /// <summary>
    /// <c>reset_isolation_suitable</c>: before kswapd sleeps, clear the skip hints of each populated zone in which a
    /// full compaction run finished (compact_blockskip_flush).
    /// </summary>
    internal void ResetIsolationSuitable(PglistData* pgdat)
    {
        for (int z = 0; z < MmZone.MaxNrZones; z++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, z);
            if (MmZone.PopulatedZone(zone) && zone->CompactBlockskipFlush)
                __ResetIsolationSuitable(zone);
        }
    }

    /// <summary><c>isolation_suitable</c>: the block's skip bit, unless hints are ignored.</summary>
    private bool IsolationSuitable(CompactControl* cc, ulong pfn) =>
        cc->IgnoreSkipHint || !GetPageblockSkip(pfn);

    /// <summary><c>update_cached_migrate</c>.</summary>
    private static void UpdateCachedMigrate(CompactControl* cc, ulong pfn)
    {
        Zone* zone = cc->Zone;
        pfn = PageblockEndPfn(pfn);
        if (pfn > zone->CompactCachedMigratePfn[0])
            zone->CompactCachedMigratePfn[0] = pfn;
        if (cc->Mode != MigrateMode.Async && pfn > zone->CompactCachedMigratePfn[1])
            zone->CompactCachedMigratePfn[1] = pfn;
    }

    /// <summary><c>update_pageblock_skip</c> (free scanner): mark the block and pull the cached free position down.</summary>
    private void UpdatePageblockSkip(CompactControl* cc, ulong pfn)
    {
        SetPageblockSkip(pfn);
        if (pfn < cc->Zone->CompactCachedFreePfn)
            cc->Zone->CompactCachedFreePfn = pfn;
    }

    /// <summary><c>compact_scanners_met</c>: the scanners are in the same pageblock or crossed.</summary>
    private static bool CompactScannersMet(CompactControl* cc) =>
        (cc->FreePfn >> MmZone.PageblockOrder) <= (cc->MigratePfn >> MmZone.PageblockOrder);

    // ---- the free scanner ----

    /// <summary>
    /// <c>__isolate_free_page</c>: take a free buddy block off its list if order-0 pages stay above min + 2^order;
    /// a block of at least half a pageblock turns its pageblock(s) MOVABLE.
    /// </summary>
    internal int __IsolateFreePage(Page* page, int order)
    {
        Zone* zone = PageZone(page);
        int mt = GetPageblockMigratetype(page);
        if (!MmZone.IsMigrateIsolate(mt))
        {
            ulong watermark = MmZone.MinWmarkPages(zone) + (1UL << order);
            if (!ZoneWatermarkOk(zone, 0, watermark, 0, AllocFlags.Cma))
                return 0;
            ModZoneFreepageState(zone, -(1L << order));
        }
        DelPageFromFreeArea(page, Zone.Area(zone, order));
        if (order >= MmZone.PageblockOrder - 1)
        {
            Page* endPage = page + (1 << order) - 1;
            for (; page < endPage; page += MmZone.PageblockNrPages)
            {
                int pmt = GetPageblockMigratetype(page);
                if (!MmZone.IsMigrateIsolate(pmt) && !MmZone.IsMigrateHighatomic(pmt))
                    SetPageblockMigratetype(page, (int)MigrateType.Movable);
            }
        }
        return 1 << order;
    }

    /// <summary>
    /// <c>isolate_freepages_block</c> (non-strict): free buddy blocks from <paramref name="startPfn"/> up to
    /// <paramref name="endPfn"/> go whole onto <paramref name="freelist"/> (order in <c>private</c>), until there
    /// are as many free pages as pages to migrate. Updates <paramref name="startPfn"/> to where it stopped.
    /// </summary>
    private ulong IsolateFreepagesBlock(CompactControl* cc, ref ulong startPfn, ulong endPfn, ListHead* freelist)
    {
        ulong nrScanned = 0, totalIsolated = 0;
        ulong blockpfn = startPfn;
        for (; blockpfn < endPfn; blockpfn++)
        {
            nrScanned++;
            Page* page = PfnToPage(blockpfn);
            if (!PageBuddy(page))
                continue;
            int order = PageOrder(page);
            int isolated = __IsolateFreePage(page, order);
            if (isolated == 0)
                break;
            page->Private = (ulong)order;
            totalIsolated += (ulong)isolated;
            cc->NrFreepages += (ulong)isolated;
            ListHead.AddTail(page->LruPtr, freelist);
            if (cc->NrMigratepages <= cc->NrFreepages)
            {
                blockpfn += (ulong)isolated;
                break;
            }
            blockpfn += (ulong)isolated - 1;
        }
        if (blockpfn > endPfn)
            blockpfn = endPfn;
        startPfn = blockpfn;
        cc->TotalFreeScanned += nrScanned;
        if (totalIsolated != 0)
            CountVmEvent(VmEventItem.CompactIsolated, (long)totalIsolated);
        return totalIsolated;
    }

    /// <summary>
    /// <c>suitable_migration_target</c>: not a free block of pageblock order or more; a MOVABLE pageblock unless
    /// block suitability is ignored (SYNC_FULL).
    /// </summary>
    private bool SuitableMigrationTarget(CompactControl* cc, Page* page)
    {
        if (PageBuddy(page) && PageOrder(page) >= MmZone.PageblockOrder)
            return false;
        if (cc->IgnoreBlockSuitable)
            return true;
        return GetPageblockMigratetype(page) == (int)MigrateType.Movable;
    }

    /// <summary>
    /// <c>split_map_pages</c>: each isolated block gets <c>post_alloc_hook</c> (refcount 1) and is split into
    /// order-0 pages on the list.
    /// </summary>
    private static void SplitMapPages(ListHead* list)
    {
        ListHead tmp;
        ListHead.Init(&tmp);
        while (!ListHead.Empty(list))
        {
            Page* page = Page.FromLru(list->Next);
            ListHead.Del(page->LruPtr);
            int order = (int)page->Private;
            page->Private = 0;
            page->RefCount = 1;
            if (order != 0)
                SplitPage(page, order);
            for (int i = 0; i < 1 << order; i++)
                ListHead.AddTail(page[i].LruPtr, &tmp);
        }
        ListHead.SpliceTail(&tmp, list);
    }

    /// <summary>
    /// <c>isolate_freepages</c>: walk pageblocks down from <c>free_pfn</c> to just above the migrate scanner, taking
    /// free pages from suitable blocks until there are enough targets; record where to resume.
    /// (fast_isolate_freepages is not emulated.)
    /// </summary>
    private void IsolateFreepages(CompactControl* cc)
    {
        Zone* zone = cc->Zone;
        ListHead* freelist = &cc->FreePages;
        ulong isolateStartPfn = cc->FreePfn;
        long blockStartPfn = (long)PageblockStartPfn(cc->FreePfn);
        ulong blockEndPfn = System.Math.Min((ulong)blockStartPfn + MmZone.PageblockNrPages, MmZone.ZoneEndPfn(zone));
        long lowPfn = (long)PageblockEndPfn(cc->MigratePfn);
        for (; blockStartPfn >= lowPfn;
             blockEndPfn = (ulong)blockStartPfn, blockStartPfn -= MmZone.PageblockNrPages, isolateStartPfn = (ulong)blockStartPfn)
        {
            ulong start = System.Math.Max((ulong)blockStartPfn, zone->ZoneStartPfn);
            Page* page = PfnToPage(start);
            if (!SuitableMigrationTarget(cc, page))
                continue;
            if (!IsolationSuitable(cc, start))
                continue;
            ulong nrIsolated = IsolateFreepagesBlock(cc, ref isolateStartPfn, blockEndPfn, freelist);
            if (isolateStartPfn == blockEndPfn && nrIsolated == 0)
                UpdatePageblockSkip(cc, start);
            if (cc->NrFreepages >= cc->NrMigratepages)
            {
                // Restart at the previous pageblock if this one is exhausted.
                if (isolateStartPfn >= blockEndPfn)
                    isolateStartPfn = (ulong)System.Math.Max(blockStartPfn - MmZone.PageblockNrPages, 0);
                break;
            }
            if (isolateStartPfn < blockEndPfn)
                break; // isolation failed early (watermark): do not continue needlessly
        }
        SplitMapPages(freelist);
        cc->FreePfn = isolateStartPfn;
    }

    /// <summary><c>compaction_alloc</c>: the migration target allocator — the next isolated free page.</summary>
    internal Page* CompactionAlloc(CompactControl* cc)
    {
        if (ListHead.Empty(&cc->FreePages))
        {
            IsolateFreepages(cc);
            if (ListHead.Empty(&cc->FreePages))
                return null;
        }
        Page* page = Page.FromLru(cc->FreePages.Next);
        ListHead.Del(page->LruPtr);
        cc->NrFreepages--;
        return page;
    }

    /// <summary><c>compaction_free</c>: an unused target goes back to the isolated free list.</summary>
    internal static void CompactionFree(Page* page, CompactControl* cc)
    {
        ListHead.Add(page->LruPtr, &cc->FreePages);
        cc->NrFreepages++;
    }

    /// <summary><c>release_freepages</c>: free the unused targets; returns the highest PFN released.</summary>
    private ulong ReleaseFreepages(ListHead* freelist)
    {
        ulong highPfn = 0;
        while (!ListHead.Empty(freelist))
        {
            Page* page = Page.FromLru(freelist->Next);
            ListHead.Del(page->LruPtr);
            ulong pfn = PageToPfn(page);
            if (pfn > highPfn)
                highPfn = pfn;
            PutPage(page);
        }
        return highPfn;
    }

    // ---- the migrate scanner ----

    /// <summary>
    /// <c>isolate_migratepages_block</c>: from <paramref name="lowPfn"/> to <paramref name="endPfn"/>, isolate LRU
    /// pages that can move (not pinned beyond their mappings, not file pages for !__GFP_FS, not under writeback or
    /// locked) onto <c>migratepages</c>, up to COMPACT_CLUSTER_MAX; returns where it stopped. Free and compound pages
    /// are skipped whole. A block scanned to its end without isolating anything gets its skip bit.
    /// (too_many_isolated and skip_on_failure are not emulated.)
    /// </summary>
    private ulong IsolateMigratepagesBlock(CompactControl* cc, ulong lowPfn, ulong endPfn)
    {
        ulong nrScanned = 0, nrIsolated = 0;
        ulong startPfn = lowPfn;
        for (; lowPfn < endPfn; lowPfn++)
        {
            nrScanned++;
            Page* page = PfnToPage(lowPfn);
            if (PageBuddy(page))
            {
                int freepageOrder = PageOrder(page);
                if ((uint)freepageOrder < MmZone.MaxOrder)
                    lowPfn += (1UL << freepageOrder) - 1;
                continue;
            }
            if (PageCompound(page))
            {
                lowPfn += (1UL << CompoundOrder(CompoundHead(page))) - 1;
                continue;
            }
            if (!PageLRU(page))
                continue;
            // Pinned anonymous pages (more references than mappings) cannot move.
            bool hasMapping = PageMappingFile(page) != null || PageSwapCache(page);
            if (!hasMapping && PageCount(page) > PageMapcount(page))
                continue;
            // Only allow file pages to move if the caller may enter the filesystem.
            if ((cc->GfpMask & Gfp.Fs) == 0 && hasMapping)
                continue;
            // __isolate_lru_page's ISOLATE_ASYNC_MIGRATE: no writeback; simplified: locked and writeback pages are
            // skipped in every mode (nothing here can wait on them).
            if (PageWriteback(page) || PageLocked(page))
                continue;
            if (IsolateLruPage(page) != 0)
                continue;
            ModNodePageState(PagePgdat(page), NodeStatItem.NrIsolatedAnon + PageIsFileCacheInt(page), 1);
            ListHead.Add(page->LruPtr, &cc->MigratePages);
            cc->NrMigratepages++;
            nrIsolated++;
            if (cc->NrMigratepages == CompactClusterMax && !cc->Rescan)
            {
                lowPfn++;
                break;
            }
        }
        if (lowPfn > endPfn)
            lowPfn = endPfn;
        if (lowPfn == endPfn && (nrIsolated == 0 || cc->Rescan))
        {
            if (!cc->IgnoreSkipHint)
                SetPageblockSkip(System.Math.Max(PageblockStartPfn(startPfn), cc->Zone->ZoneStartPfn));
            UpdateCachedMigrate(cc, lowPfn);
        }
        cc->TotalMigrateScanned += nrScanned;
        if (nrIsolated != 0)
            CountVmEvent(VmEventItem.CompactIsolated, (long)nrIsolated);
        return lowPfn;
    }

    private static int PageIsFileCacheInt(Page* page) => PageSwapBacked(page) ? 0 : 1;

    /// <summary>
    /// <c>suitable_migration_source</c>: sync modes take any block; async direct compaction only blocks of the
    /// allocation's migratetype (MOVABLE requests: MOVABLE blocks).
    /// </summary>
    private bool SuitableMigrationSource(CompactControl* cc, Page* page)
    {
        if (cc->Mode != MigrateMode.Async || !cc->DirectCompaction)
            return true;
        return GetPageblockMigratetype(page) == cc->Migratetype;
    }

    /// <summary>
    /// <c>isolate_migratepages</c>: from <c>migrate_pfn</c>, the first pageblock below the free scanner that is
    /// not skipped and is a suitable source gets scanned; <c>migrate_pfn</c> moves past what was scanned.
    /// (fast_find_migrateblock is not emulated.)
    /// </summary>
    private int IsolateMigratepages(CompactControl* cc)
    {
        Zone* zone = cc->Zone;
        ulong lowPfn = cc->MigratePfn;
        ulong blockStartPfn = System.Math.Max(PageblockStartPfn(lowPfn), zone->ZoneStartPfn);
        ulong blockEndPfn = PageblockEndPfn(lowPfn);
        ulong zoneEnd = MmZone.ZoneEndPfn(zone);
        for (; blockEndPfn <= cc->FreePfn;
             lowPfn = blockEndPfn, blockStartPfn = blockEndPfn, blockEndPfn += MmZone.PageblockNrPages)
        {
            ulong end = System.Math.Min(blockEndPfn, zoneEnd);
            Page* page = PfnToPage(blockStartPfn);
            if ((lowPfn & (MmZone.PageblockNrPages - 1)) == 0 && !IsolationSuitable(cc, blockStartPfn))
                continue;
            if (!SuitableMigrationSource(cc, page))
            {
                UpdateCachedMigrate(cc, blockEndPfn);
                continue;
            }
            lowPfn = IsolateMigratepagesBlock(cc, lowPfn, end);
            break;
        }
        cc->MigratePfn = lowPfn;
        return cc->NrMigratepages != 0 ? IsolateSuccess : IsolateNone;
    }

    /// <summary><c>putback_movable_pages</c>: undo isolation of the pages left on the list.</summary>
    private void PutbackMovablePages(ListHead* list)
    {
        while (!ListHead.Empty(list))
        {
            Page* page = Page.FromLru(list->Next);
            ListHead.Del(page->LruPtr);
            ModNodePageState(PagePgdat(page), NodeStatItem.NrIsolatedAnon + PageIsFileCacheInt(page), -1);
            PutbackLruPage(page);
        }
    }

    // ---- the compaction run ----

    /// <summary>
    /// <c>__compact_finished</c> + <c>compact_finished</c>: COMPLETE / PARTIAL_SKIPPED when the scanners met,
    /// CONTINUE inside a pageblock, SUCCESS once a free block of the order exists for the migratetype (or a
    /// fallback it may steal), else CONTINUE.
    /// </summary>
    private int CompactFinished(CompactControl* cc)
    {
        int ret = __CompactFinished(cc);
        if (ret == CompactResult.NoSuitablePage)
            ret = CompactResult.Continue;
        return ret;
    }

    private int __CompactFinished(CompactControl* cc)
    {
        Zone* zone = cc->Zone;
        if (CompactScannersMet(cc))
        {
            ResetCachedPositions(zone);
            if (cc->DirectCompaction)
                zone->CompactBlockskipFlush = true;
            return cc->WholeZone ? CompactResult.Complete : CompactResult.PartialSkipped;
        }
        if (cc->Order == -1)
            return CompactResult.Continue;
        // Always finish scanning a pageblock (fewer fallbacks later).
        if ((cc->MigratePfn & (MmZone.PageblockNrPages - 1)) != 0)
            return CompactResult.Continue;
        int ret = CompactResult.NoSuitablePage;
        for (int order = cc->Order; order < MmZone.MaxOrder; order++)
        {
            FreeArea* area = Zone.Area(zone, order);
            if (!FreeArea.Empty(area, cc->Migratetype))
                return CompactResult.Success;
            if (FindSuitableFallback(area, order, cc->Migratetype, true, out _) != -1)
            {
                // Movable requests and async/aligned runs may steal the fallback block.
                return CompactResult.Success;
            }
        }
        if (cc->Contended)
            ret = CompactResult.Contended;
        return ret;
    }

    /// <summary>
    /// <c>compact_zone</c>: bail out unless <c>compaction_suitable</c> says CONTINUE; reset skip hints when the
    /// deferral ran out; start the scanners at the cached (or, for SYNC_FULL, the zone's) ends; then isolate a batch,
    /// migrate it, put back failures, and drain the CPU's lists whenever the migrate scanner leaves an order-aligned
    /// block it migrated from, until <c>compact_finished</c> says stop. Traces mm_compaction_begin/end.
    /// </summary>
    internal int CompactZone(CompactControl* cc)
    {
        Zone* zone = cc->Zone;
        ulong startPfn = zone->ZoneStartPfn, endPfn = MmZone.ZoneEndPfn(zone);
        int sync = cc->Mode != MigrateMode.Async ? 1 : 0;
        cc->Migratetype = Gfp.GfpflagsToMigratetype(cc->GfpMask, _pageGroupByMobilityDisabled);
        int ret = CompactionSuitable(zone, cc->Order, cc->AllocFlags, cc->ClasszoneIdx);
        if (ret == CompactResult.Success || ret == CompactResult.Skipped)
            return ret;
        if (CompactionRestarting(zone, cc->Order))
            __ResetIsolationSuitable(zone);
        // Boot leaves the cached positions zero: treat that as "never set" (the kernel's reset at first use).
        if (zone->CompactCachedFreePfn == 0)
            ResetCachedPositions(zone);

        if (cc->WholeZone)
        {
            cc->MigratePfn = startPfn;
            cc->FreePfn = PageblockStartPfn(endPfn - 1);
        }
        else
        {
            cc->MigratePfn = zone->CompactCachedMigratePfn[sync];
            cc->FreePfn = zone->CompactCachedFreePfn;
            if (cc->FreePfn < startPfn || cc->FreePfn >= endPfn)
            {
                cc->FreePfn = PageblockStartPfn(endPfn - 1);
                zone->CompactCachedFreePfn = cc->FreePfn;
            }
            if (cc->MigratePfn < startPfn || cc->MigratePfn >= endPfn)
            {
                cc->MigratePfn = startPfn;
                zone->CompactCachedMigratePfn[0] = startPfn;
                zone->CompactCachedMigratePfn[1] = startPfn;
            }
            if (cc->MigratePfn == startPfn)
                cc->WholeZone = true;
        }

        ulong lastMigratedPfn = 0;
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_begin(startPfn, cc->MigratePfn, cc->FreePfn, endPfn, sync);

        LruAddDrain(); // migrate_prep_local

        while ((ret = CompactFinished(cc)) == CompactResult.Continue)
        {
            ulong iterStartPfn = cc->MigratePfn;
            cc->Rescan = lastMigratedPfn != 0 && PageblockStartPfn(lastMigratedPfn) == PageblockStartPfn(iterStartPfn);
            int isolated = IsolateMigratepages(cc);
            if (isolated == IsolateSuccess)
            {
                lastMigratedPfn = iterStartPfn;
                int err = MigratePages(&cc->MigratePages, cc, cc->Mode);
                cc->NrMigratepages = 0;
                if (err != 0)
                {
                    PutbackMovablePages(&cc->MigratePages);
                    if (err == -Enomem && !CompactScannersMet(cc))
                    {
                        ret = CompactResult.Contended;
                        break;
                    }
                    // Async direct compaction skips the rest of the order-aligned block after a failure.
                    if (cc->DirectCompaction && cc->Mode == MigrateMode.Async)
                    {
                        cc->MigratePfn = BlockEndPfn(cc->MigratePfn - 1, cc->Order);
                        lastMigratedPfn = 0;
                    }
                }
            }
            // check_drain: flush this CPU's freed pages once the scanner left the order-aligned block.
            if (cc->Order > 0 && lastMigratedPfn != 0)
            {
                ulong currentBlockStart = cc->MigratePfn & ~((1UL << cc->Order) - 1);
                if (lastMigratedPfn < currentBlockStart)
                {
                    LruAddDrainCpu(_currentCpu);
                    DrainLocalPages(zone);
                    lastMigratedPfn = 0;
                }
            }
        }

        if (cc->NrFreepages > 0)
        {
            ulong freePfn = PageblockStartPfn(ReleaseFreepages(&cc->FreePages));
            cc->NrFreepages = 0;
            if (freePfn > zone->CompactCachedFreePfn)
                zone->CompactCachedFreePfn = freePfn;
        }
        CountVmEvent(VmEventItem.CompactMigrateScanned, (long)cc->TotalMigrateScanned);
        CountVmEvent(VmEventItem.CompactFreeScanned, (long)cc->TotalFreeScanned);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_end(startPfn, cc->MigratePfn, cc->FreePfn, endPfn, sync, ret);
        return ret;
    }

    private static ulong BlockEndPfn(ulong pfn, int order) => (pfn & ~((1UL << order) - 1)) + (1UL << order);

    /// <summary>
    /// <c>compact_zone_order</c>: a direct compaction run of one zone at a priority (ASYNC → MIGRATE_ASYNC, else
    /// MIGRATE_SYNC_LIGHT; SYNC_FULL scans the whole zone ignoring skip hints and block suitability).
    /// </summary>
    internal int CompactZoneOrder(Zone* zone, int order, uint gfpMask, int prio, uint allocFlags, int classzoneIdx)
    {
        CompactControl cc = default;
        CompactControl* ccp = &cc;
        ListHead.Init(&ccp->FreePages);
        ListHead.Init(&ccp->MigratePages);
        ccp->Order = order;
        ccp->GfpMask = gfpMask;
        ccp->Zone = zone;
        ccp->Mode = prio == CompactPrioAsync ? MigrateMode.Async : MigrateMode.SyncLight;
        ccp->AllocFlags = allocFlags;
        ccp->ClasszoneIdx = classzoneIdx;
        ccp->DirectCompaction = true;
        ccp->WholeZone = prio == CompactPrioSyncFull;
        ccp->IgnoreSkipHint = prio == CompactPrioSyncFull;
        ccp->IgnoreBlockSuitable = prio == CompactPrioSyncFull;
        return CompactZone(ccp);
    }

    /// <summary>
    /// <c>try_to_compact_pages</c>: needs __GFP_IO; for each zone of the zonelist: DEFERRED if deferred (above
    /// SYNC_FULL), else compact it; SUCCESS resets the deferral (without alloc success) and stops; a non-async
    /// COMPLETE or PARTIAL_SKIPPED defers the zone. Returns the highest result.
    /// </summary>
    internal int TryToCompactPages(uint gfpMask, int order, uint allocFlags, AllocContext* ac, int prio)
    {
        int rc = CompactResult.Skipped;
        if ((gfpMask & Gfp.Io) == 0)
            return rc;
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_try_to_compact_pages(order, gfpMask, prio);
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask); z->Zone != null;
             z = NextZonesZonelist(z + 1, ac->HighZoneidx, ac->Nodemask))
        {
            Zone* zone = z->Zone;
            if (prio > CompactPrioSyncFull && CompactionDeferred(zone, order))
            {
                rc = System.Math.Max(CompactResult.Deferred, rc);
                continue;
            }
            int status = CompactZoneOrder(zone, order, gfpMask, prio, allocFlags, ac->ClasszoneIdx);
            rc = System.Math.Max(status, rc);
            if (status == CompactResult.Success)
            {
                CompactionDeferReset(zone, order, false);
                break;
            }
            if (prio != CompactPrioAsync && (status == CompactResult.Complete || status == CompactResult.PartialSkipped))
                DeferCompaction(zone, order);
            // need_resched / fatal_signal_pending: never true here.
        }
        return rc;
    }

    /// <summary>
    /// <c>compaction_zonelist_suitable</c>: would some zone be worth compacting if all its reclaimable pages were
    /// freed (counted at reclaimable / order, as the kernel estimates)?
    /// </summary>
    internal bool CompactionZonelistSuitable(AllocContext* ac, int order, uint allocFlags)
    {
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask); z->Zone != null;
             z = NextZonesZonelist(z + 1, ac->HighZoneidx, ac->Nodemask))
        {
            Zone* zone = z->Zone;
            long available = ZoneReclaimablePages(zone) / order + zone->VmStat[(int)ZoneStatItem.NrFreePages];
            if (__CompactionSuitable(zone, order, allocFlags, ac->ClasszoneIdx, available) != CompactResult.Skipped)
                return true;
        }
        return false;
    }
}
