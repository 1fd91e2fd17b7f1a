using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Memory.Pte;

namespace ReclaimFast;

// 4-level x86-64 page tables (mm/memory.c, arch/x86/mm/pgtable.c): table pages come from the page allocator;
// their 512 entries live in a native PtBlock found through the table page's PFN.
public sealed unsafe partial class Machine
{
    private const ulong PmdSize = 1UL << PmdShift;
    private const ulong PmdMask = ~(PmdSize - 1);
    private const ulong PudSize = 1UL << PudShift;
    private const ulong PudMask = ~(PudSize - 1);
    private const ulong PgdirSize = 1UL << PgdirShift;
    private const ulong PgdirMask = ~(PgdirSize - 1);
    private const long TableBytes = PtrsPerTable * sizeof(ulong);

    /// <summary>Page-table level of a table page, for allocation and accounting.</summary>
    private enum PtLevel
    {
        Pte,
        Pmd,
        Pud,
        Pgd,
    }

    /// <summary>
    /// Allocates a zeroed table page and its entry block. PTE tables get <c>pgtable_page_ctor</c>
    /// (PG_table, NR_PAGETABLE); in v5.4 <c>pgtable_pmd_page_ctor</c> only initialises the split lock and
    /// PUD/PGD pages have no ctor, so only PTE tables count in NR_PAGETABLE. PTE, PMD and PUD tables count
    /// in <c>mm-&gt;pgtables_bytes</c> (mm_inc_nr_ptes/pmds/puds); the pgd does not.
    /// </summary>
    private Page* AllocTablePage(MmStruct* mm, PtLevel level)
    {
        Page* page = MmAllocPage(GfpPgtableUser);
        if (page == null)
            return null;
        ulong pfn = PageToPfn(page);
        _ptMem[pfn] = _ptBlockPool.Alloc();
        if (level == PtLevel.Pte)
        {
            PageOps.__SetPageTable(page);
            ModPageTableStat(page, 1);
        }
        if (level != PtLevel.Pgd)
            mm->PgtablesBytes += TableBytes;
        return page;
    }

    /// <summary><c>pte_free</c>/<c>pmd_free</c>/<c>pud_free</c>/<c>pgd_free</c>: dtor then <c>__free_page</c>.</summary>
    private void FreeTablePage(MmStruct* mm, Page* page, PtLevel level)
    {
        ulong pfn = PageToPfn(page);
        _ptBlockPool.Free(_ptMem[pfn]);
        _ptMem[pfn] = null;
        if (level == PtLevel.Pte)
        {
            PageOps.__ClearPageTable(page);
            ModPageTableStat(page, -1);
            mm->PtCacheKey = ulong.MaxValue; // the walk cache may name this table
        }
        if (level != PtLevel.Pgd)
            mm->PgtablesBytes -= TableBytes;
        MmFreePage(page);
    }

    /// <summary><c>pgd_alloc</c> (order 0: no page-table isolation, whose x86 pgd is order 1).</summary>
    private bool PgdAlloc(MmStruct* mm)
    {
        mm->PgdPage = AllocTablePage(mm, PtLevel.Pgd);
        return mm->PgdPage != null;
    }

    /// <summary><c>pgd_free</c>.</summary>
    private void PgdFree(MmStruct* mm)
    {
        FreeTablePage(mm, mm->PgdPage, PtLevel.Pgd);
        mm->PgdPage = null;
    }

    /// <summary>The entries of the table an upper-level entry points at.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* NextTable(ulong entry) => _ptMem[PtePfn(entry)]->Entries;

    /// <summary>The entries of the mm's pgd.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong* PgdTable(MmStruct* mm) => _ptMem[PageToPfn(mm->PgdPage)]->Entries;

    /// <summary>The oracle slot of a PTE (same index, the block's second half).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong* PteShadow(ulong* pte) => pte + PtrsPerTable;

