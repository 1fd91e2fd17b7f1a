using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// The reverse map (mm/rmap.c): page_add_*_rmap, page_remove_rmap, rmap_walk, page_referenced, try_to_unmap.
public sealed unsafe partial class Machine
{
    /// <summary><c>linear_page_index</c>: the page offset <paramref name="address"/> has in the VMA's object.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong LinearPageIndex(VmAreaStruct* vma, ulong address)
        => ((address - vma->VmStart) >> Pfn.PageShift) + vma->VmPgoff;

    /// <summary>
    /// <c>__page_set_anon_rmap</c>: first anonymous mapping. Exclusive pages point at the VMA's own anon_vma,
    /// others at the oldest, the root; <c>index = linear_page_index</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void __PageSetAnonRmap(Page* page, VmAreaStruct* vma, ulong address, bool exclusive)
    {
        AnonVma* av = vma->AnonVma;
        Debug.Assert(av != null, "__page_set_anon_rmap without an anon_vma");
        if (PageAnon(page))
            return;
        if (!exclusive)
            av = av->Root;
        page->Mapping = (ulong)av | PageMappingAnon;
        page->Index = LinearPageIndex(vma, address);
    }

    /// <summary><c>page_add_new_anon_rmap</c>: a new page's first mapping (mapcount −1 → 0), exclusive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PageAddNewAnonRmap(Page* page, VmAreaStruct* vma, ulong address) =>
        PageAddNewAnonRmap(page, vma, address, PagePgdat(page));

    /// <summary>
    /// <c>page_add_new_anon_rmap</c> given <c>page_pgdat(page)</c>, which a caller that stores page flags first reads
    /// before them (a reload would wait on those stores).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PageAddNewAnonRmap(Page* page, VmAreaStruct* vma, ulong address, PglistData* pgdat)
    {
        Debug.Assert(address >= vma->VmStart && address < vma->VmEnd && pgdat == PagePgdat(page));
        __SetPageSwapBacked(page);
        page->MapCount = 0;
        ModNodePageState(pgdat, NodeStatItem.NrAnonMapped, 1); // __mod_node_page_state(page_pgdat(page), NR_ANON_MAPPED)
        __PageSetAnonRmap(page, vma, address, exclusive: true);
    }

    /// <summary><c>page_add_anon_rmap</c> / <c>do_page_add_anon_rmap</c>: one more mapping of an anon page;
    /// the first one sets the rmap (root anon_vma unless <paramref name="exclusive"/>).</summary>
    internal void PageAddAnonRmap(Page* page, VmAreaStruct* vma, ulong address, bool exclusive = false)
    {
        bool first = ++page->MapCount == 0;
        if (first)
            ModAnonMapped(page, 1);
        if (first)
            __PageSetAnonRmap(page, vma, address, exclusive);
        else
            Debug.Assert(((AnonVma*)PageAnonVma(page))->Root == vma->AnonVma->Root && page->Index == LinearPageIndex(vma, address));
    }

    /// <summary><c>page_dup_rmap</c> (fork): one more mapping, no accounting change.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PageDupRmap(Page* page) => page->MapCount++;

    /// <summary><c>page_add_file_rmap</c>: the first mapping counts in NR_FILE_MAPPED.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PageAddFileRmap(Page* page)
    {
        if (++page->MapCount == 0)
            ModFileMapped(page, 1);
    }

    /// <summary>
    /// <c>page_remove_rmap</c>: one mapping less; the last one takes the page out of NR_ANON_MAPPED or
    /// NR_FILE_MAPPED and clears its mlock. <c>page-&gt;mapping</c> stays until the page is freed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PageRemoveRmap(Page* page)
    {
        if (--page->MapCount >= 0)
            return;
        if (PageAnon(page))
            ModAnonMapped(page, -1);
        else
            ModFileMapped(page, -1);
        if (PageMlocked(page))
            ClearPageMlock(page);
    }

    /// <summary>
    /// <c>page_remove_rmap</c> with the page's node already at hand (<paramref name="pgdat"/> = page_pgdat, read by the
    /// caller before its flag updates): the same accounting as <see cref="PageRemoveRmap(Page*)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PageRemoveRmap(Page* page, Mm.PageAlloc.PglistData* pgdat)
    {
        if (--page->MapCount >= 0)
            return;
        if (PageAnon(page))
            ModNodePageState(pgdat, Mm.PageAlloc.NodeStatItem.NrAnonMapped, -1);
        else
            ModFileMapped(page, -1);
        if (PageMlocked(page))
            ClearPageMlock(page);
    }

