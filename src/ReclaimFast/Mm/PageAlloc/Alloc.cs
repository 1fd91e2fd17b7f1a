using System;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

// Machine partial: allocation and free entry points of mm/page_alloc.c.
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    /// <summary>PAGE_FLAGS_CHECK_AT_FREE: flags a page being freed must not have.</summary>
    internal const ulong PageFlagsCheckAtFree =
        (1UL << (int)PG.Lru) | (1UL << (int)PG.Locked) | (1UL << (int)PG.Private) | (1UL << (int)PG.Private2)
        | (1UL << (int)PG.Writeback) | (1UL << (int)PG.Reserved) | (1UL << (int)PG.Slab) | (1UL << (int)PG.Active)
        | (1UL << (int)PG.Unevictable) | (1UL << (int)PG.Mlocked);

    /// <summary>__PG_HWPOISON (CONFIG_MEMORY_FAILURE).</summary>
    internal const ulong PgHwpoisonMask = 1UL << (int)PG.HwPoison;

    /// <summary>PAGE_FLAGS_CHECK_AT_PREP: every page flag but hwpoison; cleared at free, must be clear at allocation.</summary>
    internal const ulong PageFlagsCheckAtPrep = ((1UL << (int)PG.NrPageFlags) - 1) & ~PgHwpoisonMask;

    /// <summary>COMPOUND_PAGE_DTOR index of <c>compound_page_dtors[]</c> (<c>free_compound_page</c>).</summary>
    internal const byte CompoundPageDtor = 1;

    // ---- zonelist walks (include/linux/mmzone.h) ----

    /// <summary><c>next_zones_zonelist</c>: the first zoneref at or after <paramref name="z"/> within the index and nodemask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Zoneref* NextZonesZonelist(Zoneref* z, int highestZoneidx, NodeMask* nodes)
    {
        if (nodes == null)
        {
            while (z->ZoneIdx > highestZoneidx)
                z++;
            return z;
        }
        while (z->ZoneIdx > highestZoneidx || (z->Zone != null && !nodes->IsSet(z->Zone->Node)))
            z++;
        return z;
    }

    /// <summary><c>first_zones_zonelist</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Zoneref* FirstZonesZonelist(Zoneref* zonerefs, int highestZoneidx, NodeMask* nodes) =>
        NextZonesZonelist(zonerefs, highestZoneidx, nodes);

    /// <summary><c>node_zonelist(nid, flags)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Zonelist* NodeZonelist(int nid, uint gfpFlags) => PglistData.NodeZonelist(_pgdats + nid, Gfp.GfpZonelist(gfpFlags));

    // ---- allocation ----

    /// <summary>
    /// <c>alloc_pages_node</c> / <c>__alloc_pages</c>: mirrors <c>__alloc_pages_nodemask</c> with no nodemask.
    /// <paramref name="preferredNid"/> −1 = the current CPU's node (NUMA_NO_NODE → <c>numa_mem_id()</c>). Null on failure.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Page* AllocPages(uint gfpMask, int order, int preferredNid)
    {
        if (order == 0 && (gfpMask & Gfp.Write) == 0)
        {
            // __alloc_pages_nodemask's first step inline: prepare_alloc_pages and finalise_ac (no nodemask, no dirty
            // spreading) give the preferred zone and migratetype; the first pass runs at the low watermark.
            int nid = preferredNid < 0 ? NumaNodeId : preferredNid;
            Zoneref* z = FirstZonesZonelist(Zonelist.First(NodeZonelist(nid, gfpMask)), Gfp.GfpZone(gfpMask), null);
            Page* page = GetPageFromPreferredPcp(gfpMask, AllocFlags.WmarkLow, z,
                Gfp.GfpflagsToMigratetype(gfpMask, _pageGroupByMobilityDisabled));
            if (page != null)
                return page;
        }
        return AllocPagesSlow(gfpMask, order, preferredNid);
    }

    /// <summary>The rest of <see cref="AllocPages"/>: <c>__alloc_pages_nodemask</c> from the start.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Page* AllocPagesSlow(uint gfpMask, int order, int preferredNid) =>
        __AllocPagesNodemask(gfpMask, order, preferredNid < 0 ? NumaNodeId : preferredNid, null);

    /// <summary><c>alloc_page(gfp)</c>: order 0 on the current CPU's node.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Page* AllocPage(uint gfpMask) => AllocPages(gfpMask, 0, -1);

    /// <summary>
    /// <c>__alloc_pages_nodemask</c>: the fast path (<c>get_page_from_freelist</c> at the low watermark, avoiding
    /// fragmenting fallbacks first), then <see cref="__AllocPagesSlowpath"/>.
    /// </summary>
    [SkipLocalsInit]
    internal Page* __AllocPagesNodemask(uint gfpMask, int order, int preferredNid, NodeMask* nodemask)
    {
        if ((uint)order >= MmZone.MaxOrder)
            return null; // WARN_ON_ONCE(!(gfp_mask & __GFP_NOWARN)) in the kernel
        Debug.Assert((uint)preferredNid < (uint)_nrNodes, "preferred node out of range");

        uint allocFlags = AllocFlags.WmarkLow;
        // gfp_allowed_mask is __GFP_BITS_MASK after boot (no suspend/hibernate restriction emulated yet).
        uint allocMask = gfpMask;
        AllocContext ac;
        PrepareAllocPages(gfpMask, preferredNid, nodemask, &ac);
        FinaliseAc(gfpMask, &ac);
        // Forbid the first pass from falling back to types that fragment memory until all local zones are tried.
        allocFlags |= AllocFlagsNofragment(ac.PreferredZoneref, gfpMask);

        // __memcg_kmem_charge for __GFP_ACCOUNT on success arrives with the memcg issue.
        Page* page = order == 0 && !ac.SpreadDirtyPages
            ? GetPageFromPreferredPcp(allocMask, allocFlags, ac.PreferredZoneref, ac.Migratetype)
            : null;
        if (page != null)
            return page;
        page = GetPageFromFreelist(allocMask, order, allocFlags, &ac);
        if (page != null)
            return page;

        // current_gfp_context (memalloc_noio/nofs scopes) arrives with emulated tasks.
        ac.SpreadDirtyPages = false;
        ac.Nodemask = nodemask;
        return __AllocPagesSlowpath(allocMask, order, &ac);
    }

    /// <summary>
    /// <c>prepare_alloc_pages</c> + <c>finalise_ac</c> for callers that drive <see cref="GetPageFromFreelist"/> or the
    /// reserve helpers directly (the slow path, compaction, tests).
    /// </summary>
    internal void PrepareAllocContext(uint gfpMask, int preferredNid, NodeMask* nodemask, AllocContext* ac)
    {
        if (preferredNid < 0)
            preferredNid = NumaNodeId;
        PrepareAllocPages(gfpMask, preferredNid, nodemask, ac);
        FinaliseAc(gfpMask, ac);
    }

    /// <summary><c>prepare_alloc_pages</c> (no cpusets, no fault injection, CMA off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrepareAllocPages(uint gfpMask, int preferredNid, NodeMask* nodemask, AllocContext* ac)
    {
        ac->HighZoneidx = Gfp.GfpZone(gfpMask);
        ac->Zonelist = NodeZonelist(preferredNid, gfpMask);
        ac->Nodemask = nodemask;
        ac->Migratetype = Gfp.GfpflagsToMigratetype(gfpMask, _pageGroupByMobilityDisabled);
    }

    /// <summary><c>finalise_ac</c>: dirty spreading for __GFP_WRITE and the first usable zone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinaliseAc(uint gfpMask, AllocContext* ac)
    {
        ac->SpreadDirtyPages = (gfpMask & Gfp.Write) != 0;
        ac->PreferredZoneref = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask);
    }

    /// <summary>
    /// <c>alloc_flags_nofragment</c>: ALLOC_KSWAPD for __GFP_KSWAPD_RECLAIM, and ALLOC_NOFRAGMENT when the preferred
    /// zone is NORMAL and the node has a populated DMA32 (on multi-node machines) to spread into. Takes the zoneref
    /// so zone_idx comes from it rather than from a pointer division.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint AllocFlagsNofragment(Zoneref* preferred, uint gfpMask)
    {
        uint allocFlags = 0;
        if ((gfpMask & Gfp.KswapdReclaim) != 0)
            allocFlags |= AllocFlags.Kswapd;
        Zone* zone = preferred->Zone;
        if (zone == null)
            return allocFlags;
        if (preferred->ZoneIdx != (int)ZoneType.Normal)
            return allocFlags;
        if (_nrNodes > 1 && !MmZone.PopulatedZone(zone - 1))
            return allocFlags;
        return allocFlags | AllocFlags.NoFragment;
    }

    /// <summary>
    /// <c>get_page_from_freelist</c>: walk the zonelist from the preferred zone; take the first zone that passes
    /// <c>zone_watermark_fast</c> (or ALLOC_NO_WATERMARKS, or node reclaim). ALLOC_NOFRAGMENT is dropped (and the
    /// walk restarted) before leaving the local node, and once more at the end of the list.
    /// </summary>
    internal Page* GetPageFromFreelist(uint gfpMask, int order, uint allocFlags, AllocContext* ac)
    {
        while (true)
        {
            bool noFallback = (allocFlags & AllocFlags.NoFragment) != 0;
            PglistData* lastPgdatDirtyLimit = null;
            Zoneref* z = ac->PreferredZoneref;
            Zone* preferredZone = z->Zone;
            bool restart = false;
            for (Zone* zone = z->Zone; zone != null; z = NextZonesZonelist(z + 1, ac->HighZoneidx, ac->Nodemask), zone = z->Zone)
            {
                // cpusets are not emulated (cpusets_enabled() is false).
                if (ac->SpreadDirtyPages)
                {
                    if (lastPgdatDirtyLimit == zone->ZonePgdat)
                        continue;
                    if (!NodeDirtyOk(zone->ZonePgdat))
                    {
                        lastPgdatDirtyLimit = zone->ZonePgdat;
                        continue;
                    }
                }

                if (noFallback && _nrNodes > 1 && zone != preferredZone)
                {
                    // Moving to a remote node: locality matters more than fragmentation avoidance.
                    if (MmZone.ZoneToNid(zone) != MmZone.ZoneToNid(preferredZone))
                    {
                        allocFlags &= ~AllocFlags.NoFragment;
                        restart = true;
                        break;
                    }
                }

                ulong mark = MmZone.WmarkPages(zone, (int)(allocFlags & AllocFlags.WmarkMask));
                if (!ZoneWatermarkFast(zone, order, mark, ac->PreferredZoneref->ZoneIdx, allocFlags, gfpMask))
                {
                    if ((allocFlags & AllocFlags.NoWatermarks) == 0)
                    {
                        if (_nodeReclaimMode == 0 || !ZoneAllowsReclaim(preferredZone, zone))
                            continue;
                        int ret = NodeReclaim(zone->ZonePgdat, gfpMask, order);
                        if (ret == NodeReclaimResult.NoScan || ret == NodeReclaimResult.Full)
                            continue;
                        if (!ZoneWatermarkOk(zone, order, mark, ac->PreferredZoneref->ZoneIdx, allocFlags))
                            continue;
                    }
                }

                // try_this_zone:
                Page* page = Rmqueue(preferredZone, zone, order, gfpMask, allocFlags, ac->Migratetype);
                if (page != null)
                {
                    PrepNewPage(page, order, gfpMask, allocFlags);
                    // A high-order atomic allocation may reserve its pageblock for the future.
                    if (order != 0 && (allocFlags & AllocFlags.Harder) != 0)
                        ReserveHighatomicPageblock(page, zone);
                    return page;
                }
            }
            if (restart)
                continue;
            // Every zone may be fragmented on a UMA machine: if avoiding fragmentation, retry without.
            if (noFallback)
            {
                allocFlags &= ~AllocFlags.NoFragment;
                continue;
            }
            return null;
        }
    }

    /// <summary><c>zone_allows_reclaim</c> (CONFIG_NUMA): within <c>node_reclaim_distance</c> of the local zone.</summary>
    private bool ZoneAllowsReclaim(Zone* localZone, Zone* zone) =>
        NodeDistance(MmZone.ZoneToNid(localZone), MmZone.ZoneToNid(zone)) <= MmZone.ReclaimDistance;

    /// <summary>
    /// <c>gfp_to_alloc_flags</c>: the slow path's flags: WMARK_MIN | CPUSET, __GFP_HIGH as ALLOC_HIGH, __GFP_ATOMIC as
    /// ALLOC_HARDER (unless __GFP_NOMEMALLOC) without CPUSET, ALLOC_KSWAPD. (Real-time tasks, which also get
    /// ALLOC_HARDER, are not emulated; CMA is off.)
    /// </summary>
    internal static uint GfpToAllocFlags(uint gfpMask)
    {
        uint allocFlags = AllocFlags.WmarkMin | AllocFlags.Cpuset;
        allocFlags |= gfpMask & Gfp.High; // __GFP_HIGH == ALLOC_HIGH
        if ((gfpMask & Gfp.__Atomic) != 0)
        {
            if ((gfpMask & Gfp.NoMemalloc) == 0)
                allocFlags |= AllocFlags.Harder;
            allocFlags &= ~AllocFlags.Cpuset;
        }
        if ((gfpMask & Gfp.KswapdReclaim) != 0)
            allocFlags |= AllocFlags.Kswapd;
        return allocFlags;
    }

    /// <summary><c>wake_all_kswapds</c>: one <c>wakeup_kswapd</c> per node of the zonelist.</summary>
    internal void WakeAllKswapds(int order, uint gfpMask, AllocContext* ac)
    {
        PglistData* lastPgdat = null;
        int highZoneidx = ac->HighZoneidx;
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(ac->Zonelist), highZoneidx, ac->Nodemask);
             z->Zone != null;
             z = NextZonesZonelist(z + 1, highZoneidx, ac->Nodemask))
        {
            Zone* zone = z->Zone;
            if (lastPgdat != zone->ZonePgdat)
                WakeupKswapd(zone, gfpMask, order, highZoneidx);
            lastPgdat = zone->ZonePgdat;
        }
    }

    // ---- new pages ----

    /// <summary>
    /// <c>prep_new_page</c>: <c>post_alloc_hook</c> (private 0, refcount 1), __GFP_ZERO (the content token of each
    /// page becomes 0: page contents are a token), compound set-up for __GFP_COMP, and <c>page->index</c> marking
    /// pfmemalloc pages (−1) or not (0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrepNewPage(Page* page, int order, uint gfpFlags, uint allocFlags)
    {
        page->Private = 0;
        page->RefCount = 1;
        if ((gfpFlags & Gfp.Zero) != 0)
            KernelInitFreePages(page, 1 << order);
        if (order != 0 && (gfpFlags & Gfp.Comp) != 0)
            PrepCompoundPage(page, order);
        // set_page_pfmemalloc / clear_page_pfmemalloc
        page->Index = (allocFlags & AllocFlags.NoWatermarks) != 0 ? ulong.MaxValue : 0;
    }

    /// <summary><c>kernel_init_free_pages</c>: clear_highpage on each page, i.e. a zero content token.</summary>
    private void KernelInitFreePages(Page* page, int numpages)
    {
        ulong pfn = PageToPfn(page);
        new Span<ulong>(_contentToken + pfn, numpages).Clear();
    }

    /// <summary>
    /// <c>prep_compound_page</c>: head gets PG_head; first tail the destructor, order and compound_mapcount −1;
    /// every tail refcount 0, <c>mapping</c> TAIL_MAPPING and <c>compound_head</c> = head | 1.
    /// </summary>
    internal static void PrepCompoundPage(Page* page, int order)
    {
        int nrPages = 1 << order;
        page[1].CompoundDtor = CompoundPageDtor;
        page[1].CompoundOrder = (byte)order;
        __SetPageHead(page);
        for (int i = 1; i < nrPages; i++)
        {
            Page* p = page + i;
            p->RefCount = 0;
            p->Mapping = TailMapping;
            SetCompoundHead(p, page);
        }
        page[1].CompoundMapcount = -1;
    }

    /// <summary>
    /// <c>check_new_page</c>: a page leaving the allocator must be unmapped, unreferenced, unowned and flag-clean.
    /// The kernel reports <c>bad_page</c> and leaks the page; the emulator treats it as a bug and throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckNewPage(Page* page)
    {
        if (!PageExpectedState(page, PageFlagsCheckAtPrep | PgHwpoisonMask))
            BadPage(page, "allocation");
    }

    /// <summary><c>check_new_pages</c>.</summary>
    private void CheckNewPages(Page* page, int order)
    {
        for (int i = 0; i < (1 << order); i++)
            CheckNewPage(page + i);
    }

    /// <summary><c>page_expected_state</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PageExpectedState(Page* page, ulong checkFlags)
    {
        if (page->MapCount != -1)
            return false;
        return (page->Mapping | (uint)page->RefCount | page->MemCgroup | (page->Flags & checkFlags)) == 0;
    }

    /// <summary><c>free_pages_check</c>: a page being freed must be unmapped, unreferenced, uncharged, flag-clean.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreePagesCheck(Page* page)
    {
        if (!PageExpectedState(page, PageFlagsCheckAtFree))
            BadPage(page, "free");
    }

    /// <summary><c>bad_page</c> / <c>free_pages_check_bad</c> / <c>check_new_page_bad</c>: throws with the kernel's reason.</summary>
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void BadPage(Page* page, string when)
    {
        string reason = "unknown";
        if (page->MapCount != -1)
            reason = "nonzero mapcount";
        if (page->Mapping != 0)
            reason = "non-NULL mapping";
        if (page->RefCount != 0)
            reason = "nonzero _refcount";
        if (when == "free" && (page->Flags & PageFlagsCheckAtFree) != 0)
            reason = "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
        if (when == "allocation" && (page->Flags & PgHwpoisonMask) != 0)
            reason = "HWPoisoned (hardware-corrupted)";
        if (when == "allocation" && (page->Flags & PageFlagsCheckAtPrep) != 0)
            reason = "PAGE_FLAGS_CHECK_AT_PREP flag set";
        if (page->MemCgroup != 0)
            reason = "page still charged to cgroup";
        throw new BadPageException(PageToPfn(page), reason, when, page->Flags, page->RefCount, page->MapCount);
    }

    // ---- freeing ----

    /// <summary>
    /// <c>free_pages_prepare</c>: tail pages of a compound page lose their compound head and
    /// mapping and are checked; anonymous/movable mapping tags are dropped; with <paramref name="checkFree"/> the
    /// head is checked; page flags are cleared (node and zone numbers stay).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool FreePagesPrepare(Page* page, int order, bool checkFree)
    {
        Debug.Assert(!PageTail(page), "free_pages_prepare on a tail page");
        if (order != 0)
            FreeTailPagesPrepare(page, order);
        if ((page->Mapping & PageMappingFlags) != 0)
            page->Mapping = 0;
        // __memcg_kmem_uncharge for PageKmemcg arrives with the memcg issue.
        if (checkFree)
            FreePagesCheck(page);
        page->Flags &= ~PageFlagsCheckAtPrep;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeTailPagesPrepare(Page* page, int order)
    {
        bool compound = PageCompound(page);
        Debug.Assert(!compound || CompoundOrder(page) == order, "free_pages_prepare: compound order mismatch");
        for (int i = 1; i < (1 << order); i++)
        {
            Page* p = page + i;
            if (compound)
            {
                // free_tail_pages_check: its extra checks of the tail layout are left to the invariant checker.
                p->Mapping = 0;
                ClearCompoundHead(p);
            }
            FreePagesCheck(p);
            p->Flags &= ~PageFlagsCheckAtPrep;
        }
    }

    /// <summary><c>__free_pages_ok</c>: free a block of order &gt; 0 (or any order) straight to the buddy lists.</summary>
    internal void __FreePagesOk(Page* page, int order)
    {
        ulong pfn = PageToPfn(page);
        if (!FreePagesPrepare(page, order, checkFree: true))
            return;
        int migratetype = GetPfnblockMigratetype(page, pfn);
        CountVmEvent(VmEventItem.Pgfree, 1L << order);
        FreeOnePage(PageZone(page), page, pfn, order, migratetype);
    }

    /// <summary><c>free_the_page</c>: order 0 via the pcp lists, higher orders to the buddy lists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeThePage(Page* page, int order)
    {
        if (order == 0)
            FreeUnrefPage(page);
        else
            __FreePagesOk(page, order);
    }

    /// <summary><c>__free_pages</c>: drop a reference; free the block when it was the last.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void FreePages(Page* page, int order)
    {
        if (PutPageTestzero(page))
            FreeThePage(page, order);
    }

    /// <summary>
    /// <c>split_page</c>: turn a non-compound order-<paramref name="order"/> allocation into 2^order order-0 pages,
    /// each with its own reference, to be freed one by one.
    /// </summary>
    internal static void SplitPage(Page* page, int order)
    {
        Debug.Assert(!PageCompound(page) && page->RefCount > 0, "split_page of a compound or free page");
        for (int i = 1; i < (1 << order); i++)
            page[i].RefCount = 1;
    }

    /// <summary><c>free_compound_page</c>: the COMPOUND_PAGE_DTOR destructor (memcg uncharge arrives with memcg).</summary>
    internal void FreeCompoundPage(Page* page) => __FreePagesOk(page, CompoundOrder(page));

    // ---- public, PFN-based API ----

    /// <summary>
    /// Allocates 2^<paramref name="order"/> pages (<c>alloc_pages_node</c>); returns the first PFN, or −1 when the
    /// allocation fails. <paramref name="preferredNid"/> −1 means the current CPU's node.
    /// </summary>
    public long AllocPagesPfn(uint gfpMask, int order, int preferredNid = -1)
    {
        if ((uint)order >= MmZone.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, "orders are 0..10");
        if (preferredNid < -1 || preferredNid >= _nrNodes)
            throw new ArgumentOutOfRangeException(nameof(preferredNid), preferredNid, $"-1 or a node 0..{_nrNodes - 1}");
        if (!Gfp.GfpZoneIsValid(gfpMask))
            throw new ArgumentException($"gfp 0x{gfpMask:x}: impossible zone modifier combination (GFP_ZONE_BAD)", nameof(gfpMask));
        Page* page = AllocPages(gfpMask, order, preferredNid);
        return page == null ? -1 : (long)PageToPfn(page);
    }

    /// <summary>Frees what <see cref="AllocPagesPfn"/> returned (<c>__free_pages</c>: drops one reference).</summary>
    public void FreePagesPfn(long pfn, int order)
    {
        if ((ulong)pfn >= _maxPfn)
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "beyond max_pfn");
        if ((uint)order >= MmZone.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, "orders are 0..10");
        Page* page = PfnToPage((ulong)pfn);
        if (page->RefCount <= 0 || PageTail(page))
            throw new InvalidOperationException($"pfn 0x{pfn:x} is not an allocated head page (refcount {page->RefCount})");
        FreePages(page, order);
    }

    /// <summary>The content token of an allocated page.</summary>
    public ulong GetContentToken(long pfn)
    {
        if ((ulong)pfn >= _maxPfn)
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "beyond max_pfn");
        return _contentToken[pfn];
    }

    /// <summary>Sets the content token of an allocated page (a write to the page).</summary>
    public void SetContentToken(long pfn, ulong token)
    {
        if ((ulong)pfn >= _maxPfn)
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "beyond max_pfn");
        _contentToken[pfn] = token;
    }

    /// <summary><c>page_ref_count</c> of a page frame.</summary>
    public int PageRefCountOf(long pfn)
    {
        if ((ulong)pfn >= _maxPfn)
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "beyond max_pfn");
        return _memMap[pfn].RefCount;
    }
}

