using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Memory;
using Xunit;
using static ReclaimFast.Mm.Types.PageOps;

namespace ReclaimFast.Tests.Filemap;

/// <summary>
/// mm/page-writeback.c and fs/fs-writeback.c: dirty tags, the dirty thresholds, background writeback started by
/// balance_dirty_pages, the periodic kupdate flush, wakeup_flusher_threads, range-cyclic write_cache_pages and
/// page_mkclean.
/// </summary>
public unsafe class WritebackTests
{
    private static Page* Cached(File* f, ulong index)
    {
        ulong e = f->FMapping->IPages.Load(index);
        return e == 0 || XArray.IsValue(e) ? null : (Page*)e;
    }

    [Theory]
    // dirty_poll_interval: 1 << (ilog2(thresh - dirty) >> 1) when below the threshold, else 1 (worked by hand).
    [InlineData(0UL, 1000UL, 16L)]        // ilog2(1000) = 9, 9 >> 1 = 4
    [InlineData(900UL, 1000UL, 8L)]       // ilog2(100) = 6 → 8
    [InlineData(999UL, 1000UL, 1L)]       // ilog2(1) = 0 → 1
    [InlineData(1000UL, 1000UL, 1L)]
    [InlineData(0UL, 1UL << 20, 1024L)]   // ilog2(2^20) = 20 → 2^10
    public void DirtyPollInterval_IsTheKernelFormula(ulong dirty, ulong thresh, long expected) =>
        Assert.Equal(expected, Machine.DirtyPollInterval(dirty, thresh));

