using System.IO;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using ReclaimFast.Workload;
using Xunit;
using static ReclaimFast.Tests.Memcontrol.MemcgTestKit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>memory.high, force_empty, memory.stat / memory.events formats, rmdir (offline), workingset per memcg.</summary>
public unsafe class MemcgBehaviourTests
{
    [Fact]
    public void HighDelay_FollowsThe54yPenaltyFormula()
    {
        // calculate_overage(1100, 1000) = (100 << 20) / 1000 = 104857; penalty = 104857² · HZ >> 20 >> 14 = 159 jiffies
        // at HZ 250, · nr/32 with nr = 32; 159 > HZ/100 = 2 so the task sleeps 159.
        Assert.Equal(104857UL, Machine.CalculateOverage(1100, 1000));
        Assert.Equal(0UL, Machine.CalculateOverage(1000, 1000));
        Assert.Equal(159, Machine.HighDelayJiffies(104857, 32, 250));
        // Twice the limit: (2^20)² · 250 >> 34 = 16000 → capped at MEMCG_MAX_HIGH_DELAY_JIFFIES = 2·HZ = 500.
        Assert.Equal(500, Machine.HighDelayJiffies(1UL << 20, 32, 250));
        // A tiny overage: 1000² · 250 >> 34 = 0 ≤ HZ/100 → no sleep.
        Assert.Equal(0, Machine.HighDelayJiffies(1000, 32, 250));
    }

    [Fact]
    public void MemoryHigh_OverageIsReclaimedOnReturnToUserMode()
    {
        using Machine m = Machine(16384, swapPages: 8192);
        m.MemCgroupCreate("/h");
        m.MemCgroupSetKnob("/h", MemcgKnob.High, 200 * Page);
        TaskStruct* t = Process(m, "/h", 601, out ulong a);
        Ok(Touch(m, t, a, 0, 600));
        // memory.high never fails a charge: usage went past it, and the overage is pending for the task.
        Assert.True(Pages(m, "/h") > 500);
        Assert.True(t->MemcgNrPagesOverHigh > 0);
        Assert.Equal(0, m.MemCgroupEvent("/h", MemcgEventItem.High));
        long penalty = m.MemCgroupHandleOverHigh();
        Assert.Equal(0u, t->MemcgNrPagesOverHigh);
        Assert.Equal(1, m.MemCgroupEvent("/h", MemcgEventItem.High));
        // The anon pages reclaim_high picked were written to swap (asynchronously: they are freed by the next reclaim
        // once the writes complete, as in the kernel).
        Assert.True(m.MemCgroupSwapCurrent("/h") >= 300 * Page, $"swap {m.MemCgroupSwapCurrent("/h") / Page}");
        Assert.True(penalty >= 0);
        m.CompletePendingIo();
        // Another return to user mode with the same overage pending (as a task keeps charging over high): the pages
        // written in the first round are clean now and are freed.
        long before = Pages(m, "/h");
        t->MemcgNrPagesOverHigh = (uint)(before - 200);
        m.MemCgroupHandleOverHigh();
        m.CompletePendingIo();
        Assert.True(Pages(m, "/h") <= before - 300, $"usage {Pages(m, "/h")} (was {before})");
        Assert.Equal(2, m.MemCgroupEvent("/h", MemcgEventItem.High));
        Assert.Equal(0, m.MemCgroupEvent("/h", MemcgEventItem.Max));
        m.CheckInvariants();
    }

    [Fact]
    public void MemoryHigh_UnderTheEventLoop_KeepsTheGroupNearHigh()
    {
        using Machine m = Machine(16384, swapPages: 8192);
        m.ConfigureEventLoop(seed: 3);
        m.MemCgroupCreate("/h");
        m.MemCgroupSetKnob("/h", MemcgKnob.High, 256 * Page);
        var task = new AnonTouchTask("h", 1024, burst: 16);
        m.MemCgroupAttachTask("/h", task);
        m.AddTask(task);
        long steps = 0;
        long maxSeen = 0;
        while (steps < 200_000 && m.RunStep())
        {
            steps++;
            if (!task.HasExited)
                maxSeen = System.Math.Max(maxSeen, Pages(m, "/h"));
        }
        Assert.True(task.HasExited && !task.Killed);
        Assert.True(m.MemCgroupEvent("/h", MemcgEventItem.High) > 0);
        // One step charges at most burst (16) pages + a stock batch (32) before reclaim_high runs.
        Assert.True(maxSeen <= 256 + 16 + 32, $"max usage {maxSeen}");
        m.CheckInvariants();
    }

