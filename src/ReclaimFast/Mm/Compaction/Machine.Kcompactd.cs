using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.Compaction;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

/// <summary>
/// One node's kcompactd (native, one per node): whether it waits in <c>wait_event_freezable(kcompactd_wait,
/// kcompactd_work_requested)</c> or is runnable, and how many times it ran <c>kcompactd_do_work</c>.
/// </summary>
internal struct KcompactdState
{
    /// <summary>Blocked on <c>kcompactd_wait</c> (<c>wq_has_sleeper</c> is true).</summary>
    public bool Sleeping;
    /// <summary>Times <c>kcompactd_do_work</c> ran.</summary>
    public long Runs;
}

// mm/compaction.c (v5.4): the per-node background compaction daemon. Like kswapd it is a resumable task on the event
// loop: wakeup_kcompactd only makes it runnable; one kcompactd step is one kcompactd_do_work (every zone up to the
// requested classzone), after which it goes back to wait_event unless more work was requested meanwhile.
// v5.4 has no proactive compaction: the wait has no timeout (the HZ/2 wake of HPAGE_FRAG_CHECK_INTERVAL_MSEC is 5.9).
public sealed unsafe partial class Machine
{
    private KcompactdState* _kcompactd;   // [nid]

    /// <summary>
    /// <c>kcompactd_run</c> at boot + the prologue of <c>kcompactd()</c>: kcompactd_max_order 0,
    /// kcompactd_classzone_idx = nr_zones − 1, then the first <c>wait_event</c> (traced as a sleep).
    /// </summary>
    private void KcompactdInit()
    {
        _kcompactd = _heap.AllocArray<KcompactdState>(_nrNodes);
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            PglistData* pgdat = _pgdats + nid;
            pgdat->KcompactdMaxOrder = 0;
            pgdat->KcompactdClasszoneIdx = PgdatNrZones(pgdat) - 1;
            _kcompactd[nid].Sleeping = true;
        }
    }

    /// <summary><c>pgdat->nr_zones</c>: one past the highest populated zone of the node (at least 1).</summary>
    private static int PgdatNrZones(PglistData* pgdat)
    {
        for (int z = MmZone.MaxNrZones - 1; z > 0; z--)
        {
            if (MmZone.PopulatedZone(PglistData.NodeZone(pgdat, z)))
                return z + 1;
        }
        return 1;
    }

    /// <summary>Whether node <paramref name="nid"/>'s kcompactd waits on <c>kcompactd_wait</c>.</summary>
    public bool KcompactdSleeping(int nid)
    {
        CheckNode(nid);
        return _kcompactd[nid].Sleeping;
    }

    /// <summary>How many times node <paramref name="nid"/>'s kcompactd ran <c>kcompactd_do_work</c>.</summary>
    public long KcompactdRuns(int nid)
    {
        CheckNode(nid);
        return _kcompactd[nid].Runs;
    }

    /// <summary>
    /// Mirrors <c>kcompactd_node_suitable</c> (mm/compaction.c): some populated zone up to kcompactd_classzone_idx
    /// would compact (compaction_suitable at kcompactd_max_order with ALLOC_WMARK_MIN is CONTINUE).
    /// </summary>
    private bool KcompactdNodeSuitable(PglistData* pgdat)
    {
        int classzoneIdx = pgdat->KcompactdClasszoneIdx;
        for (int zoneid = 0; zoneid <= classzoneIdx; zoneid++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, zoneid);
            if (!MmZone.PopulatedZone(zone))
                continue;
            if (CompactionSuitable(zone, pgdat->KcompactdMaxOrder, 0, classzoneIdx) == CompactResult.Continue)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Mirrors <c>wakeup_kcompactd</c> (mm/compaction.c): order 0 never wakes; record the order (max) and classzone
    /// (min) for kcompactd; wake it only if it is waiting (<c>wq_has_sleeper</c>) and the node is worth compacting.
    /// Called by kswapd before it sleeps, at the end of a boosted balance_pgdat, and by wakeup_kswapd for a balanced
    /// node when the allocation cannot reclaim directly.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void WakeupKcompactd(PglistData* pgdat, int order, int classzoneIdx)
    {
        if (order == 0)
            return;
        if (pgdat->KcompactdMaxOrder < order)
            pgdat->KcompactdMaxOrder = order;
        if (pgdat->KcompactdClasszoneIdx > classzoneIdx)
            pgdat->KcompactdClasszoneIdx = classzoneIdx;
        KcompactdState* k = _kcompactd + pgdat->NodeId;
        if (!k->Sleeping)
            return;
        if (!KcompactdNodeSuitable(pgdat))
            return;
        TraceEvent(EntryEvent.WakeupKcompactd, pgdat->NodeId, order, classzoneIdx);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_wakeup_kcompactd(pgdat->NodeId, order, classzoneIdx);
        k->Sleeping = false;    // wake_up_interruptible: runnable, it never runs here
    }

    /// <summary><c>kcompactd_work_requested</c>: kcompactd_max_order &gt; 0 (kthread_should_stop is never true).</summary>
    private static bool KcompactdWorkRequested(PglistData* pgdat) => pgdat->KcompactdMaxOrder > 0;

    /// <summary>
    /// One step of node <paramref name="nid"/>'s kcompactd as the current task on its node's first CPU: the body of
    /// <c>kcompactd()</c>'s loop — <c>kcompactd_do_work</c>, then the sleep tracepoint and <c>wait_event</c>, which
    /// returns at once (kcompactd stays runnable) if work was requested meanwhile.
    /// </summary>
    internal void RunKcompactdStep(int nid)
    {
        int savedCpu = _currentCpu;
        uint savedFlags = _currentTaskFlags;
        SwitchCpu(FirstCpuOfNode(nid));
        _currentTaskFlags = TaskFlags.Kthread;
        PglistData* pgdat = _pgdats + nid;
        // psi_memstall_enter/leave: no pressure-stall accounting.
        KcompactdDoWork(pgdat);
        _kcompactd[nid].Runs++;
        _currentTaskFlags = savedFlags;
        SwitchCpu(savedCpu);
        TraceEvent(EntryEvent.KcompactdSleep, nid, 0, 0);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_kcompactd_sleep(nid);
        if (!KcompactdWorkRequested(pgdat))
            _kcompactd[nid].Sleeping = true;
    }

    /// <summary>
    /// Mirrors <c>kcompactd_do_work</c> (mm/compaction.c v5.4): compact_control {order = kcompactd_max_order,
    /// search_order = order, classzone_idx = kcompactd_classzone_idx, MIGRATE_SYNC_LIGHT, ignore_skip_hint = false,
    /// GFP_KERNEL}; KCOMPACTD_WAKE; for each populated zone 0..classzone_idx not deferred and CONTINUE by
    /// compaction_suitable(order, 0, zoneid): compact_zone; SUCCESS → compaction_defer_reset(order, false),
    /// COMPLETE/PARTIAL_SKIPPED → drain_all_pages(zone) + defer_compaction; count KCOMPACTD_{MIGRATE,FREE}_SCANNED.
    /// Then forget the request unless a higher order / lower classzone arrived meanwhile.
    /// </summary>
    internal void KcompactdDoWork(PglistData* pgdat)
    {
        CompactControl cc = default;
        CompactControl* ccp = &cc;
        ccp->Order = pgdat->KcompactdMaxOrder;      // search_order: fast_isolate_freepages is not emulated
        ccp->ClasszoneIdx = pgdat->KcompactdClasszoneIdx;
        ccp->Mode = MigrateMode.SyncLight;
        ccp->IgnoreSkipHint = false;
        ccp->GfpMask = Gfp.Kernel;
        TraceEvent(EntryEvent.KcompactdWake, pgdat->NodeId, ccp->Order, ccp->ClasszoneIdx);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_kcompactd_wake(pgdat->NodeId, ccp->Order, ccp->ClasszoneIdx);
        CountVmEvent(VmEventItem.KcompactdWake);

        for (int zoneid = 0; zoneid <= ccp->ClasszoneIdx; zoneid++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, zoneid);
            if (!MmZone.PopulatedZone(zone))
                continue;
            if (CompactionDeferred(zone, ccp->Order))
                continue;
            if (CompactionSuitable(zone, ccp->Order, 0, zoneid) != CompactResult.Continue)
                continue;
            ccp->NrFreepages = 0;
            ccp->NrMigratepages = 0;
            ccp->TotalMigrateScanned = 0;
            ccp->TotalFreeScanned = 0;
            ccp->Zone = zone;
            // As in v5.4, whole_zone and contended carry over from the previous zone (one compact_control for all).
            ListHead.Init(&ccp->FreePages);
            ListHead.Init(&ccp->MigratePages);
            int status = CompactZone(ccp);
            if (status == CompactResult.Success)
            {
                CompactionDeferReset(zone, ccp->Order, false);
            }
            else if (status == CompactResult.PartialSkipped || status == CompactResult.Complete)
            {
                // Free pages stranded on the pcp lists could merge to the order: drain them (ratelimited by the
                // deferral that follows). kcompactd migrates synchronously, so it defers like sync direct compaction.
                DrainAllPages(zone);
                DeferCompaction(zone, ccp->Order);
            }
            CountVmEvent(VmEventItem.KcompactdMigrateScanned, (long)ccp->TotalMigrateScanned);
            CountVmEvent(VmEventItem.KcompactdFreeScanned, (long)ccp->TotalFreeScanned);
        }

        if (pgdat->KcompactdMaxOrder <= ccp->Order)
            pgdat->KcompactdMaxOrder = 0;
        if (pgdat->KcompactdClasszoneIdx >= ccp->ClasszoneIdx)
            pgdat->KcompactdClasszoneIdx = PgdatNrZones(pgdat) - 1;
    }
}
