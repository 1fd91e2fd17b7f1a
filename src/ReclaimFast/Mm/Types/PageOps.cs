using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ReclaimFast.Mm.Types;

/// <summary>
/// The kernel's page helpers (include/linux/page-flags.h, mm.h, page_ref.h) over <see cref="Page"/>:
/// flag accessors (generated part), node/zone numbers in the flags word, compound pages, page types and
/// the <c>page->mapping</c> tags. Call sites use <c>using static</c> so they read like the kernel.
/// </summary>
public static unsafe partial class PageOps
{
    // ---- page->flags layout (include/linux/page-flags-layout.h, SPARSEMEM_VMEMMAP, !NUMA_BALANCING) ----
    //  63      58 57 56 55                          26 25            0
    //  |  NODE   | ZONE |          (unused)          |   PG_* flags   |

    /// <summary>NODES_SHIFT (x86-64 Kconfig default without MAXSMP): up to 64 nodes.</summary>
    public const int NodesShift = 6;

    /// <summary>ZONES_SHIFT for MAX_NR_ZONES = 4 (DMA, DMA32, NORMAL, MOVABLE; no ZONE_DEVICE).</summary>
    public const int ZonesShift = 2;

    /// <summary>NODES_PGSHIFT = NODES_PGOFF = 64 − NODES_WIDTH (no section bits under vmemmap).</summary>
    public const int NodesPgShift = 64 - NodesShift;

    /// <summary>ZONES_PGSHIFT = NODES_PGOFF − ZONES_WIDTH.</summary>
    public const int ZonesPgShift = NodesPgShift - ZonesShift;

    /// <summary>NODES_MASK.</summary>
    public const ulong NodesMask = (1UL << NodesShift) - 1;

    /// <summary>ZONES_MASK.</summary>
    public const ulong ZonesMask = (1UL << ZonesShift) - 1;

    /// <summary>The PG_* part of the flags word: everything below the node/zone fields.</summary>
    public const ulong PageFlagsMask = (1UL << ZonesPgShift) - 1;

    /// <summary><c>page_zonenum</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PageZonenum(Page* page) => (int)((page->Flags >> ZonesPgShift) & ZonesMask);

    /// <summary><c>page_to_nid</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PageToNid(Page* page) => (int)((page->Flags >> NodesPgShift) & NodesMask);

    /// <summary><c>set_page_links</c> (zone and node parts): done once per page at boot.</summary>
    public static void SetPageLinks(Page* page, int zone, int nid)
    {
        Debug.Assert((uint)zone <= ZonesMask && (uint)nid <= NodesMask);
        page->Flags = (page->Flags & ~((ZonesMask << ZonesPgShift) | (NodesMask << NodesPgShift)))
                      | ((ulong)zone << ZonesPgShift) | ((ulong)nid << NodesPgShift);
    }

    // ---- compound pages ----

    /// <summary><c>compound_head</c>: a tail page's head, else the page itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Page* CompoundHead(Page* page)
    {
        ulong head = page->CompoundHeadWord;
        return (head & 1) != 0 ? (Page*)(head - 1) : page;
    }

    /// <summary><c>PageTail</c>: bit 0 of <c>compound_head</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageTail(Page* page) => (page->CompoundHeadWord & 1) != 0;

    /// <summary><c>PageCompound</c>: head or tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageCompound(Page* page) => PageHead(page) || PageTail(page);

    /// <summary><c>set_compound_head</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetCompoundHead(Page* page, Page* head) => page->CompoundHeadWord = (ulong)head + 1;

    /// <summary><c>clear_compound_head</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClearCompoundHead(Page* page) => page->CompoundHeadWord = 0;

    /// <summary><c>compound_order</c>: order of a head page (0 for a non-head page).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CompoundOrder(Page* page) => PageHead(page) ? page[1].CompoundOrder : 0;

    /// <summary><c>compound_nr</c>: base pages in the compound page (1 for a small page).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CompoundNr(Page* page) => 1 << CompoundOrder(page);

