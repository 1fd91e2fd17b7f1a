using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.Rmap;
using ReclaimFast.Mm.Types;
using Xunit;
using static ReclaimFast.Tests.Memory.MmTestMachine;

namespace ReclaimFast.Tests.Rmap;

public unsafe class ForkCowTests
{
    private static AnonVmaChain* FirstChain(VmAreaStruct* vma) => AnonVmaChain.FromSameVma(vma->AnonVmaChain.Next);

    [Fact]
    public void FreshVmaFaultIsExclusiveToItsOwnRootAnonVma()
    {
        using Machine m = Create();
        TaskStruct* t = m.CreateTask();
        ulong a = MmapAnon(m, t, 4);
        Write(m, t, a);
        VmAreaStruct* vma = Machine.FindVma(t->Mm, a);
        AnonVma* av = vma->AnonVma;
        // __anon_vma_prepare: a new root is its own root and parent, num_children 1 (self), one active VMA.
        Assert.True(av->Root == av && av->Parent == av);
        Assert.Equal(1UL, av->NumChildren);
        Assert.Equal(1UL, av->NumActiveVmas);
        Assert.Equal(1, av->Refcount);
        Page* page = PageAt(m, t, a);
        Assert.Equal((ulong)av | 1, page->Mapping); // page_add_new_anon_rmap: exclusive
        Assert.Equal(a >> 12, page->Index); // linear_page_index of an anon VMA: vm_pgoff = vm_start >> PAGE_SHIFT
        Assert.Equal(0, page->MapCount);
        Assert.True(PageOps.PageSwapBacked(page));
        m.Exit(t);
        Assert.Equal(0, m.MmObjectsInUse);
    }

    [Fact]
    public void ForkChainsChildToParentAnonVmaAndCowDivergesTokens()
    {
        using Machine m = Create();
        TaskStruct* parent = m.CreateTask();
        ulong a = MmapAnon(m, parent, 2);
        Write(m, parent, a);
        Write(m, parent, a + PageSize);
        Page* shared = PageAt(m, parent, a);
        ulong parentToken = m.ContentToken[m.PageToPfn(shared)];

        TaskStruct* child = m.Fork(parent);
        VmAreaStruct* pvma = Machine.FindVma(parent->Mm, a);
        VmAreaStruct* cvma = Machine.FindVma(child->Mm, a);
        AnonVma* root = pvma->AnonVma;
        AnonVma* cav = cvma->AnonVma;
        // anon_vma_fork: the child gets its own anon_vma under the parent's, pinning the root.
        Assert.True(cav != root && cav->Root == root && cav->Parent == root);
        Assert.Equal(2UL, root->NumChildren); // self + the child's
        Assert.Equal(2, root->Refcount);      // own + the child's pin on its root
        Assert.Equal(1UL, cav->NumActiveVmas);
        // The child VMA's chain: its own anon_vma first (list_add), then the clone of the parent's.
        Assert.True(FirstChain(cvma)->AnonVma == cav);
        Assert.True(AnonVmaChain.FromSameVma(cvma->AnonVmaChain.Next->Next)->AnonVma == root);
        Assert.Equal(2L, ReclaimFast.Mm.Types.ListHead.Count(&root->RbRoot)); // parent's and child's chains
        // copy_one_pte: both sides write-protected, the page mapped twice, the child's PTE old.
        Assert.Equal(1, shared->MapCount);
        m.LruAddDrain();                      // the lru_add pagevec's reference (vmscan issue) goes
        Assert.Equal(2, shared->RefCount);
        Assert.False(Pte.PteWrite(PteOf(m, parent, a)));
        Assert.False(Pte.PteWrite(PteOf(m, child, a)));
        Assert.False(Pte.PteYoung(PteOf(m, child, a)));
        m.CheckInvariants();

        // Child writes: wp_page_copy gives it a new exclusive page carrying the old token, then its write.
        Read(m, child, a);
        Write(m, child, a);
        Page* childPage = PageAt(m, child, a);
        Assert.True(childPage != shared);
        Assert.Equal((ulong)cav | 1, childPage->Mapping); // page_add_new_anon_rmap: the child's anon_vma
        Assert.Equal(0, shared->MapCount);                 // only the parent maps it now
        Assert.Equal(1, shared->RefCount);
        Assert.Equal(parentToken, m.ContentToken[m.PageToPfn(shared)]);
        Assert.NotEqual(parentToken, m.ContentToken[m.PageToPfn(childPage)]);
        m.CheckInvariants();

        // Parent writes: the page is its alone again (reuse_swap_page), reused in place, no copy.
        Write(m, parent, a);
        Assert.True(PageAt(m, parent, a) == shared);
        Assert.NotEqual(parentToken, m.ContentToken[m.PageToPfn(shared)]);
        Read(m, parent, a);
        Read(m, child, a);
        // The second page: parent COWs first this time; the child keeps the original.
        Page* second = PageAt(m, child, a + PageSize);
        ulong secondToken = m.ContentToken[m.PageToPfn(second)];
        Write(m, parent, a + PageSize);
        Assert.True(PageAt(m, child, a + PageSize) == second);
        Assert.Equal(secondToken, m.ContentToken[m.PageToPfn(second)]);
        Read(m, child, a + PageSize);
        m.CheckInvariants();

        m.Exit(child);
        m.CheckInvariants();
        Assert.Equal(1UL, root->NumChildren);
        Assert.Equal(1, root->Refcount);
        m.Exit(parent);
        Assert.Equal((0L, 0L), m.RmapObjectsInUse);
    }

