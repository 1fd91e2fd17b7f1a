using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Workload;
using Xunit;
using Xunit.Abstractions;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>
/// One seeded run of a small two-node machine where every entry point into reclaim is live at once — kswapd, direct
/// reclaim, direct compaction, kcompactd and the OOM killer — with the whole-machine invariant checker after every
/// scheduled step (issue 4's stress run).
/// </summary>
public unsafe class AllPathsStressTests(ITestOutputHelper output)
{
    private sealed record Outcome(ulong Digest, long[] Events, long Steps);

    /// <summary>
    /// 2 nodes × 8192 pages, 2 CPUs, 2048 swap slots. Anonymous demand alone (A 9000 + B 6000 + C 4000 pages) exceeds
    /// RAM + swap (18,432 pages), and two page-cache streams add to it, so the OOM killer must act (A's oom_score_adj
    /// 1000 makes it the victim); the flusher keeps the written file pages reclaimable.
    /// The page cache fragments memory; order-4 HIGHUSER_MOVABLE blocks (costly: direct compaction first) and order-2
    /// GFP_KERNEL blocks wake kswapd at order &gt; 0, whose sleep then wakes kcompactd.
    /// </summary>
    private static Outcome Run(ulong seed, bool check)
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(2, 8192, nrCpus: 2));
        m.SwapOn(2048);
        m.ConfigureEventLoop(seed);
        m.AddTask(new PageCacheFillTask("reader0", 9000, burst: 16) { PinnedCpu = 0 });
        m.AddTask(new PageCacheFillTask("writer1", 9000, burst: 16) { PinnedCpu = 1, DirtyEvery = 4 });
        m.AddTask(new AnonTouchTask("A", 9000, burst: 24, passes: 4, oomScoreAdj: 1000));
        m.AddTask(new AnonTouchTask("B", 6000, burst: 24, passes: 3));
        m.AddTask(new AnonTouchTask("C", 4000, burst: 24, passes: 3));
        m.AddTask(new HighOrderAllocTask("dma4", order: 4, totalAllocs: 600, hold: 24) { PinnedCpu = 0 });
        m.AddTask(new HighOrderAllocTask("kmalloc2", order: 2, totalAllocs: 1200, hold: 64, gfp: Gfp.Kernel) { PinnedCpu = 1 });
        long steps = 0;
        while (steps < 400_000 && m.RunStep())
        {
            steps++;
            if (check)
                m.CheckInvariants();
        }
        Assert.False(m.RunStep());              // every task finished or was killed; kswapd and kcompactd asleep
        Assert.True(m.KswapdSleeping(0) && m.KswapdSleeping(1));
        Assert.True(m.KcompactdSleeping(0) && m.KcompactdSleeping(1));

        // No data lost: every page-cache page still holds its file's content (anonymous pages are checked by every
        // access, high-order blocks when freed; both throw DataLossException).
        for (ulong pfn = 0; pfn < m.MaxPfn; pfn++)
        {
            Page* page = m.PfnToPage(pfn);
            if (page->RefCount <= 0 || PageOps.PageSlab(page) || PageOps.PageAnon(page) || PageOps.PageSwapCache(page)
                || page->Mapping == 0 || PageOps.PageTail(page) || PageOps.PageSwapBacked(page))
                continue;
            var mapping = (AddressSpace*)page->Mapping;
            Assert.Equal(mapping->Host->Token[page->Index], m.ContentToken[pfn]);
        }

        var events = new long[VmEvent.NrVmEventItems];
        for (int i = 0; i < events.Length; i++)
            events[i] = m.VmEvent((VmEventItem)i);
        return new Outcome(m.EventDigest, events, steps);
    }

    [Fact]
    public void TwoNodes_KswapdDirectReclaimCompactionKcompactdAndOom_AllActive_InvariantsHoldAfterEveryStep()
    {
        Outcome o = Run(seed: 4242, check: true);
        long E(VmEventItem i) => o.Events[(int)i];
        output.WriteLine($"steps {o.Steps}: pgscan_kswapd {E(VmEventItem.PgscanKswapd)} pgscan_direct {E(VmEventItem.PgscanDirect)} "
            + $"compact_stall {E(VmEventItem.CompactStall)} compact_success {E(VmEventItem.CompactSuccess)} "
            + $"compact_daemon_wake {E(VmEventItem.KcompactdWake)} pgmigrate_success {E(VmEventItem.PgmigrateSuccess)} "
            + $"oom_kill {E(VmEventItem.OomKill)} pswpout {E(VmEventItem.Pswpout)}");
        Assert.True(E(VmEventItem.PgscanKswapd) > 0, "kswapd scanned nothing");
        Assert.True(E(VmEventItem.PgscanDirect) > 0, "no direct reclaim");
        Assert.True(E(VmEventItem.CompactStall) > 0, "no direct compaction");
        Assert.True(E(VmEventItem.KcompactdWake) > 0, "kcompactd never ran");
        Assert.True(E(VmEventItem.OomKill) > 0, "no OOM kill");
        Assert.True(E(VmEventItem.PgmigrateSuccess) > 0, "compaction migrated nothing");

        // Same seed, same run (without the checker, which only reads).
        Outcome again = Run(seed: 4242, check: false);
        Assert.Equal(o.Digest, again.Digest);
        Assert.Equal(o.Events, again.Events);
        Assert.Equal(o.Steps, again.Steps);
    }
}
