using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;
using ReclaimFast.Mm.Vmscan;

namespace ReclaimFast;

// mm/vmscan.c: scan balancing (inactive_list_is_low, get_scan_count), the per-node loop (shrink_node,
// shrink_node_memcg, shrink_list, should_continue_reclaim) and the reclaim-wide settings.
public sealed unsafe partial class Machine
{
    private int _vmSwappiness = 60;
    private bool _laptopMode;
    private bool _currentIsKswapd;
    private long _congestionWaits;
    private long _waitIffCongested;

    /// <summary><c>vm_swappiness</c> (0..100, default 60).</summary>
    public int VmSwappiness
    {
        get => _vmSwappiness;
        set
        {
            if ((uint)value > 100)
                throw new System.ArgumentOutOfRangeException(nameof(value), value, "vm.swappiness is 0..100");
            _vmSwappiness = value;
        }
    }

    /// <summary><c>laptop_mode</c>: when set, direct reclaim starts with <c>may_writepage = 0</c>.</summary>
    public bool LaptopMode
    {
        get => _laptopMode;
        set => _laptopMode = value;
    }

    /// <summary>
    /// <c>current_is_kswapd()</c>: whether the running task is a kswapd. The event-loop issue sets it around kswapd's
    /// runs; tests set it to drive kswapd-style reclaim.
    /// </summary>
    internal bool CurrentIsKswapd
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _currentIsKswapd;
        set => _currentIsKswapd = value;
    }

    /// <summary>Calls of <c>congestion_wait</c> from shrink_node (no sleeping without an event loop: counted only).</summary>
    internal long CongestionWaits => _congestionWaits;

    /// <summary>Calls of <c>wait_iff_congested</c> from shrink_node (counted only).</summary>
    internal long WaitIffCongestedCalls => _waitIffCongested;

    /// <summary><c>mem_cgroup_swappiness(memcg)</c>: vm_swappiness (cgroup v2 / root / memcg disabled).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int MemCgroupSwappiness(nint memcg) => _vmSwappiness;

    /// <summary>
    /// The inactive_ratio of <c>inactive_list_is_low</c> without refaults: <c>int_sqrt(10 * gb)</c>, 1 below 1 GiB
    /// (<paramref name="pages"/> = inactive + active, 4 KiB pages).
    /// </summary>
    internal static ulong InactiveRatio(ulong pages)
    {
        ulong gb = pages >> (30 - Pfn.PageShift);
        return gb != 0 ? IntSqrt(10 * gb) : 1;
    }

    /// <summary>
    /// <c>inactive_list_is_low(lruvec, file, sc, trace)</c>: is <c>inactive * inactive_ratio &lt; active</c> over zones
    /// 0..reclaim_idx? No swap configured → false for anon; file refaults since the last cycle → ratio 0.
    /// </summary>
    internal bool InactiveListIsLow(Lruvec* lruvec, bool file, ScanControl* sc, bool trace)
    {
        if (!file && TotalSwapPages == 0)
            return false;
        LruList inactiveLru = file ? LruList.InactiveFile : LruList.InactiveAnon;
        LruList activeLru = inactiveLru + Lru.Active;
        ulong inactive = LruvecLruSize(lruvec, inactiveLru, sc->ReclaimIdx);
        ulong active = LruvecLruSize(lruvec, activeLru, sc->ReclaimIdx);
        ulong refaults = (ulong)LruvecPageStateLocal(lruvec, NodeStatItem.WorkingsetActivate);
        ulong inactiveRatio = file && lruvec->Refaults != refaults ? 0 : InactiveRatio(inactive + active);
        if (trace)
            TraceInactiveListIsLow(lruvec, inactiveLru, activeLru, inactive, active, inactiveRatio, file, sc);
        return inactive * inactiveRatio < active;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void TraceInactiveListIsLow(Lruvec* lruvec, LruList inactiveLru, LruList activeLru, ulong inactive,
        ulong active, ulong ratio, bool file, ScanControl* sc)
    {
        ReclaimFastEventSource log = ReclaimFastEventSource.Log;
        if (!log.IsEnabled())
            return;
        log.mm_vmscan_inactive_list_is_low(lruvec->Pgdat->NodeId, sc->ReclaimIdx,
            LruvecLruSize(lruvec, inactiveLru, MmZone.MaxNrZones), inactive,
            LruvecLruSize(lruvec, activeLru, MmZone.MaxNrZones), active, ratio, file ? 1 : 0);
    }

    /// <summary>
    /// <c>get_scan_count(lruvec, memcg, sc, nr, lru_pages)</c>: decide the scan balance (first match of: no swap
    /// or !may_swap → FILE; memcg reclaim with swappiness 0 → FILE; priority 0 → EQUAL; global reclaim with file +
    /// free ≤ Σ high watermarks and enough inactive anon → ANON; enough inactive file → FILE; else FRACT) and fill
    /// <paramref name="nr"/>[0..3] with pages to scan per evictable list. Returns the balance chosen (for tests).
    /// </summary>
    internal ScanBalance GetScanCount(Lruvec* lruvec, nint memcg, ScanControl* sc, ulong* nr, out ulong lruPages)
    {
        int swappiness = MemCgroupSwappiness(memcg);
        ZoneReclaimStat* reclaimStat = &lruvec->ReclaimStat;
        PglistData* pgdat = lruvec->Pgdat;
        ulong fraction0 = 0, fraction1 = 0, denominator = 0;
        ScanBalance scanBalance;

        if (!sc->MaySwap || MemCgroupGetNrSwapPages(memcg) <= 0)
        {
            scanBalance = ScanBalance.File;
            goto Out;
        }
        if (!sc->GlobalReclaim && swappiness == 0)
        {
            scanBalance = ScanBalance.File;
            goto Out;
        }
        if (sc->Priority == 0 && swappiness != 0)
        {
            scanBalance = ScanBalance.Equal;
            goto Out;
        }
        if (sc->GlobalReclaim)
        {
            long pgdatfree = 0;
            ulong totalHighWmark = 0;
            for (int z = 0; z < MmZone.MaxNrZones; z++)
            {
                Zone* zone = PglistData.NodeZone(pgdat, z);
                pgdatfree += zone->VmStat[(int)ZoneStatItem.NrFreePages];   // sum_zone_node_page_state
                if (!MmZone.ManagedZone(zone))
                    continue;
                totalHighWmark += MmZone.HighWmarkPages(zone);
            }
            long pgdatfile = pgdat->VmStat[(int)NodeStatItem.NrActiveFile] + pgdat->VmStat[(int)NodeStatItem.NrInactiveFile];
            if ((ulong)(pgdatfile + pgdatfree) <= totalHighWmark)
            {
                if (!InactiveListIsLow(lruvec, false, sc, false)
                    && (LruvecLruSize(lruvec, LruList.InactiveAnon, sc->ReclaimIdx) >> sc->Priority) != 0)
                {
                    scanBalance = ScanBalance.Anon;
                    goto Out;
                }
            }
        }
        if (!InactiveListIsLow(lruvec, true, sc, false)
            && (LruvecLruSize(lruvec, LruList.InactiveFile, sc->ReclaimIdx) >> sc->Priority) != 0)
        {
            scanBalance = ScanBalance.File;
            goto Out;
        }

        scanBalance = ScanBalance.Fract;
        ulong anonPrio = (ulong)swappiness;
        ulong filePrio = 200 - anonPrio;
        ulong anon = LruvecLruSize(lruvec, LruList.ActiveAnon, MmZone.MaxNrZones) + LruvecLruSize(lruvec, LruList.InactiveAnon, MmZone.MaxNrZones);
        ulong file = LruvecLruSize(lruvec, LruList.ActiveFile, MmZone.MaxNrZones) + LruvecLruSize(lruvec, LruList.InactiveFile, MmZone.MaxNrZones);
        if (reclaimStat->RecentScanned[0] > anon / 4)
        {
            reclaimStat->RecentScanned[0] /= 2;
            reclaimStat->RecentRotated[0] /= 2;
        }
        if (reclaimStat->RecentScanned[1] > file / 4)
        {
            reclaimStat->RecentScanned[1] /= 2;
            reclaimStat->RecentRotated[1] /= 2;
        }
        ulong ap = anonPrio * (reclaimStat->RecentScanned[0] + 1);
        ap /= reclaimStat->RecentRotated[0] + 1;
        ulong fp = filePrio * (reclaimStat->RecentScanned[1] + 1);
        fp /= reclaimStat->RecentRotated[1] + 1;
        fraction0 = ap;
        fraction1 = fp;
        denominator = ap + fp + 1;

    Out:
        lruPages = 0;
        for (int l = 0; l < Lru.NrEvictableLruLists; l++)
        {
            LruList lru = (LruList)l;
            bool isFile = Lru.IsFileLru(lru);
            ulong lruvecSize = LruvecLruSize(lruvec, lru, sc->ReclaimIdx);
            ulong scan;
            MemCgroupProtection(sc->TargetMemCgroup, memcg, out ulong min, out ulong low);
            if (min != 0 || low != 0)
            {
                ulong cgroupSize = MemCgroupSize(memcg);
                ulong protection;
                if (!sc->MemcgLowReclaim && low > min)
                {
                    protection = low;
                    sc->MemcgLowSkipped = true;
                }
                else
                {
                    protection = min;
                }
                if (cgroupSize < protection)
                    cgroupSize = protection;
                scan = lruvecSize - lruvecSize * protection / (cgroupSize + 1);
                if (scan < Vmscan.SwapClusterMax)
                    scan = Vmscan.SwapClusterMax;
            }
            else
            {
                scan = lruvecSize;
            }
            scan >>= sc->Priority;
            if (scan == 0 && !MemCgroupOnline(memcg))
                scan = lruvecSize < Vmscan.SwapClusterMax ? lruvecSize : Vmscan.SwapClusterMax;

            switch (scanBalance)
            {
                case ScanBalance.Equal:
                    break;
                case ScanBalance.Fract:
                    ulong f = isFile ? fraction1 : fraction0;
                    scan = MemCgroupOnline(memcg) ? scan * f / denominator : (scan * f + denominator - 1) / denominator;
                    break;
                default:
                    if ((scanBalance == ScanBalance.File) != isFile)
                    {
                        lruvecSize = 0;
                        scan = 0;
                    }
                    break;
            }
            lruPages += lruvecSize;
            nr[l] = scan;
        }
        return scanBalance;
    }

    /// <summary>
    /// <c>shrink_node_memcg(pgdat, memcg, sc, lru_pages)</c>: scan the lruvec's lists in SWAP_CLUSTER_MAX batches
    /// (IA, AA, IF, AF order) until the targets of get_scan_count are met; once nr_to_reclaim is reached (outside
    /// direct reclaim at DEF_PRIORITY) stop the smaller type and scale the other to the same completed fraction.
    /// nr[ACTIVE_ANON] alone does not keep the loop going. Finally rebalance the anon lists.
    /// </summary>
    internal void ShrinkNodeMemcg(PglistData* pgdat, nint memcg, ScanControl* sc, out ulong lruPages)
    {
        Lruvec* lruvec = MemCgroupLruvec(pgdat, memcg);
        ulong* nr = stackalloc ulong[Lru.NrLruLists];
        ulong* targets = stackalloc ulong[Lru.NrLruLists];
        ulong nrReclaimed = 0;
        ulong nrToReclaim = sc->NrToReclaim;

        GetScanCount(lruvec, memcg, sc, nr, out lruPages);
        for (int i = 0; i < Lru.NrEvictableLruLists; i++)
            targets[i] = nr[i];

        bool scanAdjusted = sc->GlobalReclaim && !_currentIsKswapd && sc->Priority == Vmscan.DefPriority;

        while (nr[(int)LruList.InactiveAnon] != 0 || nr[(int)LruList.ActiveFile] != 0 || nr[(int)LruList.InactiveFile] != 0)
        {
            for (int l = 0; l < Lru.NrEvictableLruLists; l++)
            {
                if (nr[l] != 0)
                {
                    ulong nrToScan = nr[l] < Vmscan.SwapClusterMax ? nr[l] : Vmscan.SwapClusterMax;
                    nr[l] -= nrToScan;
                    nrReclaimed += ShrinkList((LruList)l, nrToScan, lruvec, sc);
                }
            }

            if (nrReclaimed < nrToReclaim || scanAdjusted)
                continue;

            ulong nrFile = nr[(int)LruList.InactiveFile] + nr[(int)LruList.ActiveFile];
            ulong nrAnon = nr[(int)LruList.InactiveAnon] + nr[(int)LruList.ActiveAnon];
            if (nrFile == 0 || nrAnon == 0)
                break;

            int lru;
            ulong percentage;
            if (nrFile > nrAnon)
            {
                ulong scanTarget = targets[(int)LruList.InactiveAnon] + targets[(int)LruList.ActiveAnon] + 1;
                lru = Lru.Base;
                percentage = nrAnon * 100 / scanTarget;
            }
            else
            {
                ulong scanTarget = targets[(int)LruList.InactiveFile] + targets[(int)LruList.ActiveFile] + 1;
                lru = Lru.File;
                percentage = nrFile * 100 / scanTarget;
            }

            // Stop scanning the smaller type.
            nr[lru] = 0;
            nr[lru + Lru.Active] = 0;

            // Scale the other type to the fraction already done of the smaller.
            lru = lru == Lru.File ? Lru.Base : Lru.File;
            ulong nrScanned = targets[lru] - nr[lru];
            nr[lru] = targets[lru] * (100 - percentage) / 100;
            nr[lru] -= nr[lru] < nrScanned ? nr[lru] : nrScanned;

            lru += Lru.Active;
            nrScanned = targets[lru] - nr[lru];
            nr[lru] = targets[lru] * (100 - percentage) / 100;
            nr[lru] -= nr[lru] < nrScanned ? nr[lru] : nrScanned;

            scanAdjusted = true;
        }
        sc->NrReclaimed += nrReclaimed;

        if (InactiveListIsLow(lruvec, false, sc, true))
            ShrinkActiveList(Vmscan.SwapClusterMax, lruvec, sc, LruList.ActiveAnon);
    }

    /// <summary>
    /// <c>shrink_list(lru, nr_to_scan, lruvec, sc)</c>: active lists are only deactivated when their inactive
    /// partner is low (and reclaim nothing); inactive lists go to shrink_inactive_list.
    /// </summary>
    internal ulong ShrinkList(LruList lru, ulong nrToScan, Lruvec* lruvec, ScanControl* sc)
    {
        if (Lru.IsActiveLru(lru))
        {
            if (InactiveListIsLow(lruvec, Lru.IsFileLru(lru), sc, true))
                ShrinkActiveList(nrToScan, lruvec, sc, lru);
            return 0;
        }
        return ShrinkInactiveList(nrToScan, lruvec, sc, lru);
    }

    /// <summary><c>gfp_compaction_allowed</c> (5.4.286): CONFIG_COMPACTION and __GFP_IO.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool GfpCompactionAllowed(uint gfpMask) => (gfpMask & Gfp.Io) != 0;

    /// <summary><c>in_reclaim_compaction</c>: costly orders, or any order once priority drops below DEF_PRIORITY − 2.</summary>
    internal static bool InReclaimCompaction(ScanControl* sc) =>
        GfpCompactionAllowed(sc->GfpMask) && sc->Order != 0
        && (sc->Order > MmZone.PageAllocCostlyOrder || sc->Priority < Vmscan.DefPriority - 2);

    /// <summary><c>compact_gap(order)</c> = 2 &lt;&lt; order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong CompactGap(int order) => 2UL << order;

    /// <summary>
    /// <c>should_continue_reclaim(pgdat, nr_reclaimed, sc)</c>: only in reclaim/compaction mode; stop on no progress
    /// or when a zone is ready for compaction; else continue while the inactive lists exceed compact_gap(order).
    /// </summary>
    internal bool ShouldContinueReclaim(PglistData* pgdat, ulong nrReclaimed, ScanControl* sc)
    {
        if (!InReclaimCompaction(sc))
            return false;
        if (nrReclaimed == 0)
            return false;
        for (int z = 0; z <= sc->ReclaimIdx; z++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, z);
            if (!MmZone.ManagedZone(zone))
                continue;
            int r = CompactionSuitable(zone, sc->Order, 0, sc->ReclaimIdx);
            if (r == CompactResult.Success || r == CompactResult.Continue)
                return false;
        }
        ulong pagesForCompaction = CompactGap(sc->Order);
        long inactiveLruPages = pgdat->VmStat[(int)NodeStatItem.NrInactiveFile];
        if (GetNrSwapPages() > 0)
            inactiveLruPages += pgdat->VmStat[(int)NodeStatItem.NrInactiveAnon];
        return (ulong)inactiveLruPages > pagesForCompaction;
    }

    /// <summary>Mirrors <c>enum mem_cgroup_protection</c>: MEMCG_PROT_NONE, LOW, MIN.</summary>
    internal const int MemcgProtNone = 0, MemcgProtLow = 1, MemcgProtMin = 2;

    /// <summary>
    /// <c>shrink_node(pgdat, sc)</c>: for every memcg of the target's subtree (pre-order) shrink its lruvec and
    /// slab; add reclaimed slab; kswapd sets PGDAT_WRITEBACK / CONGESTED / DIRTY from the round's tallies; repeat
    /// while should_continue_reclaim; reset kswapd_failures on progress. Returns whether anything was reclaimed.
    /// </summary>
    internal bool ShrinkNode(PglistData* pgdat, ScanControl* sc)
    {
        bool reclaimable = false;
        ulong nrReclaimed;
        do
        {
            nint root = sc->TargetMemCgroup;
            sc->Nr = default;
            nrReclaimed = sc->NrReclaimed;

            nint memcg = 0;
            bool started = false;
            while (MemCgroupIterNext(root, ref memcg, ref started))
            {
                switch (MemCgroupProtected(root, memcg))
                {
                    case MemcgProtMin:
                        continue;
                    case MemcgProtLow:
                        if (!sc->MemcgLowReclaim)
                        {
                            sc->MemcgLowSkipped = true;
                            continue;
                        }
                        MemcgMemoryEventLow(memcg);
                        break;
                }
                ShrinkNodeMemcg(pgdat, memcg, sc, out _);
                ShrinkSlabForReclaim(sc, pgdat->NodeId, memcg);   // shrink_slab (Mm/Slab)
                // vmpressure(): not emulated.
            }

            if (sc->ReclaimState != null)
            {
                sc->NrReclaimed += sc->ReclaimState->ReclaimedSlab;
                sc->ReclaimState->ReclaimedSlab = 0;
            }

            if (sc->NrReclaimed - nrReclaimed != 0)
                reclaimable = true;

            if (_currentIsKswapd)
            {
                if (sc->Nr.Writeback != 0 && sc->Nr.Writeback == sc->Nr.Taken)
                    pgdat->Flags |= 1UL << Vmscan.PgdatWriteback;
                if (sc->Nr.Dirty != 0 && sc->Nr.Dirty == sc->Nr.Congested)
                    pgdat->Flags |= 1UL << Vmscan.PgdatCongested;
                if (sc->Nr.UnqueuedDirty == sc->Nr.FileTaken)
                    pgdat->Flags |= 1UL << Vmscan.PgdatDirty;
                if (sc->Nr.Immediate != 0)
                {
                    _congestionWaits++;     // congestion_wait(BLK_RW_ASYNC, HZ/10): simulated time passes
                    SimulatedSleep(System.Math.Max(1, Hz / 10));
                }
            }

            // cgroup-v2 memcg reclaim marks its target congested when every dirty page it met was congested
            // (set_memcg_congestion), and stalls like global reclaim does (pgdat_memcg_congested).
            if (!sc->GlobalReclaim && sc->Nr.Dirty != 0 && sc->Nr.Dirty == sc->Nr.Congested)
                SetMemcgCongestion(pgdat, sc->TargetMemCgroup, true);
            if (!sc->HibernationMode && !_currentIsKswapd && PgdatMemcgCongested(pgdat, sc->TargetMemCgroup))
                _waitIffCongested++;        // wait_iff_congested(BLK_RW_ASYNC, HZ/10): counted only
        }
        while (ShouldContinueReclaim(pgdat, sc->NrReclaimed - nrReclaimed, sc));

        if (reclaimable)
            pgdat->KswapdFailures = 0;
        return reclaimable;
    }

    /// <summary>
    /// <c>snapshot_refaults(root, pgdat)</c>: record WORKINGSET_ACTIVATE in each lruvec's <c>refaults</c> at the end of
    /// a reclaim cycle, so inactive_list_is_low can tell new refaults from old.
    /// </summary>
    internal void SnapshotRefaults(nint root, PglistData* pgdat)
    {
        nint memcg = 0;
        bool started = false;
        while (MemCgroupIterNext(root, ref memcg, ref started))
        {
            Lruvec* lruvec = MemCgroupLruvec(pgdat, memcg);
            lruvec->Refaults = (ulong)LruvecPageStateLocal(lruvec, NodeStatItem.WorkingsetActivate);
        }
    }

    /// <summary>
    /// A reclaim driver for tests and tools until the entry-points issue: builds a ScanControl the way
    /// <c>try_to_free_pages</c> does (nr_to_reclaim 32, reclaim_idx = gfp_zone, priority DEF_PRIORITY,
    /// may_writepage = !laptop_mode, may_unmap = may_swap = 1) and runs the <c>do_try_to_free_pages</c> priority loop
    /// over one node (no zonelist walk, no compaction readiness check, no memcg retry). Returns pages reclaimed.
    /// </summary>
    internal ulong ReclaimNode(int nid, uint gfpMask, ulong nrToReclaim, int order = 0)
    {
        ReclaimState rs = default;
        ScanControl sc = default;
        sc.NrToReclaim = nrToReclaim;
        sc.GfpMask = gfpMask;
        sc.ReclaimIdx = (sbyte)Gfp.GfpZone(gfpMask);
        sc.Order = (sbyte)order;
        sc.Priority = Vmscan.DefPriority;
        sc.MayWritepage = !_laptopMode;
        sc.MayUnmap = true;
        sc.MaySwap = true;
        sc.ReclaimState = &rs;
        PglistData* pgdat = NodeData(nid);
        do
        {
            sc.NrScanned = 0;
            ShrinkNode(pgdat, &sc);
            if (sc.NrReclaimed >= sc.NrToReclaim)
                break;
            if (sc.Priority < Vmscan.DefPriority - 2)
                sc.MayWritepage = true;
        }
        while (--sc.Priority >= 0);
        SnapshotRefaults(0, pgdat);
        return sc.NrReclaimed;
    }
}
