using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>A multi-node run on the event loop with the machine's invariant checker after every scheduled step.</summary>
public class StressTests
{
    [Fact]
    public void TwoNodes_ReadersWritersAndPinnedAllocations_InvariantsHoldAfterEveryStep()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 8192, nrCpus: 2));
        m.ConfigureEventLoop(seed: 2024);
        m.AddTask(new PageCacheFillTask("reader0", 12000, burst: 24) { PinnedCpu = 0 });
        m.AddTask(new PageCacheFillTask("writer1", 12000, burst: 40) { PinnedCpu = 1, DirtyEvery = 3 });
        m.AddTask(new PageCacheFillTask("reader-any", 6000, burst: 8));
        m.AddTask(new PinnedAllocTask("kmalloc", 1500, burst: 4));
        long steps = 0;
        while (steps < 200_000 && m.RunStep())
        {
            steps++;
            m.CheckInvariants();
        }
        Assert.False(m.RunStep());
        foreach (EmulatedTask t in m.Tasks)
            Assert.True(t.StepsRun > 0);
        Assert.Equal(0, m.AllocFailures);
        // Both kinds of reclaim took part, and both kswapds ran.
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) > 0);
        Assert.True(m.VmEvent(VmEventItem.Pageoutrun) >= 2);
        Assert.True(m.KswapdSleeping(0) && m.KswapdSleeping(1));
        Assert.True(m.NodePageState(1, NodeStatItem.NrDirtied) > 0);
    }
}

/// <summary>Anonymous memory under pressure with swap: kswapd and direct reclaim swap out, faults swap back in.</summary>
public class SwapStressTests
{
    [Fact]
    public void TwoNodes_AnonAndFileWithSwap_InvariantsHoldAfterEveryStep_NoDataLost()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 8192, nrCpus: 2));
        m.SwapOn(16384);
        m.ConfigureEventLoop(seed: 99);
        // 17000 anon pages swept 3 times plus 8000 file pages on a 16384-page machine: reclaim must swap. Every read of
        // a swapped page checks its content token (DataLossException on a mismatch).
        m.AddTask(new AnonTouchTask("anon0", 9000, burst: 32, passes: 3) { PinnedCpu = 0 });
        m.AddTask(new AnonTouchTask("anon1", 8000, burst: 32, passes: 3) { PinnedCpu = 1 });
        m.AddTask(new PageCacheFillTask("reader", 8000, burst: 16));
        long steps = 0;
        while (steps < 200_000 && m.RunStep())
        {
            steps++;
            m.CheckInvariants();
        }
        Assert.False(m.RunStep());
        foreach (EmulatedTask t in m.Tasks)
            Assert.False(t.Killed);
        Assert.Equal(0, m.VmEvent(VmEventItem.OomKill));
        Assert.True(m.VmEvent(VmEventItem.Pswpout) > 0);
        Assert.True(m.VmEvent(VmEventItem.Pswpin) > 0);
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) > 0);
    }
}
