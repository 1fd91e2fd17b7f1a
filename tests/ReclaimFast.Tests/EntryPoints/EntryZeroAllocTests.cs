using ReclaimFast.Diagnostics;
using ReclaimFast.Tests.Infrastructure;
using ReclaimFast.Tests.Vmscan;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>The slow path with direct reclaim, and the event loop running kswapd, allocate nothing once warmed up.</summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class EntryZeroAllocTests
{
    [Fact]
    public void SlowpathDirectReclaim_AllocatesNothing()
    {
        using Machine m = LruTestKit.Small(65536);
        nint mapping = LruTestKit.FakeMapping(m);
        ulong index = 0;
        void Fill(int n)
        {
            for (int i = 0; i < n; i++)
                LruTestKit.AddFilePage(m, mapping, index++);
        }
        long stallsBefore = 0;
        AllocationAssert.ZeroAllocations(
            () =>
            {
                Fill(70000);
                stallsBefore = m.VmEvent(VmEventItem.AllocstallMovable);
            },
            () => Fill(20000));
        // The measured part really went through direct reclaim (kswapd never runs without the event loop).
        Assert.True(m.VmEvent(VmEventItem.AllocstallMovable) > stallsBefore);
    }

    [Fact]
    public void EventLoop_KswapdBalancingAgainstAReader_AllocatesNothing()
    {
        using Machine m = LruTestKit.Small(65536);
        m.ConfigureEventLoop(seed: 3);
        var reader = new PageCacheFillTask("reader", 400000, burst: 32);
        m.AddTask(reader);
        AllocationAssert.ZeroAllocations(
            () => m.Run(4000),
            () => m.Run(8000));
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) > 0);
        Assert.True(reader.PagesAdded > 65536);
    }
}
