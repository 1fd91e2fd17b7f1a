using System.Linq;
using ReclaimFast.Diagnostics;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Diagnostics;

/// <summary>The EventSource mirrors tracepoints by name and field; disabled events allocate nothing.</summary>
[Collection(ZeroAllocCollection.Name)]
public sealed class EventSourceTests
{
    [Fact]
    public void TracepointNamesAndFieldsAsInTheKernel()
    {
        using var rec = new TracepointRecorder();
        var log = ReclaimFastEventSource.Log;
        log.mm_vmscan_kswapd_wake(1, 2, 3);
        log.mm_vmscan_lru_shrink_inactive(0, 32, 30, 1, 2, 3, 4, 5, 6, 7, 8, 12, ReclaimFastEventSource.TraceReclaimFlags(file: true));
        log.mm_vmscan_direct_reclaim_end(17);

        var wake = rec.Events.Single(e => e.EventName == "mm_vmscan_kswapd_wake");
        Assert.Equal(new[] { "nid", "zid", "order" }, wake.PayloadNames);
        Assert.Equal(new object[] { 1, 2, 3 }, wake.Payload!.ToArray());

        var inact = rec.Events.Single(e => e.EventName == "mm_vmscan_lru_shrink_inactive");
        // TP_STRUCT__entry order of include/trace/events/vmscan.h (v5.4)
        Assert.Equal(new[] { "nid", "nr_scanned", "nr_reclaimed", "nr_dirty", "nr_writeback", "nr_congested",
            "nr_immediate", "nr_activate0", "nr_activate1", "nr_ref_keep", "nr_unmap_fail", "priority", "reclaim_flags" },
            inact.PayloadNames);
        Assert.Equal(0x2 | 0x8, inact.Payload![12]); // RECLAIM_WB_FILE | RECLAIM_WB_ASYNC
        Assert.Equal(30UL, inact.Payload[2]);

        var end = rec.Events.Single(e => e.EventName == "mm_vmscan_direct_reclaim_end");
        Assert.Equal(17UL, end.Payload![0]);
    }

    [Fact]
    public void DisabledEventsAllocateNothing()
    {
        var log = ReclaimFastEventSource.Log;
        Assert.False(log.IsEnabled());
        AllocationAssert.ZeroAllocations(
            () => log.mm_vmscan_lru_isolate(2, 0, 32, 32, 0, 32, 0, 2),
            () =>
            {
                for (int i = 0; i < 100_000; i++)
                {
                    log.mm_vmscan_lru_isolate(2, 0, 32, 32, 0, (ulong)i, 0, 2);
                    log.mm_vmscan_lru_shrink_inactive(0, 32, 30, 1, 2, 3, 4, 5, 6, 7, 8, 12, 10);
                }
            });
    }
}
