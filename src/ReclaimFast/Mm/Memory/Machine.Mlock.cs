using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/mlock.c, the page-flag and accounting part. Moving pages to and from the unevictable LRU
// (isolate_lru_page / putback_lru_page) is the LRU issue's; those steps are left out here.
public sealed unsafe partial class Machine
{
    /// <summary><c>mlock_vma_page</c>: PG_mlocked, NR_MLOCK, UNEVICTABLE_PGMLOCKED (LRU move left to the LRU issue).</summary>
    internal void MlockVmaPage(Page* page)
    {
        if (!TestSetPageMlocked(page))
        {
            ModMlockStat(page, 1);
            CountUnevictablePgMlocked();
        }
    }

    /// <summary><c>clear_page_mlock</c>: the last unmap of an mlocked page.</summary>
    internal void ClearPageMlock(Page* page)
    {
        if (!TestClearPageMlocked(page))
            return;
        ModMlockStat(page, -1);
        CountUnevictablePgCleared();
    }

    /// <summary>
    /// <c>munlock_vma_page</c>: clear PG_mlocked; a page mapped elsewhere is re-mlocked by
    /// <c>try_to_munlock</c> if another VM_LOCKED VMA maps it (<c>__munlock_isolated_page</c>).
    /// </summary>
    internal void MunlockVmaPage(Page* page)
    {
        if (!TestClearPageMlocked(page))
            return;
        ModMlockStat(page, -1);
        if (PageMapcount(page) > 1)
            TryToMunlock(page);
        if (!PageMlocked(page))
            CountUnevictablePgMunlocked();
    }

    /// <summary>
    /// <c>munlock_vma_pages_range</c>: clear VM_LOCKED on the VMA, then munlock each page present in
    /// [start, end) (<c>follow_page_mask</c> finds them).
    /// </summary>
    internal void MunlockVmaPagesRange(VmAreaStruct* vma, ulong start, ulong end)
    {
        vma->VmFlags &= ~VmFlags.LockedMask;
        for (ulong addr = start; addr < end; addr += Pfn.PageSize)
        {
            ulong* pte = PteOffsetMap(vma->VmMm, addr);
            if (pte == null || !Pte.PtePresent(*pte))
                continue;
            MunlockVmaPage(PfnToPage(Pte.PtePfn(*pte)));
        }
    }
}
