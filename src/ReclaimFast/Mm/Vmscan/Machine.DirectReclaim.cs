using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;

namespace ReclaimFast;

// mm/vmscan.c: direct reclaim (try_to_free_pages and below) and the memcg entry points' scan_controls.
public sealed unsafe partial class Machine
{
    private long _directReclaimThrottled;

    /// <summary>Times a direct reclaimer was throttled in <c>throttle_direct_reclaim</c>.</summary>
    internal long DirectReclaimThrottled => _directReclaimThrottled;

    /// <summary>
    /// <c>zone_reclaimable_pages</c>: the zone's file LRU pages, plus its anon LRU pages when swap has free slots.
    /// </summary>
    internal long ZoneReclaimablePages(Zone* zone)
    {
        long nr = zone->VmStat[(int)ZoneStatItem.NrZoneInactiveFile] + zone->VmStat[(int)ZoneStatItem.NrZoneActiveFile];
        if (GetNrSwapPages() > 0)
            nr += zone->VmStat[(int)ZoneStatItem.NrZoneInactiveAnon] + zone->VmStat[(int)ZoneStatItem.NrZoneActiveAnon];
        return nr;
    }

    /// <summary>
    /// <c>allow_direct_reclaim(pgdat)</c>: hopeless nodes allow it; else free pages of zones ≤ NORMAL with reclaimable
    /// pages must exceed half their min watermarks; if not, kswapd (if asleep) is woken for ≤ NORMAL.
    /// </summary>
    internal bool AllowDirectReclaim(PglistData* pgdat)
    {
        if (pgdat->KswapdFailures >= MmZone.MaxReclaimRetries)
            return true;
        ulong reserve = 0, free = 0;
        for (int i = 0; i <= (int)ZoneType.Normal; i++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, i);
            if (!MmZone.ManagedZone(zone))
                continue;
            if (ZoneReclaimablePages(zone) == 0)
                continue;
            reserve += MmZone.MinWmarkPages(zone);
            free += (ulong)zone->VmStat[(int)ZoneStatItem.NrFreePages];
        }
        if (reserve == 0)
            return true;
        bool wmarkOk = free > reserve / 2;
        if (!wmarkOk && KswapdWaitActive(pgdat))
        {
            if (pgdat->KswapdClasszoneIdx > (int)ZoneType.Normal)
                pgdat->KswapdClasszoneIdx = (int)ZoneType.Normal;
            WakeUpKswapdWait(pgdat);
        }
        return wmarkOk;
    }

    /// <summary>
    /// <c>throttle_direct_reclaim</c>: kernel threads are never throttled; the first node with a zone ≤ NORMAL in the
    /// zonelist decides. If it does not allow direct reclaim: PGSCAN_DIRECT_THROTTLE++ and wait on pfmemalloc_wait.
    /// The wait is <see cref="WaitPfmemalloc"/>: kswapd works while the task sleeps and ends the wait. No fatal signals:
    /// false.
    /// </summary>
    internal bool ThrottleDirectReclaim(uint gfpMask, Zonelist* zonelist, NodeMask* nodemask)
    {
        if ((_currentTaskFlags & TaskFlags.Kthread) != 0)
            return false;
        PglistData* pgdat = null;
        int high = Gfp.GfpZone(gfpMask);
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(zonelist), high, nodemask); z->Zone != null;
             z = NextZonesZonelist(z + 1, high, nodemask))
        {
            if (z->ZoneIdx > (int)ZoneType.Normal)
                continue;
            pgdat = z->Zone->ZonePgdat;
            if (AllowDirectReclaim(pgdat))
                return false;
            break;
        }
        if (pgdat == null)
            return false;
        CountVmEvent(VmEventItem.PgscanDirectThrottle);
        _directReclaimThrottled++;
        WaitPfmemalloc(pgdat, _hz);
        return false;
    }

    /// <summary>
    /// The sleep on <c>pgdat->pfmemalloc_wait</c>. The world does not stop while a reclaimer sleeps, and kswapd is who
    /// ends it: balance_pgdat wakes the waiters once <c>allow_direct_reclaim</c> holds. So the node's kswapd runs its
    /// steps, one jiffy each, until direct reclaim is allowed or <paramref name="timeout"/> has passed (v5.4's bound
    /// without __GFP_FS; with it the wait is killable and unbounded). Simplification: other tasks do not run meanwhile.
    /// </summary>
    private void WaitPfmemalloc(PglistData* pgdat, long timeout)
    {
        _simulatedSleeps++;
        int nid = pgdat->NodeId;
        ulong deadline = _jiffies + (ulong)timeout;
        while (_jiffies < deadline && !AllowDirectReclaim(pgdat))
        {
            if (KswapdRunnable(nid))
                RunKswapdStep(nid);
            PassTimeAsleep(1);
        }
    }

    /// <summary>
    /// <c>try_to_free_pages(zonelist, order, gfp, nodemask)</c>: the direct reclaim scan_control; throttle; trace
    /// begin/end around <c>do_try_to_free_pages</c>.
    /// </summary>
    internal ulong TryToFreePages(Zonelist* zonelist, int order, uint gfpMask, NodeMask* nodemask)
    {
        ScanControl sc = ScanControlInitialisers.TryToFreePages(gfpMask, _currentTaskFlags, order, nodemask, _laptopMode);
        if (ThrottleDirectReclaim(sc.GfpMask, zonelist, nodemask))
            return 1;
        ReclaimState rs = default;
        sc.ReclaimState = &rs;
        TraceEvent(EntryEvent.DirectReclaimBegin, order, (int)sc.GfpMask, 0);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_direct_reclaim_begin(order, sc.GfpMask);
        ulong nrReclaimed = DoTryToFreePages(zonelist, &sc);
        TraceEvent(EntryEvent.DirectReclaimEnd, (int)nrReclaimed, 0, 0);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_direct_reclaim_end(nrReclaimed);
        return nrReclaimed;
    }

    /// <summary>
    /// <c>do_try_to_free_pages(zonelist, sc)</c>: ALLOCSTALL_&lt;reclaim_idx zone&gt; for global reclaim; shrink_zones at
    /// falling priority until nr_to_reclaim or compaction is ready (may_writepage below DEF_PRIORITY − 2); snapshot
    /// refaults per node; retry once overriding memory.low if that was all that held reclaim back.
    /// </summary>
    internal ulong DoTryToFreePages(Zonelist* zonelist, ScanControl* sc)
    {
        int initialPriority = sc->Priority;
        while (true)
        {
            if (sc->GlobalReclaim)
                CountZidVmEvents(VmEventItem.AllocstallDma, sc->ReclaimIdx, 1);
            do
            {
                // vmpressure_prio: not emulated.
                sc->NrScanned = 0;
                ShrinkZones(zonelist, sc);
                if (sc->NrReclaimed >= sc->NrToReclaim)
                    break;
                if (sc->CompactionReady)
                    break;
                if (sc->Priority < Vmscan.DefPriority - 2)
                    sc->MayWritepage = true;
            }
            while (--sc->Priority >= 0);

            PglistData* lastPgdat = null;
            for (Zoneref* z = FirstZonesZonelist(Zonelist.First(zonelist), sc->ReclaimIdx, sc->Nodemask); z->Zone != null;
                 z = NextZonesZonelist(z + 1, sc->ReclaimIdx, sc->Nodemask))
            {
                if (z->Zone->ZonePgdat == lastPgdat)
                    continue;
                lastPgdat = z->Zone->ZonePgdat;
                SnapshotRefaults(sc->TargetMemCgroup, lastPgdat);
                SetMemcgCongestion(lastPgdat, sc->TargetMemCgroup, false);
            }

            if (sc->NrReclaimed != 0)
                return sc->NrReclaimed;
            if (sc->CompactionReady)
                return 1;
            if (sc->MemcgLowSkipped)
            {
                sc->Priority = (sbyte)initialPriority;
                sc->MemcgLowReclaim = true;
                sc->MemcgLowSkipped = false;
                continue;
            }
            return 0;
        }
    }

    /// <summary>
    /// <c>shrink_zones(zonelist, sc)</c>: walk the zones ≤ reclaim_idx; for global reclaim stop at zones ready for
    /// costly-order compaction and do soft-limit reclaim once per node; shrink each node once (consecutive dedup).
    /// </summary>
    internal void ShrinkZones(Zonelist* zonelist, ScanControl* sc)
    {
        uint origMask = sc->GfpMask;
        PglistData* lastPgdat = null;
        // buffer_heads_over_limit: never (no buffer heads).
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(zonelist), sc->ReclaimIdx, sc->Nodemask); z->Zone != null;
             z = NextZonesZonelist(z + 1, sc->ReclaimIdx, sc->Nodemask))
        {
            Zone* zone = z->Zone;
            if (sc->GlobalReclaim)
            {
                // cpuset_zone_allowed: no cpusets.
                if (sc->Order > MmZone.PageAllocCostlyOrder && CompactionReady(zone, sc))
                {
                    sc->CompactionReady = true;
                    continue;
                }
                if (zone->ZonePgdat == lastPgdat)
                    continue;
                sc->NrReclaimed += MemCgroupSoftLimitReclaim(zone->ZonePgdat, sc->Order, sc->GfpMask, out ulong softScanned);
                sc->NrScanned += softScanned;
            }
            if (zone->ZonePgdat == lastPgdat)
                continue;
            lastPgdat = zone->ZonePgdat;
            ShrinkNode(zone->ZonePgdat, sc);
        }
        sc->GfpMask = origMask;
    }

    /// <summary>
    /// <c>compaction_ready(zone, sc)</c>: compaction_suitable says SUCCESS → ready; SKIPPED → not; else ready when the
    /// zone is above high watermark + compact_gap(order) at order 0.
    /// </summary>
    internal bool CompactionReady(Zone* zone, ScanControl* sc)
    {
        int suitable = CompactionSuitable(zone, sc->Order, 0, sc->ReclaimIdx);
        if (suitable == CompactResult.Success)
            return true;
        if (suitable == CompactResult.Skipped)
            return false;
        ulong watermark = MmZone.HighWmarkPages(zone) + CompactGap(sc->Order);
        return ZoneWatermarkOkSafe(zone, 0, watermark, sc->ReclaimIdx);
    }

    /// <summary>
    /// <c>try_to_free_mem_cgroup_pages(memcg, nr_pages, gfp, may_swap)</c>: reclaim on behalf of a memcg from the
    /// zonelist of the node <c>mem_cgroup_select_victim_node</c> picks. Simplified: always the local node (v5.4 rotates
    /// over the nodes where the group has reclaimable pages). A null memcg is the root: global-looking reclaim
    /// without ALLOCSTALL.
    /// </summary>
    internal ulong TryToFreeMemCgroupPages(nint memcg, ulong nrPages, uint gfpMask, bool maySwap)
    {
        ScanControl sc = ScanControlInitialisers.TryToFreeMemCgroupPages(memcg, nrPages, gfpMask, _currentTaskFlags, maySwap, _laptopMode);
        ReclaimState rs = default;
        sc.ReclaimState = &rs;
        Zonelist* zonelist = PglistData.NodeZonelist(_pgdats + NumaNodeId, MmZone.ZonelistFallback);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_memcg_reclaim_begin(0, sc.GfpMask);
        uint noreclaim = MemallocNoreclaimSave();
        ulong nrReclaimed = DoTryToFreePages(zonelist, &sc);
        MemallocNoreclaimRestore(noreclaim);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_memcg_reclaim_end(nrReclaimed);
        return nrReclaimed;
    }

    /// <summary>
    /// <c>mem_cgroup_shrink_node(memcg, gfp, noswap, pgdat, &amp;nr_scanned)</c>: soft-limit reclaim of one memcg on one
    /// node (shrink_node_memcg at priority 0, as the kernel's initialiser leaves it).
    /// </summary>
    internal ulong MemCgroupShrinkNode(nint memcg, uint gfpMask, bool noswap, PglistData* pgdat, out ulong nrScanned)
    {
        ScanControl sc = ScanControlInitialisers.MemCgroupShrinkNode(memcg, noswap, _laptopMode);
        sc.GfpMask = (gfpMask & ScanControlInitialisers.GfpReclaimMask) | (Gfp.HighUserMovable & ~ScanControlInitialisers.GfpReclaimMask);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_memcg_softlimit_reclaim_begin(sc.Order, sc.GfpMask);
        ShrinkNodeMemcg(pgdat, memcg, &sc, out _);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_memcg_softlimit_reclaim_end(sc.NrReclaimed);
        nrScanned = sc.NrScanned;
        return sc.NrReclaimed;
    }
}
