using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Workload;
using Xunit;
using static ReclaimFast.Tests.Memcontrol.MemcgTestKit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>Several groups with limits, high, protection and swap under global pressure: invariants after every step.</summary>
public unsafe class MemcgStressTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(7UL)]
    public void SeveralGroups_InvariantsHoldAfterEveryStep(ulong seed)
    {
        using Machine m = Machine(8192, swapPages: 4096);
        m.ConfigureEventLoop(seed);
        m.MemCgroupCreate("/a");
        m.MemCgroupCreate("/b");
        m.MemCgroupCreate("/b/c");
        m.MemCgroupCreate("/d");
        m.MemCgroupCreate("/e");
        m.MemCgroupSetKnob("/a", MemcgKnob.Max, 1500 * Page);
        m.MemCgroupSetKnob("/b", MemcgKnob.High, 1200 * Page);
        m.MemCgroupSetKnob("/d", MemcgKnob.Low, 800 * Page);
        m.MemCgroupSetKnob("/e", MemcgKnob.SoftLimit, 200 * Page);
        m.MemCgroupSetKnob("/e", MemcgKnob.SwapMax, 100 * Page);
        var ta = new AnonTouchTask("a", 2500, burst: 32, passes: 2);
        var tc = new AnonTouchTask("c", 2000, burst: 32, passes: 2);
        var td = new PageCacheFillTask("d", 1500, burst: 32);
        var te = new AnonTouchTask("e", 900, burst: 32);
        var root = new PageCacheFillTask("root", 12000, burst: 64);
        m.MemCgroupAttachTask("/a", ta);
        m.MemCgroupAttachTask("/b/c", tc);
        m.MemCgroupAttachTask("/d", td);
        m.MemCgroupAttachTask("/e", te);
        foreach (EmulatedTask t in new EmulatedTask[] { ta, tc, td, te, root })
            m.AddTask(t);
        long steps = 0;
        bool removed = false;
        while (steps < 5000 && m.RunStep())
        {
            steps++;
            m.CheckInvariants();
            if (!removed && te.HasExited)
            {
                m.MemCgroupRemove("/e");      // offline with charges left: reclaimed by global pressure, then freed
                removed = true;
                m.CheckInvariants();
            }
        }
        Assert.True(steps < 5000);
        Assert.True(m.MemCgroupEvent("/a", MemcgEventItem.Max) > 0);
        Assert.True(m.MemCgroupEvent("/b", MemcgEventItem.High) > 0);
        Assert.True(Pages(m, "/a") <= 1500);
        Assert.True(m.MemCgroupSwapCurrent("/b") >= m.MemCgroupSwapCurrent("/b/c"));
    }
}
