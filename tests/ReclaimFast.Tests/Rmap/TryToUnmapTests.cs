using System.Collections.Generic;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Rmap;

public unsafe class TryToUnmapTests
{
    /// <summary>One anon page written by a first task, then shared by <paramref name="n"/> − 1 forks (a tree of forks).</summary>
    internal static (List<nint> Tasks, ulong Addr) SharedAnonPage(Machine m, int n)
    {
        var tasks = new List<nint>();
        TaskStruct* first = m.CreateTask();
        ulong a = MmapAnon(m, first, 4);
        Write(m, first, a);
        tasks.Add((nint)first);
        for (int i = 1; i < n; i++)
            tasks.Add((nint)m.Fork((TaskStruct*)tasks[i / 2])); // parents at every depth: the anon_vma tree branches
        return (tasks, a);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void AnonPageMappedByNProcessesBecomesSwapEntries(int n)
    {
        using Machine m = Create(32768);
        m.SwapOn(64);
        (List<nint> tasks, ulong a) = SharedAnonPage(m, n);
        var first = (TaskStruct*)tasks[0];
        Page* page = PageAt(m, first, a);
        Assert.Equal(n - 1, page->MapCount);
        ulong token = m.ContentToken[m.PageToPfn(page)];

        // What shrink_page_list does before try_to_unmap: hold a reference, lock, add to swap.
        PageOps.GetPage(page);
        PageOps.__SetPageLocked(page);
        Assert.True(m.AddToSwap(page));
        var entry = new SwpEntry(page->Private);
        long anonBefore = m.NrAnonMapped;

        // The parent's PTE is young (fresh fault), forks' copies are old: young makes try_to_unmap fail,
        // page_referenced clears it (one reference per VMA that was young).
        Assert.False(m.TryToUnmap(page, TtuFlags.None));
        Assert.Equal(n - 1, page->MapCount); // the young PTE stopped the walk before anything was unmapped
        Assert.Equal(0, m.PageReferencedRmap(page, isLocked: true, out _)); // the failed attempt cleared young
        Assert.True(m.TryToUnmap(page, TtuFlags.None));

        Assert.Equal(-1, page->MapCount);
        Assert.Equal(anonBefore - 1, m.NrAnonMapped);
        m.LruAddDrain(); // the lru_add pagevec's reference goes
        Assert.Equal(2, page->RefCount); // ours + swap cache
        Assert.Equal(n, m.SwpSwapcount(entry));
        Assert.True((m.SwapInfo(0)->SwapMap[entry.Offset] & SwapInfoStruct.SwapHasCache) != 0);
        foreach (nint tp in tasks)
        {
            var t = (TaskStruct*)tp;
            ulong pte = PteOf(m, t, a);
            Assert.True(Pte.IsSwapPte(pte));
            Assert.Equal(entry, Pte.PteToSwpEntry(pte));
            Assert.Equal(0, t->Mm->RssStat[(int)MmCounter.AnonPages]);
            Assert.Equal(1, t->Mm->RssStat[(int)MmCounter.SwapEnts]);
        }
        Assert.True(PageOps.PageDirty(page)); // add_to_swap set_page_dirty
        m.SwapWriteToken(page);
        Assert.Equal(token, m.SwapInfo(0)->SlotToken[entry.Offset]);
        m.CheckInvariants();

        // Exit frees each PTE's swap reference; the swap cache still holds the slot until the page leaves it.
        foreach (nint tp in tasks)
            m.Exit((TaskStruct*)tp);
        Assert.Equal(0, m.SwpSwapcount(entry));
        PageOps.__ClearPageLocked(page);
        PageOps.ClearPageDirty(page);
        m.DeleteFromSwapCache(page);
        Assert.Equal(0, m.SwapInfo(0)->SwapMap[entry.Offset]);
        m.PutPage(page);
        Assert.Equal(m.TotalSwapPages, m.NrSwapPages);
        Assert.Equal((0L, 0L), m.RmapObjectsInUse);
    }

    [Fact]
    public void LockedVmaFailsAndMlocksThePage()
    {
        using Machine m = Create();
        m.SwapOn(16);
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 1);
        Write(m, t, a);
        Page* page = PageAt(m, t, a);
        Assert.Equal(0, m.DoMlock(t, a, PageSize, lockIt: true));
        PageOps.ClearPageMlocked(page); // as if the LRU had put it back evictable: try_to_unmap re-mlocks
        long mlockBefore = m.NrMlock;
        PageOps.GetPage(page);
        Assert.True(m.AddToSwap(page));
        Assert.False(m.TryToUnmap(page, TtuFlags.IgnoreAccess));
        Assert.True(PageOps.PageMlocked(page));
        Assert.Equal(mlockBefore + 1, m.NrMlock);
        Assert.Equal(0, m.PageReferencedRmap(page, isLocked: true, out ulong vmFlags));
        Assert.Equal(VmFlags.Locked, vmFlags);
        Assert.True(m.TryToUnmap(page, TtuFlags.IgnoreMlock | TtuFlags.IgnoreAccess));
        m.Exit(t);
        m.DeleteFromSwapCache(page);
        m.PutPage(page);
    }

    [Fact]
    public void FilePageUnmapClearsPtesAndMovesDirtyBit()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(4);
        var tasks = new List<nint>();
        for (int i = 0; i < 3; i++)
        {
            TaskStruct* t = m.CreateTask();
            ulong addr = m.DoMmap(t, 0, 4 * PageSize, Rw, MapFlags.Shared, f, 0);
            Assert.Equal(AccessResult.Ok, m.Access(t, addr + PageSize, write: i == 1));
            tasks.Add((nint)t);
        }
        var t0 = (TaskStruct*)tasks[0];
        ulong a0 = Machine.FindVma(t0->Mm, 0)->VmStart;
        Page* page = PageAt(m, t0, a0 + PageSize);
        Assert.Equal(2, page->MapCount);
        long fileMapped = m.NrFileMapped;
        PageOps.GetPage(page);
        Assert.Equal(3, m.PageReferencedRmap(page, isLocked: false, out _)); // three young PTEs, three VMAs
        PageOps.ClearPageDirty(page);
        Assert.True(m.TryToUnmap(page, TtuFlags.None));
        Assert.True(PageOps.PageDirty(page)); // the writer's dirty PTE moved to the page
        Assert.Equal(fileMapped - 1, m.NrFileMapped);
        foreach (nint tp in tasks)
        {
            var t = (TaskStruct*)tp;
            Assert.Equal(0, t->Mm->RssStat[(int)MmCounter.FilePages]);
            ulong addr = Machine.FindVma(t->Mm, 0)->VmStart;
            Assert.Equal(0UL, PteOf(m, t, addr + PageSize));
        }
        m.LruAddDrain(); // the lru_add pagevec's reference goes
        Assert.Equal(2, page->RefCount); // ours + page cache
        m.CheckInvariants();
        // A new access faults the cached page back in (minor fault) and sees the shared write.
        Read(m, t0, a0 + PageSize);
        m.PutPage(page);
        foreach (nint tp in tasks)
            m.Exit((TaskStruct*)tp);
    }
}