    /// <summary><c>page_move_anon_rmap</c>: a page now exclusively this VMA's moves to its anon_vma.</summary>
    internal static void PageMoveAnonRmap(Page* page, VmAreaStruct* vma)
        => page->Mapping = (ulong)vma->AnonVma | PageMappingAnon;

    /// <summary>
    /// <c>vma_address</c>: where the page sits in the VMA; −EFAULT (as ulong.MaxValue) if outside.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong VmaAddress(Page* page, VmAreaStruct* vma)
    {
        ulong pgoff = page->Index;
        ulong address = vma->VmStart + ((pgoff - vma->VmPgoff) << Pfn.PageShift);
        return pgoff >= vma->VmPgoff && address < vma->VmEnd ? address : ulong.MaxValue;
    }

    /// <summary>
    /// <c>page_vma_mapped_walk</c> for an order-0 page: the PTE that maps <paramref name="page"/> at
    /// <paramref name="address"/> in the VMA's mm, or null (absent, not present, or another page).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong* PageVmaMappedPte(Page* page, VmAreaStruct* vma, ulong address)
    {
        ulong* pte = PteOffsetMap(vma->VmMm, address);
        if (pte == null)
            return null;
        ulong v = *pte;
        // pte_pfn(*pte) == page_to_pfn(page), compared as struct page addresses (no division by sizeof(struct page)).
        if (!Pte.PtePresent(v) || PfnToPage(Pte.PtePfn(v)) != page)
            return null;
        return pte;
    }

    /// <summary>
    /// <c>rmap_walk</c>: anon pages through their anon_vma's chains (only while the page is mapped, as
    /// <c>page_lock_anon_vma_read</c> requires), file pages through <c>i_mmap</c>; each restricted to the
    /// VMAs whose pgoff range covers the page.
    /// </summary>
    internal void RmapWalk<T>(Page* page, ref T rwc) where T : struct, IRmapWalkControl
    {
        if (PageKsm(page))
            ThrowKsm();
        if (PageAnon(page))
            RmapWalkAnon(page, ref rwc);
        else
            RmapWalkFile(page, ref rwc);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowKsm() => throw new NotSupportedException("rmap_walk_ksm: ReclaimFast has no KSM pages");

    /// <summary><c>rmap_walk_anon</c>.</summary>
    private void RmapWalkAnon<T>(Page* page, ref T rwc) where T : struct, IRmapWalkControl
    {
        if (!PageMapped(page))
            return; // page_lock_anon_vma_read: an unmapped page's anon_vma may be gone
        AnonVma* av = (AnonVma*)PageAnonVma(page);
        ulong pgoff = page->Index;
        ListHead* root = &av->RbRoot;
        for (ListHead* p = root->Next; p != root; p = p->Next)
        {
            VmAreaStruct* vma = AnonVmaChain.FromRb(p)->Vma;
            if (vma->VmPgoff > pgoff)
                break; // sorted by first pgoff: nothing further can overlap
            if (vma->VmPgoff + vma->Pages - 1 < pgoff)
                continue;
            ulong address = VmaAddress(page, vma);
            Debug.Assert(address != ulong.MaxValue);
            if (rwc.InvalidVma(vma))
                continue;
            if (!rwc.RmapOne(this, page, vma, address))
                break;
            if (rwc.Done(page))
                break;
        }
    }

    /// <summary><c>rmap_walk_file</c>.</summary>
    private void RmapWalkFile<T>(Page* page, ref T rwc) where T : struct, IRmapWalkControl
    {
        AddressSpace* mapping = (AddressSpace*)PageMappingFile(page);
        if (mapping == null)
            return;
        ulong pgoff = page->Index;
        ListHead* root = &mapping->IMmap;
        for (ListHead* p = root->Next; p != root; p = p->Next)
        {
            VmAreaStruct* vma = VmAreaStruct.FromShared(p);
            if (vma->VmPgoff > pgoff)
                break;
            if (vma->VmPgoff + vma->Pages - 1 < pgoff)
                continue;
            ulong address = VmaAddress(page, vma);
            Debug.Assert(address != ulong.MaxValue);
            if (rwc.InvalidVma(vma))
                continue;
            if (!rwc.RmapOne(this, page, vma, address))
                break;
            if (rwc.Done(page))
                break;
        }
    }

    /// <summary><c>struct page_referenced_arg</c> + <c>page_referenced_one</c>.</summary>
    private struct PageReferencedArg : IRmapWalkControl
    {
        public int MapCount;
        public int Referenced;
        public ulong VmFlagsSeen;
        /// <summary>The reclaim's target memcg (null: global reclaim, no filter) and the root group.</summary>
        public Mm.Memcontrol.MemCgroup* Memcg;
        public Mm.Memcontrol.MemCgroup* Root;

        public bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address)
        {
            int referenced = 0;
            ulong* pte = m.PageVmaMappedPte(page, vma, address);
            if (pte != null)
            {
                if ((vma->VmFlags & Mm.Memory.VmFlags.Locked) != 0)
                {
                    VmFlagsSeen |= Mm.Memory.VmFlags.Locked;
                    return false;
                }
                // ptep_clear_flush_young_notify
                if ((*pte & Pte.Accessed) != 0)
                {
                    *pte &= ~Pte.Accessed;
                    if ((vma->VmFlags & Mm.Memory.VmFlags.SeqRead) == 0)
                        referenced++;
                }
                MapCount--;
            }
            if (referenced != 0)
                ClearPageIdle(page);
            if (TestClearPageYoung(page))
                referenced++;
            if (referenced != 0)
            {
                Referenced++;
                VmFlagsSeen |= vma->VmFlags;
            }
            return MapCount != 0;
        }

        public readonly bool Done(Page* page) => false;

        /// <summary>
        /// <c>invalid_page_referenced_vma</c>: in memcg reclaim, mappings whose mm is outside the target's subtree
        /// (<c>mm_match_cgroup</c> on the mm owner) do not count.
        /// </summary>
        public readonly bool InvalidVma(VmAreaStruct* vma)
        {
            if (Memcg == null)
                return false;
            TaskStruct* owner = vma->VmMm->Owner;
            var ownerMemcg = owner != null && owner->MemCgroup != 0 ? (Mm.Memcontrol.MemCgroup*)owner->MemCgroup : Root;
            return !MemCgroupIsDescendant(ownerMemcg, Memcg);
        }
    }

