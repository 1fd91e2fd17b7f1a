using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>compaction_suitable, fragmentation_index and deferral (mm/compaction.c, mm/vmstat.c v5.4; reference §13).</summary>
public unsafe class CompactionDecisionTests
{
    [Fact]
    public void FragmentationIndex_FollowsTheVmstatFormula()
    {
        Zone z = default;
        Assert.Equal(0, Machine.FragmentationIndex(&z, 4));                 // no free blocks
        Zone.Area(&z, 0)->NrFree = 1000;
        // 1000 − (1000 + 1000·1000/16) / 1000 = 1000 − 63500/1000 = 1000 − 63 = 937
        Assert.Equal(937, Machine.FragmentationIndex(&z, 4));
        Zone.Area(&z, 0)->NrFree = 10;
        Zone.Area(&z, 2)->NrFree = 5;
        // free = 10 + 5·4 = 30, blocks 15: 1000 − (1000 + 30·1000/8) / 15 = 1000 − 4750/15 = 1000 − 316 = 684
        Assert.Equal(684, Machine.FragmentationIndex(&z, 3));
        Zone.Area(&z, 5)->NrFree = 1;                                       // a suitable block exists
        Assert.Equal(-1000, Machine.FragmentationIndex(&z, 3));
    }

    [Fact]
    public void CompactionSuitable_WatermarkGapThenFragmentationIndex()
    {
        using Machine m = LruTestKit.Small(8192);
        Zone z = default;
        z.Watermark[MmZone.WmarkMin] = 100;
        z.Watermark[MmZone.WmarkLow] = 125;
        z.Watermark[MmZone.WmarkHigh] = 150;
        Zone.Area(&z, 0)->NrFree = 1000;
        z.VmStat[(int)ZoneStatItem.NrFreePages] = 1000;
        // Order 4 (costly): no order-4 block, so not SUCCESS; 1000 > low 125 + compact_gap 32: CONTINUE; fragindex
        // 937 > extfrag_threshold 500: a fragmentation failure, compaction is suitable.
        Assert.Equal(CompactResult.Continue, m.CompactionSuitable(&z, 4, 0, 0));
        m.ExtfragThreshold = 1000;                                          // 937 <= 1000: NOT_SUITABLE → SKIPPED
        Assert.Equal(CompactResult.Skipped, m.CompactionSuitable(&z, 4, 0, 0));
        // Order 2 is not costly: the index is not consulted; min 100 + gap 8.
        Assert.Equal(CompactResult.Continue, m.CompactionSuitable(&z, 2, 0, 0));
        z.VmStat[(int)ZoneStatItem.NrFreePages] = 157;                      // 157 <= low 125 + 32
        m.ExtfragThreshold = 500;
        Assert.Equal(CompactResult.Skipped, m.CompactionSuitable(&z, 4, 0, 0));
        Assert.Equal(CompactResult.Continue, m.CompactionSuitable(&z, 2, 0, 0));   // 157 > min 100 + 8
        Assert.Equal(CompactResult.Success, m.CompactionSuitable(&z, 0, 0, 0));    // order 0 at the min mark: ok
    }

    [Fact]
    public void Deferral_DoublesUpToSixShifts_ResetOnSuccess()
    {
        Zone z = default;
        Machine.DeferCompaction(&z, 4);                                     // shift 1: skip 1 attempt
        Assert.True(Machine.CompactionDeferred(&z, 4));
        Assert.False(Machine.CompactionDeferred(&z, 4));
        Machine.DeferCompaction(&z, 4);                                     // shift 2: skip 3
        int skipped = 0;
        while (Machine.CompactionDeferred(&z, 4))
            skipped++;
        Assert.Equal(3, skipped);
        for (int i = 0; i < 10; i++)
            Machine.DeferCompaction(&z, 4);
        Assert.Equal((uint)Machine.CompactMaxDeferShift, z.CompactDeferShift);
        skipped = 0;
        while (Machine.CompactionDeferred(&z, 4))
            skipped++;
        Assert.Equal(63, skipped);                                          // (1 << 6) − 1
        Assert.True(Machine.CompactionRestarting(&z, 4));
        Machine.CompactionDeferReset(&z, 4, allocSuccess: true);
        Assert.Equal(0u, z.CompactDeferShift);
        Assert.Equal(5, z.CompactOrderFailed);
        Machine.DeferCompaction(&z, 9);                                     // order_failed stays 5 (min)
        Assert.False(Machine.CompactionDeferred(&z, 4));                    // below order_failed: never deferred
        Assert.True(Machine.CompactionDeferred(&z, 6));
    }
}
