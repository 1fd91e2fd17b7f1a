using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/rmap.c page_mkclean: write-protect and clean every PTE of a page-cache page before its writeback.
public sealed unsafe partial class Machine
{
    /// <summary><c>page_mkclean_one</c> over the shared mappings (<c>invalid_mkclean_vma</c> skips private ones).</summary>
    private struct PageMkcleanArg : IRmapWalkControl
    {
        public int Cleaned;

        public bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address)
        {
            ulong* pte = m.PageVmaMappedPte(page, vma, address);
            if (pte == null)
                return true;
            ulong v = *pte;
            if ((v & (Pte.Dirty | Pte.Rw)) == 0)
                return true;
            // ptep_clear_flush + pte_wrprotect + pte_mkclean: the next store faults (wp_page_shared) and dirties again.
            *pte = v & ~(Pte.Dirty | Pte.Rw);
            Cleaned++;
            return true;
        }

        public readonly bool Done(Page* page) => false;

        public readonly bool InvalidVma(VmAreaStruct* vma) => (vma->VmFlags & VmFlags.Shared) == 0;
    }

    /// <summary>
    /// <c>page_mkclean</c>: for a mapped page-cache page, clear the dirty and write bits of every shared PTE mapping it;
    /// returns how many were cleaned (a dirty PTE's data is then the page's, which the caller marks dirty).
    /// </summary>
    internal int PageMkclean(Page* page)
    {
        if (!PageMapped(page) || PageMappingFile(page) == null)
            return 0;
        var arg = new PageMkcleanArg();
        RmapWalk(page, ref arg);
        return arg.Cleaned;
    }
}
