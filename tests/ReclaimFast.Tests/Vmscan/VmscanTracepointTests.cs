using System.Linq;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Vmscan;

/// <summary>Reclaim emits the vmscan tracepoints where the kernel does, with the kernel's values.</summary>
[Collection(ZeroAllocCollection.Name)]
public sealed unsafe class VmscanTracepointTests
{
    [Fact]
    public void ShrinkInactiveList_EmitsIsolateAndShrinkInactive()
    {
        using Machine m = LruTestKit.Small();
        nint mapping = LruTestKit.FakeMapping(m);
        for (int i = 0; i < 40; i++)
            LruTestKit.AddFilePage(m, mapping, (ulong)i);
        m.LruAddDrain();
        using var rec = new TracepointRecorder();
        ScanControl sc = LruTestKit.DirectReclaimSc();
        ulong reclaimed = m.ShrinkInactiveList(32, LruTestKit.NodeLruvec(m), &sc, LruList.InactiveFile);
        Assert.Equal(32UL, reclaimed);

        var iso = rec.Events.Single(e => e.EventName == "mm_vmscan_lru_isolate");
        Assert.Equal(32UL, iso.Payload![2]);                 // nr_requested
        Assert.Equal(32UL, iso.Payload[5]);                  // nr_taken
        Assert.Equal((int)LruList.InactiveFile, iso.Payload[7]);
        var inact = rec.Events.Single(e => e.EventName == "mm_vmscan_lru_shrink_inactive");
        Assert.Equal(32UL, inact.Payload![1]);               // nr_scanned
        Assert.Equal(32UL, inact.Payload[2]);                // nr_reclaimed
        Assert.Equal(12, inact.Payload[11]);                 // priority
        Assert.Equal(0x2 | 0x8, inact.Payload[12]);          // RECLAIM_WB_FILE | RECLAIM_WB_ASYNC
    }
}