    [Fact]
    public void ChildFaultsGoToItsOwnAnonVmaButFirstAnonRmapGoesToTheRoot()
    {
        using Machine m = Create();
        TaskStruct* parent = m.CreateTask();
        ulong a = MmapAnon(m, parent, 4);
        Write(m, parent, a);
        TaskStruct* child = m.Fork(parent);
        VmAreaStruct* cvma = Machine.FindVma(child->Mm, a);

        // do_anonymous_page in the child: page_add_new_anon_rmap is exclusive → the child's anon_vma.
        Write(m, child, a + PageSize);
        Page* fresh = PageAt(m, child, a + PageSize);
        Assert.Equal((ulong)cvma->AnonVma | 1, fresh->Mapping);

        // page_add_anon_rmap (the non-exclusive first mapping, as do_swap_page uses it) → the root anon_vma.
        Page* p = m.AllocPage(Machine.GfpUserMovable);
        m.PageAddAnonRmap(p, cvma, a + 2 * PageSize);
        Assert.Equal((ulong)cvma->AnonVma->Root | 1, p->Mapping);
        Assert.Equal(0, p->MapCount);
        Assert.Equal(((a + 2 * PageSize) >> 12), p->Index);
        m.PageRemoveRmap(p);
        m.PutPage(p);
        m.Exit(child);
        m.Exit(parent);
    }

    [Fact]
    public void ForkOfForkBuildsAThreeLevelAnonVmaTreeAndRmapFindsAllMappings()
    {
        using Machine m = Create();
        TaskStruct* a = m.CreateTask();
        ulong va = MmapAnon(m, a, 1);
        Write(m, a, va);
        TaskStruct* b = m.Fork(a);
        TaskStruct* c = m.Fork(b);
        VmAreaStruct* cv = Machine.FindVma(c->Mm, va);
        VmAreaStruct* bv = Machine.FindVma(b->Mm, va);
        Assert.True(cv->AnonVma->Parent == bv->AnonVma);
        Assert.True(cv->AnonVma->Root == Machine.FindVma(a->Mm, va)->AnonVma);
        Assert.Equal(3L, ReclaimFast.Mm.Types.ListHead.Count(&cv->AnonVmaChain)); // root, b's, its own
        Page* page = PageAt(m, a, va);
        Assert.Equal(2, page->MapCount);
        m.CheckInvariants();
        // b exits: its anon_vma stays (c's chain references it) but has no active VMA.
        m.Exit(b);
        Assert.Equal(0UL, cv->AnonVma->Parent->NumActiveVmas);
        m.CheckInvariants();
        m.Exit(c);
        m.Exit(a);
        Assert.Equal((0L, 0L), m.RmapObjectsInUse);
    }
}
