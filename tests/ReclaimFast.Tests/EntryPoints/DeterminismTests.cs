using ReclaimFast.Diagnostics;
using ReclaimFast.Tests.Vmscan;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>Same scenario and seed ⇒ identical counters and event sequence; another seed ⇒ a different run.</summary>
public class DeterminismTests
{
    private static (long[] events, ulong digest, long traced, ulong jiffies) Run(ulong seed)
    {
        using Machine m = LruTestKit.Small(32768, cpus: 2);
        m.ConfigureEventLoop(seed);
        m.AddTask(new PageCacheFillTask("reader-a", 30000, burst: 16));
        m.AddTask(new PageCacheFillTask("reader-b", 20000, burst: 48));
        m.AddTask(new PinnedAllocTask("kmalloc", 4000, burst: 8));
        m.Run(2_000_000);
        Assert.False(m.RunStep());
        var events = new long[VmEvent.NrVmEventItems];
        for (int i = 0; i < events.Length; i++)
            events[i] = m.VmEvent((VmEventItem)i);
        return (events, m.EventDigest, m.TracedEvents, m.Jiffies);
    }

    [Fact]
    public void SameSeed_IdenticalCountersAndEvents_OtherSeed_Differs()
    {
        var a = Run(42);
        var b = Run(42);
        var c = Run(43);
        Assert.Equal(a.events, b.events);
        Assert.Equal(a.digest, b.digest);
        Assert.Equal(a.traced, b.traced);
        Assert.Equal(a.jiffies, b.jiffies);
        Assert.True(a.events[(int)VmEventItem.Pageoutrun] > 0);   // kswapd took part
        Assert.NotEqual(a.digest, c.digest);
    }
}
