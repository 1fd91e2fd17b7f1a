using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.Memory;
using Xunit;
using static ReclaimFast.Tests.Memcontrol.MemcgTestKit;

namespace ReclaimFast.Tests.Memcontrol;

/// <summary>try_charge / uncharge (mm/memcontrol.c v5.4): batching through the per-cpu stock, hierarchy, limits.</summary>
public unsafe class ChargeTests
{
    [Fact]
    public void Stock_ChargesInBatchesOf32_AndUnchargeLeavesTheStock()
    {
        using Machine m = Machine();
        m.MemCgroupCreate("/a");
        TaskStruct* t = Process(m, "/a", 100, out ulong a);
        Ok(Touch(m, t, a, 0, 100));
        // try_charge charges MEMCG_CHARGE_BATCH (32) when the stock cannot cover a page and keeps the 31 extra in the
        // stock: after n single-page charges usage = 32·⌈n/32⌉ = 128 for n = 100, 28 of them in the stock.
        Assert.Equal(128, Pages(m, "/a"));
        MemCgroup* memcg = m.MemCgroupByPath("/a");
        Assert.Equal(28, m.MemcgStockPages(memcg));
        m.CheckInvariants();
        // Uncharge (free) gives back exactly the freed pages; the stock stays charged until drained.
        m.CurrentTaskStruct = null;
        m.Exit(t);
        Assert.Equal(28, Pages(m, "/a"));
        m.DrainAllStock(memcg);
        Assert.Equal(0, Pages(m, "/a"));
        m.CheckInvariants();
    }

    [Fact]
    public void Hierarchy_ChildChargesPropagateToEveryAncestor()
    {
        using Machine m = Machine();
        m.MemCgroupCreate("/a");
        m.MemCgroupCreate("/a/b");
        m.MemCgroupCreate("/a/c");
        TaskStruct* tb = Process(m, "/a/b", 40, out ulong ab);
        TaskStruct* tc = Process(m, "/a/c", 10, out ulong ac);
        Ok(Touch(m, tb, ab, 0, 40));
        Ok(Touch(m, tc, ac, 0, 10));
        // One CPU, one stock: charging /a/c drains /a/b's stock (refill_stock replaces the cached group).
        // /a/b: 64 charged (2 batches) − 24 drained = 40; /a/c: 32 (one batch, 22 in the stock).
        Assert.Equal(40, Pages(m, "/a/b"));
        Assert.Equal(32, Pages(m, "/a/c"));
        Assert.Equal(72, Pages(m, "/a"));
        Assert.Equal(72, Pages(m, "/"));
        Assert.Equal(new[] { "/", "/a", "/a/b", "/a/c" }, m.MemCgroupPaths());
        m.CheckInvariants();
    }