    [Fact]
    public void DirtyLimits_AreTheRatiosOfDirtyableMemory()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        ulong available = m.GlobalDirtyableMemory();
        m.GlobalDirtyLimits(out ulong bg, out ulong thresh);
        // 20% and 10% in per-PAGE_SIZE units: ratio = 20 * 4096 / 100 = 819, bg_ratio = 409.
        Assert.Equal(819 * available / 4096, thresh);
        Assert.Equal(409 * available / 4096, bg);
    }

    [Fact]
    public void DirtyTagFollowsThePage_ThroughWritebackAndCompletion()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(8);
        Assert.True(m.FileWritePage(f, 5));
        XArray* xa = &f->FMapping->IPages;
        Assert.True(xa->GetMark(5, PagecacheTag.Dirty));
        Assert.True((f->FInode->IState & InodeState.DirtyPages) != 0);
        Assert.Equal(1, m.WriteCachePages(f->FMapping, 100));
        Page* page = Cached(f, 5);
        Assert.True(PageWriteback(page) && !PageDirty(page));
        Assert.False(xa->GetMark(5, PagecacheTag.Dirty));
        Assert.True(xa->GetMark(5, PagecacheTag.Writeback));
        Assert.Equal(f->FInode->Token[5], f->FInode->DiskToken[5]); // ->writepage sent the data
        m.CompletePendingIo();
        Assert.False(xa->GetMark(5, PagecacheTag.Writeback));
        Assert.False(PageWriteback(page));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrFileDirty));
        m.CheckInvariants();
    }

    [Fact]
    public void WriteCachePages_IsRangeCyclic_FromWritebackIndex()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(100);
        for (ulong i = 0; i < 100; i += 10)
            Assert.True(m.FileWritePage(f, i));
        f->FMapping->WritebackIndex = 45;
        // 3 pages: 50, 60, 70; the next call resumes at 71.
        Assert.Equal(3, m.WriteCachePages(f->FMapping, 3));
        Assert.Equal(71UL, f->FMapping->WritebackIndex);
        Assert.True(PageWriteback(Cached(f, 70)) && PageDirty(Cached(f, 80)));
        // Then 80, 90, wrap, 0..40: all seven left.
        Assert.Equal(7, m.WriteCachePages(f->FMapping, 100));
        for (ulong i = 0; i < 100; i += 10)
            Assert.True(PageWriteback(Cached(f, i)));
    }

    [Fact]
    public void Writer_PastTheBackgroundThreshold_StartsBackgroundWriteback_WhichStopsBelowIt()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        m.WritebackInline = true;
        File* f = m.CreateFile(6000);
        for (ulong i = 0; i < 6000; i++)
            Assert.True(m.FileWritePage(f, i));
        m.GlobalDirtyLimits(out ulong bg, out ulong thresh);
        long dirty = m.GlobalNodePageState(NodeStatItem.NrFileDirty);
        Assert.True(m.FlusherPagesWritten > 0, "background writeback never ran");
        Assert.True(m.FlusherWorks > 0);
        // Each writer check happens every nr_dirtied_pause pages (≤ the poll interval), so dirty pages stay within one
        // interval of the background threshold and never reach the limit.
        Assert.True((ulong)dirty <= thresh, $"dirty {dirty} > thresh {thresh}");
        Assert.Equal(6000, m.FlusherPagesWritten + dirty);
        // Written pages are clean and hold the file's content on disk.
        long clean = 0;
        for (ulong i = 0; i < 6000; i++)
        {
            Page* p = Cached(f, i);
            if (!PageDirty(p))
            {
                clean++;
                Assert.Equal(f->FInode->Token[i], f->FInode->DiskToken[i]);
            }
        }
        Assert.Equal(m.FlusherPagesWritten, clean);
        Assert.True(bg > 0);
        m.CheckInvariants();
    }

    [Fact]
    public void PeriodicFlush_WritesInodesDirtiedLongerAgoThanTheExpireInterval()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        m.ConfigureEventLoop(seed: 1, hz: 100);
        m.AddTask(new TickTask()); // keeps time moving one jiffy at a time
        File* f = m.CreateFile(16);
        for (ulong i = 0; i < 16; i++)
            Assert.True(m.FileWritePage(f, i));  // far below the background threshold
        Assert.Equal(16, m.NodePageState(0, NodeStatItem.NrFileDirty));
        // dirty_expire_interval is 30 s = 3000 jiffies at HZ=100; flushes come every 5 s (500 jiffies), so the one at
        // 2500 finds nothing expired and the one at 3000 writes the inode.
        m.RunUntil(2999);
        Assert.Equal(16, m.NodePageState(0, NodeStatItem.NrFileDirty));
        m.RunUntil(3001);
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrFileDirty));
        Assert.Equal(16, m.NodePageState(0, NodeStatItem.NrWriteback));
        m.RunUntil(3100);
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrFileDirty));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrWriteback));
        Assert.Equal(16, m.NodePageState(0, NodeStatItem.NrWritten));
        Assert.Equal(0u, f->FInode->IState & InodeState.DirtyPages);
    }

    private sealed class TickTask : ReclaimFast.EmulatedTask
    {
        public TickTask() : base("tick")
        {
        }

        protected internal override long Step(Machine machine) => 0;
    }

    [Fact]
    public void ReclaimFindingOnlyUnqueuedDirtyPages_WakesTheFlusher_WhichWritesEverything()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        File* f = m.CreateFile(64);
        for (ulong i = 0; i < 64; i++)
            Assert.True(m.FileWritePage(f, i));
        m.LruAddDrain();
        m.WritebackInline = true;
        ReclaimFast.Mm.Vmscan.ScanControl sc = default;
        sc.GfpMask = Gfp.Kernel;
        sc.ReclaimIdx = (sbyte)Gfp.GfpZone(Gfp.HighUserMovable);
        sc.MayUnmap = true;
        sc.Priority = 12;
        Lruvec* lv = &m.NodeData(0)->Lruvec;
        m.ShrinkInactiveList(32, lv, &sc, LruList.InactiveFile);  // direct reclaim: dirty file pages are not written
        Assert.Equal(1, m.FlusherWakeups);
        Assert.Equal(64, m.FlusherPagesWritten);
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrFileDirty));
    }

    [Fact]
    public void SharedMapping_IsWriteProtectedByWriteback_AndTheNextStoreRedirtiesIt()
    {
        using Machine m = MmTestMachine.Create();
        File* f = m.CreateFile(4);
        TaskStruct* t = m.CreateTask();
        ulong a = m.DoMmap(t, 0, 4 * MmTestMachine.PageSize, MmTestMachine.Rw, MapFlags.Shared, f, 0);
        MmTestMachine.Write(m, t, a);
        Page* page = Cached(f, 0);
        Assert.True(PageDirty(page));
        Assert.Equal(1, m.WriteCachePages(f->FMapping, 10));
        ulong pte = MmTestMachine.PteOf(m, t, a);
        Assert.Equal(0UL, pte & (Pte.Rw | Pte.Dirty));  // page_mkclean
        m.CompletePendingIo();
        Assert.Equal(f->FInode->Token[0], f->FInode->DiskToken[0]);
        // The next store faults (wp_page_shared) and dirties the page again, so its data reaches disk too.
        MmTestMachine.Write(m, t, a);
        Assert.True(PageDirty(page));
        Assert.True(f->FMapping->IPages.GetMark(0, PagecacheTag.Dirty));
        Assert.NotEqual(f->FInode->Token[0], f->FInode->DiskToken[0]);
        Assert.Equal(1, m.WriteCachePages(f->FMapping, 10));
        m.CompletePendingIo();
        Assert.Equal(f->FInode->Token[0], f->FInode->DiskToken[0]);
    }

    [Fact]
    public void CgroupWritebackDomain_KeepsALimitedWriterCleanEnough_NoMemcgOom()
    {
        // A writer in a 32 MiB cgroup dirties 256 MiB of a shared file mapping on a 512 MiB machine. The global
        // thresholds (10 %/20 % of ~480 MiB) alone would let the whole cgroup fill with dirty pages, which its own
        // reclaim cannot write (only kswapd writes file pages) — a memcg OOM. The cgroup's writeback domain (mdtc:
        // 20 % of its file pages + headroom) throttles the writer and starts the flusher instead.
        const string json = """
            {
              "name": "memcg-writer", "duration": "10s",
              "machine": { "nodes": [ { "zones": { "dma": "16MiB", "dma32": "496MiB" } } ] },
              "memcgs": [ { "path": "/w", "max": "32MiB" } ],
              "files": [ { "name": "f", "size": "256MiB" } ],
              "processes": [
                { "name": "writer", "memcg": "/w", "vmas": [ { "name": "m", "kind": "shared_file", "size": "256MiB", "file": "f" } ],
                  "phases": [ { "start": 0, "end": "10s", "pattern": "sequential", "vma": "m", "op": "write", "rate": 20000 } ] }
              ]
            }
            """;
        using var r = new ReclaimFast.Workload.Scenario.ScenarioRunner(ReclaimFast.Workload.Scenario.ScenarioParser.Parse(json, "w.json"));
        long maxDirty = 0;
        r.Run((m, done) => maxDirty = System.Math.Max(maxDirty, m.GlobalNodePageState(NodeStatItem.NrFileDirty)), intervalJiffies: 5);
        Machine m = r.Machine;
        Assert.Equal(0, m.MemCgroupEvent("/w", ReclaimFast.Mm.Memcontrol.MemcgEventItem.OomKill));
        Assert.Equal(65536, r.ProcessResults[0].Writes);
        Assert.True(m.DirtyThrottlePauses > 0);
        Assert.True(m.FlusherPagesWritten > 0);
        // 20 % of the cgroup's 8192 pages is ~1638: dirty pages stay within the domain's limit plus one poll interval.
        Assert.True(maxDirty < 2048, $"dirty pages peaked at {maxDirty}");
    }
}

/// <summary>write(2) with balance_dirty_pages and the flusher's background writeback allocates nothing after warm-up.</summary>
[Collection(ReclaimFast.Tests.Infrastructure.ZeroAllocCollection.Name)]
public unsafe class WritebackZeroAllocTests
{
    [Fact]
    public void WritesThrottlingAndBackgroundWriteback_AllocateNothing()
    {
        using Machine m = Machine.Boot(MachineDescription.Uniform(1, 16384));
        m.WritebackInline = true;
        File* f = m.CreateFile(6000);
        void WriteAll()
        {
            for (ulong i = 0; i < 6000; i++)
                Assert.True(m.FileWritePage(f, i));
        }
        ReclaimFast.Tests.Infrastructure.AllocationAssert.ZeroAllocations(WriteAll, WriteAll);
        Assert.True(m.FlusherPagesWritten > 6000);
    }
}