    /// <summary>
    /// <c>page_referenced</c> (named apart from the PG_referenced test <c>PageReferenced</c>): test and clear the young bit of every PTE mapping the page; returns the
    /// number of VMAs that referenced it (one per VMA), with their flags in <paramref name="vmFlags"/>.
    /// A VM_LOCKED mapping stops the walk and reports VM_LOCKED.
    /// </summary>
    internal int PageReferencedRmap(Page* page, bool isLocked, out ulong vmFlags) => PageReferencedRmap(page, isLocked, 0, out vmFlags);

    /// <summary>
    /// <c>page_referenced(page, is_locked, memcg, &amp;vm_flags)</c>: as above; with a target <paramref name="memcg"/>
    /// (memcg reclaim; 0 = global) only mappings of that cgroup's subtree count.
    /// </summary>
    internal int PageReferencedRmap(Page* page, bool isLocked, nint memcg, out ulong vmFlags)
    {
        vmFlags = 0;
        // pra.mapcount and the two early returns, checked on locals before the walk's argument block is built.
        int mapCount = PageMapcount(page);
        if (mapCount == 0)
            return 0;
        if (PageRmapping(page) == null)
            return 0;
        var pra = new PageReferencedArg
        {
            MapCount = mapCount,
            Memcg = memcg != 0 ? (Mm.Memcontrol.MemCgroup*)memcg : null,
            Root = _rootMemCgroup,
        };
        bool weLocked = false;
        if (!isLocked && (!PageAnon(page) || PageKsm(page)))
        {
            weLocked = !TestSetPageLocked(page); // trylock_page
            if (!weLocked)
                return 1;
        }
        RmapWalk(page, ref pra);
        vmFlags = pra.VmFlagsSeen;
        if (weLocked)
            ClearPageLocked(page);
        return pra.Referenced;
    }

    /// <summary>The arguments of <c>try_to_unmap_one</c>, with <c>page_not_mapped</c> as <c>done</c>.</summary>
    private struct TryToUnmapArg : IRmapWalkControl
    {
        public TtuFlags Flags;

        public readonly bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address)
            => m.TryToUnmapOne(page, vma, address, Flags);

        public readonly bool Done(Page* page) => !PageMapped(page);

