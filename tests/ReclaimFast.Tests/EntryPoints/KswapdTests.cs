using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using ReclaimFast.Workload;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>kswapd: wakeup, balance_pgdat's priority loop, sleeping (mm/vmscan.c v5.4, reference §4).</summary>
public unsafe class KswapdTests
{
    [Fact]
    public void AllocationBelowLow_WakesKswapd_WhichReclaimsToHighAndSleeps()
    {
        using Machine m = LruTestKit.Small(65536);
        m.ConfigureEventLoop(seed: 7);
        // Read 80000 pages of file into a 65536-page machine: the page cache must be reclaimed to make room.
        var reader = new PageCacheFillTask("reader", 80000, burst: 32);
        m.AddTask(reader);
        long steps = m.Run(1_000_000);
        Assert.False(m.RunStep());                       // idle for good: reader exited, kswapd fully asleep
        Assert.True(steps < 1_000_000);

        Assert.Equal(80000, reader.PagesAdded);
        Assert.Equal(0, reader.Failures);
        // The fast path (low watermark) failed, so the slow path called wakeup_kswapd, which woke a sleeping kswapd.
        Assert.True(m.KswapdWakeupCalls > 0);
        Assert.True(m.TraceCount(EntryEvent.WakeupKswapd) > 0);
        Assert.True(m.TraceCount(EntryEvent.KswapdWake) > 0);
        Assert.True(m.VmEvent(VmEventItem.Pageoutrun) >= m.TraceCount(EntryEvent.KswapdWake));
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) > 0);
        // kswapd stopped only once pgdat_balanced held (some zone ≤ classzone above its high watermark at order 0),
        // then went through its short sleep into the full sleep (traced mm_vmscan_kswapd_sleep).
        Assert.True(m.KswapdSleeping(0));
        Assert.Equal(KswapdPhase.FullSleep, m.KswapdPhaseOf(0));
        Assert.True(m.TraceCount(EntryEvent.KswapdSleep) >= 1);
        Assert.True(Machine.PgdatBalanced(m.NodeData(0), 0, MmZone.MaxNrZones - 1));
        bool anyAboveHigh = EntryTestKit.Free(m, 0, ZoneType.Dma32) > (long)m.ZoneWatermark(0, ZoneType.Dma32, MmZone.WmarkHigh)
            || EntryTestKit.Free(m, 0, ZoneType.Dma) > (long)m.ZoneWatermark(0, ZoneType.Dma, MmZone.WmarkHigh) + m.ZoneLowmemReserve(0, ZoneType.Dma, ZoneType.Movable);
        Assert.True(anyAboveHigh);
        Assert.True(m.Jiffies >= (ulong)(m.Hz / 10));    // at least one HZ/10 short sleep ran out
    }

    /// <summary>
    /// Fills memory with unreclaimable pages until an allocation enters the slow path and wakes kswapd; nothing is on
    /// the LRU, so every balance_pgdat iteration reclaims nothing.
    /// </summary>
    private static Machine PinnedMachine()
    {
        Machine m = LruTestKit.Small(65536);
        while (m.KswapdPhaseOf(0) == KswapdPhase.FullSleep)
        {
            if (m.AllocPage(Gfp.Kernel) == null)
                throw new System.InvalidOperationException("out of memory before kswapd woke");
        }
        return m;
    }

    [Fact]
    public void BalancePgdat_WithNothingToReclaim_LowersPriorityEachIteration_MayWritepageFlipsBelow10()
    {
        using Machine m = PinnedMachine();
        m.LaptopMode = true;                 // may_writepage = !laptop_mode, so only the priority rule sets it
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));
        var seen = new System.Collections.Generic.List<(int prio, bool mayWritepage)>();
        for (int i = 0; i < 12; i++)
        {
            int prio = i == 0 ? 12 : m.KswapdScanControl(0)->Priority;
            m.RunKswapdStep(0);
            seen.Add((prio, m.KswapdScanControl(0)->MayWritepage));
        }
        // v5.4: no progress → sc.priority-- every iteration, from DEF_PRIORITY 12 while priority >= 1: 12 iterations;
        // may_writepage = 1 once priority < DEF_PRIORITY - 2 = 10.
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(12 - i, seen[i].prio);
            Assert.Equal(seen[i].prio < 10, seen[i].mayWritepage);
        }
        Assert.Equal(0, m.KswapdScanControl(0)->Priority);
        // Nothing reclaimed in the whole run: kswapd_failures++; kswapd goes back to try_to_sleep.
        Assert.Equal(1, m.NodeData(0)->KswapdFailures);
        Assert.Equal(KswapdPhase.TryToSleep, m.KswapdPhaseOf(0));
        Assert.Equal(1, m.VmEvent(VmEventItem.Pageoutrun));
        // The node is not balanced: prepare_kswapd_sleep fails, no short sleep, KSWAPD_HIGH_WMARK_HIT_QUICKLY.
        m.RunKswapdStep(0);
        Assert.Equal(1, m.VmEvent(VmEventItem.KswapdHighWmarkHitQuickly));
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));
    }

    [Fact]
    public void HopelessNode_AfterMaxReclaimRetriesFailures_KswapdSleepsAndIgnoresWakeups()
    {
        using Machine m = PinnedMachine();
        // Each balance_pgdat run that reclaims nothing counts one failure; at MAX_RECLAIM_RETRIES (16) the node is
        // hopeless and prepare_kswapd_sleep says yes.
        int guard = 0;
        while (m.NodeData(0)->KswapdFailures < MmZone.MaxReclaimRetries && guard++ < 10000)
            m.RunKswapdStep(0);
        Assert.Equal(MmZone.MaxReclaimRetries, m.NodeData(0)->KswapdFailures);
        m.RunKswapdStep(0);
        Assert.Equal(KswapdPhase.ShortSleep, m.KswapdPhaseOf(0));
        m.KswapdShortSleepTimeout(0, m.KswapdTimerGeneration(0));
        m.RunKswapdStep(0);
        Assert.Equal(KswapdPhase.FullSleep, m.KswapdPhaseOf(0));
        long traced = m.TraceCount(EntryEvent.WakeupKswapd);
        m.AllocPage(Gfp.NoWait);            // below low: the slow path calls wakeup_kswapd, which leaves it asleep
        Assert.True(m.KswapdWakeupCalls > 0);
        Assert.Equal(traced, m.TraceCount(EntryEvent.WakeupKswapd));
        Assert.Equal(KswapdPhase.FullSleep, m.KswapdPhaseOf(0));
    }

    [Fact]
    public void WakeupDuringShortSleep_CountsLowWmarkHitQuickly()
    {
        using Machine m = LruTestKit.Small(65536);
        EntryTestKit.FillPageCache(m, 30000);
        EntryTestKit.FillPageCache(m, 40000);              // crosses low: the slow path wakes kswapd
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));
        int guard = 0;
        while (m.KswapdPhaseOf(0) != KswapdPhase.ShortSleep && guard++ < 100000)
            m.RunKswapdStep(0);
        Assert.Equal(KswapdPhase.ShortSleep, m.KswapdPhaseOf(0));
        long low = m.VmEvent(VmEventItem.KswapdLowWmarkHitQuickly);
        // Allocate until the low watermark breaks again: wakeup_kswapd ends the short sleep early (remaining > 0).
        EntryTestKit.FillPageCache(m, 40000);
        Assert.Equal(KswapdPhase.ShortSleepDone, m.KswapdPhaseOf(0));
        m.RunKswapdStep(0);
        Assert.Equal(low + 1, m.VmEvent(VmEventItem.KswapdLowWmarkHitQuickly));
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));
    }
}

