using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/mlock.c: PG_mlocked, its accounting, and moving pages to and from the unevictable LRU (isolate_lru_page /
// putback_lru_page, Mm/Swap/Machine.Lru.cs).
public sealed unsafe partial class Machine
{
    /// <summary>
    /// <c>mlock_vma_page</c>: PG_mlocked, NR_MLOCK, UNEVICTABLE_PGMLOCKED, and an LRU page moves to LRU_UNEVICTABLE
    /// (isolate + putback; an isolated page gets there when reclaim puts it back).
    /// </summary>
    internal void MlockVmaPage(Page* page)
    {
        if (!TestSetPageMlocked(page))
        {
            ModMlockStat(page, 1);
            CountUnevictablePgMlocked();
            MlockMovePageToUnevictable(page);
        }
    }

    /// <summary>
    /// <c>clear_page_mlock</c>: the last unmap of an mlocked page; an LRU page goes back to an evictable list, an
    /// isolated unevictable one counts UNEVICTABLE_PGSTRANDED.
    /// </summary>
    internal void ClearPageMlock(Page* page)
    {
        if (!TestClearPageMlocked(page))
            return;
        ModMlockStat(page, -1);
        CountUnevictablePgCleared();
        if (IsolateLruPage(page) == 0)
            PutbackLruPage(page);
        else if (PageUnevictable(page))
            CountVmEvent(Diagnostics.VmEventItem.UnevictablePgstranded);
    }

    /// <summary>
    /// <c>munlock_vma_page</c>: clear PG_mlocked; the page is isolated (<c>__munlock_isolate_lru_page</c>), re-mlocked
    /// by <c>try_to_munlock</c> if another VM_LOCKED VMA maps it, and put back (<c>__munlock_isolated_page</c>); a page
    /// not on the LRU counts as stranded or munlocked (<c>__munlock_isolation_failed</c>).
    /// </summary>
    internal void MunlockVmaPage(Page* page)
    {
        if (!TestClearPageMlocked(page))
            return;
        ModMlockStat(page, -1);
        if (IsolateLruPage(page) == 0)
        {
            if (PageMapcount(page) > 1)
                TryToMunlock(page);
            if (!PageMlocked(page))
                CountUnevictablePgMunlocked();
            PutbackLruPage(page);
        }
        else if (PageUnevictable(page))
        {
            CountVmEvent(Diagnostics.VmEventItem.UnevictablePgstranded);
        }
        else
        {
            CountUnevictablePgMunlocked();
        }
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