    [Fact]
    public void ForceEmpty_ReclaimsAllReclaimable_ReportsTheRest_InAtMostFiveFailedRounds()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/f");
        ProtectionTests.FillCache(m, "/f", 300);
        TaskStruct* t = Process(m, "/f", 100, out ulong a);
        Ok(Touch(m, t, a, 0, 100));
        m.CurrentTaskStruct = null;
        // 300 cache + 100 anon + the stock. Without swap the anon pages cannot go: force_empty drains the stock,
        // reclaims the cache, and gives up after MEM_CGROUP_RECLAIM_RETRIES (5) rounds without progress.
        ulong left = m.MemCgroupForceEmpty("/f");
        Assert.Equal(100UL, left);
        Assert.Equal(5, m.LastForceEmptyFailedRounds);
        Assert.Equal(100, Pages(m, "/f"));
        m.CheckInvariants();
        m.Exit(t);
        Assert.Equal(0UL, m.MemCgroupForceEmpty("/f"));
        Assert.Equal(0, m.LastForceEmptyFailedRounds);
    }

    [Fact]
    public void MemoryStat_PrintsThe54LinesInOrder_InBytes()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/s");
        TaskStruct* t = Process(m, "/s", 10, out ulong a);
        Ok(Touch(m, t, a, 0, 10));
        m.CurrentTaskStruct = null;
        ProtectionTests.FillCache(m, "/s", 5);
        m.LruAddDrain();
        var w = new StringWriter();
        m.WriteMemoryStat("/s", w);
        // Hand-built from v5.4 memory_stat_show: 10 anon pages on active_anon (lru_cache_add_active_or_unevictable),
        // 5 page-cache pages on inactive_file, 10 page faults; sizes in bytes, events as counts.
        string expected =
            "anon 40960\nfile 20480\nkernel_stack 0\nslab 0\nsock 0\nshmem 0\nfile_mapped 0\nfile_dirty 0\n" +
            "file_writeback 0\nanon_thp 0\ninactive_anon 0\nactive_anon 40960\ninactive_file 20480\nactive_file 0\n" +
            "unevictable 0\nslab_reclaimable 0\nslab_unreclaimable 0\npgfault 10\npgmajfault 0\n" +
            "workingset_refault 0\nworkingset_activate 0\nworkingset_nodereclaim 0\npgrefill 0\npgscan 0\npgsteal 0\n" +
            "pgactivate 0\npgdeactivate 0\npglazyfree 0\npglazyfreed 0\nthp_fault_alloc 0\nthp_collapse_alloc 0\n";
        Assert.Equal(expected, w.ToString());
        var ev = new StringWriter();
        m.WriteMemoryEvents("/s", ev);
        Assert.Equal("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", ev.ToString());
        Assert.Equal("max", m.MemCgroupReadKnob("/s", MemcgKnob.Max));
        m.MemCgroupSetKnob("/s", MemcgKnob.Low, 1 << 20);
        Assert.Equal("1048576", m.MemCgroupReadKnob("/s", MemcgKnob.Low));
    }

    [Fact]
    public void Rmdir_OfflineGroupKeepsItsPages_ReclaimedThroughTheParent_FreedWhenEmpty()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/p");
        m.MemCgroupCreate("/p/c");
        ProtectionTests.FillCache(m, "/p/c", 200);
        m.MemCgroupSetKnob("/p/c", MemcgKnob.Low, 1000 * Page);
        MemCgroup* c = m.MemCgroupByPath("/p/c");
        m.MemCgroupRemove("/p/c");
        // Offline: gone from the paths, min/low reset, the stock drained, the 200 pages still charged to it (v5.4 does
        // not move LRU pages on rmdir) and still in /p's usage.
        Assert.Equal(new[] { "/", "/p" }, m.MemCgroupPaths());
        Assert.False(c->Online);
        Assert.Equal(0, c->Memory.Low);
        Assert.Equal(200, c->Memory.Usage);
        Assert.Equal(200, Pages(m, "/p"));
        m.CheckInvariants();
        // Reclaim from the parent walks the offline child too (mem_cgroup_iter uses css_tryget, not _online).
        m.MemCgroupSetKnob("/p", MemcgKnob.Max, 0);
        Assert.Equal(0, Pages(m, "/p"));
        // Its last charge gone, the offline group is freed: the same path can be made again.
        m.MemCgroupCreate("/p/c");
        Assert.Equal(new[] { "/", "/p", "/p/c" }, m.MemCgroupPaths());
        m.CheckInvariants();
    }

    [Fact]
    public void Workingset_RefaultCountsOnTheShadowsMemcgLruvec()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/w");
        nint mapping = LruTestKit.FakeMapping(m, 64);
        TaskStruct* t = m.CreateTask();
        m.MemCgroupAttachTaskStruct("/w", t);
        m.CurrentTaskStruct = t;
        var file = (Mm.Filemap.AddressSpace*)mapping;
        Mm.Types.Page* page = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        m.AddToPageCacheLru(page, file, 0);
        Mm.Types.PageOps.SetPageUptodate(page);
        Mm.Types.PageOps.ClearPageLocked(page);
        m.PutPage(page);
        MemCgroup* w = m.MemCgroupByPath("/w");
        Assert.True(page->MemCgroup == (ulong)w);
        // Evict it through the group's own reclaim: the shadow records /w's id.
        m.CurrentTaskStruct = null;
        m.LruAddDrain();
        m.MemCgroupSetKnob("/w", MemcgKnob.Max, 0);
        Lruvec* lruvec = &MemCgroup.NodeInfo(w, 0)->Lruvec;
        Assert.Equal(1UL, lruvec->InactiveAge);
        // Refault it from a task in the root: the refault is counted on /w's lruvec (the evicting one).
        m.MemCgroupSetKnob("/w", MemcgKnob.Max, ulong.MaxValue);
        page = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        ulong shadow = m.AddToPageCacheLru(page, file, 0);
        Assert.NotEqual(0UL, shadow);
        Assert.Equal(1, lruvec->StatLocal[(int)NodeStatItem.WorkingsetRefault]);
        Assert.Equal(0, m.NodeData(0)->Lruvec.StatLocal[(int)NodeStatItem.WorkingsetRefault]);
        Mm.Types.PageOps.SetPageUptodate(page);
        Mm.Types.PageOps.ClearPageLocked(page);
        m.PutPage(page);
        m.CheckInvariants();
    }
}
