using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>
/// Builds LRU states for reclaim tests without the process-memory layer: page-cache pages with a stand-in
/// address_space, unmapped anonymous pages with a stand-in anon_vma, and ScanControls built like try_to_free_pages'.
/// </summary>
internal static unsafe class LruTestKit
{
    /// <summary>A one-node machine with DMA (pfn 0..4095) and DMA32 (the rest), 1 CPU unless told.</summary>
    public static Machine Small(ulong pages = 65536, int cpus = 1) => Machine.Boot(MachineDescription.Uniform(1, pages, cpus));

    /// <summary>A real file (2^20 pages by default): its page cache's <c>address_space*</c> is the tests' mapping.</summary>
    public static nint FakeMapping(Machine m, ulong pages = 1UL << 20) => (nint)m.CreateFile(pages)->FMapping;

    /// <summary>
    /// A stand-in <c>anon_vma*</c> for anonymous pages no PTE maps (so no rmap walk ever reads it): native, 64-byte
    /// aligned, zeroed.
    /// </summary>
    public static nint FakeAnonVma(Machine m) => (nint)m.Heap.Alloc(64);

    /// <summary>
    /// A page-cache page as <c>add_to_page_cache_lru</c> + readpage leave it after the reader's put_page: one
    /// reference (the cache's), NR_FILE_PAGES counted, queued on this CPU's lru_add pagevec (call
    /// <c>LruAddDrain</c> to land it; the pagevec holds a second reference until then).
    /// </summary>
    public static Page* AddFilePage(Machine m, nint mapping, ulong index, uint gfp = Gfp.HighUserMovable)
    {
        Page* page = m.AllocPages(gfp, 0, -1);
        if (page == null)
            throw new InvalidOperationException("out of memory in test setup");
        m.AddToPageCacheLru(page, (Mm.Filemap.AddressSpace*)mapping, index);
        SetPageUptodate(page);
        ClearPageLocked(page);
        m.PutPage(page);
        return page;
    }

    /// <summary>
    /// An unmapped, swap-backed anonymous page (e.g. after its PTE was zapped by a pending unmap), one reference,
    /// queued inactive (lru_cache_add_anon) or active.
    /// </summary>
    public static Page* AddAnonPage(Machine m, nint anonVma, bool active, uint gfp = Gfp.HighUserMovable)
    {
        Page* page = m.AllocPages(gfp, 0, -1);
        if (page == null)
            throw new InvalidOperationException("out of memory in test setup");
        page->Mapping = (ulong)anonVma | PageMappingAnon;
        SetPageSwapBacked(page);
        if (active)
            SetPageActive(page);
        m.LruCacheAddAnon(page);
        return page;
    }

    /// <summary>The list <paramref name="lru"/> of node <paramref name="nid"/>'s lruvec.</summary>
    public static ListHead* List(Machine m, LruList lru, int nid = 0) => Lruvec.List(&m.NodeData(nid)->Lruvec, lru);

    /// <summary>The node lruvec.</summary>
    public static Lruvec* NodeLruvec(Machine m, int nid = 0) => &m.NodeData(nid)->Lruvec;

    /// <summary>Pages of a list from head to tail.</summary>
    public static ulong[] Pfns(Machine m, ListHead* list)
    {
        var r = new System.Collections.Generic.List<ulong>();
        for (ListHead* p = list->Next; p != list; p = p->Next)
            r.Add(m.PageToPfn(Page.FromLru(p)));
        return r.ToArray();
    }

    /// <summary>
    /// A ScanControl as try_to_free_pages builds it (reference §5): nr_to_reclaim 32, gfp, reclaim_idx = gfp_zone,
    /// priority DEF_PRIORITY, may_writepage = !laptop_mode, may_unmap = may_swap = 1.
    /// </summary>
    public static ScanControl DirectReclaimSc(uint gfp = Gfp.HighUserMovable, int priority = Mm.Vmscan.Vmscan.DefPriority) => new()
    {
        NrToReclaim = Mm.Vmscan.Vmscan.SwapClusterMax,
        GfpMask = gfp,
        ReclaimIdx = (sbyte)Gfp.GfpZone(gfp),
        Priority = (sbyte)priority,
        MayWritepage = true,
        MayUnmap = true,
        MaySwap = true,
    };

    /// <summary>Isolates every page of <paramref name="lru"/> onto a private list (as shrink_inactive_list does).</summary>
    public static ulong IsolateAll(Machine m, LruList lru, ListHead* dst, ScanControl* sc)
    {
        ulong n = m.IsolateLruPages(1UL << 40, NodeLruvec(m), dst, out _, sc, lru);
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrIsolatedAnon + (Lru.IsFileLru(lru) ? 1 : 0), (long)n);
        return n;
    }
}
