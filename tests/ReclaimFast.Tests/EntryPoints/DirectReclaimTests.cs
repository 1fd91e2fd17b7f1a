using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>__alloc_pages_slowpath → direct reclaim (reference §3.5, §5).</summary>
public unsafe class DirectReclaimTests
{
    [Fact]
    public void AllocationBelowMin_DirectReclaims_CountingAllocstallOfTheReclaimIdxZone()
    {
        using Machine m = LruTestKit.Small(65536);
        // No event loop: kswapd is woken (made runnable) but never runs, so the allocator itself must reclaim.
        EntryTestKit.FillPageCache(m, 80000);
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));
        // GFP_HIGHUSER_MOVABLE: sc.reclaim_idx = gfp_zone = ZONE_MOVABLE, and v5.4 counts ALLOCSTALL by reclaim_idx.
        long stalls = m.VmEvent(VmEventItem.AllocstallMovable);
        Assert.True(stalls > 0);
        Assert.Equal(0, m.VmEvent(VmEventItem.AllocstallNormal));
        Assert.Equal(0, m.VmEvent(VmEventItem.AllocstallDma32));
        Assert.True(m.VmEvent(VmEventItem.PgstealDirect) > 0);
        Assert.Equal(0, m.VmEvent(VmEventItem.PgstealKswapd));
        // One try_to_free_pages call (begin/end traced) per stall: no memcg.low retries without memcgs.
        Assert.Equal(stalls, m.TraceCount(EntryEvent.DirectReclaimBegin));
        Assert.Equal(stalls, m.TraceCount(EntryEvent.DirectReclaimEnd));
        Assert.Equal(0, m.AllocFailures);

        // GFP_KERNEL: gfp_zone = ZONE_NORMAL, so its stalls count as allocstall_normal (even with no Normal zone).
        long normalBefore = m.VmEvent(VmEventItem.AllocstallNormal);
        for (int i = 0; i < 4096 && m.VmEvent(VmEventItem.AllocstallNormal) == normalBefore; i++)
            Assert.True(m.AllocPage(Gfp.Kernel) != null);
        // (One allocation may take several reclaim rounds: reclaimed pages sit on pcp lists until the drain.)
        Assert.True(m.VmEvent(VmEventItem.AllocstallNormal) > normalBefore);
        Assert.Equal(stalls, m.VmEvent(VmEventItem.AllocstallMovable));
    }

    [Fact]
    public void DirectReclaim_RunsWithPfMemalloc_AndRestoresTheTaskFlags()
    {
        using Machine m = LruTestKit.Small(65536);
        EntryTestKit.FillPageCache(m, 80000);
        Assert.Equal(0u, m.CurrentTaskFlags & TaskFlags.Memalloc);
        // A PF_MEMALLOC task never enters direct reclaim (recursion guard) but may use the reserves.
        m.CurrentTaskFlags = TaskFlags.Memalloc;
        long stalls = m.VmEvent(VmEventItem.AllocstallMovable);
        Assert.True(m.AllocPage(Gfp.HighUserMovable) != null);
        Assert.Equal(stalls, m.VmEvent(VmEventItem.AllocstallMovable));
        m.CurrentTaskFlags = 0;
    }

    [Fact]
    public void NoReclaimableMemory_NoDirectReclaimProgress_AllocationFails()
    {
        using Machine m = LruTestKit.Small(65536);
        long held = 0;
        while (m.AllocPage(Gfp.Kernel) != null)
            held++;
        // Nothing on the LRU: direct reclaim makes no progress, should_reclaim_retry finds no zone that could meet min
        // with reclaimable pages, the OOM seam kills nothing, nopage.
        Assert.True(held > 60000);
        Assert.Equal(1, m.AllocFailures);
        Assert.Equal(1, m.OomInvocations);
        Assert.True(m.VmEvent(VmEventItem.AllocstallNormal) >= 1);
    }

    [Fact]
    public void CurrentGfpContext_NoioClearsIoAndFs_NofsClearsFs()
    {
        Assert.Equal(Gfp.Kernel & ~(Gfp.Io | Gfp.Fs), Machine.CurrentGfpContext(TaskFlags.MemallocNoio, Gfp.Kernel));
        Assert.Equal(Gfp.Kernel & ~Gfp.Fs, Machine.CurrentGfpContext(TaskFlags.MemallocNofs, Gfp.Kernel));
        Assert.Equal(Gfp.Kernel & ~(Gfp.Io | Gfp.Fs), Machine.CurrentGfpContext(TaskFlags.MemallocNoio | TaskFlags.MemallocNofs, Gfp.Kernel));
        Assert.Equal(Gfp.Kernel, Machine.CurrentGfpContext(0, Gfp.Kernel));
    }

    [Fact]
    public void GfpPfmemallocFlags_FollowV54()
    {
        using Machine m = LruTestKit.Small(8192);
        Assert.Equal(0u, m.__GfpPfmemallocFlags(Gfp.Kernel));
        Assert.Equal(AllocFlags.NoWatermarks, m.__GfpPfmemallocFlags(Gfp.Kernel | Gfp.Memalloc));
        Assert.Equal(0u, m.__GfpPfmemallocFlags(Gfp.Kernel | Gfp.Memalloc | Gfp.NoMemalloc));
        m.CurrentTaskFlags = TaskFlags.Memalloc;
        Assert.Equal(AllocFlags.NoWatermarks, m.__GfpPfmemallocFlags(Gfp.Kernel));
        m.CurrentTaskFlags = 0;
        m.CurrentIsOomVictim = true;
        Assert.Equal(AllocFlags.Oom, m.__GfpPfmemallocFlags(Gfp.Kernel));
    }
}