/// <summary>balance_pgdat reclaims only zones up to the classzone the waker asked for.</summary>
public unsafe class KswapdClasszoneTests
{
    [Fact]
    public void Kswapd_WokenForDma32_ReclaimsDma32AndBelow_SkippingNormalPages()
    {
        var d = new MachineDescription
        {
            Nodes =
            [
                new NodeDescription
                {
                    Zones =
                    [
                        new ZoneDescription { Type = ZoneType.Dma, StartPfn = 0, SpannedPages = 4096 },
                        new ZoneDescription
                        {
                            Type = ZoneType.Dma32, StartPfn = 4096, SpannedPages = 0x100000 - 4096,
                            Holes = [new PfnRange(32768, 0x100000 - 32768)],
                        },
                        new ZoneDescription { Type = ZoneType.Normal, StartPfn = 0x100000, SpannedPages = 32768 },
                    ],
                },
            ],
        };
        using Machine m = Machine.Boot(d);
        // Fill Normal, then DMA32, with page cache (GFP_HIGHUSER_MOVABLE prefers Normal and falls back downwards).
        EntryTestKit.FillPageCache(m, 58000);
        long normalFile = m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrZoneInactiveFile);
        long dma32File = m.ZonePageState(0, ZoneType.Dma32, ZoneStatItem.NrZoneInactiveFile);
        Assert.True(normalFile > 20000 && dma32File > 20000);
        // Put kswapd back to sleep as it would be, then wake it for a DMA32 request (classzone_idx 1).
        while (m.KswapdPhaseOf(0) != KswapdPhase.FullSleep)
        {
            m.RunKswapdStep(0);
            if (m.KswapdPhaseOf(0) == KswapdPhase.ShortSleep)
                m.KswapdShortSleepTimeout(0, m.KswapdTimerGeneration(0));
        }
        Zone* dma32 = m.ZoneOf(0, ZoneType.Dma32);
        while (Machine.PgdatBalanced(m.NodeData(0), 0, 1))
            Assert.True(m.AllocPage(Gfp.Kernel | Gfp.Dma32) != null);
        m.WakeupKswapd(dma32, Gfp.Kernel | Gfp.Dma32, 0, 1);
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));
        normalFile = m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrZoneInactiveFile);
        long skippedBefore = m.VmEvent(VmEventItem.PgskipNormal);
        m.RunKswapdStep(0);
        // sc.reclaim_idx = classzone_idx: only DMA32 and DMA pages may be reclaimed; Normal pages met on the LRU are
        // skipped (PGSKIP_NORMAL) and put back.
        Assert.Equal(1, m.KswapdScanControl(0)->ReclaimIdx);
        while (m.KswapdPhaseOf(0) == KswapdPhase.Balancing)
            m.RunKswapdStep(0);
        Assert.Equal(normalFile, m.ZonePageState(0, ZoneType.Normal, ZoneStatItem.NrZoneInactiveFile));
        Assert.True(m.VmEvent(VmEventItem.PgskipNormal) > skippedBefore);
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) > 0);
        Assert.True(Machine.PgdatBalanced(m.NodeData(0), 0, 1));
    }
}

