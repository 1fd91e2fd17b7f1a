using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// The only place process memory touches the page allocator's API (allocation, freeing, vmstat). Kept in one
// file so a change of the allocator's names is a change here only.
public sealed unsafe partial class Machine
{
    /// <summary>GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT: GFP_PGTABLE_USER, for user page-table pages.</summary>
    internal const uint GfpPgtableUser = Gfp.Kernel | Gfp.Zero | Gfp.Account;

    /// <summary>GFP_HIGHUSER_MOVABLE | __GFP_ZERO: <c>alloc_zeroed_user_highpage_movable</c>.</summary>
    internal const uint GfpZeroedUserMovable = Gfp.HighUserMovable | Gfp.Zero;

    /// <summary><c>alloc_page_vma(GFP_HIGHUSER_MOVABLE, ...)</c> and page-cache pages (mapping_gfp_mask).</summary>
    internal const uint GfpUserMovable = Gfp.HighUserMovable;

    /// <summary>One order-0 page for user memory or a table (null on failure).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Page* MmAllocPage(uint gfp) => AllocPage(gfp);

    /// <summary><c>__free_page</c>: drop the caller's reference, freeing at zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MmFreePage(Page* page) => FreePages(page, 0);

    /// <summary>Frees a page whose refcount already reached zero (<c>free_unref_page</c>, the tail of <c>release_pages</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MmFreeZeroRefPage(Page* page) => FreeUnrefPage(page);

    /// <summary><c>inc/dec_zone_page_state(page, NR_PAGETABLE)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ModPageTableStat(Page* page, long delta) => ModZonePageState(PageZone(page), ZoneStatItem.NrPagetable, delta);

    /// <summary><c>mod_zone_page_state(page_zone(page), NR_MLOCK, delta)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ModMlockStat(Page* page, long delta) => ModZonePageState(PageZone(page), ZoneStatItem.NrMlock, delta);

    /// <summary><c>__mod_node_page_state(page_pgdat(page), NR_ANON_MAPPED, delta)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ModAnonMapped(Page* page, long delta) => ModNodePageState(PagePgdat(page), NodeStatItem.NrAnonMapped, delta);

    /// <summary><c>__mod_lruvec_page_state(page, NR_FILE_MAPPED, delta)</c>: the node counter and the page's memcg's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ModFileMapped(Page* page, long delta)
    {
        ModNodePageState(PagePgdat(page), NodeStatItem.NrFileMapped, delta);
        if (page->MemCgroup != 0)
            ((Mm.Memcontrol.MemCgroup*)page->MemCgroup)->StatLocal[(int)Mm.Memcontrol.MemcgStatItem.FileMapped] += delta;
    }

    /// <summary><c>__mod_node_page_state(page_pgdat(page), NR_FILE_PAGES, delta)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ModFilePages(Page* page, long delta) => ModNodePageState(PagePgdat(page), NodeStatItem.NrFilePages, delta);

    /// <summary><c>count_vm_event(PGFAULT)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountPgFault() => CountVmEvent(VmEventItem.Pgfault);

    /// <summary><c>count_vm_event(PGMAJFAULT)</c>.</summary>
    private void CountPgMajFault() => CountVmEvent(VmEventItem.Pgmajfault);

    /// <summary><c>count_vm_event(UNEVICTABLE_PGMLOCKED)</c>.</summary>
    private void CountUnevictablePgMlocked() => CountVmEvent(VmEventItem.UnevictablePgmlocked);

    /// <summary><c>count_vm_event(UNEVICTABLE_PGCLEARED)</c>.</summary>
    private void CountUnevictablePgCleared() => CountVmEvent(VmEventItem.UnevictablePgcleared);

    /// <summary><c>count_vm_event(UNEVICTABLE_PGMUNLOCKED)</c>.</summary>
    private void CountUnevictablePgMunlocked() => CountVmEvent(VmEventItem.UnevictablePgmunlocked);

    /// <summary>NR_PAGETABLE summed over all zones (tests and checker).</summary>
    internal long NrPageTablePages => GlobalZonePageState(ZoneStatItem.NrPagetable);

    /// <summary>NR_ANON_MAPPED summed over nodes (tests).</summary>
    internal long NrAnonMapped => GlobalNodePageState(NodeStatItem.NrAnonMapped);

    /// <summary>NR_FILE_MAPPED summed over nodes (tests).</summary>
    internal long NrFileMapped => GlobalNodePageState(NodeStatItem.NrFileMapped);

    /// <summary>NR_FILE_PAGES summed over nodes (tests).</summary>
    internal long NrFilePages => GlobalNodePageState(NodeStatItem.NrFilePages);

    /// <summary>NR_MLOCK summed over all zones (tests).</summary>
    internal long NrMlock => GlobalZonePageState(ZoneStatItem.NrMlock);
}
