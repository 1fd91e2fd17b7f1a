using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using static ReclaimFast.Mm.Memory.Pte;

namespace ReclaimFast;

// mm/mmap.c and the VMA side of mm/mlock.c: VMA list, mmap, munmap with splitting, mlock/munlock.
// Simplifications: no vma_merge (adjacent compatible VMAs stay separate); find_vma scans the sorted list
// behind a one-entry cache instead of walking mm_rb; get_unmapped_area is bottom-up first fit.
public sealed unsafe partial class Machine
{
    /// <summary>TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3).</summary>
    internal const ulong TaskUnmappedBase = ((TaskSize / 3) + Pfn.PageSize - 1) & ~((ulong)Pfn.PageSize - 1);

    /// <summary>sysctl_max_map_count (DEFAULT_MAX_MAP_COUNT).</summary>
    internal const int MaxMapCount = 65530;

    /// <summary>
    /// <c>vm_get_page_prot</c> with x86-64's <c>protection_map</c> (__P000..__S111): private writable
    /// mappings start read-only (COW); every protection includes _PAGE_ACCESSED, so new PTEs are young.
    /// </summary>
    internal static ulong VmGetPageProt(ulong vmFlags)
    {
        const ulong p = Present | User | Accessed;
        bool shared = (vmFlags & VmFlags.Shared) != 0;
        bool read = (vmFlags & VmFlags.Read) != 0, write = (vmFlags & VmFlags.Write) != 0, exec = (vmFlags & VmFlags.Exec) != 0;
        if (!read && !write && !exec)
            return ProtNone | Accessed; // PAGE_NONE
        ulong prot = p | (exec ? 0 : Nx);
        if (shared && write)
            prot |= Rw; // PAGE_SHARED(_EXEC)
        return prot;
    }

    /// <summary><c>vma_wants_writenotify</c>: shared writable file mappings track dirtying by write faults.</summary>
    private static bool VmaWantsWritenotify(VmAreaStruct* vma)
        => (vma->VmFlags & (VmFlags.Write | VmFlags.Shared)) == (VmFlags.Write | VmFlags.Shared) && vma->VmFile != null;

    /// <summary><c>vma_set_page_prot</c>.</summary>
    private static void VmaSetPageProt(VmAreaStruct* vma)
    {
        ulong flags = vma->VmFlags;
        if (VmaWantsWritenotify(vma))
            flags &= ~VmFlags.Shared;
        vma->VmPageProt = VmGetPageProt(flags);
    }

    /// <summary><c>vma_is_anonymous</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool VmaIsAnonymous(VmAreaStruct* vma) => vma->VmFile == null;

