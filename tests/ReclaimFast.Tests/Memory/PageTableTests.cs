using ReclaimFast.Mm.Memory;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Memory;

public unsafe class PageTableTests
{
    [Fact]
    public void FirstTouchAllocatesPudPmdPteAndOnlyPteCountsInNrPagetable()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        long used0 = UsedPages(m);
        ulong a = MmapAnon(m, t, 1);
        Write(m, t, a);
        // pud + pmd + pte tables + the data page (the pgd came with the mm).
        Assert.Equal(used0 + 4, UsedPages(m));
        Assert.Equal(1, m.NrPageTablePages);                     // v5.4: only pgtable_page_ctor accounts NR_PAGETABLE
        Assert.Equal(3 * 4096, t->Mm->PgtablesBytes);            // mm_inc_nr_ptes/pmds/puds
        ulong pte = PteOf(m, t, a);
        Assert.True(Pte.PtePresent(pte) && Pte.PteWrite(pte) && Pte.PteDirty(pte) && Pte.PteYoung(pte));
        Assert.True((pte & Pte.User) != 0 && (pte & Pte.Nx) != 0);
        Assert.Equal(1, t->Mm->RssStat[(int)MmCounter.AnonPages]);
        Assert.Equal(1, m.NrAnonMapped);
        Assert.Equal(1L, m.VmEvent(ReclaimFast.Diagnostics.VmEventItem.Pgfault));
        m.CheckInvariants();
        m.Exit(t);
        Assert.Equal(0, m.NrPageTablePages);
        Assert.Equal(0, m.NrAnonMapped);
        Assert.Equal(used0 - 1, UsedPages(m)); // the pgd went back too
    }

    [Fact]
    public void MunmapFreesTablesOnlyWhenNoNeighbourShares()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        const ulong Base = 0x4000_0000; // 1 GiB: PMD-table aligned
        ulong a = MmapAnon(m, t, 2, Base);
        ulong b = MmapAnon(m, t, 2, Base + 0x20_0000); // next 2 MiB: another PTE table, same PMD table
        Write(m, t, a);
        Write(m, t, b);
        Assert.Equal(2, m.NrPageTablePages);
        // free_pgd_range: a's PTE table spans [Base, Base+2M) and nothing else maps there: freed. The PMD
        // table stays: b (ceiling) still lies in its 1 GiB.
        Assert.Equal(0, m.DoMunmap(t->Mm, a, 2 * PageSize));
        Assert.Equal(1, m.NrPageTablePages);
        Assert.Equal(3 * 4096, t->Mm->PgtablesBytes);
        m.CheckInvariants();
        // Nothing left below or above: PTE, PMD and PUD tables all go.
        Assert.Equal(0, m.DoMunmap(t->Mm, b, 2 * PageSize));
        Assert.Equal(0, m.NrPageTablePages);
        Assert.Equal(0, t->Mm->PgtablesBytes);
        m.Exit(t);
    }

    [Fact]
    public void PartialMunmapSplitsVmaAndKeepsContents()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 8);
        for (ulong i = 0; i < 8; i++)
            Write(m, t, a + i * PageSize);
        Assert.Equal(0, m.DoMunmap(t->Mm, a + 3 * PageSize, 2 * PageSize));
        Assert.Equal(2, t->Mm->MapCount);
        VmAreaStruct* lo = Machine.FindVma(t->Mm, a);
        VmAreaStruct* hi = Machine.FindVma(t->Mm, a + 5 * PageSize);
        Assert.True(lo->VmEnd == a + 3 * PageSize && hi->VmStart == a + 5 * PageSize);
        Assert.Equal((a >> 12) + 5, hi->VmPgoff); // __split_vma: pgoff advances with the start
        Assert.True(hi->AnonVma == lo->AnonVma);   // anon_vma_clone reused the only anon_vma
        Assert.Equal(2UL, lo->AnonVma->NumActiveVmas);
        Assert.Equal(6, t->Mm->RssStat[(int)MmCounter.AnonPages]);
        Assert.Equal(AccessResult.SegFault, m.Access(t, a + 3 * PageSize, write: false));
        for (ulong i = 0; i < 8; i++)
        {
            if (i is 3 or 4)
                continue;
            Read(m, t, a + i * PageSize);
        }
        m.CheckInvariants();
        // Unmapping a range straddling both pieces.
        Assert.Equal(0, m.DoMunmap(t->Mm, a + PageSize, 6 * PageSize));
        Assert.Equal(2, t->Mm->RssStat[(int)MmCounter.AnonPages]);
        m.CheckInvariants();
        m.Exit(t);
        Assert.Equal(0, m.MmObjectsInUse);
    }

    [Fact]
    public void AccessChecksProtectionAndBounds()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        ulong ro = m.DoMmap(t, 0, PageSize, VmFlags.Read, MapFlags.Private | MapFlags.Anonymous);
        Read(m, t, ro);
        Assert.Equal(AccessResult.SegFault, m.Access(t, ro, write: true));
        Assert.Equal(AccessResult.SegFault, m.Access(t, 0x1000, write: false));
        Assert.False(Pte.PteWrite(PteOf(m, t, ro)));
        m.Exit(t);
    }
}