/// <summary>Watermark-boost reclaim in balance_pgdat (v5.4): capped at DEF_PRIORITY − 2, no writeback, boost given back.</summary>
public unsafe class KswapdBoostTests
{
    [Fact]
    public void BoostedBalancedNode_ReclaimsTheBoost_PriorityStopsAt10_NoWritepage_BoostCleared()
    {
        using Machine m = LruTestKit.Small(65536);
        EntryTestKit.FillPageCache(m, 40000);
        Zone* dma32 = m.ZoneOf(0, ZoneType.Dma32);
        Assert.True(Machine.PgdatBalanced(m.NodeData(0), 0, MmZone.MaxNrZones - 1));
        // As steal_suitable_fallback's boost_watermark would leave it.
        dma32->WatermarkBoost = 600;
        Assert.True(Machine.PgdatBalanced(m.NodeData(0), 0, MmZone.MaxNrZones - 1));   // free is far above high + boost
        m.WakeupKswapd(dma32, 0, 0, MmZone.MaxNrZones - 1);          // balanced but boosted: woken
        Assert.Equal(KswapdPhase.Woken, m.KswapdPhaseOf(0));

        var prios = new System.Collections.Generic.List<int>();
        long stealBefore = m.VmEvent(VmEventItem.PgstealKswapd);
        m.RunKswapdStep(0);
        int guard = 0;
        while (m.KswapdPhaseOf(0) == KswapdPhase.Balancing && guard++ < 1000)
        {
            prios.Add(m.KswapdScanControl(0)->Priority);
            Assert.False(m.KswapdScanControl(0)->MayWritepage);  // !nr_boost_reclaim is false while boosted
            Assert.False(m.KswapdScanControl(0)->MaySwap);
            m.RunKswapdStep(0);
        }
        // Priorities 12 → 11 → 10 (raise_priority is true and progress is made), then held at DEF_PRIORITY - 2 = 10 for
        // boosted reclaim while each iteration reclaims something, until the 600-page boost is reclaimed.
        Assert.Equal(11, prios[0]);
        Assert.Equal(10, prios[1]);
        Assert.True(prios.Count > 3);
        Assert.All(prios.GetRange(1, prios.Count - 1), p => Assert.Equal(10, p));
        Assert.True(m.VmEvent(VmEventItem.PgstealKswapd) - stealBefore >= 600);
        // out: the remembered boost is given back (watermark_boost -= min(boost, zone_boosts[i])).
        Assert.Equal(0UL, dma32->WatermarkBoost);
        Assert.Equal(0, m.NodeData(0)->KswapdFailures);
    }
}