    /// <summary>PF_NO_TAIL modify policy: the kernel BUGs on a tail page; we assert, then act on the head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Page* NoTail(Page* page)
    {
        Debug.Assert(!PageTail(page), "PF_NO_TAIL flag modified on a tail page");
        return CompoundHead(page);
    }

    // ---- PG_swapcache: only meaningful on swap-backed pages ----

    /// <summary><c>PageSwapCache</c>: PG_swapbacked and PG_swapcache (PG_owner_priv_1) both set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageSwapCache(Page* page)
    {
        ulong f = CompoundHead(page)->Flags;
        const ulong both = (1UL << (int)PG.SwapBacked) | (1UL << (int)PG.SwapCache);
        return (f & both) == both;
    }

    /// <summary><c>SetPageSwapCache</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetPageSwapCache(Page* page) => NoTail(page)->Flags |= 1UL << (int)PG.SwapCache;

    /// <summary><c>ClearPageSwapCache</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ClearPageSwapCache(Page* page) => NoTail(page)->Flags &= ~(1UL << (int)PG.SwapCache);

    // ---- page_type (shares _mapcount) ----

    /// <summary>PAGE_TYPE_BASE.</summary>
    public const uint PageTypeBase = 0xf0000000;
    /// <summary>PG_buddy page-type bit.</summary>
    public const uint PgBuddy = 0x00000080;
    /// <summary>PG_offline page-type bit.</summary>
    public const uint PgOffline = 0x00000100;
    /// <summary>PG_kmemcg page-type bit.</summary>
    public const uint PgKmemcg = 0x00000200;
    /// <summary>PG_table page-type bit.</summary>
    public const uint PgTable = 0x00000400;
    /// <summary>PG_guard page-type bit.</summary>
    public const uint PgGuard = 0x00000800;

    /// <summary><c>PageType(page, flag)</c>: set when the base bits are intact and the type bit is cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageTypeIs(Page* page, uint flag) => (page->PageType & (PageTypeBase | flag)) == PageTypeBase;

    /// <summary><c>PageBuddy</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageBuddy(Page* page) => PageTypeIs(page, PgBuddy);

    /// <summary><c>__SetPageBuddy</c>: the page must be untyped (_mapcount −1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void __SetPageBuddy(Page* page)
    {
        Debug.Assert(page->PageType == 0xffffffff, "__SetPageBuddy on a typed or mapped page");
        page->PageType &= ~PgBuddy;
    }

    /// <summary><c>__ClearPageBuddy</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void __ClearPageBuddy(Page* page)
    {
        Debug.Assert(PageBuddy(page));
        page->PageType |= PgBuddy;
    }

    /// <summary><c>PageTable</c>: a page-table page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageTable(Page* page) => PageTypeIs(page, PgTable);

    /// <summary><c>__SetPageTable</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void __SetPageTable(Page* page)
    {
        Debug.Assert(page->PageType == 0xffffffff);
        page->PageType &= ~PgTable;
    }

    /// <summary><c>__ClearPageTable</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void __ClearPageTable(Page* page)
    {
        Debug.Assert(PageTable(page));
        page->PageType |= PgTable;
    }

    /// <summary><c>PageGuard</c> (debug_pagealloc guard pages; never set by ReclaimFast, kept for page_is_buddy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageGuard(Page* page) => PageTypeIs(page, PgGuard);

    // ---- page->mapping tags ----

    /// <summary>PAGE_MAPPING_ANON.</summary>
    public const ulong PageMappingAnon = 0x1;
    /// <summary>PAGE_MAPPING_MOVABLE.</summary>
    public const ulong PageMappingMovable = 0x2;
    /// <summary>PAGE_MAPPING_KSM = ANON | MOVABLE.</summary>
    public const ulong PageMappingKsm = PageMappingAnon | PageMappingMovable;
    /// <summary>PAGE_MAPPING_FLAGS.</summary>
    public const ulong PageMappingFlags = PageMappingAnon | PageMappingMovable;

