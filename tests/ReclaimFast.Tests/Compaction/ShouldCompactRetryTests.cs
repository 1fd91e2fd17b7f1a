using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Compaction;

/// <summary>should_compact_retry (mm/page_alloc.c 5.4.286): retry counting and the priority escalation.</summary>
public unsafe class ShouldCompactRetryTests
{
    private const int SyncFull = 0, SyncLight = 1, Async = 2;

    [Fact]
    public void FailedOrWithdrawn_EscalatesPriority_CostlyStopsAtSyncLight()
    {
        using Machine m = LruTestKit.Small(4096);
        int prio = Async, retries = 3;
        // Order 2 (not costly): ASYNC → SYNC_LIGHT → SYNC_FULL (MIN_COMPACT_PRIORITY), retries reset; then give up.
        Assert.True(m.ShouldCompactRetry(null, 2, 0, CompactResult.Complete, ref prio, ref retries));
        Assert.Equal((SyncLight, 0), (prio, retries));
        Assert.True(m.ShouldCompactRetry(null, 2, 0, CompactResult.Deferred, ref prio, ref retries));
        Assert.Equal(SyncFull, prio);
        Assert.False(m.ShouldCompactRetry(null, 2, 0, CompactResult.PartialSkipped, ref prio, ref retries));
        Assert.Equal(SyncFull, prio);
        // Order 4 (costly): MIN_COMPACT_COSTLY_PRIORITY is SYNC_LIGHT.
        prio = Async;
        Assert.True(m.ShouldCompactRetry(null, 4, 0, CompactResult.Contended, ref prio, ref retries));
        Assert.Equal(SyncLight, prio);
        Assert.False(m.ShouldCompactRetry(null, 4, 0, CompactResult.Complete, ref prio, ref retries));
        // Order 0 never retries compaction.
        Assert.False(m.ShouldCompactRetry(null, 0, 0, CompactResult.Complete, ref prio, ref retries));
    }

    [Fact]
    public void Success_RetriesUpToMaxCompactRetries_ThenEscalates()
    {
        using Machine m = LruTestKit.Small(4096);
        int prio = SyncLight, retries = 0;
        // MAX_COMPACT_RETRIES = 16: retries 1..16 keep going (16 ≤ 16), the 17th goes to check_priority.
        for (int i = 1; i <= 16; i++)
            Assert.True(m.ShouldCompactRetry(null, 2, 0, CompactResult.Success, ref prio, ref retries));
        Assert.Equal((SyncLight, 16), (prio, retries));
        Assert.True(m.ShouldCompactRetry(null, 2, 0, CompactResult.Success, ref prio, ref retries));
        Assert.Equal((SyncFull, 0), (prio, retries));
        // Costly orders get 16 / 4 = 4.
        prio = SyncLight;
        retries = 0;
        for (int i = 1; i <= 4; i++)
            Assert.True(m.ShouldCompactRetry(null, 5, 0, CompactResult.Success, ref prio, ref retries));
        Assert.False(m.ShouldCompactRetry(null, 5, 0, CompactResult.Success, ref prio, ref retries));   // at SYNC_LIGHT
        Assert.Equal(5, retries);
    }
}