    /// <summary>
    /// <c>pte_offset_map</c> after a lookup walk (<c>pgd_offset</c> → <c>pud_offset</c> → <c>pmd_offset</c>):
    /// the PTE slot for <paramref name="address"/>, or null when an upper level is none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong* PteOffsetMap(MmStruct* mm, ulong address)
    {
        if (mm->PtCacheKey == address >> PmdShift)
            return mm->PtCacheTable + PteIndex(address);
        return PteOffsetMapWalk(mm, address);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong* PteOffsetMapWalk(MmStruct* mm, ulong address)
    {
        ulong e = PgdTable(mm)[PgdIndex(address)];
        if (e == 0)
            return null;
        e = NextTable(e)[PudIndex(address)];
        if (e == 0)
            return null;
        e = NextTable(e)[PmdIndex(address)];
        if (e == 0)
            return null;
        ulong* table = NextTable(e);
        mm->PtCacheKey = address >> PmdShift;
        mm->PtCacheTable = table;
        return table + PteIndex(address);
    }

    /// <summary>
    /// The allocating walk of <c>__handle_mm_fault</c> (<c>pud_alloc</c>, <c>pmd_alloc</c>, <c>pte_alloc</c>):
    /// the PTE slot for <paramref name="address"/>, allocating missing tables; null when out of memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong* PteAllocMap(MmStruct* mm, ulong address)
    {
        if (mm->PtCacheKey == address >> PmdShift)
            return mm->PtCacheTable + PteIndex(address);
        return PteAllocMapWalk(mm, address);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong* PteAllocMapWalk(MmStruct* mm, ulong address)
    {
        ulong* pgd = PgdTable(mm) + PgdIndex(address);
        if (*pgd == 0 && !__TableAlloc(mm, pgd, PtLevel.Pud))
            return null;
        ulong* pud = NextTable(*pgd) + PudIndex(address);
        if (*pud == 0 && !__TableAlloc(mm, pud, PtLevel.Pmd))
            return null;
        ulong* pmd = NextTable(*pud) + PmdIndex(address);
        if (*pmd == 0 && !__TableAlloc(mm, pmd, PtLevel.Pte))
            return null;
        ulong* table = NextTable(*pmd);
        mm->PtCacheKey = address >> PmdShift;
        mm->PtCacheTable = table;
        return table + PteIndex(address);
    }

    /// <summary><c>__pud_alloc</c> / <c>__pmd_alloc</c> / <c>__pte_alloc</c>: populate an empty upper entry.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool __TableAlloc(MmStruct* mm, ulong* entry, PtLevel level)
    {
        Page* page = AllocTablePage(mm, level);
        if (page == null)
            return false;
        *entry = PfnPte(PageToPfn(page), PageTable);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddrEnd(ulong addr, ulong end, ulong size)
    {
        ulong boundary = (addr + size) & ~(size - 1);
        return boundary - 1 < end - 1 ? boundary : end;
    }

    /// <summary>
    /// <c>free_pgd_range</c> (mm/memory.c): frees the page tables that map only [addr, end), given that
    /// nothing is mapped in [floor, ceiling) outside it; ceiling 0 means the top of the address space.
    /// </summary>
    private void FreePgdRange(MmStruct* mm, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        addr &= PmdMask;
        if (addr < floor)
        {
            addr += PmdSize;
            if (addr == 0)
                return;
        }
        if (ceiling != 0)
        {
            ceiling &= PmdMask;
            if (ceiling == 0)
                return;
        }
        if (end - 1 > ceiling - 1)
            end -= PmdSize;
        if (addr > end - 1)
            return;
        ulong* pgd = PgdTable(mm) + PgdIndex(addr);
        do
        {
            ulong next = AddrEnd(addr, end, PgdirSize);
            if (*pgd != 0)
                FreePudRange(mm, pgd, addr, next, floor, ceiling);
            pgd++;
            addr = next;
        }
        while (addr != end);
    }

    /// <summary><c>free_p4d_range</c> (p4d folded) + <c>free_pud_range</c>.</summary>
    private void FreePudRange(MmStruct* mm, ulong* pgd, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        ulong start = addr;
        ulong* pud = NextTable(*pgd) + PudIndex(addr);
        do
        {
            ulong next = AddrEnd(addr, end, PudSize);
            if (*pud != 0)
                FreePmdRange(mm, pud, addr, next, floor, ceiling);
            pud++;
            addr = next;
        }
        while (addr != end);

        start &= PgdirMask; // P4D_MASK == PGDIR_MASK with the p4d level folded
        if (start < floor)
            return;
        if (ceiling != 0)
        {
            ceiling &= PgdirMask;
            if (ceiling == 0)
                return;
        }
        if (end - 1 > ceiling - 1)
            return;
        Page* table = PfnToPage(PtePfn(*pgd));
        *pgd = 0;
        FreeTablePage(mm, table, PtLevel.Pud);
    }

    /// <summary><c>free_pmd_range</c>.</summary>
    private void FreePmdRange(MmStruct* mm, ulong* pud, ulong addr, ulong end, ulong floor, ulong ceiling)
    {
        ulong start = addr;
        ulong* pmd = NextTable(*pud) + PmdIndex(addr);
        do
        {
            ulong next = AddrEnd(addr, end, PmdSize);
            if (*pmd != 0)
            {
                // free_pte_range
                Page* pte = PfnToPage(PtePfn(*pmd));
                *pmd = 0;
                Debug.Assert(PteTableEmpty(pte), "freeing a PTE table that still maps something");
                FreeTablePage(mm, pte, PtLevel.Pte);
            }
            pmd++;
            addr = next;
        }
        while (addr != end);

        start &= PudMask;
        if (start < floor)
            return;
        if (ceiling != 0)
        {
            ceiling &= PudMask;
            if (ceiling == 0)
                return;
        }
        if (end - 1 > ceiling - 1)
            return;
        Page* table = PfnToPage(PtePfn(*pud));
        *pud = 0;
        FreeTablePage(mm, table, PtLevel.Pmd);
    }

    private bool PteTableEmpty(Page* table)
    {
        ulong* e = _ptMem[PageToPfn(table)]->Entries;
        for (int i = 0; i < PtrsPerTable; i++)
        {
            if (!PteNone(e[i]))
                return false;
        }
        return true;
    }

    /// <summary>
    /// Every PTE-level table of <paramref name="mm"/> (checker and tests, not a hot path): the virtual address
    /// its first entry maps and its entries.
    /// </summary>
    internal void CollectPteTables(MmStruct* mm, System.Collections.Generic.List<(ulong Va, nint Entries)> tables)
    {
        ulong* pgd = PgdTable(mm);
        for (int i = 0; i < PtrsPerTable; i++)
        {
            if (pgd[i] == 0)
                continue;
            ulong* pud = NextTable(pgd[i]);
            for (int j = 0; j < PtrsPerTable; j++)
            {
                if (pud[j] == 0)
                    continue;
                ulong* pmd = NextTable(pud[j]);
                for (int k = 0; k < PtrsPerTable; k++)
                {
                    if (pmd[k] == 0)
                        continue;
                    ulong va = ((ulong)i << PgdirShift) | ((ulong)j << PudShift) | ((ulong)k << PmdShift);
                    tables.Add((va, (nint)NextTable(pmd[k])));
                }
            }
        }
    }

    /// <summary>Counts an mm's table pages by level (checker): PUD, PMD and PTE tables.</summary>
    internal (long Pud, long Pmd, long Pte) CountTables(MmStruct* mm)
    {
        long nPud = 0, nPmd = 0, nPte = 0;
        ulong* pgd = PgdTable(mm);
        for (int i = 0; i < PtrsPerTable; i++)
        {
            if (pgd[i] == 0)
                continue;
            nPud++;
            ulong* pud = NextTable(pgd[i]);
            for (int j = 0; j < PtrsPerTable; j++)
            {
                if (pud[j] == 0)
                    continue;
                nPmd++;
                ulong* pmd = NextTable(pud[j]);
                for (int k = 0; k < PtrsPerTable; k++)
                {
                    if (pmd[k] != 0)
                        nPte++;
                }
            }
        }
        return (nPud, nPmd, nPte);
    }
}