    /// <summary>TAIL_MAPPING = 0x400 + POISON_POINTER_DELTA: <c>mapping</c> of a tail page.</summary>
    public const ulong TailMapping = 0xdead000000000400UL;

    /// <summary><c>PageAnon</c>: bit 0 of the head page's mapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageAnon(Page* page) => (CompoundHead(page)->Mapping & PageMappingAnon) != 0;

    /// <summary><c>__PageMovable</c>: a non-LRU movable page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool __PageMovable(Page* page) => (page->Mapping & PageMappingFlags) == PageMappingMovable;

    /// <summary><c>PageKsm</c> (no KSM in ReclaimFast; the tag test is kept so rmap dispatch reads like the kernel's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageKsm(Page* page) => (CompoundHead(page)->Mapping & PageMappingFlags) == PageMappingKsm;

    /// <summary><c>page_rmapping</c>: mapping with the tag bits removed (anon_vma* or address_space*).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* PageRmapping(Page* page) => (void*)(CompoundHead(page)->Mapping & ~PageMappingFlags);

    /// <summary><c>page_anon_vma</c>: the <c>anon_vma*</c> of an anonymous page, else null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* PageAnonVma(Page* page)
    {
        ulong mapping = CompoundHead(page)->Mapping;
        return (mapping & PageMappingFlags) != PageMappingAnon ? null : (void*)(mapping - PageMappingAnon);
    }

    /// <summary>
    /// <c>page_mapping</c> for pages that are not in the swap cache: null for slab and anonymous pages, the
    /// address_space* otherwise. A swap-cache page's mapping is its swap address space, which Mm/Swap
    /// answers (<c>page_mapping</c> proper checks PageSwapCache first and calls there).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* PageMappingFile(Page* page)
    {
        page = CompoundHead(page);
        if (PageSlab(page))
            return null;
        ulong mapping = page->Mapping;
        return (mapping & PageMappingAnon) != 0 ? null : (void*)(mapping & ~PageMappingFlags);
    }

    // ---- counts (include/linux/page_ref.h, mm.h) ----

    /// <summary><c>page_count</c>: the head page's refcount.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PageCount(Page* page) => CompoundHead(page)->RefCount;

    /// <summary><c>page_ref_count</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PageRefCount(Page* page) => page->RefCount;

    /// <summary><c>set_page_count</c> / <c>init_page_count</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetPageCount(Page* page, int v) => page->RefCount = v;

    /// <summary><c>get_page</c>: take a reference on the head page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GetPage(Page* page)
    {
        page = CompoundHead(page);
        Debug.Assert(page->RefCount > 0, "get_page on a free page");
        page->RefCount++;
    }

    /// <summary><c>put_page_testzero</c>: drop a reference; true when it reached zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PutPageTestzero(Page* page)
    {
        Debug.Assert(page->RefCount > 0, "put_page on a free page");
        return --page->RefCount == 0;
    }

    /// <summary><c>page_ref_freeze</c>: refcount becomes 0 only if it equals <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageRefFreeze(Page* page, int count)
    {
        if (page->RefCount != count)
            return false;
        page->RefCount = 0;
        return true;
    }

    /// <summary><c>page_ref_unfreeze</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PageRefUnfreeze(Page* page, int count)
    {
        Debug.Assert(page->RefCount == 0);
        page->RefCount = count;
    }

    /// <summary><c>page_mapcount_reset</c>: _mapcount = −1 (also clears any page type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PageMapcountReset(Page* page) => page->MapCount = -1;

    /// <summary><c>page_mapcount</c> for a small page (THP adds compound_mapcount).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PageMapcount(Page* page) => page->MapCount + 1;

    /// <summary><c>page_mapped</c> for a small page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool PageMapped(Page* page) => page->MapCount >= 0;
}
