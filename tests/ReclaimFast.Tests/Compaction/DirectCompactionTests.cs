using System.Collections.Generic;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Filemap;
using ReclaimFast.Mm.Memory;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Tests.Memory;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Compaction;

/// <summary>Direct compaction in the allocator slow path (mm/compaction.c, mm/migrate.c v5.4; reference §3.5, §13).</summary>
public unsafe class DirectCompactionTests
{
    private const int Pairs = 1024;

    /// <summary>
    /// Interleaves movable pages (anon of one task, even pairs; page cache, odd pairs) with hole pages, eats every
    /// remaining free page with no-watermark ballast, then frees the holes: ~1024 free order-0 pages, no free block
    /// of order ≥ 1 anywhere.
    /// </summary>
    internal static void Fragment(Machine m, bool movable, out TaskStruct* task, out ulong addr, out AddressSpace* mapping,
        List<nint> ballast)
    {
        task = m.CreateTask();
        addr = MmTestMachine.MmapAnon(m, task, Pairs);
        mapping = (AddressSpace*)LruTestKit.FakeMapping(m, Pairs);
        var holes = new List<nint>(Pairs);
        for (int i = 0; i < Pairs; i++)
        {
            if (!movable)
                ballast.Add((nint)m.AllocPages(Gfp.HighUserMovable, 0, -1));
            else if ((i & 1) == 0)
                Assert.Equal(AccessResult.Ok, m.Access(task, addr + (ulong)i * 4096, write: true));
            else
                LruTestKit.AddFilePage(m, (nint)mapping, (ulong)i);
            holes.Add((nint)m.AllocPages(Gfp.HighUserMovable, 0, -1));
        }
        m.LruAddDrain();
        while (true)
        {
            Page* p = m.AllocPages(Gfp.Memalloc | Gfp.HighMem | Gfp.Movable, 0, -1);
            if (p == null)
                break;
            ballast.Add((nint)p);
        }
        foreach (nint h in holes)
            m.PutPage((Page*)h);
        m.DrainAllPages(null);
    }

    private static bool AnyFreeBlockAtLeast(Machine m, int order)
    {
        for (int z = 0; z < MmZone.MaxNrZones; z++)
        {
            Zone* zone = PglistData.NodeZone(m.NodeData(0), z);
            for (int o = order; o < MmZone.MaxOrder; o++)
            {
                if (Zone.Area(zone, o)->NrFree != 0)
                    return true;
            }
        }
        return false;
    }

    [Fact]
    public void CostlyOrderOnFragmentedZone_DirectCompactionSucceeds_PagesIntact()
    {
        using Machine m = LruTestKit.Small(16384);
        var ballast = new List<nint>();
        Fragment(m, movable: true, out TaskStruct* t, out ulong addr, out AddressSpace* mapping, ballast);
        Assert.False(AnyFreeBlockAtLeast(m, 1));

        var anonTokens = new Dictionary<int, ulong>();
        var fileTokens = new Dictionary<int, ulong>();
        for (int i = 0; i < Pairs; i++)
        {
            if ((i & 1) == 0)
                anonTokens[i] = m.ContentToken[m.PageToPfn(MmTestMachine.PageAt(m, t, addr + (ulong)i * 4096))];
            else
                fileTokens[i] = m.ContentToken[m.PageToPfn((Page*)mapping->IPages.Load((ulong)i))];
        }

        Page* page = m.AllocPages(Gfp.HighUserMovable, 4, -1);

        Assert.True(page != null);
        Assert.Equal(0UL, m.PageToPfn(page) & 15);                          // an order-4 block is 16-aligned
        Assert.True(m.VmEvent(VmEventItem.CompactStall) >= 1);
        Assert.True(m.VmEvent(VmEventItem.CompactSuccess) >= 1);
        Assert.True(m.VmEvent(VmEventItem.PgmigrateSuccess) >= 1);
        Assert.True(m.VmEvent(VmEventItem.CompactIsolated) >= 2 * m.VmEvent(VmEventItem.PgmigrateSuccess)); // source + target
        Assert.True(m.VmEvent(VmEventItem.CompactMigrateScanned) > 0);
        Assert.True(m.VmEvent(VmEventItem.CompactFreeScanned) > 0);

        m.LruAddDrain();
        foreach (var (i, token) in anonTokens)
        {
            ulong a = addr + (ulong)i * 4096;
            Page* p = MmTestMachine.PageAt(m, t, a);
            Assert.True(p != null);
            Assert.Equal(token, m.ContentToken[m.PageToPfn(p)]);
            Assert.Equal(m.PageToPfn(p), Pte.PtePfn(MmTestMachine.PteOf(m, t, a)));
            Assert.Equal(1, PageOps.PageMapcount(p));
            Assert.True(PageOps.PageAnon(p));
            Assert.True(PageOps.PageLRU(p));
            Assert.Equal(1, p->RefCount);                                    // the mapping's reference
        }
        foreach (var (i, token) in fileTokens)
        {
            Page* p = (Page*)mapping->IPages.Load((ulong)i);
            Assert.Equal(token, m.ContentToken[m.PageToPfn(p)]);
            Assert.Equal((ulong)i, p->Index);
            Assert.Equal((ulong)mapping, p->Mapping);
            Assert.True(PageOps.PageLRU(p));
        }
        m.CheckInvariants();
        m.FreePages(page, 4);
        m.CheckInvariants();
    }

