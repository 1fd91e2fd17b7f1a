using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

// Machine partial: the buddy allocator of mm/page_alloc.c.
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    // ---- pageblock flags (mm/page_alloc.c, include/linux/pageblock-flags.h) ----

    /// <summary>Words of one section's usemap: SECTION_BLOCKFLAGS_BITS (PAGES_PER_SECTION / pageblock × 4) / 64.</summary>
    private const ulong SectionUsemapWords = PagesPerSection / MmZone.PageblockNrPages * MmZone.NrPageblockBits / 64;

    /// <summary>
    /// <c>get_pageblock_bitmap</c> + <c>pfn_to_bitidx</c> (SPARSEMEM, as x86-64 builds): the usemap word of
    /// <c>__pfn_to_section(pfn)->pageblock_flags</c> that holds the pageblock's bits, and the bit index within it plus
    /// <paramref name="endBitidx"/>. Each section's usemap is <see cref="SectionUsemapWords"/> whole words and they sit
    /// one after another, so section base + index within the section is the pageblock's index over all sections.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* PageblockBitmapWord(ulong pfn, int endBitidx, out int bitidx)
    {
        ulong index = (pfn >> MmZone.PageblockOrder) * MmZone.NrPageblockBits;
        bitidx = (int)(index & 63) + endBitidx;
        return _sectionUsemaps + index / 64;
    }

    /// <summary><c>__get_pfnblock_flags_mask</c>: bits are stored from the top of each word, as in the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong GetPfnblockFlagsMask(ulong pfn, int endBitidx, ulong mask)
    {
        ulong word = *PageblockBitmapWord(pfn, endBitidx, out int bitidx);
        return (word >> (64 - bitidx - 1)) & mask;
    }

    /// <summary><c>set_pfnblock_flags_mask</c>.</summary>
    internal void SetPfnblockFlagsMask(ulong flags, ulong pfn, int endBitidx, ulong mask)
    {
        Debug.Assert(MmZone.ZoneSpansPfn(PageZone(_memMap + pfn), pfn), "set_pfnblock_flags_mask outside the zone");
        ulong* word = PageblockBitmapWord(pfn, endBitidx, out int bitidx);
        int shift = 64 - bitidx - 1;
        *word = (*word & ~(mask << shift)) | (flags << shift);
    }

    /// <summary><c>get_pfnblock_migratetype</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int GetPfnblockMigratetype(Page* page, ulong pfn) =>
        (int)GetPfnblockFlagsMask(pfn, MmZone.PbMigrateEnd, MmZone.MigratetypeMask);

    /// <summary><c>get_pageblock_migratetype</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int GetPageblockMigratetype(Page* page) => GetPfnblockMigratetype(page, PageToPfn(page));

    /// <summary><c>set_pageblock_migratetype</c>: with mobility grouping disabled every pcp type becomes UNMOVABLE.</summary>
    internal void SetPageblockMigratetype(Page* page, int migratetype)
    {
        if (_pageGroupByMobilityDisabled && migratetype < MmZone.MigratePcptypes)
            migratetype = (int)MigrateType.Unmovable;
        SetPfnblockFlagsMask((ulong)migratetype, PageToPfn(page), MmZone.PbMigrateEnd, MmZone.MigratetypeMask);
    }

    /// <summary><c>get_pcppage_migratetype</c>: the migratetype cached in <c>page->index</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GetPcppageMigratetype(Page* page) => (int)page->Index;

    /// <summary><c>set_pcppage_migratetype</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetPcppageMigratetype(Page* page, int migratetype) => page->Index = (ulong)migratetype;

    // ---- buddy primitives ----

    /// <summary><c>__find_buddy_pfn</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong FindBuddyPfn(ulong pfn, int order) => pfn ^ (1UL << order);

    /// <summary><c>page_order</c>: the order of a free buddy block (in <c>page->private</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PageOrder(Page* page) => (int)page->Private;

    /// <summary><c>set_page_order</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetPageOrder(Page* page, int order)
    {
        page->Private = (ulong)order;
        __SetPageBuddy(page);
    }

    /// <summary>
    /// <c>page_is_buddy</c>: <paramref name="buddy"/> is a free block of exactly <paramref name="order"/> in the same
    /// zone (guard pages: CONFIG_DEBUG_PAGEALLOC is off).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PageIsBuddy(Page* page, Page* buddy, int order)
    {
        if (PageBuddy(buddy) && PageOrder(buddy) == order)
        {
            if (PageZoneId(page) != PageZoneId(buddy))
                return false;
            Debug.Assert(buddy->RefCount == 0, "buddy page with a reference");
            return true;
        }
        return false;
    }

    /// <summary><c>add_to_free_area</c>: head insert.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddToFreeArea(Page* page, FreeArea* area, int migratetype)
    {
        ListHead.Add(page->LruPtr, FreeArea.List(area, migratetype));
        area->NrFree++;
    }

    /// <summary><c>add_to_free_area_tail</c>: tail insert.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddToFreeAreaTail(Page* page, FreeArea* area, int migratetype)
    {
        ListHead.AddTail(page->LruPtr, FreeArea.List(area, migratetype));
        area->NrFree++;
    }

    /// <summary><c>move_to_free_area</c>: relink to the head of another migratetype's list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MoveToFreeArea(Page* page, FreeArea* area, int migratetype) =>
        ListHead.Move(page->LruPtr, FreeArea.List(area, migratetype));

    /// <summary><c>get_page_from_free_area</c>: the first block of the list, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Page* GetPageFromFreeArea(FreeArea* area, int migratetype)
    {
        ListHead* list = FreeArea.List(area, migratetype);
        ListHead* first = list->Next;
        return first == list ? null : Page.FromLru(first);
    }

    /// <summary><c>del_page_from_free_area</c>: unlink, clear PageBuddy and the order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DelPageFromFreeArea(Page* page, FreeArea* area)
    {
        ListHead.Del(page->LruPtr);
        __ClearPageBuddy(page);
        page->Private = 0;
        area->NrFree--;
    }

    /// <summary><c>__mod_zone_freepage_state</c> (CMA off: NR_FREE_PAGES only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ModZoneFreepageState(Zone* zone, long nrPages) =>
        zone->VmStat[(int)ZoneStatItem.NrFreePages] += nrPages;

    /// <summary><c>has_isolate_pageblock</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasIsolatePageblock(Zone* zone) => zone->NrIsolatePageblock != 0;

    /// <summary>
    /// <c>__free_one_page</c>: merge with free buddies up to pageblock order, beyond it unless exactly one side is an
    /// isolated block, then insert at the tail when the next-higher block's buddy is free (the block is likely to
    /// merge soon) and at the head otherwise. Compaction capture (<c>task_capc</c>) arrives with direct compaction.
    /// </summary>
    internal void __FreeOnePage(Page* page, ulong pfn, Zone* zone, int order, int migratetype)
    {
        int maxOrder = Math.Min(MmZone.MaxOrder - 1, MmZone.PageblockOrder);
        Debug.Assert(zone->Initialized != 0);
        Debug.Assert((page->Flags & PageFlagsCheckAtPrep) == 0, "__free_one_page: page flags set");
        if (!MmZone.IsMigrateIsolate(migratetype))
            ModZoneFreepageState(zone, 1L << order);
        Debug.Assert((pfn & ((1UL << order) - 1)) == 0, "__free_one_page: misaligned block");

        ulong buddyPfn = 0;
        while (true)
        {
            while (order < maxOrder)
            {
                buddyPfn = FindBuddyPfn(pfn, order);
                Page* buddy = page + (long)(buddyPfn - pfn);
                if (!PageIsBuddy(page, buddy, order))
                    goto DoneMerging;
                DelPageFromFreeArea(buddy, Zone.Area(zone, order));
                ulong combinedPfn = buddyPfn & pfn;
                page += (long)(combinedPfn - pfn);
                pfn = combinedPfn;
                order++;
            }
            if (order < MmZone.MaxOrder - 1)
            {
                // order >= pageblock_order here: don't merge an isolated block with a normal one.
                if (HasIsolatePageblock(zone))
                {
                    buddyPfn = FindBuddyPfn(pfn, order);
                    Page* buddy = page + (long)(buddyPfn - pfn);
                    int buddyMt = GetPageblockMigratetype(buddy);
                    if (migratetype != buddyMt && (MmZone.IsMigrateIsolate(migratetype) || MmZone.IsMigrateIsolate(buddyMt)))
                        goto DoneMerging;
                }
                maxOrder = order + 1;
                continue;
            }
            break;
        }

    DoneMerging:
        SetPageOrder(page, order);
        // If the buddy of the next-higher order block is free, this block will probably merge soon: keep it
        // at the tail so it is less likely to be allocated first.
        if (order < MmZone.MaxOrder - 2)
        {
            ulong combinedPfn = buddyPfn & pfn;
            Page* higherPage = page + (long)(combinedPfn - pfn);
            ulong higherBuddyPfn = FindBuddyPfn(combinedPfn, order + 1);
            Page* higherBuddy = higherPage + (long)(higherBuddyPfn - combinedPfn);
            if (PageIsBuddy(higherPage, higherBuddy, order + 1))
            {
                AddToFreeAreaTail(page, Zone.Area(zone, order), migratetype);
                return;
            }
        }
        AddToFreeArea(page, Zone.Area(zone, order), migratetype);
    }

    /// <summary><c>free_one_page</c>: re-reads the pageblock type when isolation is in play.</summary>
    internal void FreeOnePage(Zone* zone, Page* page, ulong pfn, int order, int migratetype)
    {
        if (HasIsolatePageblock(zone) || MmZone.IsMigrateIsolate(migratetype))
            migratetype = GetPfnblockMigratetype(page, pfn);
        __FreeOnePage(page, pfn, zone, order, migratetype);
    }

    /// <summary>
    /// <c>expand</c>: split a block of order <paramref name="high"/> down to <paramref name="low"/>; each upper half goes
    /// to the head of its order's list; the caller keeps the lowest block.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Expand(Page* page, int low, int high, FreeArea* area, int migratetype)
    {
        ulong size = 1UL << high;
        while (high > low)
        {
            area--;
            high--;
            size >>= 1;
            AddToFreeArea(page + size, area, migratetype);
            SetPageOrder(page + size, high);
        }
    }

    /// <summary><c>__rmqueue_smallest</c>: the smallest free block of at least <paramref name="order"/> on the type's lists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Page* __RmqueueSmallest(Zone* zone, int order, int migratetype)
    {
        for (int currentOrder = order; currentOrder < MmZone.MaxOrder; ++currentOrder)
        {
            FreeArea* area = Zone.Area(zone, currentOrder);
            Page* page = GetPageFromFreeArea(area, migratetype);
            if (page == null)
                continue;
            DelPageFromFreeArea(page, area);
            Expand(page, order, currentOrder, area, migratetype);
            SetPcppageMigratetype(page, migratetype);
            return page;
        }
        return null;
    }

    /// <summary>
    /// <c>fallbacks[][]</c>: UNMOVABLE → {RECLAIMABLE, MOVABLE}, MOVABLE → {RECLAIMABLE, UNMOVABLE},
    /// RECLAIMABLE → {UNMOVABLE, MOVABLE}; other types never fall back (MIGRATE_TYPES terminates).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Fallback(int migratetype, int i) => (migratetype, i) switch
    {
        (0, 0) => (int)MigrateType.Reclaimable,
        (0, 1) => (int)MigrateType.Movable,
        (1, 0) => (int)MigrateType.Reclaimable,
        (1, 1) => (int)MigrateType.Unmovable,
        (2, 0) => (int)MigrateType.Unmovable,
        (2, 1) => (int)MigrateType.Movable,
        _ => MmZone.MigrateTypes,
    };

    /// <summary>
    /// <c>move_freepages</c>: move every free buddy block in [start, end] to <paramref name="migratetype"/>'s lists
    /// (head); count in-use LRU or non-LRU-movable pages into <paramref name="numMovable"/>.
    /// </summary>
    private int MoveFreepages(Zone* zone, Page* startPage, Page* endPage, int migratetype, int* numMovable)
    {
        int pagesMoved = 0;
        for (Page* page = startPage; page <= endPage;)
        {
            if (!PageBuddy(page))
            {
                // Pages that could be isolated for migration are assumed movable (no isolation attempted).
                if (numMovable != null && (PageLRU(page) || __PageMovable(page)))
                    (*numMovable)++;
                page++;
                continue;
            }
            Debug.Assert(PageToNid(page) == MmZone.ZoneToNid(zone) && PageZone(page) == zone, "move_freepages: page of another zone");
            int order = PageOrder(page);
            MoveToFreeArea(page, Zone.Area(zone, order), migratetype);
            page += 1 << order;
            pagesMoved += 1 << order;
        }
        return pagesMoved;
    }

    /// <summary><c>move_freepages_block</c>: <see cref="MoveFreepages"/> over the page's pageblock, not crossing the zone.</summary>
    internal int MoveFreepagesBlock(Zone* zone, Page* page, int migratetype, int* numMovable)
    {
        if (numMovable != null)
            *numMovable = 0;
        ulong startPfn = PageToPfn(page) & ~(ulong)(MmZone.PageblockNrPages - 1);
        Page* startPage = PfnToPage(startPfn);
        Page* endPage = startPage + MmZone.PageblockNrPages - 1;
        ulong endPfn = startPfn + MmZone.PageblockNrPages - 1;
        if (!MmZone.ZoneSpansPfn(zone, startPfn))
            startPage = page;
        if (!MmZone.ZoneSpansPfn(zone, endPfn))
            return 0;
        return MoveFreepages(zone, startPage, endPage, migratetype, numMovable);
    }

    /// <summary><c>change_pageblock_range</c>.</summary>
    private void ChangePageblockRange(Page* pageblockPage, int startOrder, int migratetype)
    {
        int nrPageblocks = 1 << (startOrder - MmZone.PageblockOrder);
        while (nrPageblocks-- != 0)
        {
            SetPageblockMigratetype(pageblockPage, migratetype);
            pageblockPage += MmZone.PageblockNrPages;
        }
    }

    /// <summary>
    /// <c>can_steal_fallback</c>: whole-block stealing for a free block of order ≥ pageblock_order/2, or for
    /// RECLAIMABLE and UNMOVABLE requests, or when mobility grouping is off. <paramref name="order"/> is the free
    /// block's order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool CanStealFallback(int order, int startMt)
    {
        if (order >= MmZone.PageblockOrder)
            return true;
        return order >= MmZone.PageblockOrder / 2
            || startMt == (int)MigrateType.Reclaimable
            || startMt == (int)MigrateType.Unmovable
            || _pageGroupByMobilityDisabled;
    }

    /// <summary>
    /// <c>boost_watermark</c>: raise the zone's watermark boost by a pageblock, up to high × boost_factor/10000 (and
    /// at least one pageblock). False when boosting is off, the zone is tiny, or the watermarks are not set yet.
    /// </summary>
    internal bool BoostWatermark(Zone* zone)
    {
        if (_watermarkBoostFactor == 0)
            return false;
        if ((ulong)MmZone.PageblockNrPages * 4 > zone->ManagedPages)
            return false;
        ulong maxBoost = MultFrac(zone->Watermark[MmZone.WmarkHigh], (ulong)_watermarkBoostFactor, 10000);
        if (maxBoost == 0)
            return false;
        maxBoost = Math.Max((ulong)MmZone.PageblockNrPages, maxBoost);
        zone->WatermarkBoost = Math.Min(zone->WatermarkBoost + MmZone.PageblockNrPages, maxBoost);
        return true;
    }

    /// <summary>
    /// <c>steal_suitable_fallback</c>: take ownership of the pageblock when the block is large, or when enough of it
    /// is free or of a compatible type; otherwise only move this one block to the requested type's list.
    /// </summary>
    internal void StealSuitableFallback(Zone* zone, Page* page, uint allocFlags, int startType, bool wholeBlock)
    {
        int currentOrder = PageOrder(page);
        int oldBlockType = GetPageblockMigratetype(page);

        // Races could break highatomic accounting; never steal a highatomic block.
        if (MmZone.IsMigrateHighatomic(oldBlockType))
            goto SinglePage;

        if (currentOrder >= MmZone.PageblockOrder)
        {
            ChangePageblockRange(page, currentOrder, startType);
            goto SinglePage;
        }

        // Boost watermarks to reduce future fallbacks; kswapd is woken from rmqueue.
        if (BoostWatermark(zone) && (allocFlags & AllocFlags.Kswapd) != 0)
            zone->Flags |= 1UL << MmZone.ZoneBoostedWatermark;

        if (!wholeBlock)
            goto SinglePage;

        int movablePages;
        int freePages = MoveFreepagesBlock(zone, page, startType, &movablePages);
        int alikePages;
        if (startType == (int)MigrateType.Movable)
        {
            alikePages = movablePages;
        }
        else
        {
            // RECLAIMABLE/UNMOVABLE falling back to a MOVABLE block: every non-movable page is compatible;
            // between UNMOVABLE and RECLAIMABLE nothing can be told apart, so be conservative.
            alikePages = oldBlockType == (int)MigrateType.Movable
                ? MmZone.PageblockNrPages - (freePages + movablePages)
                : 0;
        }

        // Moving the whole block can fail at zone boundaries.
        if (freePages == 0)
            goto SinglePage;

        if (freePages + alikePages >= (1 << (MmZone.PageblockOrder - 1)) || _pageGroupByMobilityDisabled)
            SetPageblockMigratetype(page, startType);
        return;

    SinglePage:
        MoveToFreeArea(page, Zone.Area(zone, currentOrder), startType);
    }

    /// <summary>
    /// <c>find_suitable_fallback</c>: the first fallback type with a free block in <paramref name="area"/>
    /// (with <paramref name="onlyStealable"/>, the first one that can also be stolen whole), or −1.
    /// </summary>
    internal int FindSuitableFallback(FreeArea* area, int order, int migratetype, bool onlyStealable, out bool canSteal)
    {
        canSteal = false;
        if (area->NrFree == 0)
            return -1;
        for (int i = 0; ; i++)
        {
            int fallbackMt = Fallback(migratetype, i);
            if (fallbackMt == MmZone.MigrateTypes)
                break;
            if (FreeArea.Empty(area, fallbackMt))
                continue;
            if (CanStealFallback(order, migratetype))
                canSteal = true;
            if (!onlyStealable)
                return fallbackMt;
            if (canSteal)
                return fallbackMt;
        }
        return -1;
    }

    /// <summary>
    /// <c>reserve_highatomic_pageblock</c>: after a high-order ALLOC_HARDER allocation, retype its pageblock to
    /// HIGHATOMIC while the zone's reserve is below 1% of managed + one pageblock.
    /// </summary>
    internal void ReserveHighatomicPageblock(Page* page, Zone* zone)
    {
        ulong maxManaged = zone->ManagedPages / 100 + MmZone.PageblockNrPages;
        if (zone->NrReservedHighatomic >= maxManaged)
            return;
        int mt = GetPageblockMigratetype(page);
        if (!MmZone.IsMigrateHighatomic(mt) && !MmZone.IsMigrateIsolate(mt))
        {
            zone->NrReservedHighatomic += MmZone.PageblockNrPages;
            SetPageblockMigratetype(page, (int)MigrateType.HighAtomic);
            MoveFreepagesBlock(zone, page, (int)MigrateType.HighAtomic, null);
        }
    }

    /// <summary>
    /// <c>unreserve_highatomic_pageblock</c>: give one HIGHATOMIC pageblock back to <c>ac->migratetype</c> (keeping at
    /// least one reserved block per zone unless <paramref name="force"/>). True when free pages moved.
    /// </summary>
    internal bool UnreserveHighatomicPageblock(AllocContext* ac, bool force)
    {
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask);
             z->Zone != null;
             z = NextZonesZonelist(z + 1, ac->HighZoneidx, ac->Nodemask))
        {
            Zone* zone = z->Zone;
            // Preserve at least one pageblock unless memory pressure is really high.
            if (!force && zone->NrReservedHighatomic <= MmZone.PageblockNrPages)
                continue;
            for (int order = 0; order < MmZone.MaxOrder; order++)
            {
                FreeArea* area = Zone.Area(zone, order);
                Page* page = GetPageFromFreeArea(area, (int)MigrateType.HighAtomic);
                if (page == null)
                    continue;
                // The free path may leave several free pages of one block here: adjust the count once per block.
                if (MmZone.IsMigrateHighatomic(GetPageblockMigratetype(page)))
                    zone->NrReservedHighatomic -= Math.Min((ulong)MmZone.PageblockNrPages, zone->NrReservedHighatomic);
                SetPageblockMigratetype(page, ac->Migratetype);
                if (MoveFreepagesBlock(zone, page, ac->Migratetype, null) != 0)
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <c>__rmqueue_fallback</c>: find the largest free block of a fallback type (only whole pageblocks under
    /// ALLOC_NOFRAGMENT) — or, for a MOVABLE request that cannot steal the block, the smallest — and steal it onto
    /// the requested type's lists so <see cref="__RmqueueSmallest"/> can take it. True when it found one.
    /// </summary>
    internal bool __RmqueueFallback(Zone* zone, int order, int startMigratetype, uint allocFlags)
    {
        FreeArea* area;
        int currentOrder;
        int minOrder = order;
        int fallbackMt;
        bool canSteal;

        // Under NOFRAGMENT, don't steal from other pageblocks' free lists below pageblock_order.
        if ((allocFlags & AllocFlags.NoFragment) != 0)
            minOrder = MmZone.PageblockOrder;

        for (currentOrder = MmZone.MaxOrder - 1; currentOrder >= minOrder; --currentOrder)
        {
            area = Zone.Area(zone, currentOrder);
            fallbackMt = FindSuitableFallback(area, currentOrder, startMigratetype, false, out canSteal);
            if (fallbackMt == -1)
                continue;
            // A movable request that cannot claim the block splits the smallest block instead of the largest.
            if (!canSteal && startMigratetype == (int)MigrateType.Movable && currentOrder > order)
                goto FindSmallest;
            goto DoSteal;
        }
        return false;

    FindSmallest:
        for (currentOrder = order; currentOrder < MmZone.MaxOrder; currentOrder++)
        {
            area = Zone.Area(zone, currentOrder);
            fallbackMt = FindSuitableFallback(area, currentOrder, startMigratetype, false, out canSteal);
            if (fallbackMt != -1)
                goto DoSteal;
        }
        Debug.Fail("__rmqueue_fallback: the fallback found above vanished");
        return false;

    DoSteal:
        Page* page = GetPageFromFreeArea(area, fallbackMt);
        StealSuitableFallback(zone, page, allocFlags, startMigratetype, canSteal);
        return true;
    }

    /// <summary><c>__rmqueue</c>: own type first, then (CMA off) the fallback steal and retry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Page* __Rmqueue(Zone* zone, int order, int migratetype, uint allocFlags)
    {
        while (true)
        {
            Page* page = __RmqueueSmallest(zone, order, migratetype);
            if (page != null)
                return page;
            if (!__RmqueueFallbackNoInline(zone, order, migratetype, allocFlags))
                return null;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool __RmqueueFallbackNoInline(Zone* zone, int order, int migratetype, uint allocFlags) =>
        __RmqueueFallback(zone, order, migratetype, allocFlags);

    /// <summary>
    /// <c>rmqueue_bulk</c>: take up to <paramref name="count"/> blocks for a pcp list, appending each at the tail in
    /// allocation order; NR_FREE_PAGES drops by every block taken from the buddy lists.
    /// </summary>
    private int RmqueueBulk(Zone* zone, int order, int count, ListHead* list, int migratetype, uint allocFlags)
    {
        int i, alloced = 0;
        for (i = 0; i < count; ++i)
        {
            Page* page = __Rmqueue(zone, order, migratetype, allocFlags);
            if (page == null)
                break;
            // check_pcp_refill: without CONFIG_DEBUG_VM the page is checked here, not when allocated from the pcp list.
            if (!_debugVm)
                CheckNewPage(page);
            ListHead.AddTail(page->LruPtr, list);
            alloced++;
        }
        ModZonePageState(zone, ZoneStatItem.NrFreePages, -((long)i << order));
        return alloced;
    }

    /// <summary><c>mult_frac(x, numer, denom)</c>.</summary>
    internal static ulong MultFrac(ulong x, ulong numer, ulong denom)
    {
        ulong quot = x / denom;
        ulong rem = x % denom;
        return quot * numer + rem * numer / denom;
    }
}