    /// <summary><c>find_vma</c>: the first VMA with <c>vm_end &gt; addr</c>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static VmAreaStruct* FindVma(MmStruct* mm, ulong addr)
    {
        VmAreaStruct* c = mm->MmapCache;
        if (c != null && c->VmStart <= addr && addr < c->VmEnd)
            return c;
        return FindVmaSlow(mm, addr);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static VmAreaStruct* FindVmaSlow(MmStruct* mm, ulong addr)
    {
        for (VmAreaStruct* v = mm->Mmap; v != null; v = v->VmNext)
        {
            if (v->VmEnd > addr)
            {
                mm->MmapCache = v;
                return v;
            }
        }
        return null;
    }

    /// <summary>The VMA after which one starting at <paramref name="addr"/> goes (<c>find_vma_links</c>' prev).</summary>
    private static VmAreaStruct* FindVmaPrevFor(MmStruct* mm, ulong addr)
    {
        VmAreaStruct* prev = null;
        for (VmAreaStruct* v = mm->Mmap; v != null && v->VmStart < addr; v = v->VmNext)
            prev = v;
        return prev;
    }

    /// <summary><c>vma_interval_tree_insert</c>: <c>i_mmap</c> sorted by <c>vm_pgoff</c>, equal keys after.</summary>
    internal static void VmaIntervalTreeInsert(VmAreaStruct* vma, AddressSpace* mapping)
    {
        ListHead* root = &mapping->IMmap;
        ListHead* pos = root->Prev;
        while (pos != root && VmAreaStruct.FromShared(pos)->VmPgoff > vma->VmPgoff)
            pos = pos->Prev;
        ListHead.Add(&vma->Shared, pos);
    }

    /// <summary><c>vma_interval_tree_insert_after</c> (fork): right after the parent's VMA.</summary>
    internal static void VmaIntervalTreeInsertAfter(VmAreaStruct* vma, VmAreaStruct* prev)
        => ListHead.Add(&vma->Shared, &prev->Shared);

    /// <summary><c>vma_interval_tree_remove</c>.</summary>
    internal static void VmaIntervalTreeRemove(VmAreaStruct* vma) => ListHead.Del(&vma->Shared);

    /// <summary><c>__vma_link_file</c>.</summary>
    private static void __VmaLinkFile(VmAreaStruct* vma)
    {
        Mm.Filemap.File* file = vma->VmFile;
        if (file == null)
            return;
        AddressSpace* mapping = file->FMapping;
        if ((vma->VmFlags & VmFlags.Shared) != 0)
            mapping->IMmapWritable++;
        VmaIntervalTreeInsert(vma, mapping);
    }

    /// <summary><c>unlink_file_vma</c>.</summary>
    private static void UnlinkFileVma(VmAreaStruct* vma)
    {
        Mm.Filemap.File* file = vma->VmFile;
        if (file == null)
            return;
        if ((vma->VmFlags & VmFlags.Shared) != 0)
            file->FMapping->IMmapWritable--;
        VmaIntervalTreeRemove(vma);
    }

    /// <summary><c>__vma_link_list</c>: after <paramref name="prev"/> (or first).</summary>
    private static void __VmaLinkList(MmStruct* mm, VmAreaStruct* vma, VmAreaStruct* prev)
    {
        VmAreaStruct* next;
        vma->VmPrev = prev;
        if (prev != null)
        {
            next = prev->VmNext;
            prev->VmNext = vma;
        }
        else
        {
            next = mm->Mmap;
            mm->Mmap = vma;
        }
        vma->VmNext = next;
        if (next != null)
            next->VmPrev = vma;
    }

    /// <summary><c>vma_link</c>: list, file rmap, map_count.</summary>
    private static void VmaLink(MmStruct* mm, VmAreaStruct* vma, VmAreaStruct* prev)
    {
        __VmaLinkList(mm, vma, prev);
        __VmaLinkFile(vma);
        mm->MapCount++;
    }

    /// <summary><c>vm_area_alloc</c>.</summary>
    private VmAreaStruct* VmAreaAlloc(MmStruct* mm)
    {
        VmAreaStruct* vma = _vmaPool.Alloc();
        vma->VmMm = mm;
        ListHead.Init(&vma->AnonVmaChain);
        return vma;
    }

    /// <summary><c>vm_area_dup</c>: a copy with an empty anon_vma_chain.</summary>
    private VmAreaStruct* VmAreaDup(VmAreaStruct* orig)
    {
        VmAreaStruct* vma = _vmaPool.Alloc();
        *vma = *orig;
        ListHead.Init(&vma->AnonVmaChain);
        vma->Shared = default;
        return vma;
    }

    /// <summary><c>remove_vma</c>: drop the file reference, free the VMA; returns the next one.</summary>
    private VmAreaStruct* RemoveVma(VmAreaStruct* vma)
    {
        VmAreaStruct* next = vma->VmNext;
        if (vma->VmFile != null)
            Fput(vma->VmFile);
        _vmaPool.Free(vma);
        return next;
    }

    /// <summary>
    /// <c>get_unmapped_area</c>: <paramref name="addr"/> if the range is free there (or MAP_FIXED), else the
    /// lowest free gap at or above TASK_UNMAPPED_BASE. Returns 0 when nothing fits.
    /// </summary>
    private static ulong GetUnmappedArea(MmStruct* mm, ulong addr, ulong len, bool fixedMap)
    {
        if (len > TaskSize)
            return 0;
        if (fixedMap)
            return addr <= TaskSize - len ? addr : 0;
        if (addr != 0 && addr <= TaskSize - len)
        {
            VmAreaStruct* v = FindVma(mm, addr);
            if (v == null || addr + len <= v->VmStart)
                return addr;
        }
        ulong start = TaskUnmappedBase;
        for (VmAreaStruct* v = mm->Mmap; v != null; v = v->VmNext)
        {
            if (v->VmEnd <= start)
                continue;
            if (start + len <= v->VmStart)
                return start;
            start = v->VmEnd;
        }
        return start <= TaskSize - len ? start : 0;
    }

    /// <summary>
    /// <c>do_mmap</c> + <c>mmap_region</c>: map <paramref name="len"/> bytes (anonymous private, private file,
    /// or shared file) with <paramref name="prot"/> = VM_READ|VM_WRITE|VM_EXEC bits. Returns the address,
    /// or 0 on failure. MAP_LOCKED / MAP_POPULATE populate the range (<c>mm_populate</c>).
    /// </summary>
    internal ulong DoMmap(TaskStruct* task, ulong addr, ulong len, ulong prot, MapFlags flags, Mm.Filemap.File* file = null, ulong pgoff = 0)
    {
        MmStruct* mm = task->Mm;
        len = (len + Pfn.PageSize - 1) & ~((ulong)Pfn.PageSize - 1);
        if (len == 0 || (addr & (Pfn.PageSize - 1)) != 0)
            return 0;
        if (((flags & MapFlags.Shared) != 0) == ((flags & MapFlags.Private) != 0))
            throw new ArgumentException("mmap needs exactly one of MAP_SHARED and MAP_PRIVATE", nameof(flags));
        if (file == null && (flags & MapFlags.Shared) != 0)
            throw new NotSupportedException("MAP_SHARED|MAP_ANONYMOUS needs shmem, which ReclaimFast does not model yet");
        if (mm->MapCount > MaxMapCount)
            return 0;
        addr = GetUnmappedArea(mm, addr, len, (flags & MapFlags.Fixed) != 0);
        if (addr == 0)
            return 0;

        ulong vmFlags = (prot & (VmFlags.Read | VmFlags.Write | VmFlags.Exec)) | VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec;
        if ((flags & MapFlags.Locked) != 0)
            vmFlags |= VmFlags.Locked;
        if (file != null)
        {
            if ((flags & MapFlags.Shared) != 0)
                vmFlags |= VmFlags.Shared | VmFlags.MayShare;
        }
        else
        {
            pgoff = addr >> Pfn.PageShift;
        }

        // mmap_region: clear old maps (MAP_FIXED), then a new VMA.
        DoMunmap(mm, addr, len);
        VmAreaStruct* vma = VmAreaAlloc(mm);
        vma->VmStart = addr;
        vma->VmEnd = addr + len;
        vma->VmFlags = vmFlags;
        vma->VmPgoff = pgoff;
        if (file != null)
        {
            vma->VmFile = file;
            file->FCount++; // get_file
        }
        VmaLink(mm, vma, FindVmaPrevFor(mm, addr));
        mm->MmapCache = vma;
        mm->TotalVm += len >> Pfn.PageShift; // vm_stat_account
        if ((vmFlags & VmFlags.Locked) != 0)
            mm->LockedVm += len >> Pfn.PageShift;
        VmaSetPageProt(vma);

        if ((vmFlags & VmFlags.Locked) != 0 || (flags & MapFlags.Populate) != 0)
            MmPopulate(mm, addr, len);
        return addr;
    }

    /// <summary>
    /// <c>__split_vma</c>: split at <paramref name="addr"/>; the new VMA takes the part below when
    /// <paramref name="newBelow"/>, else the part above. Both keep the anon_vma chains (<c>anon_vma_clone</c>).
    /// </summary>
    private void SplitVma(MmStruct* mm, VmAreaStruct* vma, ulong addr, bool newBelow)
    {
        VmAreaStruct* n = VmAreaDup(vma);
        if (newBelow)
        {
            n->VmEnd = addr;
        }
        else
        {
            n->VmStart = addr;
            n->VmPgoff += (addr - vma->VmStart) >> Pfn.PageShift;
        }
        AnonVmaClone(n, vma);
        if (n->VmFile != null)
            n->VmFile->FCount++;
        if (newBelow)
            VmaAdjust(mm, vma, addr, vma->VmEnd, vma->VmPgoff + ((addr - n->VmStart) >> Pfn.PageShift), n);
        else
            VmaAdjust(mm, vma, vma->VmStart, addr, vma->VmPgoff, n);
    }

    /// <summary>
    /// <c>__vma_adjust</c> for a split: link <paramref name="insert"/> into <c>i_mmap</c>, take the VMA out of
    /// its interval trees, change its range, put it back, then link <paramref name="insert"/> into the mm.
    /// </summary>
    private static void VmaAdjust(MmStruct* mm, VmAreaStruct* vma, ulong start, ulong end, ulong pgoff, VmAreaStruct* insert)
    {
        Mm.Filemap.File* file = vma->VmFile;
        if (file != null)
            __VmaLinkFile(insert);
        if (vma->AnonVma != null)
            AnonVmaIntervalTreePreUpdateVma(vma);
        if (file != null)
            VmaIntervalTreeRemove(vma);
        vma->VmStart = start;
        vma->VmEnd = end;
        vma->VmPgoff = pgoff;
        if (file != null)
            VmaIntervalTreeInsert(vma, file->FMapping);
        // __insert_vm_struct
        VmAreaStruct* prev = FindVmaPrevFor(mm, insert->VmStart);
        __VmaLinkList(mm, insert, prev);
        mm->MapCount++;
        if (vma->AnonVma != null)
            AnonVmaIntervalTreePostUpdateVma(vma);
        mm->MmapCache = null;
    }

    /// <summary>
    /// <c>__do_munmap</c>: split at the edges, munlock locked VMAs, detach them, zap their PTEs
    /// (<c>unmap_region</c>), free page tables no longer needed, free the VMAs. Returns 0.
    /// </summary>
    internal int DoMunmap(MmStruct* mm, ulong start, ulong len)
    {
        len = (len + Pfn.PageSize - 1) & ~((ulong)Pfn.PageSize - 1);
        if (len == 0)
            return -EINVAL;
        ulong end = start + len;
        VmAreaStruct* vma = FindVma(mm, start);
        if (vma == null)
            return 0;
        VmAreaStruct* prev = vma->VmPrev;
        if (vma->VmStart >= end)
            return 0;
        if (start > vma->VmStart)
        {
            if (end < vma->VmEnd && mm->MapCount >= MaxMapCount)
                return -ENOMEM;
            SplitVma(mm, vma, start, newBelow: false);
            prev = vma;
        }
        VmAreaStruct* last = FindVma(mm, end);
        if (last != null && end > last->VmStart)
            SplitVma(mm, last, end, newBelow: true);
        vma = prev != null ? prev->VmNext : mm->Mmap;

        if (mm->LockedVm != 0)
        {
            for (VmAreaStruct* tmp = vma; tmp != null && tmp->VmStart < end; tmp = tmp->VmNext)
            {
                if ((tmp->VmFlags & VmFlags.Locked) != 0)
                {
                    mm->LockedVm -= tmp->Pages;
                    MunlockVmaPagesRange(tmp, tmp->VmStart, tmp->VmEnd); // munlock_vma_pages_all
                }
            }
        }

        // detach_vmas_to_be_unmapped
        VmAreaStruct* tail = null;
        vma->VmPrev = null;
        VmAreaStruct* v = vma;
        do
        {
            mm->MapCount--;
            tail = v;
            v = v->VmNext;
        }
        while (v != null && v->VmStart < end);
        if (prev != null)
            prev->VmNext = v;
        else
            mm->Mmap = v;
        if (v != null)
            v->VmPrev = prev;
        tail->VmNext = null;
        mm->MmapCache = null;

        // unmap_region
        VmAreaStruct* next = prev != null ? prev->VmNext : mm->Mmap;
        UpdateHiwaterRss(mm);
        UnmapVmas(vma, start, end);
        FreePgtables(mm, vma, prev != null ? prev->VmEnd : 0, next != null ? next->VmStart : 0);

        // remove_vma_list
        do
        {
            mm->TotalVm -= vma->Pages;
            vma = RemoveVma(vma);
        }
        while (vma != null);
        return 0;
    }

    /// <summary>
    /// <c>free_pgtables</c>: unlink each VMA from the rmap (anon_vmas, i_mmap), then free the page tables of
    /// runs of VMAs no more than PMD_SIZE apart.
    /// </summary>
    private void FreePgtables(MmStruct* mm, VmAreaStruct* vma, ulong floor, ulong ceiling)
    {
        while (vma != null)
        {
            VmAreaStruct* next = vma->VmNext;
            ulong addr = vma->VmStart;
            UnlinkAnonVmas(vma);
            UnlinkFileVma(vma);
            while (next != null && next->VmStart <= vma->VmEnd + PmdSize)
            {
                vma = next;
                next = vma->VmNext;
                UnlinkAnonVmas(vma);
                UnlinkFileVma(vma);
            }
            FreePgdRange(mm, addr, vma->VmEnd, floor, next != null ? next->VmStart : ceiling);
            vma = next;
        }
    }

    /// <summary>
    /// <c>mlock(2)</c> / <c>munlock(2)</c>: <c>apply_vma_lock_flags</c> + <c>mlock_fixup</c> (splitting at the
    /// edges, <c>locked_vm</c>), then for mlock <c>__mm_populate</c>. Returns 0 or −ENOMEM (a hole in range).
    /// </summary>
    internal int DoMlock(TaskStruct* task, ulong start, ulong len, bool lockIt)
    {
        MmStruct* mm = task->Mm;
        len = ((len + (start & (Pfn.PageSize - 1))) + Pfn.PageSize - 1) & ~((ulong)Pfn.PageSize - 1);
        start &= ~((ulong)Pfn.PageSize - 1);
        ulong end = start + len;
        if (end < start)
            return -EINVAL;
        if (end == start)
            return 0;
        VmAreaStruct* vma = FindVma(mm, start);
        if (vma == null || vma->VmStart > start)
            return -ENOMEM;
        for (ulong nstart = start; ;)
        {
            ulong tmp = Math.Min(vma->VmEnd, end);
            ulong newflags = lockIt ? vma->VmFlags | VmFlags.Locked : vma->VmFlags & ~VmFlags.LockedMask;
            vma = MlockFixup(mm, vma, nstart, tmp, newflags);
            nstart = tmp;
            if (nstart >= end)
                break;
            vma = vma->VmNext;
            if (vma == null || vma->VmStart != nstart)
                return -ENOMEM;
        }
        if (lockIt)
            MmPopulate(mm, start, len);
        return 0;
    }

    /// <summary><c>mlock_fixup</c>: returns the VMA now covering exactly [start, end).</summary>
    private VmAreaStruct* MlockFixup(MmStruct* mm, VmAreaStruct* vma, ulong start, ulong end, ulong newflags)
    {
        ulong oldFlags = vma->VmFlags;
        if (newflags == oldFlags || (oldFlags & VmFlags.Special) != 0)
            return vma;
        if (start != vma->VmStart)
            SplitVma(mm, vma, start, newBelow: true);
        if (end != vma->VmEnd)
            SplitVma(mm, vma, end, newBelow: false);
        bool lockIt = (newflags & VmFlags.Locked) != 0;
        ulong nrPages = (end - start) >> Pfn.PageShift;
        if (!lockIt)
            mm->LockedVm -= nrPages;
        else if ((oldFlags & VmFlags.Locked) == 0)
            mm->LockedVm += nrPages;
        if (lockIt)
            vma->VmFlags = newflags;
        else
            MunlockVmaPagesRange(vma, start, end);
        return vma;
    }

    /// <summary><c>__mm_populate</c> (errors ignored, as <c>mm_populate</c> does).</summary>
    private void MmPopulate(MmStruct* mm, ulong start, ulong len)
    {
        ulong end = start + len;
        for (ulong nstart = start; nstart < end;)
        {
            VmAreaStruct* vma = FindVma(mm, nstart);
            if (vma == null || vma->VmStart >= end)
                break;
            ulong nend = Math.Min(end, vma->VmEnd);
            if (nstart < vma->VmStart)
                nstart = vma->VmStart;
            if ((vma->VmFlags & (VmFlags.Io | VmFlags.PfnMap)) == 0)
                PopulateVmaPageRange(vma, nstart, nend);
            nstart = nend;
        }
    }

    /// <summary>
    /// <c>populate_vma_page_range</c> → <c>__get_user_pages</c> with FOLL_TOUCH | FOLL_POPULATE | FOLL_MLOCK
    /// (+ FOLL_WRITE for private writable VMAs, which breaks COW): fault in each page, then touch it and
    /// mlock it if the VMA is VM_LOCKED (<c>follow_page_pte</c>).
    /// </summary>
    private void PopulateVmaPageRange(VmAreaStruct* vma, ulong start, ulong end)
    {
        MmStruct* mm = vma->VmMm;
        bool write = (vma->VmFlags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
        for (ulong addr = start; addr < end; addr += Pfn.PageSize)
        {
            ulong* pte = PteOffsetMap(mm, addr);
            if (pte == null || !PtePresent(*pte) || (write && !PteWrite(*pte)))
            {
                VmFault ret = HandleMmFault(vma, addr, write ? FaultFlags.Write : FaultFlags.None);
                if ((ret & VmFault.Error) != 0)
                    return;
                pte = PteOffsetMap(mm, addr);
            }
            Page* page = PfnToPage(PtePfn(*pte));
            if (write && !PteDirty(*pte) && !PageOps.PageDirty(page))
                SetPageDirtyMapping(page);
            MarkPageAccessed(page);
            if ((vma->VmFlags & VmFlags.Locked) != 0 && page->Mapping != 0)
                MlockVmaPage(page);
        }
    }

    /// <summary><c>fput</c>: drop a file reference.</summary>
    internal static void Fput(Mm.Filemap.File* file)
    {
        Debug.Assert(file->FCount > 0);
        file->FCount--;
    }
}
