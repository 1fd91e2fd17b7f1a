using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Memory;

public unsafe class MlockTests
{
    [Fact]
    public void MlockSplitsPopulatesAndMunlockClears()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 6);
        Assert.Equal(0, m.DoMlock(t, a + PageSize, 3 * PageSize, lockIt: true));
        Assert.Equal(3, t->Mm->MapCount); // split at both edges
        Assert.Equal(3UL, t->Mm->LockedVm);
        Assert.Equal(3, m.NrMlock); // __mm_populate faulted the three pages in, mlocked
        Assert.Equal(3, t->Mm->RssStat[(int)MmCounter.AnonPages]);
        Assert.True(PageOps.PageMlocked(PageAt(m, t, a + PageSize)));
        Write(m, t, a); // outside: not mlocked
        Assert.False(PageOps.PageMlocked(PageAt(m, t, a)));
        m.CheckInvariants();
        Assert.Equal(0, m.DoMlock(t, a + 2 * PageSize, PageSize, lockIt: false));
        Assert.Equal(2, m.NrMlock);
        Assert.Equal(2UL, t->Mm->LockedVm);
        // The child of fork does not inherit VM_LOCKED (dup_mmap), the pages stay mlocked by the parent.
        TaskStruct* c = m.Fork(t);
        Assert.Equal(0UL, Machine.FindVma(c->Mm, a + PageSize)->VmFlags & VmFlags.Locked);
        m.Exit(c);
        Assert.Equal(2, m.NrMlock);
        // Unmapping the last mapping clears mlock (page_remove_rmap → clear_page_mlock).
        m.Exit(t);
        Assert.Equal(0, m.NrMlock);
    }

    [Fact]
    public void MunlockKeepsPageMlockedWhileAnotherLockedVmaMapsIt()
    {
        using Machine m = Create();
        TaskStruct* p = m.CreateTask();
        ulong a = MmapAnon(m, p, 1);
        Read(m, p, a);
        TaskStruct* c = m.Fork(p);
        Assert.Equal(0, m.DoMlock(c, a, PageSize, lockIt: true)); // child: FOLL_WRITE populate breaks COW
        Assert.True(PageAt(m, c, a) != PageAt(m, p, a));
        Assert.Equal(0, m.DoMlock(p, a, PageSize, lockIt: true));
        Page* pp = PageAt(m, p, a);
        Assert.True(PageOps.PageMlocked(pp));
        TaskStruct* g = m.Fork(p); // shares p's page again (unlocked VMA)
        Assert.Equal(1, pp->MapCount);
        Assert.Equal(0, m.DoMlock(p, a, PageSize, lockIt: false));
        Assert.False(PageOps.PageMlocked(pp)); // g's VMA is not locked: try_to_munlock leaves it clear
        Assert.Equal(1, m.NrMlock);            // the child's own copy
        m.Exit(g);
        m.Exit(c);
        m.Exit(p);
        Assert.Equal(0, m.NrMlock);
    }
}
