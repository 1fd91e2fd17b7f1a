using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>shrink_page_list on pages that page tables map (reference §7 steps 6–9 with the rmap walk).</summary>
public unsafe class MappedPageReclaimTests
{
    // Takes one page off its LRU list as isolate_lru_pages would, inactive, on a private list.
    private static void IsolateInactive(Machine m, Page* page, ListHead* list)
    {
        m.LruAddDrain();
        Assert.Equal(0, m.IsolateLruPage(page));
        ClearPageActive(page);
        ListHead.Add(page->LruPtr, list);
        m.ModNodePageState(m.NodeData(0), Lru.PageIsFileCache(page) != 0 ? NodeStatItem.NrIsolatedFile : NodeStatItem.NrIsolatedAnon, 1);
    }

    private static ulong Shrink(Machine m, ListHead* list, out ReclaimStat stat)
    {
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ReclaimStat st;
        ulong r = m.ShrinkPageList(list, m.NodeData(0), &sc, 0, &st, false);
        stat = st;
        return r;
    }

    private static void PutBack(Machine m, ListHead* list, bool file)
    {
        long n = ListHead.Count(list);
        m.MovePagesToLru(LruTestKit.NodeLruvec(m), list);
        m.FreeUnrefPageList(list);
        m.ModNodePageState(m.NodeData(0), file ? NodeStatItem.NrIsolatedFile : NodeStatItem.NrIsolatedAnon, -n);
    }

    [Fact]
    public void MappedAnon_Referenced_IsActivated()
    {
        using Machine m = Create();
        m.SwapOn(64);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 1);
        Write(m, t, a);                                    // young PTE
        Page* page = PageAt(m, t, a);
        ListHead list;
        ListHead.Init(&list);
        IsolateInactive(m, page, &list);
        Assert.Equal(0UL, Shrink(m, &list, out ReclaimStat stat));
        Assert.True(PageActive(page));                     // swap-backed + referenced PTE → PAGEREF_ACTIVATE
        Assert.Equal(1U, stat.NrActivate[0]);
        Assert.False(PageSwapCache(page));
        PutBack(m, &list, false);
        m.CheckInvariants();
    }

    [Fact]
    public void MappedAnon_Unreferenced_WithSwap_IsUnmappedAndWrittenThenFreed()
    {
        using Machine m = Create();
        m.SwapOn(64);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 1);
        Write(m, t, a);
        Page* page = PageAt(m, t, a);
        ulong pfn = m.PageToPfn(page);
        Assert.Equal(1, m.PageReferencedRmap(page, false, out _));   // clears the young bit
        ListHead list;
        ListHead.Init(&list);
        IsolateInactive(m, page, &list);
        Assert.Equal(0UL, Shrink(m, &list, out _));
        // add_to_swap → try_to_unmap (PTE := swap entry) → dirty → pageout → swap_writepage (async).
        Assert.True(PageSwapCache(page) && PageWriteback(page) && !PageMapped(page));
        Assert.Equal(1, t->Mm->RssStat[(int)MmCounter.SwapEnts]);
        Assert.Equal(0, t->Mm->RssStat[(int)MmCounter.AnonPages]);
        Assert.Equal(1, m.VmEvent(VmEventItem.Pswpout));
        Assert.True(Pte.IsSwapPte(PteOf(m, t, a)));
        PutBack(m, &list, false);

        // The write completes: PG_reclaim rotates it to the inactive tail; the next pass frees it.
        m.CompletePendingIo();
        m.LruAddDrain();
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Assert.Equal(1UL, m.ShrinkInactiveList(32, LruTestKit.NodeLruvec(m), &sc, LruList.InactiveAnon));
        Assert.Equal(0, m.PageRefCountOf((long)pfn));

        Read(m, t, a);                                     // swap-in: the token comes back from the slot
        Assert.Equal(1, m.VmEvent(VmEventItem.Pswpin));
        Assert.Equal(1, t->Mm->RssStat[(int)MmCounter.AnonPages]);
        Assert.Equal(0, t->Mm->RssStat[(int)MmCounter.SwapEnts]);
        m.LruAddDrain();
        m.CheckInvariants();
    }

    [Fact]
    public void MappedAnon_Unreferenced_WithoutSwap_IsActivated()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 1);
        Write(m, t, a);
        Page* page = PageAt(m, t, a);
        m.PageReferencedRmap(page, false, out _);
        ListHead list;
        ListHead.Init(&list);
        IsolateInactive(m, page, &list);
        Assert.Equal(0UL, Shrink(m, &list, out ReclaimStat stat));
        Assert.True(PageActive(page) && PageMapped(page));  // add_to_swap failed → activate_locked
        Assert.Equal(1U, stat.NrActivate[0]);
        PutBack(m, &list, false);
        m.CheckInvariants();
    }

    [Fact]
    public void MappedFile_ReferencedOnce_IsKept_Twice_IsActivated_Unreferenced_IsUnmappedAndFreed()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(4);
        TaskStruct* t = m.CreateTask();
        ulong a = m.DoMmap(t, 0, 4 * PageSize, VmFlags.Read, MapFlags.Private, f, 0);
        Read(m, t, a);                                     // young PTE
        Page* page = PageAt(m, t, a);
        ListHead list;
        ListHead.Init(&list);
        IsolateInactive(m, page, &list);
        Assert.Equal(0UL, Shrink(m, &list, out ReclaimStat stat));
        Assert.Equal(1U, stat.NrRefKeep);                  // one referencing PTE, no PG_referenced: another lap
        Assert.True(PageReferenced(page) && !PageActive(page));

        Read(m, t, a);                                     // young again
        Assert.Equal(0UL, Shrink(m, &list, out stat));
        Assert.True(PageActive(page));                     // PG_referenced + referenced PTE → activate
        Assert.Equal(1U, stat.NrActivate[1]);

        ClearPageActive(page);
        ClearPageReferenced(page);
        m.PageReferencedRmap(page, false, out _);          // old PTE
        Assert.Equal(1UL, Shrink(m, &list, out _));        // unmapped, clean: __remove_mapping frees it
        Assert.Equal(0UL, PteOf(m, t, a));
        Assert.Equal(0UL, f->FMapping->NrPages);
        Assert.Equal(1UL, f->FMapping->NrExceptional);     // the workingset shadow took its slot
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrIsolatedFile, -1);
        Read(m, t, a);                                     // faults back in from the file, token intact
        m.LruAddDrain();
        m.CheckInvariants();
    }

    [Fact]
    public void MlockedMapping_PageGoesUnevictableThroughTryToUnmap()
    {
        using Machine m = Create();
        m.SwapOn(64);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 1);
        Write(m, t, a);
        Page* page = PageAt(m, t, a);
        m.PageReferencedRmap(page, false, out _);
        ListHead list;
        ListHead.Init(&list);
        IsolateInactive(m, page, &list);
        Machine.FindVma(t->Mm, a)->VmFlags |= VmFlags.Locked;   // mlock raced with the isolation
        Assert.Equal(0UL, Shrink(m, &list, out ReclaimStat stat));
        // page_check_references says RECLAIM for VM_LOCKED; try_to_unmap mlocks the page and fails.
        Assert.Equal(1U, stat.NrUnmapFail);
        Assert.True(PageMlocked(page) && !PageActive(page));
        PutBack(m, &list, false);
        m.LruAddDrain();
        Assert.True(PageUnevictable(page));
        Assert.Equal(1L, ListHead.Count(LruTestKit.List(m, LruList.Unevictable)));
    }
}
