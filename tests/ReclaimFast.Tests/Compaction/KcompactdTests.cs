using System.Collections.Generic;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.Compaction;

/// <summary>kcompactd, the per-node background compaction daemon (mm/compaction.c v5.4; reference §4, §13).</summary>
public unsafe class KcompactdTests
{
    private const int Order = 4;

    internal static ulong FreeBlocksAtLeast(Machine m, int order)
    {
        ulong n = 0;
        for (int z = 0; z < MmZone.MaxNrZones; z++)
        {
            Zone* zone = PglistData.NodeZone(m.NodeData(0), z);
            for (int o = order; o < MmZone.MaxOrder; o++)
                n += Zone.Area(zone, o)->NrFree;
        }
        return n;
    }

    /// <summary>A 64 MiB machine fragmented by <see cref="DirectCompactionTests.Fragment"/>: ~1024 free order-0 pages.</summary>
    internal static Machine FragmentedMachine(ulong seed)
    {
        Machine m = LruTestKit.Small(16384);
        m.ConfigureEventLoop(seed);
        var ballast = new List<nint>();
        DirectCompactionTests.Fragment(m, movable: true, out _, out _, out _, ballast);
        // Setup's fallback steals boosted DMA32's watermarks (boost_watermark). A boosted balance_pgdat ends in
        // wakeup_kcompactd(pageblock_order), and kcompactd_max_order 9 then stays recorded — node unsuitable at order
        // 9 on ~1000 free pages — so later order-4 wakes find it unsuitable too (v5.4 behaves so). Start unboosted.
        for (int z = 0; z < MmZone.MaxNrZones; z++)
            PglistData.NodeZone(m.NodeData(0), z)->WatermarkBoost = 0;
        return m;
    }

    private static Zone* Dma32(Machine m) => PglistData.NodeZone(m.NodeData(0), (int)ZoneType.Dma32);

