using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;

namespace ReclaimFast;

/// <summary>Where a node's kswapd stands in its loop (the resumable state machine of <c>kswapd()</c>).</summary>
internal enum KswapdPhase
{
    /// <summary>Runnable: next step is the first half of <c>kswapd_try_to_sleep</c> (the prepare_kswapd_sleep check).</summary>
    TryToSleep,
    /// <summary>Blocked in <c>schedule_timeout(HZ/10)</c>: a timer or a wakeup ends it.</summary>
    ShortSleep,
    /// <summary>Runnable: the short sleep ended (timer or wakeup); next step is the second half of try_to_sleep.</summary>
    ShortSleepDone,
    /// <summary>Blocked in <c>schedule()</c> until <c>wakeup_kswapd</c>.</summary>
    FullSleep,
    /// <summary>Runnable: back from try_to_sleep; next step reads order/classzone and starts balance_pgdat.</summary>
    Woken,
    /// <summary>Runnable: inside balance_pgdat's priority loop; each step is one iteration.</summary>
    Balancing,
}

/// <summary>
/// One node's kswapd: the locals of <c>kswapd()</c> and <c>balance_pgdat()</c> kept between steps (native, one per
/// node), since the emulated kswapd is a resumable state machine rather than a thread.
/// </summary>
internal unsafe struct KswapdState
{
    public KswapdPhase Phase;
    public int AllocOrder;
    public int ReclaimOrder;
    public int ClasszoneIdx;            // kswapd()'s local classzone_idx
    public bool WokenEarly;             // schedule_timeout returned remaining > 0
    public ulong TimerGeneration;       // stale short-sleep timers are ignored
    // balance_pgdat locals
    public ScanControl Sc;
    public ReclaimState ReclaimState;
    public ulong NrBoostReclaim;
    public bool Boosted;
    public fixed ulong ZoneBoosts[MmZone.MaxNrZones];
    public int BalanceClasszoneIdx;
}

// mm/vmscan.c: kswapd and its wakeups. Each kswapd step is one kswapd_try_to_sleep decision or one priority iteration
// of balance_pgdat (one kswapd_shrink_node); wakeup_kswapd only makes kswapd runnable.
public sealed unsafe partial class Machine
{
    private KswapdState* _kswapd;   // [nid]

