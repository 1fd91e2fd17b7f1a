using System.Collections.Generic;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Mm.Rmap;

/// <summary>
/// The process-memory and reverse-map part of the machine invariant checker (<see cref="Machine.CheckInvariants"/>
/// runs it after the allocator's part; CONFIG_DEBUG_VM in spirit; not a hot path, so it uses managed
/// collections). Throws <see cref="InvariantViolationException"/> naming the first broken invariant (its PFN when
/// the rule concerns a page, else 0, with the mm and address in the text):
/// <list type="bullet">
/// <item>VMA lists sorted and counted; every VMA's anon_vma chains and <c>i_mmap</c> membership consistent;</item>
/// <item>for every present PTE, <c>rmap_walk</c> from its page finds that PTE, and the page's anon_vma root
/// or mapping and index match the VMA (<c>__page_check_anon_rmap</c>);</item>
/// <item>every page's <c>_mapcount + 1</c> equals the PTEs mapping it, and its refcount covers them;</item>
/// <item>each mm's rss counters equal what its page tables hold; <c>pgtables_bytes</c> and NR_PAGETABLE equal
/// the tables reachable from live mms, and no PG_table page exists beyond those (no leak);</item>
/// <item>anon_vma refcount / num_children / num_active_vmas follow from the live anon_vma graph;</item>
/// <item>each swap slot's count equals the swap PTEs naming it, and SWAP_HAS_CACHE the swap-cache pages.</item>
/// </list>
/// </summary>
internal static unsafe class RmapChecker
{
    private struct FindMapping : IRmapWalkControl
    {
        public MmStruct* Mm;
        public ulong Address;
        public bool Found;

        public bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address)
        {
            if (vma->VmMm == Mm && address == Address)
            {
                Found = true;
                return false;
            }
            return true;
        }

        public readonly bool Done(Page* page) => false;

