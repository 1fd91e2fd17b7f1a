using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Tests.Vmscan;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>Exhausted memory without swap → OOM kill by oom_badness (mm/oom_kill.c v5.4).</summary>
public unsafe class OomTests
{
    [Fact]
    public void OomBadness_IsRssPlusSwapPlusPageTablesPlusScaledAdj()
    {
        using Machine m = LruTestKit.Small(32768);
        TaskStruct* t = m.CreateTask();
        const ulong pages = 100;
        ulong a = m.DoMmap(t, 0, pages * 4096, VmFlags.Read | VmFlags.Write, MapFlags.Private | MapFlags.Anonymous);
        for (ulong i = 0; i < pages; i++)
            Assert.Equal(AccessResult.Ok, m.Access(t, a + i * 4096, write: true));
        ulong totalpages = m.TotalramPages();
        long pt = t->Mm->PgtablesBytes / 4096;
        Assert.True(pt > 0);
        // points = get_mm_rss + MM_SWAPENTS + pgtables_bytes / PAGE_SIZE; adj *= totalpages / 1000; points += adj.
        Assert.Equal(100 + pt, Machine.OomBadness(t, totalpages));
        t->OomScoreAdj = 500;
        Assert.Equal(100 + pt + 500 * (long)(totalpages / 1000), Machine.OomBadness(t, totalpages));
        t->OomScoreAdj = -1000;                          // OOM_SCORE_ADJ_MIN: never
        Assert.Equal(0, Machine.OomBadness(t, totalpages));
        t->OomScoreAdj = -999;                           // negative total: at least 1
        Assert.Equal(1, Machine.OomBadness(t, totalpages));
        m.Exit(t);
    }

    [Fact]
    public void ExhaustedMemoryWithoutSwap_KillsTheHighestBadnessTask_InvariantsHold()
    {
        using Machine m = LruTestKit.Small(32768);
        m.ConfigureEventLoop(seed: 11);
        // 4000 + 12000 + 20000 anon pages > 32768: the OOM killer must act. A's oom_score_adj of 1000 adds
        // 1000 · totalpages/1000 ≈ 32k points, so A outranks everyone whatever its rss; B (−1000) is never chosen.
        var a = new AnonTouchTask("A", 4000, burst: 50, passes: 40, oomScoreAdj: 1000);
        var b = new AnonTouchTask("B", 12000, burst: 50, passes: 6, oomScoreAdj: -1000);
        var c = new AnonTouchTask("C", 20000, burst: 50, passes: 4);
        m.AddTask(a);
        m.AddTask(b);
        m.AddTask(c);
        long steps = 0;
        while (steps < 100_000 && m.RunStep())
        {
            steps++;
            if ((steps & 15) == 0)
                m.CheckInvariants();
        }
        m.CheckInvariants();
        Assert.False(m.RunStep());
        Assert.True(a.Killed);
        Assert.False(b.Killed);
        Assert.True(b.HasExited);
        Assert.Equal(12000L * 6, b.Writes);
        long killed = (a.Killed ? 1 : 0) + (b.Killed ? 1 : 0) + (c.Killed ? 1 : 0);
        Assert.Equal(killed, m.VmEvent(VmEventItem.OomKill));
        Assert.Equal(killed, m.TraceCount(EntryEvent.OomKill));
        Assert.False(a.FaultOom || b.FaultOom || c.FaultOom);
        // Every process exited: all their anonymous memory is back.
        Assert.Equal(0, m.GlobalNodePageState(Mm.PageAlloc.NodeStatItem.NrAnonMapped));
    }
}