/// <summary>
/// Mirrors <c>struct alloc_context</c> (mm/internal.h): what the allocator fixes once per request.
/// </summary>
public unsafe struct AllocContext
{
    /// <summary><c>zonelist</c>.</summary>
    public Zonelist* Zonelist;
    /// <summary><c>nodemask</c> (null = all nodes).</summary>
    public NodeMask* Nodemask;
    /// <summary><c>preferred_zoneref</c>: first usable zone; its index is the classzone index.</summary>
    public Zoneref* PreferredZoneref;
    /// <summary><c>migratetype</c>.</summary>
    public int Migratetype;
    /// <summary><c>high_zoneidx</c>: <c>gfp_zone(gfp)</c>.</summary>
    public int HighZoneidx;
    /// <summary><c>spread_dirty_pages</c>.</summary>
    public bool SpreadDirtyPages;

    /// <summary><c>ac_classzone_idx(ac)</c>.</summary>
    public readonly int ClasszoneIdx => PreferredZoneref->ZoneIdx;
}

/// <summary>
/// A page failed the allocator's <c>page_expected_state</c> check (<c>bad_page</c>): an emulator bug, such as
/// freeing a page still mapped, still on an LRU or still charged.
/// </summary>
public sealed class BadPageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BadPageException(ulong pfn, string reason, string when, ulong flags, int refCount, int mapCount)
        : base($"BUG: Bad page state at {when}: pfn:0x{pfn:x} {reason} (flags 0x{flags:x}, refcount {refCount}, mapcount {mapCount})")
    {
        Pfn = pfn;
        Reason = reason;
    }

    /// <summary>The PFN of the bad page.</summary>
    public ulong Pfn { get; }

    /// <summary>The kernel's bad_reason text.</summary>
    public string Reason { get; }
}