    [Fact]
    public void FailedCompaction_DefersByTheFormula()
    {
        using Machine m = LruTestKit.Small(16384);
        var ballast = new List<nint>();
        Fragment(m, movable: false, out _, out _, out _, ballast);
        Zone* zone = PglistData.NodeZone(m.NodeData(0), (int)ZoneType.Dma32);

        // Costly order without __GFP_RETRY_MAYFAIL: async compaction (COMPLETE, never deferred), no-progress
        // reclaim, SYNC_LIGHT compaction (COMPLETE → defer_compaction: shift 1, considered 0, order_failed =
        // min(order_failed, 4) = 0 since a zone starts with compact_order_failed 0), then nopage.
        Assert.True(m.AllocPages(Gfp.HighUserMovable, 4, -1) == null);
        Assert.Equal(2, m.VmEvent(VmEventItem.CompactStall));
        Assert.Equal(2, m.VmEvent(VmEventItem.CompactFail));
        Assert.Equal(0, m.VmEvent(VmEventItem.CompactSuccess));
        Assert.Equal(1u, zone->CompactDeferShift);
        Assert.Equal(0u, zone->CompactConsidered);
        Assert.Equal(0, zone->CompactOrderFailed);
        // The runs found nothing to isolate: skip bits were set, and a direct run whose scanners met asks kswapd to
        // flush them (compact_blockskip_flush); reset_isolation_suitable clears them.
        Assert.True(zone->CompactBlockskipFlush);
        Assert.True(m.GetPageblockSkip(zone->ZoneStartPfn));
        m.ResetIsolationSuitable(m.NodeData(0));
        Assert.False(zone->CompactBlockskipFlush);
        Assert.False(m.GetPageblockSkip(zone->ZoneStartPfn));

        // Second try: async finds the zone deferred (considered 1 < 1 << 1: DEFERRED, still a stall and a failure in
        // 5.4.286's __alloc_pages_direct_compact); SYNC_LIGHT sees considered 2 = 1 << 1, runs, fails and defers
        // again: shift 2.
        Assert.True(m.AllocPages(Gfp.HighUserMovable, 4, -1) == null);
        Assert.Equal(4, m.VmEvent(VmEventItem.CompactStall));
        Assert.Equal(4, m.VmEvent(VmEventItem.CompactFail));
        Assert.Equal(2u, zone->CompactDeferShift);

        Assert.Equal(0u, zone->CompactConsidered);
        // Every order ≥ order_failed 0 is deferred for the next 1 << 2 = 4 considerations: 3 deferred, the 4th runs.
        Assert.True(Machine.CompactionDeferred(zone, 3));
        Assert.True(Machine.CompactionDeferred(zone, 4));
        Assert.True(Machine.CompactionDeferred(zone, 4));
        Assert.False(Machine.CompactionDeferred(zone, 4));

        // A successful allocation resets the deferral: compaction_defer_reset(order, true) → shift 0, considered 0,
        // order_failed = order + 1.
        Machine.CompactionDeferReset(zone, 4, true);
        Assert.Equal(0u, zone->CompactDeferShift);
        Assert.Equal(5, zone->CompactOrderFailed);
        m.CheckInvariants();
    }
}
