using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Compaction;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Swap;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;
using ReclaimFast.Tests.Memory;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Compaction;

/// <summary>migrate_pages (mm/migrate.c v5.4) with compaction's target list, page by page.</summary>
public unsafe class MigratePagesTests
{
    private static void Isolate(Machine m, Page* page, CompactControl* cc)
    {
        Assert.Equal(0, m.IsolateLruPage(page));
        m.ModNodePageState(m.NodeData(0), NodeStatItem.NrIsolatedAnon + Lru.PageIsFileCache(page), 1);
        ListHead.Add(page->LruPtr, &cc->MigratePages);
        cc->NrMigratepages++;
    }

    private static void InitCc(CompactControl* cc)
    {
        ListHead.Init(&cc->FreePages);
        ListHead.Init(&cc->MigratePages);
    }

    /// <summary>Swaps every page of [addr, addr + n pages) out, then reads each back: mapped swap-cache pages.</summary>
    private static void SwapOutAndBackIn(Machine m, TaskStruct* t, ulong addr, int n)
    {
        ScanControl sc = LruTestKit.DirectReclaimSc();
        Lruvec* lv = LruTestKit.NodeLruvec(m);
        m.LruAddDrain();
        m.ShrinkActiveList((ulong)n, lv, &sc, LruList.ActiveAnon);
        m.ShrinkInactiveList((ulong)n, lv, &sc, LruList.InactiveAnon);
        m.CompletePendingIo();
        m.LruAddDrain();
        m.ShrinkInactiveList((ulong)n, lv, &sc, LruList.InactiveAnon);
        for (int i = 0; i < n; i++)
            MmTestMachine.Read(m, t, addr + (ulong)i * 4096);
        m.LruAddDrain();
    }

    [Fact]
    public void MappedSwapCachePage_MovesSlotTokenPtesAndLru()
    {
        using Machine m = LruTestKit.Small(16384);
        m.SwapOn(1024);
        TaskStruct* t = m.CreateTask();
        ulong a = MmTestMachine.MmapAnon(m, t, 32);
        for (int i = 0; i < 32; i++)
            MmTestMachine.Write(m, t, a + (ulong)i * 4096);
        SwapOutAndBackIn(m, t, a, 32);
        Page* page = MmTestMachine.PageAt(m, t, a + 5 * 4096);
        Assert.True(PageOps.PageSwapCache(page));
        ulong token = m.ContentToken[m.PageToPfn(page)];
        var entry = new SwpEntry(page->Private);
        bool active = PageOps.PageActive(page);

        CompactControl cc = default;
        InitCc(&cc);
        Isolate(m, page, &cc);
        Page* target = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        Machine.CompactionFree(target, &cc);

        Assert.Equal(0, m.MigratePages(&cc.MigratePages, &cc, MigrateMode.SyncLight));

        m.LruAddDrain();
        Page* moved = MmTestMachine.PageAt(m, t, a + 5 * 4096);
        Assert.True(moved == target);
        Assert.Equal(token, m.ContentToken[m.PageToPfn(moved)]);
        Assert.True(PageOps.PageSwapCache(moved));
        Assert.Equal(entry.Val, moved->Private);
        Page* cached = m.LookupSwapCache(entry);
        Assert.True(cached == moved);
        m.PutPage(cached);
        Assert.True(PageOps.PageLRU(moved));
        Assert.Equal(active, PageOps.PageActive(moved));
        Assert.Equal(1, PageOps.PageMapcount(moved));
        Assert.Equal(2, moved->RefCount);                                   // the PTE's and the swap cache's
        Assert.Equal(0UL, cc.NrFreepages);
        Assert.Equal(1, m.VmEvent(VmEventItem.PgmigrateSuccess));
        Assert.Equal(0, m.NodePageState(0, NodeStatItem.NrIsolatedAnon));
        m.CheckInvariants();
    }

    [Fact]
    public void PinnedPage_FailsAfterTenPasses_AndIsPutBack()
    {
        using Machine m = LruTestKit.Small(16384);
        TaskStruct* t = m.CreateTask();
        ulong a = MmTestMachine.MmapAnon(m, t, 4);
        MmTestMachine.Write(m, t, a);
        m.LruAddDrain();
        Page* page = MmTestMachine.PageAt(m, t, a);
        PageOps.GetPage(page);                                              // a GUP-style pin: refs exceed mappings

        CompactControl cc = default;
        InitCc(&cc);
        Isolate(m, page, &cc);
        Page* target = m.AllocPages(Gfp.HighUserMovable, 0, -1);
        Machine.CompactionFree(target, &cc);

        // -EAGAIN on every one of the 10 passes: nr_failed += retry → 1 page not migrated; the page stays listed.
        Assert.Equal(1, m.MigratePages(&cc.MigratePages, &cc, MigrateMode.SyncLight));
        Assert.Equal(1, m.VmEvent(VmEventItem.PgmigrateFail));
        Assert.Equal(0, m.VmEvent(VmEventItem.PgmigrateSuccess));
        Assert.False(ListHead.Empty(&cc.MigratePages));
        Assert.Equal(1UL, cc.NrFreepages);                                  // the target went back via compaction_free
        Assert.True(MmTestMachine.PageAt(m, t, a) == page);
        m.PutPage(page);
    }
}
