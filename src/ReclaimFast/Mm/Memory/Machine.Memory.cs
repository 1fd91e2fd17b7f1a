using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Memory.Pte;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast;

// mm/memory.c: the emulated MMU's access, page faults (anonymous, file read/COW/shared, write-protect COW),
// zapping PTEs on munmap/exit, and copying them at fork.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// The emulated hardware: task <paramref name="task"/> reads or writes <paramref name="address"/>. The MMU
    /// walks the page table; a missing, swapped or write-protected PTE faults (<c>do_user_addr_fault</c>);
    /// then the access sets the accessed bit (and dirty on a write). A read checks the page's content token
    /// against what the task last wrote there (throwing <see cref="DataLossException"/> on a mismatch); a
    /// write gives the page a new token.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal AccessResult Access(TaskStruct* task, ulong address, bool write)
    {
        MmStruct* mm = task->Mm;
        ulong* pte = PteOffsetMap(mm, address);
        if (pte == null || (*pte & Present) == 0 || (write && (*pte & Rw) == 0))
        {
            AccessResult r = DoUserAddrFault(task, address, write);
            if (r != AccessResult.Ok)
                return r;
            pte = PteOffsetMap(mm, address);
        }
        *pte |= write ? Accessed | Dirty : Accessed;
        ulong pfn = PtePfn(*pte);
        Page* page = MemMap + pfn;
        ulong* expectedSlot;
        if (PageAnon(page))
        {
            expectedSlot = PteShadow(pte);
        }
        else
        {
            VmAreaStruct* vma = FindVma(mm, address);
            expectedSlot = vma->VmFile->FInode->Token + LinearPageIndex(vma, address);
        }
        if (ContentToken[pfn] != *expectedSlot)
            ThrowDataLoss(task, address, *expectedSlot, ContentToken[pfn]);
        if (write)
        {
            ulong token = WriteToken(task->Pid, address, ++task->WriteSeq);
            ContentToken[pfn] = token;
            *expectedSlot = token;
        }
        return AccessResult.Ok;
    }

    /// <summary><c>do_user_addr_fault</c> (arch/x86/mm/fault.c): VMA lookup, <c>access_error</c>, <c>handle_mm_fault</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AccessResult DoUserAddrFault(TaskStruct* task, ulong address, bool write)
    {
        VmAreaStruct* vma = FindVma(task->Mm, address);
        if (vma == null || vma->VmStart > address)
            return AccessResult.SegFault; // no stack expansion (VM_GROWSDOWN) is modelled
        if (write ? (vma->VmFlags & VmFlags.Write) == 0 : (vma->VmFlags & (VmFlags.Read | VmFlags.Exec | VmFlags.Write)) == 0)
            return AccessResult.SegFault;
        VmFault ret = HandleMmFault(vma, address, write ? FaultFlags.Write : FaultFlags.None);
        if ((ret & VmFault.Oom) != 0)
            return AccessResult.OutOfMemory;
        if ((ret & VmFault.SigBus) != 0)
            return AccessResult.BusError;
        if ((ret & VmFault.SigSegv) != 0)
            return AccessResult.SegFault;
        return AccessResult.Ok;
    }

    /// <summary><c>handle_mm_fault</c> → <c>__handle_mm_fault</c>: PGFAULT, allocate the table levels, <c>handle_pte_fault</c>.</summary>
    internal VmFault HandleMmFault(VmAreaStruct* vma, ulong address, FaultFlags flags)
    {
        CountPgFault();
        CountMemcgEventMm(vma->VmMm, Mm.Memcontrol.MemcgVmEvent.Pgfault);
        ulong* pte = PteAllocMap(vma->VmMm, address);
        if (pte == null)
            return VmFault.Oom;
        return HandlePteFault(vma, address, pte, flags);
    }

    /// <summary><c>handle_pte_fault</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private VmFault HandlePteFault(VmAreaStruct* vma, ulong address, ulong* pte, FaultFlags flags)
    {
        ulong orig = *pte;
        if (PteNone(orig))
            return VmaIsAnonymous(vma) ? DoAnonymousPage(vma, address, pte) : DoFault(vma, address, pte, flags);
        if (!PtePresent(orig))
            return DoSwapPage(vma, address, pte, orig, flags);
        if ((flags & FaultFlags.Write) != 0)
        {
            if (!PteWrite(orig))
                return DoWpPage(vma, address, pte, orig);
            orig |= Dirty;
        }
        *pte = orig | Accessed; // ptep_set_access_flags
        return VmFault.None;
    }

    /// <summary><c>mm_counter</c>: which rss counter a mapped page counts in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MmCounterOf(Page* page)
        => PageAnon(page) ? (int)MmCounter.AnonPages : PageSwapBacked(page) ? (int)MmCounter.ShmemPages : (int)MmCounter.FilePages;

    /// <summary>
    /// <c>do_anonymous_page</c>: a zeroed page, exclusive anon rmap, PTE writable+dirty if VM_WRITE.
    /// Simplification: a read fault also allocates (the shared zero page is not modelled).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private VmFault DoAnonymousPage(VmAreaStruct* vma, ulong address, ulong* pte)
    {
        if ((vma->VmFlags & VmFlags.Shared) != 0)
            return VmFault.SigBus;
        if (AnonVmaPrepare(vma) != 0)
            return VmFault.Oom;
        Page* page = MmAllocPage(GfpZeroedUserMovable);
        if (page == null)
            return VmFault.Oom;
        if (MemCgroupTryCharge(page, vma->VmMm, Mm.PageAlloc.Gfp.Kernel, out nint memcg) != 0)
        {
            PutPage(page);
            return VmFault.Oom;
        }
        ulong pfn = PageToPfn(page);
        Mm.PageAlloc.PglistData* pgdat = PagePgdat(page); // for page_add_new_anon_rmap, read before the flag stores
        ContentToken[pfn] = 0; // clear_user_highpage: a zero-filled page's token is 0
        __SetPageUptodate(page);
        ulong entry = PfnPte(pfn, vma->VmPageProt);
        if ((vma->VmFlags & VmFlags.Write) != 0)
            entry |= Rw | Dirty;
        vma->VmMm->RssStat[(int)MmCounter.AnonPages]++;
        PageAddNewAnonRmap(page, vma, address, pgdat);
        MemCgroupCommitCharge(page, memcg, false);
        LruCacheAddActiveOrUnevictable(page, vma);
        *pte = entry;
        *PteShadow(pte) = 0;
        return VmFault.None;
    }

    /// <summary><c>do_fault</c>: read, private write (COW) or shared write fault on a file VMA.</summary>
    private VmFault DoFault(VmAreaStruct* vma, ulong address, ulong* pte, FaultFlags flags)
    {
        ulong pgoff = LinearPageIndex(vma, address);
        if ((flags & FaultFlags.Write) == 0)
            return DoReadFault(vma, address, pte, pgoff);
        if ((vma->VmFlags & VmFlags.Shared) == 0)
            return DoCowFault(vma, address, pte, pgoff);
        return DoSharedFault(vma, address, pte, pgoff);
    }

    /// <summary><c>do_read_fault</c> (no fault-around: only the faulting page is mapped).</summary>
    private VmFault DoReadFault(VmAreaStruct* vma, ulong address, ulong* pte, ulong pgoff)
    {
        VmFault ret = FilemapFault(vma, pgoff, out Page* page);
        if ((ret & VmFault.Error) != 0)
            return ret;
        AllocSetPte(vma, address, pte, page, write: false);
        ClearPageLocked(page); // unlock_page
        return ret;
    }

    /// <summary><c>do_cow_fault</c>: copy the file page into a new anonymous page and map that.</summary>
    private VmFault DoCowFault(VmAreaStruct* vma, ulong address, ulong* pte, ulong pgoff)
    {
        if (AnonVmaPrepare(vma) != 0)
            return VmFault.Oom;
        Page* cow = MmAllocPage(GfpUserMovable);
        if (cow == null)
            return VmFault.Oom;
        if (MemCgroupTryCharge(cow, vma->VmMm, Mm.PageAlloc.Gfp.Kernel, out nint memcg) != 0)
        {
            PutPage(cow);
            return VmFault.Oom;
        }
        VmFault ret = FilemapFault(vma, pgoff, out Page* page);
        if ((ret & VmFault.Error) != 0)
        {
            MemCgroupCancelCharge(cow, memcg);
            PutPage(cow);
            return ret;
        }
        ContentToken[PageToPfn(cow)] = ContentToken[PageToPfn(page)]; // copy_user_highpage
        __SetPageUptodate(cow);
        AllocSetPte(vma, address, pte, cow, write: true, memcg);
        *PteShadow(pte) = vma->VmFile->FInode->Token[pgoff];
        ClearPageLocked(page);
        PutPage(page);
        return ret;
    }

    /// <summary><c>do_shared_fault</c>: map the page cache page writable; <c>page_mkwrite</c> and <c>fault_dirty_shared_page</c> dirty it.</summary>
    private VmFault DoSharedFault(VmAreaStruct* vma, ulong address, ulong* pte, ulong pgoff)
    {
        VmFault ret = FilemapFault(vma, pgoff, out Page* page);
        if ((ret & VmFault.Error) != 0)
            return ret;
        SetPageDirtyMapping(page); // filemap_page_mkwrite
        AllocSetPte(vma, address, pte, page, write: true);
        ClearPageLocked(page);
        BalanceDirtyPagesRatelimited(); // fault_dirty_shared_page
        return ret;
    }

    /// <summary>
    /// <c>alloc_set_pte</c> (<c>finish_fault</c>): a private write maps a new anon page, anything else the file
    /// page (file rmap). The page reference taken by the fault becomes the PTE's.
    /// </summary>
    private void AllocSetPte(VmAreaStruct* vma, ulong address, ulong* pte, Page* page, bool write, nint memcg = 0)
    {
        ulong entry = PfnPte(PageToPfn(page), vma->VmPageProt);
        if (write)
        {
            entry |= Dirty;
            if ((vma->VmFlags & VmFlags.Write) != 0)
                entry |= Rw; // maybe_mkwrite
        }
        MmStruct* mm = vma->VmMm;
        if (write && (vma->VmFlags & VmFlags.Shared) == 0)
        {
            mm->RssStat[(int)MmCounter.AnonPages]++;
            PageAddNewAnonRmap(page, vma, address);
            MemCgroupCommitCharge(page, memcg, false);
            LruCacheAddActiveOrUnevictable(page, vma);
        }
        else
        {
            mm->RssStat[MmCounterOf(page)]++;
            PageAddFileRmap(page);
        }
        *pte = entry;
    }

    /// <summary>
    /// <c>do_wp_page</c>: a write to a present read-only PTE. An anon page nobody else maps (nor its swap
    /// slot) is reused in place; a shared file page is dirtied and made writable; otherwise COW.
    /// </summary>
    private VmFault DoWpPage(VmAreaStruct* vma, ulong address, ulong* pte, ulong orig)
    {
        Page* page = PfnToPage(PtePfn(orig)); // vm_normal_page
        if (PageAnon(page))
        {
            if (!TestSetPageLocked(page))
            {
                if (ReuseSwapPage(page, out int totalMapSwapcount))
                {
                    if (totalMapSwapcount == 1)
                        PageMoveAnonRmap(page, vma);
                    ClearPageLocked(page);
                    WpPageReuse(vma, pte, orig);
                    return VmFault.Write;
                }
                ClearPageLocked(page);
            }
        }
        else if ((vma->VmFlags & (VmFlags.Write | VmFlags.Shared)) == (VmFlags.Write | VmFlags.Shared))
        {
            // wp_page_shared: page_mkwrite dirties it, then reuse
            GetPage(page);
            SetPageDirtyMapping(page);
            WpPageReuse(vma, pte, orig);
            PutPage(page);
            BalanceDirtyPagesRatelimited(); // fault_dirty_shared_page
            return VmFault.Write;
        }
        GetPage(page);
        return WpPageCopy(vma, address, pte, orig, page);
    }

    /// <summary>
    /// <c>reuse_swap_page</c> for an order-0 page: reusable when mappings + swap references ≤ 1; a page whose
    /// only user is this mapping leaves the swap cache (and becomes dirty).
    /// </summary>
    private bool ReuseSwapPage(Page* page, out int totalMapSwapcount)
    {
        int mapcount = PageMapcount(page);
        int swapcount = 0;
        if (PageSwapCache(page))
        {
            SwpEntry entry = new(page->Private);
            SwapInfoStruct* si = SwapInfoGet(entry);
            if (si != null)
                swapcount = SwapCount(si->SwapMap[entry.Offset]);
        }
        int count = mapcount + swapcount;
        totalMapSwapcount = count;
        if (count == 1 && PageSwapCache(page) && !PageWriteback(page))
        {
            DeleteFromSwapCache(page);
            SetPageDirty(page);
        }
        return count <= 1;
    }

    /// <summary><c>wp_page_reuse</c>: young, dirty, writable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WpPageReuse(VmAreaStruct* vma, ulong* pte, ulong orig)
    {
        ulong entry = orig | Accessed | Dirty;
        if ((vma->VmFlags & VmFlags.Write) != 0)
            entry |= Rw;
        *pte = entry;
    }

    /// <summary>
    /// <c>wp_page_copy</c>: copy the old page (its token) into a new anon page mapped writable, exclusive to
    /// this VMA; the old page loses this mapping and the references of the PTE and of <c>do_wp_page</c>.
    /// </summary>
    private VmFault WpPageCopy(VmAreaStruct* vma, ulong address, ulong* pte, ulong orig, Page* oldPage)
    {
        MmStruct* mm = vma->VmMm;
        if (AnonVmaPrepare(vma) != 0)
        {
            PutPage(oldPage);
            return VmFault.Oom;
        }
        Page* newPage = MmAllocPage(GfpUserMovable);
        if (newPage == null)
        {
            PutPage(oldPage);
            return VmFault.Oom;
        }
        if (MemCgroupTryCharge(newPage, mm, Mm.PageAlloc.Gfp.Kernel, out nint memcg) != 0)
        {
            PutPage(newPage);
            PutPage(oldPage);
            return VmFault.Oom;
        }
        ulong newPfn = PageToPfn(newPage);
        ContentToken[newPfn] = ContentToken[PageToPfn(oldPage)]; // cow_user_page
        __SetPageUptodate(newPage);
        bool oldAnon = PageAnon(oldPage);
        if (!oldAnon)
        {
            mm->RssStat[MmCounterOf(oldPage)]--;
            mm->RssStat[(int)MmCounter.AnonPages]++;
            *PteShadow(pte) = vma->VmFile->FInode->Token[LinearPageIndex(vma, address)];
        }
        ulong entry = PfnPte(newPfn, vma->VmPageProt) | Dirty;
        if ((vma->VmFlags & VmFlags.Write) != 0)
            entry |= Rw;
        *pte = 0; // ptep_clear_flush_notify
        PageAddNewAnonRmap(newPage, vma, address);
        MemCgroupCommitCharge(newPage, memcg, false);
        LruCacheAddActiveOrUnevictable(newPage, vma);
        *pte = entry;
        PageRemoveRmap(oldPage);
        PutPage(oldPage); // the old PTE's reference
        if ((vma->VmFlags & VmFlags.Locked) != 0 && PageMlocked(oldPage))
            MunlockVmaPage(oldPage);
        PutPage(oldPage); // do_wp_page's reference
        return VmFault.Write;
    }

    /// <summary>
    /// <c>do_swap_page</c>: a fault on a swap PTE. The page comes from the swap cache or is read in (a major fault);
    /// the PTE gets it back (MM_SWAPENTS−1, MM_ANONPAGES+1), a write fault whose page nobody else uses takes it
    /// exclusively (<c>reuse_swap_page</c>), the anon rmap is restored and the page <c>activate_page</c>d; the PTE's
    /// slot reference is dropped (<c>swap_free</c>) and the swap copy freed when swap is over half full or the VMA
    /// is locked. Simplification: no swap readahead.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private VmFault DoSwapPage(VmAreaStruct* vma, ulong address, ulong* pte, ulong orig, FaultFlags flags)
    {
        SwpEntry entry = PteToSwpEntry(orig);
        if (SwapInfoGet(entry) == null)
            return VmFault.SigBus;
        VmFault ret = VmFault.None;
        Page* page = LookupSwapCache(entry);
        if (page == null)
        {
            page = ReadSwapCache(entry);
            if (page == null)
                return *pte == orig ? VmFault.Oom : VmFault.None;
            ret = VmFault.Major;
            CountPgMajFault();
            CountMemcgEventMm(vma->VmMm, Mm.Memcontrol.MemcgVmEvent.Pgmajfault);
        }
        if (TestSetPageLocked(page))        // lock_page: nobody else holds page locks between emulated steps
            ThrowLockedSwapPage(page);
        if (!PageSwapCache(page) || page->Private != entry.Val || *pte != orig)
        {
            ClearPageLocked(page);
            PutPage(page);
            return ret;
        }
        MmStruct* mm = vma->VmMm;
        // mem_cgroup_try_charge_delay: an uncharged swap-cache page goes to the slot's (or the mm's) group.
        if (MemCgroupTryCharge(page, mm, Mm.PageAlloc.Gfp.Kernel, out nint memcg) != 0)
        {
            ClearPageLocked(page);
            PutPage(page);
            return ret | VmFault.Oom;
        }
        mm->RssStat[(int)MmCounter.AnonPages]++;
        mm->RssStat[(int)MmCounter.SwapEnts]--;
        ulong pteval = PfnPte(PageToPfn(page), vma->VmPageProt);
        bool exclusive = false;
        if ((flags & FaultFlags.Write) != 0 && ReuseSwapPage(page, out _))
        {
            pteval |= Dirty;
            if ((vma->VmFlags & VmFlags.Write) != 0)
                pteval |= Rw;
            flags &= ~FaultFlags.Write;
            ret |= VmFault.Write;
            exclusive = true;
        }
        *pte = pteval;                       // the PTE shadow still holds the token written before swap-out
        PageAddAnonRmap(page, vma, address, exclusive);
        MemCgroupCommitCharge(page, memcg, true);
        ActivatePage(page);
        SwapFree(entry);
        if (VmSwapFull() || (vma->VmFlags & VmFlags.Locked) != 0 || PageMlocked(page))
            TryToFreeSwap(page);
        ClearPageLocked(page);
        if ((flags & FaultFlags.Write) != 0)
            ret |= DoWpPage(vma, address, pte, *pte);
        return ret;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowLockedSwapPage(Page* page)
        => throw new InvalidOperationException($"do_swap_page: swap-cache page pfn {PageToPfn(page)} is locked (no task can hold it across steps)");

    /// <summary><c>unmap_vmas</c>: zap [start, end) in each VMA of the detached list.</summary>
    private void UnmapVmas(VmAreaStruct* vma, ulong start, ulong end)
    {
        for (; vma != null && vma->VmStart < end; vma = vma->VmNext)
        {
            ulong s = Math.Max(vma->VmStart, start);
            ulong e = Math.Min(vma->VmEnd, end);
            if (s < e)
                UnmapPageRange(vma, s, e);
        }
    }

    /// <summary><c>unmap_page_range</c> → zap_p4d/pud/pmd_range → <c>zap_pte_range</c>.</summary>
    private void UnmapPageRange(VmAreaStruct* vma, ulong addr, ulong end)
    {
        // free_pages_and_swap_cache drains this CPU's pagevecs before releasing the gathered pages, so pages still
        // waiting to reach the LRU are freed rather than held by a pagevec (done once per range here).
        LruAddDrain();
        MmStruct* mm = vma->VmMm;
        long* rss = stackalloc long[MmStruct.NrMmCounters];
        for (int i = 0; i < MmStruct.NrMmCounters; i++)
            rss[i] = 0;
        while (addr != end)
        {
            ulong next = AddrEnd(addr, end, PmdSize);
            ulong* pte = PteOffsetMap(mm, addr);
            if (pte != null)
                ZapPteRange(vma, pte, addr, next, rss);
            addr = next;
        }
        for (int i = 0; i < MmStruct.NrMmCounters; i++)
            mm->RssStat[i] += rss[i];
    }

    /// <summary>
    /// <c>zap_pte_range</c>: clear each PTE; a present page loses the mapping (file pages take the dirty and
    /// young bits) and the PTE's reference; a swap entry is freed (<c>free_swap_and_cache</c>).
    /// </summary>
    private void ZapPteRange(VmAreaStruct* vma, ulong* pte, ulong addr, ulong end, long* rss)
    {
        for (; addr != end; pte++, addr += Pfn.PageSize)
        {
            ulong v = *pte;
            if (PteNone(v))
                continue;
            *pte = 0;
            if (PtePresent(v))
            {
                Page* page = PfnToPage(PtePfn(v));
                if (!PageAnon(page))
                {
                    if (PteDirty(v))
                        SetPageDirtyMapping(page);
                    if (PteYoung(v) && (vma->VmFlags & VmFlags.SeqRead) == 0)
                        MarkPageAccessed(page);
                }
                rss[MmCounterOf(page)]--;
                PageRemoveRmap(page);
                FreeSwapCache(page);
                PutPage(page); // tlb_remove_page → free_pages_and_swap_cache
                continue;
            }
            rss[(int)MmCounter.SwapEnts]--;
            if (!FreeSwapAndCache(PteToSwpEntry(v)))
                ThrowBadPte(vma, addr, v);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadPte(VmAreaStruct* vma, ulong addr, ulong v)
        => throw new InvalidOperationException($"BUG: Bad page map: pte 0x{v:x} at 0x{addr:x} names no swap device");

    /// <summary><c>is_cow_mapping</c>.</summary>
    private static bool IsCowMapping(ulong flags) => (flags & (VmFlags.Shared | VmFlags.MayWrite)) == VmFlags.MayWrite;

    /// <summary>
    /// <c>copy_page_range</c> (fork): nothing for VMAs without anon_vma (file pages fault in again); else
    /// each PTE with <c>copy_one_pte</c> — COW mappings write-protected on both sides, the child's copy old
    /// (and clean if shared), pages <c>page_dup_rmap</c>ed, swap entries <c>swap_duplicate</c>d.
    /// </summary>
    private int CopyPageRange(MmStruct* dst, MmStruct* src, VmAreaStruct* vma)
    {
        if ((vma->VmFlags & (VmFlags.PfnMap | VmFlags.MixedMap)) == 0 && vma->AnonVma == null)
            return 0;
        long* rss = stackalloc long[MmStruct.NrMmCounters];
        for (int i = 0; i < MmStruct.NrMmCounters; i++)
            rss[i] = 0;
        bool cow = IsCowMapping(vma->VmFlags);
        for (ulong addr = vma->VmStart; addr != vma->VmEnd;)
        {
            ulong next = AddrEnd(addr, vma->VmEnd, PmdSize);
            ulong* srcPte = PteOffsetMap(src, addr);
            if (srcPte == null)
            {
                addr = next;
                continue;
            }
            ulong* dstPte = PteAllocMap(dst, addr);
            if (dstPte == null)
                return -ENOMEM;
            for (; addr != next; addr += Pfn.PageSize, srcPte++, dstPte++)
            {
                ulong v = *srcPte;
                if (PteNone(v))
                    continue;
                if (!PtePresent(v))
                {
                    if (SwapDuplicate(PteToSwpEntry(v)) < 0)
                        return -ENOMEM;
                    if (ListHead.Empty(&dst->MmList))
                        ListHead.Add(&dst->MmList, _mmList);
                    rss[(int)MmCounter.SwapEnts]++;
                }
                else
                {
                    if (cow && PteWrite(v))
                    {
                        *srcPte = v & ~Rw; // ptep_set_wrprotect
                        v &= ~Rw;
                    }
                    if ((vma->VmFlags & VmFlags.Shared) != 0)
                        v &= ~Dirty;
                    v &= ~Accessed;
                    Page* page = PfnToPage(PtePfn(v));
                    GetPage(page);
                    PageDupRmap(page);
                    rss[MmCounterOf(page)]++;
                }
                *dstPte = v;
                *PteShadow(dstPte) = *PteShadow(srcPte);
            }
        }
        for (int i = 0; i < MmStruct.NrMmCounters; i++)
            dst->RssStat[i] += rss[i];
        return 0;
    }
}