    /// <summary>
    /// <c>kswapd_run</c> at boot: PF_MEMALLOC|PF_SWAPWRITE|PF_KSWAPD, kswapd_order 0, kswapd_classzone_idx
    /// MAX_NR_ZONES. Simplified: kswapd starts in its full sleep, as it is once its first short sleep on a balanced
    /// boot-time node has passed (a boot-time machine is balanced), so wakeups work with or without the event loop.
    /// </summary>
    private void KswapdInit()
    {
        _kswapd = _heap.AllocArray<KswapdState>(_nrNodes);
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            PglistData* pgdat = _pgdats + nid;
            pgdat->KswapdOrder = 0;
            pgdat->KswapdClasszoneIdx = MmZone.MaxNrZones;
            _kswapd[nid].ClasszoneIdx = MmZone.MaxNrZones - 1;
            _kswapd[nid].Phase = KswapdPhase.FullSleep;
        }
    }

    /// <summary>The phase of node <paramref name="nid"/>'s kswapd (tests, scheduler).</summary>
    internal KswapdPhase KswapdPhaseOf(int nid) => _kswapd[nid].Phase;

    /// <summary>The running priority of node <paramref name="nid"/>'s balance_pgdat (meaningful while Balancing).</summary>
    internal ScanControl* KswapdScanControl(int nid) => &_kswapd[nid].Sc;

    /// <summary>Whether node <paramref name="nid"/>'s kswapd can run a step.</summary>
    internal bool KswapdRunnable(int nid)
    {
        KswapdPhase p = _kswapd[nid].Phase;
        return p != KswapdPhase.ShortSleep && p != KswapdPhase.FullSleep;
    }

    /// <summary>Whether node <paramref name="nid"/>'s kswapd is asleep (short or full).</summary>
    public bool KswapdSleeping(int nid)
    {
        CheckNode(nid);
        return !KswapdRunnable(nid);
    }

    /// <summary><c>waitqueue_active(&amp;pgdat->kswapd_wait)</c>: kswapd is waiting (short or full sleep).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool KswapdWaitActive(PglistData* pgdat) => !KswapdRunnable(pgdat->NodeId);

    /// <summary>
    /// <c>wake_up_interruptible(&amp;pgdat->kswapd_wait)</c>: a short sleep ends early (remaining &gt; 0), a full sleep
    /// ends; kswapd becomes runnable. It never runs here.
    /// </summary>
    private void WakeUpKswapdWait(PglistData* pgdat)
    {
        KswapdState* k = _kswapd + pgdat->NodeId;
        if (k->Phase == KswapdPhase.ShortSleep)
        {
            k->WokenEarly = true;
            k->TimerGeneration++;       // the pending HZ/10 timer is now stale
            k->Phase = KswapdPhase.ShortSleepDone;
        }
        else if (k->Phase == KswapdPhase.FullSleep)
        {
            k->Phase = KswapdPhase.Woken;
        }
    }

    /// <summary>
    /// Mirrors <c>wakeup_kswapd</c> (mm/vmscan.c): record the classzone and order for kswapd; if it sleeps, is not
    /// hopeless, and the node is unbalanced (or boosted) for the request, trace and wake it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void WakeupKswapd(Zone* zone, uint gfpFlags, int order, int classzoneIdx)
    {
        _kswapdWakeupCalls++;
        if (!MmZone.ManagedZone(zone))
            return;
        // cpuset_zone_allowed: no cpusets.
        PglistData* pgdat = zone->ZonePgdat;
        int currIdx = pgdat->KswapdClasszoneIdx;
        if (currIdx == MmZone.MaxNrZones || currIdx < classzoneIdx)
            pgdat->KswapdClasszoneIdx = classzoneIdx;
        if (pgdat->KswapdOrder < order)
            pgdat->KswapdOrder = order;

        if (!KswapdWaitActive(pgdat))
            return;

        // Hopeless node, leave it to direct reclaim if possible.
        if (pgdat->KswapdFailures >= MmZone.MaxReclaimRetries
            || (PgdatBalanced(pgdat, order, classzoneIdx) && !PgdatWatermarkBoosted(pgdat, classzoneIdx)))
        {
            if ((gfpFlags & Gfp.DirectReclaim) == 0)
                WakeupKcompactd(pgdat, order, classzoneIdx);
            return;
        }

        TraceEvent(EntryEvent.WakeupKswapd, pgdat->NodeId, classzoneIdx, order);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_wakeup_kswapd(pgdat->NodeId, classzoneIdx, order, gfpFlags);
        WakeUpKswapdWait(pgdat);
    }

    /// <summary><c>pgdat_watermark_boosted</c>: any managed zone 0..classzone_idx has a watermark boost.</summary>
    internal static bool PgdatWatermarkBoosted(PglistData* pgdat, int classzoneIdx)
    {
        for (int i = classzoneIdx; i >= 0; i--)
        {
            Zone* zone = PglistData.NodeZone(pgdat, i);
            if (!MmZone.ManagedZone(zone))
                continue;
            if (zone->WatermarkBoost != 0)
                return true;
        }
        return false;
    }

    /// <summary>
    /// <c>pgdat_balanced</c>: bottom-up, true if any managed zone ≤ classzone_idx meets its high watermark at
    /// <paramref name="order"/>; true if no zone is managed.
    /// </summary>
    internal static bool PgdatBalanced(PglistData* pgdat, int order, int classzoneIdx)
    {
        bool any = false;
        for (int i = 0; i <= classzoneIdx; i++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, i);
            if (!MmZone.ManagedZone(zone))
                continue;
            any = true;
            if (ZoneWatermarkOkSafe(zone, order, MmZone.HighWmarkPages(zone), classzoneIdx))
                return true;
        }
        return !any;
    }

    /// <summary><c>clear_pgdat_congested</c>.</summary>
    private static void ClearPgdatCongested(PglistData* pgdat) =>
        pgdat->Flags &= ~((1UL << Vmscan.PgdatCongested) | (1UL << Vmscan.PgdatDirty) | (1UL << Vmscan.PgdatWriteback));

    /// <summary>
    /// <c>prepare_kswapd_sleep</c>: wake pfmemalloc waiters (throttled reclaimers do not block in the emulator, so
    /// there are none); true if the node is hopeless or balanced (then clear its congestion flags).
    /// </summary>
    internal static bool PrepareKswapdSleep(PglistData* pgdat, int order, int classzoneIdx)
    {
        if (pgdat->KswapdFailures >= MmZone.MaxReclaimRetries)
            return true;
        if (PgdatBalanced(pgdat, order, classzoneIdx))
        {
            ClearPgdatCongested(pgdat);
            return true;
        }
        return false;
    }

    /// <summary><c>kswapd_classzone_idx(pgdat, prev)</c>: the stored index unless unset (MAX_NR_ZONES).</summary>
    private static int KswapdClasszoneIdx(PglistData* pgdat, int prev)
    {
        int curr = pgdat->KswapdClasszoneIdx;
        return curr == MmZone.MaxNrZones ? prev : curr;
    }

    /// <summary>
    /// Runs one step of node <paramref name="nid"/>'s kswapd (the caller has made it the current task). Returns the
    /// HZ/10 short-sleep timeout to arm (jiffies), or 0.
    /// </summary>
    internal long KswapdStep(int nid)
    {
        KswapdState* k = _kswapd + nid;
        PglistData* pgdat = _pgdats + nid;
        switch (k->Phase)
        {
            case KswapdPhase.TryToSleep:
                // kswapd_try_to_sleep, up to schedule_timeout(HZ/10).
                if (PrepareKswapdSleep(pgdat, k->ReclaimOrder, k->ClasszoneIdx))
                {
                    ResetIsolationSuitable(pgdat);
                    WakeupKcompactd(pgdat, k->AllocOrder, k->ClasszoneIdx);
                    k->WokenEarly = false;
                    k->Phase = KswapdPhase.ShortSleep;
                    return ShortSleepJiffies;
                }
                // No short sleep: remaining = 0; the second check sees the same state.
                k->WokenEarly = false;
                FinishKswapdTryToSleep(k, pgdat);
                return 0;
            case KswapdPhase.ShortSleepDone:
                if (k->WokenEarly)
                {
                    pgdat->KswapdClasszoneIdx = KswapdClasszoneIdx(pgdat, k->ClasszoneIdx);
                    if (pgdat->KswapdOrder < k->ReclaimOrder)
                        pgdat->KswapdOrder = k->ReclaimOrder;
                }
                FinishKswapdTryToSleep(k, pgdat);
                return 0;
            case KswapdPhase.Woken:
                // kswapd(): read the new order and classzone_idx, reset the request, trace, start balance_pgdat.
                k->AllocOrder = k->ReclaimOrder = pgdat->KswapdOrder;
                k->ClasszoneIdx = KswapdClasszoneIdx(pgdat, k->ClasszoneIdx);
                pgdat->KswapdOrder = 0;
                pgdat->KswapdClasszoneIdx = MmZone.MaxNrZones;
                TraceEvent(EntryEvent.KswapdWake, nid, k->ClasszoneIdx, k->AllocOrder);
                if (ReclaimFastEventSource.Log.IsEnabled())
                    ReclaimFastEventSource.Log.mm_vmscan_kswapd_wake(nid, k->ClasszoneIdx, k->AllocOrder);
                BalancePgdatBegin(k, pgdat, k->AllocOrder, k->ClasszoneIdx);
                k->Phase = KswapdPhase.Balancing;
                BalancePgdatIteration(k, pgdat);
                return 0;
            case KswapdPhase.Balancing:
                BalancePgdatIteration(k, pgdat);
                return 0;
            default:
                return 0;   // asleep: not runnable
        }
    }

    /// <summary>
    /// The second half of <c>kswapd_try_to_sleep</c>: after a short sleep that ran out, full sleep if
    /// prepare_kswapd_sleep still holds; otherwise count KSWAPD_LOW_WMARK_HIT_QUICKLY (woken early) or
    /// KSWAPD_HIGH_WMARK_HIT_QUICKLY and go back to balancing.
    /// </summary>
    private void FinishKswapdTryToSleep(KswapdState* k, PglistData* pgdat)
    {
        if (!k->WokenEarly && PrepareKswapdSleep(pgdat, k->ReclaimOrder, k->ClasszoneIdx))
        {
            TraceEvent(EntryEvent.KswapdSleep, pgdat->NodeId, 0, 0);
            if (ReclaimFastEventSource.Log.IsEnabled())
                ReclaimFastEventSource.Log.mm_vmscan_kswapd_sleep(pgdat->NodeId);
            // set_pgdat_percpu_threshold: counters are exact here, no thresholds to switch.
            k->Phase = KswapdPhase.FullSleep;
            return;
        }
        CountVmEvent(k->WokenEarly ? VmEventItem.KswapdLowWmarkHitQuickly : VmEventItem.KswapdHighWmarkHitQuickly);
        k->Phase = KswapdPhase.Woken;
    }

    /// <summary>Called by the scheduler when a kswapd short-sleep timer of generation <paramref name="gen"/> expires.</summary>
    internal void KswapdShortSleepTimeout(int nid, ulong gen)
    {
        KswapdState* k = _kswapd + nid;
        if (k->Phase != KswapdPhase.ShortSleep || k->TimerGeneration != gen)
            return;
        k->WokenEarly = false;
        k->Phase = KswapdPhase.ShortSleepDone;
    }

    /// <summary>The generation a short-sleep timer armed now carries.</summary>
    internal ulong KswapdTimerGeneration(int nid) => _kswapd[nid].TimerGeneration;

    /// <summary>
    /// balance_pgdat's prologue: the scan_control, PAGEOUTRUN, the boost to reclaim (left in place so near-watermark
    /// allocations still stall until kswapd finishes), and <c>restart:</c> at DEF_PRIORITY.
    /// </summary>
    private void BalancePgdatBegin(KswapdState* k, PglistData* pgdat, int order, int classzoneIdx)
    {
        k->Sc = ScanControlInitialisers.BalancePgdat(order);
        k->ReclaimState = default;
        k->Sc.ReclaimState = &k->ReclaimState;
        k->BalanceClasszoneIdx = classzoneIdx;
        CountVmEvent(VmEventItem.Pageoutrun);
        ulong nrBoostReclaim = 0;
        for (int i = 0; i < MmZone.MaxNrZones; i++)
            k->ZoneBoosts[i] = 0;
        for (int i = 0; i <= classzoneIdx; i++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, i);
            if (!MmZone.ManagedZone(zone))
                continue;
            nrBoostReclaim += zone->WatermarkBoost;
            k->ZoneBoosts[i] = zone->WatermarkBoost;
        }
        k->NrBoostReclaim = nrBoostReclaim;
        k->Boosted = nrBoostReclaim != 0;
        k->Sc.Priority = Vmscan.DefPriority;
    }

    /// <summary>
    /// One iteration of balance_pgdat's <c>do { … } while (sc.priority &gt;= 1)</c> loop (a <c>goto restart</c>
    /// re-enters at DEF_PRIORITY in the same step). When the loop ends, runs the epilogue and moves kswapd on.
    /// </summary>
    private void BalancePgdatIteration(KswapdState* k, PglistData* pgdat)
    {
        ScanControl* sc = &k->Sc;
        int classzoneIdx = k->BalanceClasszoneIdx;
        while (true)
        {
            ulong nrReclaimed = sc->NrReclaimed;
            bool raisePriority = true;
            sc->ReclaimIdx = (sbyte)classzoneIdx;
            // buffer_heads_over_limit: no buffer heads are emulated.
            bool balanced = PgdatBalanced(pgdat, sc->Order, classzoneIdx);
            if (!balanced && k->NrBoostReclaim != 0)
            {
                // A real shortage: ignore the boost and restart.
                k->NrBoostReclaim = 0;
                sc->Priority = Vmscan.DefPriority;
                continue;
            }
            if (k->NrBoostReclaim == 0 && balanced)
            {
                BalancePgdatOut(k, pgdat);
                return;
            }
            // Boosted reclaim stops raising priority at DEF_PRIORITY − 2 so it never writes back.
            if (k->NrBoostReclaim != 0 && sc->Priority == Vmscan.DefPriority - 2)
                raisePriority = false;
            sc->MayWritepage = !_laptopMode && k->NrBoostReclaim == 0;
            sc->MaySwap = k->NrBoostReclaim == 0;
            AgeActiveAnon(pgdat, sc);
            if (sc->Priority < Vmscan.DefPriority - 2)
                sc->MayWritepage = true;
            sc->NrScanned = 0;
            sc->NrReclaimed += MemCgroupSoftLimitReclaim(pgdat, sc->Order, sc->GfpMask, out _);
            if (KswapdShrinkNode(pgdat, sc))
                raisePriority = false;
            // pfmemalloc_wait waiters: throttled reclaimers never block here, so there are none to wake.
            // try_to_freeze / kthread_should_stop: never.
            nrReclaimed = sc->NrReclaimed - nrReclaimed;
            k->NrBoostReclaim -= k->NrBoostReclaim < nrReclaimed ? k->NrBoostReclaim : nrReclaimed;
            if (k->NrBoostReclaim != 0 && nrReclaimed == 0)
                break;
            if (raisePriority || nrReclaimed == 0)
                sc->Priority--;
            if (sc->Priority >= 1)
                return;     // the next step runs the next iteration
            break;
        }
        if (sc->NrReclaimed == 0)
            pgdat->KswapdFailures++;
        BalancePgdatOut(k, pgdat);
    }

    /// <summary>
    /// balance_pgdat's <c>out:</c> — give back the boosts reclaimed for, wake kcompactd, snapshot refaults — then
    /// kswapd's loop: <c>reclaim_order = sc.order</c>; back to try_to_sleep (re-reading the request first unless
    /// reclaim fell back to a lower order).
    /// </summary>
    private void BalancePgdatOut(KswapdState* k, PglistData* pgdat)
    {
        int classzoneIdx = k->BalanceClasszoneIdx;
        if (k->Boosted)
        {
            for (int i = 0; i <= classzoneIdx; i++)
            {
                if (k->ZoneBoosts[i] == 0)
                    continue;
                Zone* zone = PglistData.NodeZone(pgdat, i);
                zone->WatermarkBoost -= zone->WatermarkBoost < k->ZoneBoosts[i] ? zone->WatermarkBoost : k->ZoneBoosts[i];
            }
            WakeupKcompactd(pgdat, MmZone.PageblockOrder, classzoneIdx);
        }
        SnapshotRefaults(0, pgdat);
        k->Sc.ReclaimState = null;

        int reclaimOrder = k->Sc.Order;
        if (reclaimOrder < k->AllocOrder)
        {
            // goto kswapd_try_sleep: keep alloc_order and classzone_idx.
            k->ReclaimOrder = reclaimOrder;
        }
        else
        {
            k->AllocOrder = k->ReclaimOrder = pgdat->KswapdOrder;
            k->ClasszoneIdx = KswapdClasszoneIdx(pgdat, k->ClasszoneIdx);
        }
        k->Phase = KswapdPhase.TryToSleep;
    }

    /// <summary>
    /// <c>kswapd_shrink_node</c>: nr_to_reclaim = Σ max(high_wmark, SWAP_CLUSTER_MAX) over managed zones ≤ reclaim_idx;
    /// shrink_node; drop to order 0 once compact_gap(order) pages are reclaimed; true if enough was scanned.
    /// </summary>
    internal bool KswapdShrinkNode(PglistData* pgdat, ScanControl* sc)
    {
        sc->NrToReclaim = 0;
        for (int z = 0; z <= sc->ReclaimIdx; z++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, z);
            if (!MmZone.ManagedZone(zone))
                continue;
            ulong high = MmZone.HighWmarkPages(zone);
            sc->NrToReclaim += high > Vmscan.SwapClusterMax ? high : Vmscan.SwapClusterMax;
        }
        ShrinkNode(pgdat, sc);
        if (sc->Order != 0 && sc->NrReclaimed >= CompactGap(sc->Order))
            sc->Order = 0;
        return sc->NrScanned >= sc->NrToReclaim;
    }

    /// <summary>
    /// <c>age_active_anon</c>: with swap configured, deactivate SWAP_CLUSTER_MAX active anon pages of every memcg
    /// lruvec whose inactive anon list is low.
    /// </summary>
    internal void AgeActiveAnon(PglistData* pgdat, ScanControl* sc)
    {
        if (TotalSwapPages == 0)
            return;
        nint memcg = 0;
        bool started = false;
        while (MemCgroupIterNext(0, ref memcg, ref started))
        {
            Lruvec* lruvec = MemCgroupLruvec(pgdat, memcg);
            if (InactiveListIsLow(lruvec, false, sc, true))
                ShrinkActiveList(Vmscan.SwapClusterMax, lruvec, sc, Mm.PageAlloc.LruList.ActiveAnon);
        }
    }
}
