using System.Linq;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Infrastructure;
using Xunit;

namespace ReclaimFast.Tests.Compaction;

/// <summary>
/// kcompactd's tracepoints (include/trace/events/compaction.h: mm_compaction_wakeup_kcompactd, mm_compaction_kcompactd_wake,
/// mm_compaction_kcompactd_sleep, each (nid[, order, classzone_idx])) and its run without GC allocation.
/// </summary>
[Collection(ZeroAllocCollection.Name)]
public unsafe class KcompactdTracepointTests
{
    [Fact]
    public void WakeRunSleep_EmitsTheThreeTracepoints_InOrder()
    {
        using Machine m = KcompactdTests.FragmentedMachine(3);
        using var rec = new TracepointRecorder();
        m.WakeupKcompactd(m.NodeData(0), 4, (int)ZoneType.Dma32);
        m.Run(1000);
        var kc = rec.Events.Where(e => e.EventName!.Contains("kcompactd")).ToList();
        string[] names = ["mm_compaction_wakeup_kcompactd", "mm_compaction_kcompactd_wake", "mm_compaction_kcompactd_sleep"];
        Assert.Equal(names, kc.Select(e => e.EventName ?? "").ToArray());
        Assert.Equal([0, 4, (int)ZoneType.Dma32], kc[0].Payload!.Cast<int>().ToArray());
        Assert.Equal([0, 4, (int)ZoneType.Dma32], kc[1].Payload!.Cast<int>().ToArray());
        Assert.Equal([0], kc[2].Payload!.Cast<int>().ToArray());
        Assert.Equal(1, m.VmEvent(VmEventItem.KcompactdWake));
    }

    [Fact]
    public void KcompactdRun_AllocatesNothing()
    {
        using Machine warm = KcompactdTests.FragmentedMachine(3);
        using Machine m = KcompactdTests.FragmentedMachine(3);
        AllocationAssert.ZeroAllocations(
            () =>
            {
                warm.WakeupKcompactd(warm.NodeData(0), 4, (int)ZoneType.Dma32);
                warm.Run(1000);
                Assert.True(KcompactdTests.FreeBlocksAtLeast(warm, 4) > 0);
            },
            () =>
            {
                m.WakeupKcompactd(m.NodeData(0), 4, (int)ZoneType.Dma32);
                m.Run(1000);
            });
        Assert.True(KcompactdTests.FreeBlocksAtLeast(m, 4) > 0);
        Assert.True(m.VmEvent(VmEventItem.KcompactdMigrateScanned) > 0);
    }
}