        public readonly bool InvalidVma(VmAreaStruct* vma) => false;
    }

    /// <summary>
    /// <c>try_to_unmap</c>: remove every PTE mapping the page (anon PTEs become the swap entry in
    /// <c>page_private</c>). True when no mapping is left. The caller holds a reference and the page lock.
    /// </summary>
    internal bool TryToUnmap(Page* page, TtuFlags flags)
    {
        var arg = new TryToUnmapArg { Flags = flags };
        RmapWalk(page, ref arg);
        return PageMapcount(page) == 0;
    }

    /// <summary><c>try_to_munlock</c>: re-mlock the page if another VM_LOCKED VMA still maps it.</summary>
    internal void TryToMunlock(Page* page)
    {
        var arg = new TryToUnmapArg { Flags = TtuFlags.Munlock };
        RmapWalk(page, ref arg);
    }

    /// <summary>
    /// <c>try_to_unmap_one</c> for an order-0 page: mlocked VMA or young PTE → fail (mlocking / clearing
    /// young); else clear the PTE, move its dirty bit to the page, then anon: <c>swap_duplicate</c>,
    /// MM_ANONPAGES−1, MM_SWAPENTS+1, PTE := swap entry; file: MM_FILEPAGES−1. Then
    /// <c>page_remove_rmap</c> and drop the mapping's page reference.
    /// </summary>
    internal bool TryToUnmapOne(Page* page, VmAreaStruct* vma, ulong address, TtuFlags flags)
    {
        MmStruct* mm = vma->VmMm;
        if ((flags & TtuFlags.Munlock) != 0 && (vma->VmFlags & VmFlags.Locked) == 0)
            return true;
        ulong* pte = PageVmaMappedPte(page, vma, address);
        if (pte == null)
            return true;
        if ((flags & TtuFlags.IgnoreMlock) == 0)
        {
            if ((vma->VmFlags & VmFlags.Locked) != 0)
            {
                MlockVmaPage(page);
                return false;
            }
            if ((flags & TtuFlags.Munlock) != 0)
                return true;
        }
        if ((flags & TtuFlags.IgnoreAccess) == 0 && (*pte & Pte.Accessed) != 0)
        {
            *pte &= ~Pte.Accessed; // ptep_clear_flush_young_notify
            return false;
        }

        Mm.PageAlloc.PglistData* pgdat = PagePgdat(page);   // for page_remove_rmap, read before the flag updates
        ulong pteval = *pte; // ptep_clear_flush (no other CPU caches it: the flush is immediate)
        *pte = 0;
        if (Pte.PteDirty(pteval))
            SetPageDirtyMapping(page);
        UpdateHiwaterRss(mm);

        if (PageAnon(page))
        {
            SwpEntry entry = new(page->Private);
            if (PageSwapBacked(page) != PageSwapCache(page))
                ThrowTtuNotInSwapCache(page, address); // WARN_ON_ONCE in the kernel, with the PTE already lost
            if (!PageSwapBacked(page))
            {
                // MADV_FREE page: discard if clean and only isolation + mappings hold it.
                if (page->RefCount == 1 + PageMapcount(page) && !PageDirty(page))
                {
                    mm->RssStat[(int)MmCounter.AnonPages]--;
                    goto discard;
                }
                *pte = pteval;
                SetPageSwapBacked(page);
                return false;
            }
            if (SwapDuplicate(entry) < 0)
            {
                *pte = pteval;
                return false;
            }
            if (ListHead.Empty(&mm->MmList))
                ListHead.Add(&mm->MmList, _mmList);
            mm->RssStat[(int)MmCounter.AnonPages]--;
            mm->RssStat[(int)MmCounter.SwapEnts]++;
            *pte = Pte.SwpEntryToPte(entry);
        }
        else
        {
            mm->RssStat[PageSwapBacked(page) ? (int)MmCounter.ShmemPages : (int)MmCounter.FilePages]--;
        }
    discard:
        PageRemoveRmap(page, pgdat);
        PutPage(page);
        return true;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowTtuNotInSwapCache(Page* page, ulong address)
        => throw new InvalidOperationException(
            $"try_to_unmap_one: anon page pfn {PageToPfn(page)} at 0x{address:x} is swap-backed but not in the swap cache (add_to_swap first)");

    /// <summary><c>update_hiwater_rss</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateHiwaterRss(MmStruct* mm)
    {
        ulong rss = GetMmRss(mm);
        if (mm->HiwaterRss < rss)
            mm->HiwaterRss = rss;
    }

    /// <summary><c>get_mm_rss</c>: file + anon + shmem pages.</summary>
    internal static ulong GetMmRss(MmStruct* mm)
        => (ulong)(mm->RssStat[(int)MmCounter.FilePages] + mm->RssStat[(int)MmCounter.AnonPages] + mm->RssStat[(int)MmCounter.ShmemPages]);
}