        public readonly bool InvalidVma(VmAreaStruct* vma) => false;
    }

    /// <summary>Checks every invariant above on <paramref name="m"/>.</summary>
    public static void Check(Machine m)
    {
        if (!m.MmStateReady)
        {
            if (m.NrPageTablePages != 0)
                Fail($"NR_PAGETABLE is {m.NrPageTablePages} but no mm was ever created");
            return;
        }
        ulong maxPfn = m.MaxPfn;
        var ptes = new int[maxPfn];
        var slotRefs = new Dictionary<ulong, long>();
        var tables = new List<(ulong Va, nint Entries)>();
        var liveAnonVmas = new HashSet<nint>();
        var activeVmas = new Dictionary<nint, long>();
        long pteTablesTotal = 0;

        ListHead* tasks = m.TaskList;
        for (ListHead* tp = tasks->Next; tp != tasks; tp = tp->Next)
        {
            TaskStruct* task = (TaskStruct*)((byte*)tp - System.Runtime.InteropServices.Marshal.OffsetOf<TaskStruct>(nameof(TaskStruct.Tasks)));
            MmStruct* mm = task->Mm;
            CheckVmas(mm, liveAnonVmas, activeVmas);

            var rss = new long[MmStruct.NrMmCounters];
            tables.Clear();
            m.CollectPteTables(mm, tables);
            foreach ((ulong va, nint entriesPtr) in tables)
            {
                ulong* e = (ulong*)entriesPtr;
                for (int i = 0; i < Pte.PtrsPerTable; i++)
                {
                    ulong v = e[i];
                    if (Pte.PteNone(v))
                        continue;
                    ulong addr = va + ((ulong)i << Pfn.PageShift);
                    VmAreaStruct* vma = Machine.FindVma(mm, addr);
                    if (vma == null || vma->VmStart > addr)
                        Fail($"mm {mm->Id}: PTE 0x{v:x} at 0x{addr:x} outside any VMA");
                    if (!Pte.PtePresent(v))
                    {
                        rss[(int)MmCounter.SwapEnts]++;
                        SwpEntry se = Pte.PteToSwpEntry(v);
                        slotRefs[se.Val] = slotRefs.GetValueOrDefault(se.Val) + 1;
                        SwapInfoStruct* si = m.SwapInfoGet(se);
                        if (si == null)
                            Fail($"mm {mm->Id}: swap PTE at 0x{addr:x} names no swap device ({se})");
                        // Without a swap-cache page the data lives only on the slot: it must be what the mm wrote.
                        if ((si->SwapMap[se.Offset] & SwapInfoStruct.SwapHasCache) == 0 && si->SlotToken[se.Offset] != *Machine.PteShadow(e + i))
                            Fail($"mm {mm->Id}: swap slot {se} for 0x{addr:x} holds token 0x{si->SlotToken[se.Offset]:x}, the mm wrote 0x{*Machine.PteShadow(e + i):x}");
                        continue;
                    }
                    ulong pfn = Pte.PtePfn(v);
                    if (pfn >= maxPfn)
                        Fail(pfn, $"mm {mm->Id}: PTE at 0x{addr:x} maps pfn {pfn} beyond max_pfn");
                    Page* page = m.PfnToPage(pfn);
                    ptes[pfn]++;
                    if (PageAnon(page))
                    {
                        rss[(int)MmCounter.AnonPages]++;
                        var av = (AnonVma*)PageAnonVma(page);
                        if (vma->AnonVma == null || av->Root != vma->AnonVma->Root)
                            Fail(pfn, $"mm {mm->Id}: anon page pfn {pfn} at 0x{addr:x}: its anon_vma's root is not the VMA's");
                    }
                    else
                    {
                        rss[PageSwapBacked(page) ? (int)MmCounter.ShmemPages : (int)MmCounter.FilePages]++;
                        if (vma->VmFile == null || page->Mapping != (ulong)vma->VmFile->FMapping)
                            Fail(pfn, $"mm {mm->Id}: file page pfn {pfn} at 0x{addr:x} does not belong to the VMA's file");
                    }
                    if (page->Index != Machine.LinearPageIndex(vma, addr))
                        Fail(pfn, $"mm {mm->Id}: page pfn {pfn} at 0x{addr:x} has index {page->Index}, VMA says {Machine.LinearPageIndex(vma, addr)}");
                    var find = new FindMapping { Mm = mm, Address = addr };
                    m.RmapWalk(page, ref find);
                    if (!find.Found)
                        Fail(pfn, $"mm {mm->Id}: rmap_walk from pfn {pfn} does not find its PTE at 0x{addr:x}");
                }
            }
            for (int i = 0; i < MmStruct.NrMmCounters; i++)
            {
                if (mm->RssStat[i] != rss[i])
                    Fail($"mm {mm->Id}: rss {(MmCounter)i} is {mm->RssStat[i]}, page tables hold {rss[i]}");
            }
            (long pud, long pmd, long pte) = m.CountTables(mm);
            if (mm->PgtablesBytes != (pud + pmd + pte) * Pfn.PageSize)
                Fail($"mm {mm->Id}: pgtables_bytes {mm->PgtablesBytes} but {pud} PUD + {pmd} PMD + {pte} PTE tables");
            pteTablesTotal += pte;
        }

        if (m.NrPageTablePages != pteTablesTotal)
            Fail($"NR_PAGETABLE is {m.NrPageTablePages}, live mms hold {pteTablesTotal} PTE tables");

        var swapCachePages = new HashSet<ulong>();
        long pgTablePages = 0;
        for (ulong pfn = 0; pfn < maxPfn; pfn++)
        {
            Page* page = m.PfnToPage(pfn);
            if (PageTable(page))
            {
                pgTablePages++;
                continue;
            }
            if (PageSlab(page))
                continue;   // SLAB's `active` shares _mapcount's bytes (mm_types.h)
            int mc = page->MapCount;
            if (mc < -1)
                continue; // another page type (buddy, ...)
            if (mc + 1 != ptes[pfn])
                Fail(pfn, $"pfn {pfn}: _mapcount {mc} but {ptes[pfn]} PTEs map it");
            int swapCache = PageSwapCache(page) ? 1 : 0;
            int pageCache = !PageAnon(page) && page->Mapping != 0 ? 1 : 0;
            if (ptes[pfn] > 0 && page->RefCount < ptes[pfn] + swapCache + pageCache)
                Fail(pfn, $"pfn {pfn}: refcount {page->RefCount} below {ptes[pfn]} mappings + {swapCache} swap cache + {pageCache} page cache");
            if (swapCache != 0)
                swapCachePages.Add(page->Private);
            if (PageAnon(page) && mc >= 0 && !liveAnonVmas.Contains((nint)PageAnonVma(page)))
                Fail(pfn, $"pfn {pfn}: mapped anon page points at an anon_vma that no VMA chain reaches");
        }
        if (pgTablePages != pteTablesTotal)
            Fail($"{pgTablePages} PG_table pages exist but live mms reach {pteTablesTotal}: a page-table page leaked");

        CheckAnonVmaGraph(liveAnonVmas, activeVmas);
        CheckSwap(m, slotRefs, swapCachePages);
    }

    private static void CheckVmas(MmStruct* mm, HashSet<nint> liveAnonVmas, Dictionary<nint, long> activeVmas)
    {
        int count = 0;
        VmAreaStruct* prev = null;
        for (VmAreaStruct* vma = mm->Mmap; vma != null; prev = vma, vma = vma->VmNext)
        {
            count++;
            if (vma->VmPrev != prev || vma->VmMm != mm || vma->VmStart >= vma->VmEnd || (prev != null && prev->VmEnd > vma->VmStart))
                Fail($"mm {mm->Id}: VMA list broken at [0x{vma->VmStart:x}, 0x{vma->VmEnd:x})");
            bool ownSeen = vma->AnonVma == null;
            for (ListHead* p = vma->AnonVmaChain.Next; p != &vma->AnonVmaChain; p = p->Next)
            {
                AnonVmaChain* avc = AnonVmaChain.FromSameVma(p);
                if (avc->Vma != vma)
                    Fail($"mm {mm->Id}: anon_vma_chain of VMA 0x{vma->VmStart:x} names another VMA");
                if (vma->AnonVma == null || avc->AnonVma->Root != vma->AnonVma->Root)
                    Fail($"mm {mm->Id}: VMA 0x{vma->VmStart:x} chained to an anon_vma of another tree");
                if (!ListContains(&avc->AnonVma->RbRoot, &avc->Rb))
                    Fail($"mm {mm->Id}: chain of VMA 0x{vma->VmStart:x} missing from its anon_vma's tree");
                ownSeen |= avc->AnonVma == vma->AnonVma;
                liveAnonVmas.Add((nint)avc->AnonVma);
                liveAnonVmas.Add((nint)avc->AnonVma->Root);
            }
            if (!ownSeen)
                Fail($"mm {mm->Id}: VMA 0x{vma->VmStart:x} is not chained to its own anon_vma");
            if (vma->AnonVma != null)
                activeVmas[(nint)vma->AnonVma] = activeVmas.GetValueOrDefault((nint)vma->AnonVma) + 1;
            if (vma->VmFile != null && !ListContains(&vma->VmFile->FMapping->IMmap, &vma->Shared))
                Fail($"mm {mm->Id}: file VMA 0x{vma->VmStart:x} missing from i_mmap");
        }
        if (count != mm->MapCount)
            Fail($"mm {mm->Id}: map_count {mm->MapCount} but {count} VMAs");
    }

    private static void CheckAnonVmaGraph(HashSet<nint> live, Dictionary<nint, long> activeVmas)
    {
        foreach (nint p in live)
        {
            var av = (AnonVma*)p;
            bool isRoot = av->Root == av;
            long children = isRoot && !ListHead.Empty(&av->RbRoot) ? 1 : 0;
            long pins = 0;
            foreach (nint q in live)
            {
                var x = (AnonVma*)q;
                if (x == av)
                    continue;
                if (x->Parent == av)
                    children++;
                if (isRoot && x->Root == av)
                    pins++;
            }
            long refs = (ListHead.Empty(&av->RbRoot) ? 0 : 1) + pins;
            if ((long)av->NumChildren != children)
                Fail($"anon_vma 0x{p:x}: num_children {av->NumChildren}, expected {children}");
            if (av->Refcount != refs)
                Fail($"anon_vma 0x{p:x}: refcount {av->Refcount}, expected {refs}");
            if ((long)av->NumActiveVmas != activeVmas.GetValueOrDefault(p))
                Fail($"anon_vma 0x{p:x}: num_active_vmas {av->NumActiveVmas}, expected {activeVmas.GetValueOrDefault(p)}");
        }
    }

    private static void CheckSwap(Machine m, Dictionary<ulong, long> slotRefs, HashSet<ulong> swapCache)
    {
        long free = 0;
        for (int t = 0; t < m.NrSwapfiles; t++)
        {
            SwapInfoStruct* si = m.SwapInfo(t);
            ulong inuse = 0;
            for (ulong off = 1; off < si->Max; off++)
            {
                byte map = si->SwapMap[off];
                if (map == SwapInfoStruct.SwapMapBad)
                    continue;
                if (map != 0)
                    inuse++;
                var entry = SwpEntry.Make(t, off);
                long refs = slotRefs.GetValueOrDefault(entry.Val);
                if (m.SwpSwapcount(entry) != refs)
                    Fail($"{entry}: swap count {m.SwpSwapcount(entry)} but {refs} swap PTEs");
                bool hasCache = (map & SwapInfoStruct.SwapHasCache) != 0;
                if (hasCache != swapCache.Contains(entry.Val))
                    Fail($"{entry}: SWAP_HAS_CACHE is {hasCache} but swap-cache page present is {!hasCache}");
            }
            if (inuse != si->InusePages)
                Fail($"swap {t}: inuse_pages {si->InusePages} but {inuse} slots in use");
            free += (long)(si->Pages - si->InusePages);
        }
        if (free != m.NrSwapPages)
            Fail($"nr_swap_pages {m.NrSwapPages} but {free} free slots");
    }

    private static bool ListContains(ListHead* head, ListHead* node)
    {
        for (ListHead* p = head->Next; p != head; p = p->Next)
        {
            if (p == node)
                return true;
        }
        return false;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(string message) => Fail(0, message);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(ulong pfn, string message) => throw new InvariantViolationException(pfn, "rmap: " + message);
}
