using System.Collections.Generic;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Rmap;

public unsafe class RmapWalkOrderTests
{
    private struct Recorder : IRmapWalkControl
    {
        public List<(int MmId, ulong Address)> Seen;

        public readonly bool RmapOne(Machine m, Page* page, VmAreaStruct* vma, ulong address)
        {
            Seen.Add((vma->VmMm->Id, address));
            return true;
        }

        public readonly bool Done(Page* page) => false;

        public readonly bool InvalidVma(VmAreaStruct* vma) => false;
    }

    [Fact]
    public void FileWalkVisitsInPgoffOrderWithForkedVmaRightAfterItsParent()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(16);
        TaskStruct* a = m.CreateTask();
        TaskStruct* b = m.CreateTask();
        TaskStruct* c = m.CreateTask();
        TaskStruct* d = m.CreateTask();
        // i_mmap keys (vm_pgoff): a 4, b 0, c 2, d 4 (mapped after a, so after it among equals).
        ulong va = m.DoMmap(a, 0, 8 * PageSize, VmFlags.Read, MapFlags.Shared, f, 4);
        ulong vb = m.DoMmap(b, 0, 8 * PageSize, VmFlags.Read, MapFlags.Shared, f, 0);
        ulong vc = m.DoMmap(c, 0, 8 * PageSize, VmFlags.Read, MapFlags.Shared, f, 2);
        ulong vd = m.DoMmap(d, 0, 8 * PageSize, VmFlags.Read, MapFlags.Shared, f, 4);
        ReclaimFast.Mm.Filemap.File* g = m.CreateFile(16);
        m.DoMmap(a, 0, PageSize, VmFlags.Read | VmFlags.Write, MapFlags.Private, g, 0);
        TaskStruct* a2 = m.Fork(a); // vma_interval_tree_insert_after: right after a's VMA, before d's
        Read(m, a, va + PageSize); // pgoff 5
        var rec = new Recorder { Seen = [] };
        m.RmapWalk(PageAt(m, a, va + PageSize), ref rec);
        Assert.Equal(
            new List<(int, ulong)>
            {
                (b->Mm->Id, vb + 5 * PageSize),
                (c->Mm->Id, vc + 3 * PageSize),
                (a->Mm->Id, va + PageSize),
                (a2->Mm->Id, va + PageSize),
                (d->Mm->Id, vd + PageSize),
            },
            rec.Seen);
        foreach (TaskStruct* t in new[] { a, b, c, d, a2 })
            m.Exit(t);
    }

    [Fact]
    public void AnonWalkVisitsChainsInInsertionOrderAndSkipsNonOverlappingVmas()
    {
        using Machine m = Create();
        TaskStruct* p = m.CreateTask();
        ulong a = MmapAnon(m, p, 8);
        Write(m, p, a + 6 * PageSize);
        TaskStruct* c1 = m.Fork(p);
        TaskStruct* c2 = m.Fork(p);
        // c1 unmaps the page's part of its VMA: its remaining piece no longer covers the pgoff.
        m.DoMunmap(c1->Mm, a + 4 * PageSize, 4 * PageSize);
        var rec = new Recorder { Seen = [] };
        m.RmapWalk(PageAt(m, p, a + 6 * PageSize), ref rec);
        Assert.Equal(new List<(int, ulong)> { (p->Mm->Id, a + 6 * PageSize), (c2->Mm->Id, a + 6 * PageSize) }, rec.Seen);
        m.Exit(c1);
        m.Exit(c2);
        m.Exit(p);
    }

    [Fact]
    public void PageReferencedIgnoresSeqReadYoungBitsAndCountsOncePerVma()
    {
        using Machine m = Create();
        ReclaimFast.Mm.Filemap.File* f = m.CreateFile(4);
        TaskStruct* t = m.CreateTask();
        ulong x = m.DoMmap(t, 0, 4 * PageSize, VmFlags.Read, MapFlags.Shared, f, 0);
        ulong y = m.DoMmap(t, 0, 4 * PageSize, VmFlags.Read, MapFlags.Shared, f, 0);
        Read(m, t, x);
        Read(m, t, y);
        Page* page = PageAt(m, t, x);
        Machine.FindVma(t->Mm, y)->VmFlags |= VmFlags.SeqRead; // madvise(MADV_SEQUENTIAL)
        Assert.Equal(1, m.PageReferencedRmap(page, isLocked: false, out ulong flags));
        Assert.Equal(0UL, flags & VmFlags.SeqRead);      // only the referencing VMA's flags are collected
        Assert.False(Pte.PteYoung(PteOf(m, t, y)));       // but its young bit was still cleared
        Assert.Equal(0, m.PageReferencedRmap(page, isLocked: false, out _));
        m.Exit(t);
    }
}