    [Fact]
    public void Paths_BadInput_NamesThePathAndTheProblem()
    {
        using Machine m = Machine();
        var e = Assert.Throws<System.ArgumentException>(() => m.MemCgroupCreate("/a/b"));
        Assert.Contains("memcg '/a/b': parent '/a' does not exist", e.Message, System.StringComparison.Ordinal);
        m.MemCgroupCreate("/a");
        e = Assert.Throws<System.ArgumentException>(() => m.MemCgroupCreate("/a"));
        Assert.Contains("memcg '/a': already exists", e.Message, System.StringComparison.Ordinal);
        m.MemCgroupCreate("/a/b");
        e = Assert.Throws<System.ArgumentException>(() => m.MemCgroupRemove("/a"));
        Assert.Contains("memcg '/a'", e.Message, System.StringComparison.Ordinal);
        e = Assert.Throws<System.ArgumentException>(() => m.MemCgroupMemoryCurrent("/x"));
        Assert.Contains("memcg '/x': does not exist", e.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void AtMemoryMax_ReclaimsItsOwnPagesOnly_NoOom()
    {
        using Machine m = Machine(16384, swapPages: 8192);
        m.MemCgroupCreate("/a");
        m.MemCgroupCreate("/b");
        TaskStruct* tb = Process(m, "/b", 500, out ulong ab);
        Ok(Touch(m, tb, ab, 0, 500));
        m.MemCgroupSetKnob("/a", MemcgKnob.Max, 256 * Page);
        TaskStruct* ta = Process(m, "/a", 1024, out ulong aa);
        Ok(Touch(m, ta, aa, 0, 1024));
        m.CompletePendingIo();
        Assert.True(Pages(m, "/a") <= 256);
        Assert.True(m.MemCgroupSwapCurrent("/a") > 0);
        // /b was not reclaimed: its 500 pages (+ nothing swapped) are still charged.
        Assert.True(Pages(m, "/b") >= 500);
        Assert.Equal(0UL, m.MemCgroupSwapCurrent("/b"));
        Assert.True(m.MemCgroupEvent("/a", MemcgEventItem.Max) > 0);
        Assert.Equal(0, m.MemCgroupEvent("/a", MemcgEventItem.Oom));
        Assert.Equal(0, m.MemCgroupEvent("/a", MemcgEventItem.OomKill));
        Assert.Equal(0, m.MemCgroupEvent("/b", MemcgEventItem.Max));
        m.CheckInvariants();
        // Every page reads back its content (Access checks the token): swap-in charges go back to /a.
        m.CurrentTaskStruct = ta;
        for (ulong i = 0; i < 1024; i += 7)
            Ok(m.Access(ta, aa + i * Page, write: false));
        m.CompletePendingIo();
        m.CheckInvariants();
    }

    [Fact]
    public void AtMemoryMax_WithoutSwap_OomKillsInsideTheGroup_EventsCount()
    {
        using Machine m = Machine(16384);
        m.MemCgroupCreate("/a");
        m.MemCgroupCreate("/b");
        TaskStruct* tb = Process(m, "/b", 300, out ulong ab);
        Ok(Touch(m, tb, ab, 0, 300));
        TaskStruct* small = Process(m, "/a", 20, out ulong asmall);
        Ok(Touch(m, small, asmall, 0, 20));
        m.MemCgroupSetKnob("/a", MemcgKnob.Max, 256 * Page);
        TaskStruct* ta = Process(m, "/a", 1024, out ulong aa);
        // Anonymous memory cannot be reclaimed without swap: at the limit the memcg OOM killer picks the biggest
        // task of /a (ta itself, the running task: it is marked and its charges are forced until it exits).
        AccessResult r = Touch(m, ta, aa, 0, 1024);
        Assert.True(ta->OomVictim);
        Assert.Equal(AccessResult.Ok, r);
        Assert.False(small->OomVictim);
        Assert.False(tb->OomVictim);
        Assert.True(m.MemCgroupEvent("/a", MemcgEventItem.Max) > 0);
        Assert.Equal(1, m.MemCgroupEvent("/a", MemcgEventItem.Oom));
        Assert.Equal(1, m.MemCgroupEvent("/a", MemcgEventItem.OomKill));
        Assert.Equal(0, m.MemCgroupEvent("/b", MemcgEventItem.Oom));
        m.CurrentTaskStruct = null;
        m.Exit(ta);
        m.CheckInvariants();
    }

    [Fact]
    public void MovingATask_LeavesItsChargesBehind_NewPagesGoToTheNewGroup()
    {
        using Machine m = Machine();
        m.MemCgroupCreate("/a");
        m.MemCgroupCreate("/b");
        TaskStruct* t = Process(m, "/a", 100, out ulong addr);
        Ok(Touch(m, t, addr, 0, 50));
        m.DrainAllStock(m.MemCgroupByPath("/a"));
        Assert.Equal(50, Pages(m, "/a"));
        // cgroup v2 has no charge moving: the 50 pages stay charged to /a.
        m.MemCgroupAttachTaskStruct("/b", t);
        Ok(Touch(m, t, addr, 50, 100));
        m.DrainAllStock(m.MemCgroupByPath("/b"));
        Assert.Equal(50, Pages(m, "/a"));
        Assert.Equal(50, Pages(m, "/b"));
        // A forked child starts in its parent's group.
        TaskStruct* child = m.Fork(t);
        Assert.Equal(t->MemCgroup, child->MemCgroup);
        m.CurrentTaskStruct = null;
        m.Exit(child);
        m.Exit(t);
        Assert.Equal(0, Pages(m, "/a"));
        Assert.Equal(0, Pages(m, "/b"));
        m.CheckInvariants();
    }
}