    /// <summary>
    /// An order-4 GFP_NOWAIT allocation fails on the fragmented zone and wakes kswapd (the node is unbalanced at order
    /// 4). kswapd reclaims page cache, drops to order 0 once compact_gap(4) = 32 pages are reclaimed, finds the node
    /// balanced and, in kswapd_try_to_sleep, calls wakeup_kcompactd(alloc_order 4). kcompactd runs SYNC_LIGHT
    /// compaction and creates a free order-4 block; nobody else compacts.
    /// </summary>
    [Fact]
    public void KswapdForHighOrder_WakesKcompactd_WhichMakesAnOrder4Block()
    {
        using Machine m = FragmentedMachine(7);
        PglistData* pgdat = m.NodeData(0);
        Assert.Equal(0UL, FreeBlocksAtLeast(m, Order));
        Assert.True(m.KcompactdSleeping(0));

        Assert.True(m.AllocPages(Gfp.NoWait | Gfp.HighMem | Gfp.Movable, Order, -1) == null);
        Assert.False(m.KswapdSleeping(0));
        Assert.True(m.KcompactdSleeping(0));            // nothing wakes kcompactd before kswapd sleeps
        m.Run(100_000);

        Assert.True(m.KswapdSleeping(0));
        Assert.True(m.KcompactdSleeping(0));
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) >= 32);
        Assert.Equal(1, m.VmEvent(VmEventItem.KcompactdWake));
        Assert.Equal(1, m.KcompactdRuns(0));
        Assert.True(FreeBlocksAtLeast(m, Order) > 0);
        Assert.Equal(0, m.VmEvent(VmEventItem.CompactStall));       // no direct compaction
        Assert.True(m.VmEvent(VmEventItem.KcompactdMigrateScanned) > 0);
        Assert.True(m.VmEvent(VmEventItem.KcompactdFreeScanned) > 0);
        // compact_zone counts compact_*_scanned for every compactor; kcompactd was the only one.
        Assert.Equal(m.VmEvent(VmEventItem.CompactMigrateScanned), m.VmEvent(VmEventItem.KcompactdMigrateScanned));
        Assert.Equal(m.VmEvent(VmEventItem.CompactFreeScanned), m.VmEvent(VmEventItem.KcompactdFreeScanned));
        Assert.True(m.VmEvent(VmEventItem.PgmigrateSuccess) > 0);
        // COMPACT_SUCCESS → compaction_defer_reset(zone, 4, false): order_failed = 5, shift untouched.
        Assert.Equal(Order + 1, Dma32(m)->CompactOrderFailed);
        // The request is consumed: max_order 0, classzone back to nr_zones − 1 (DMA32 is the last populated zone).
        Assert.Equal(0, pgdat->KcompactdMaxOrder);
        Assert.Equal((int)ZoneType.Dma32, pgdat->KcompactdClasszoneIdx);
        Assert.Contains("compact_daemon_wake 1\n", ProcVmstat.Read(m));
        m.CheckInvariants();

        // Now the allocation succeeds from the fast path.
        Page* page = m.AllocPages(Gfp.NoWait | Gfp.HighMem | Gfp.Movable, Order, -1);
        Assert.True(page != null);
        m.FreePages(page, Order);
        m.CheckInvariants();
    }

    /// <summary>wakeup_kcompactd returns at once for order 0: nothing recorded, kcompactd keeps sleeping.</summary>
    [Fact]
    public void Order0_NeverWakesKcompactd()
    {
        using Machine m = FragmentedMachine(7);
        PglistData* pgdat = m.NodeData(0);
        // The node is balanced at order 0 and GFP_NOWAIT cannot reclaim directly: wakeup_kswapd hands the request to
        // wakeup_kcompactd(order 0), which returns.
        m.WakeupKswapd(Dma32(m), Gfp.NoWait, 0, (int)ZoneType.Dma32);
        Assert.True(m.KswapdSleeping(0));
        m.WakeupKcompactd(pgdat, 0, 0);
        Assert.True(m.KcompactdSleeping(0));
        Assert.Equal(0, pgdat->KcompactdMaxOrder);
        Assert.Equal((int)ZoneType.Dma32, pgdat->KcompactdClasszoneIdx);
        m.Run(1000);
        Assert.Equal(0, m.VmEvent(VmEventItem.KcompactdWake));
        Assert.Equal(0UL, FreeBlocksAtLeast(m, Order));

        // Order 4 on the same node wakes it (kcompactd_node_suitable: CONTINUE on DMA32).
        m.WakeupKcompactd(pgdat, Order, (int)ZoneType.Dma32);
        Assert.False(m.KcompactdSleeping(0));
    }

    /// <summary>
    /// kcompactd honours the deferral: with defer_shift 2 on DMA32 (and order_failed 0), compaction_deferred counts
    /// considered 1, 2, 3 &lt; 1 &lt;&lt; 2 and skips the zone; the 4th wake reaches the limit and compacts.
    /// Each wake still counts KCOMPACTD_WAKE.
    /// </summary>
    [Fact]
    public void Deferral_IsRespected_ThenCompacts()
    {
        using Machine m = FragmentedMachine(7);
        PglistData* pgdat = m.NodeData(0);
        for (int z = 0; z <= (int)ZoneType.Dma32; z++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, z);
            zone->CompactDeferShift = 2;
            zone->CompactConsidered = 0;
            zone->CompactOrderFailed = 0;
        }
        Zone* dma32 = Dma32(m);
        for (int wake = 1; wake <= 3; wake++)
        {
            m.WakeupKcompactd(pgdat, Order, (int)ZoneType.Dma32);
            Assert.False(m.KcompactdSleeping(0));
            m.Run(1000);
            Assert.True(m.KcompactdSleeping(0));
            Assert.Equal(wake, m.VmEvent(VmEventItem.KcompactdWake));
            Assert.Equal((uint)wake, dma32->CompactConsidered);
            Assert.Equal(0, m.VmEvent(VmEventItem.KcompactdMigrateScanned));
            Assert.Equal(0UL, FreeBlocksAtLeast(m, Order));
        }
        m.WakeupKcompactd(pgdat, Order, (int)ZoneType.Dma32);
        m.Run(1000);
        Assert.Equal(4, m.VmEvent(VmEventItem.KcompactdWake));
        Assert.Equal(4u, dma32->CompactConsidered);               // min(3 + 1, 1 << 2)
        Assert.True(m.VmEvent(VmEventItem.KcompactdMigrateScanned) > 0);
        Assert.True(FreeBlocksAtLeast(m, Order) > 0);
        Assert.Equal(Order + 1, dma32->CompactOrderFailed);       // defer_reset after SUCCESS
        Assert.Equal(2u, dma32->CompactDeferShift);               // alloc_success false: shift kept
        m.CheckInvariants();
    }

    /// <summary>A busy kcompactd is not woken again (wq_has_sleeper false) but the higher order is remembered.</summary>
    [Fact]
    public void WakeWhileRunning_RecordsOrderOnly()
    {
        using Machine m = FragmentedMachine(7);
        PglistData* pgdat = m.NodeData(0);
        m.WakeupKcompactd(pgdat, 2, (int)ZoneType.Dma32);
        Assert.False(m.KcompactdSleeping(0));
        m.WakeupKcompactd(pgdat, Order, (int)ZoneType.Dma);
        Assert.Equal(Order, pgdat->KcompactdMaxOrder);
        Assert.Equal((int)ZoneType.Dma, pgdat->KcompactdClasszoneIdx);
    }

    /// <summary>Same seed, same kswapd/kcompactd interplay: identical digests and counters.</summary>
    [Fact]
    public void Deterministic()
    {
        (ulong digest, long[] events) Run()
        {
            using Machine m = FragmentedMachine(11);
            Assert.True(m.AllocPages(Gfp.NoWait | Gfp.HighMem | Gfp.Movable, Order, -1) == null);
            m.Run(100_000);
            var ev = new long[VmEvent.NrVmEventItems];
            for (int i = 0; i < ev.Length; i++)
                ev[i] = m.VmEvent((VmEventItem)i);
            return (m.EventDigest, ev);
        }
        var a = Run();
        var b = Run();
        Assert.Equal(a.digest, b.digest);
        Assert.Equal(a.events, b.events);
        Assert.Equal(1, a.events[(int)VmEventItem.KcompactdWake]);
    }
}
