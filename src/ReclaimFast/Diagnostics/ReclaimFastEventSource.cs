using System;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast.Diagnostics;

/// <summary>
/// The <c>ReclaimFast</c> EventSource: one event per kernel tracepoint of include/trace/events/{vmscan,compaction,
/// oom}.h (v5.4), named exactly as the tracepoint and carrying its TP_STRUCT__entry fields in order, so a
/// <c>dotnet-trace collect --providers ReclaimFast</c> session reads like <c>perf trace -e vmscan:*</c>.
/// Pointer fields (shrinker, page) are carried as ids (shrinker id, pfn). Every method returns after one
/// <see cref="EventSource.IsEnabled(EventLevel, EventKeywords)"/> branch when nobody listens, and writes its
/// payload with <c>WriteEventCore</c> from the stack: no allocation, no boxing.
/// </summary>
[EventSource(Name = "ReclaimFast")]
[UnconditionalSuppressMessage("ReflectionAnalysis", "IL2026", Justification = "Every payload is primitive (as in CoreLib's ArrayPoolEventSource).")]
public sealed unsafe class ReclaimFastEventSource : EventSource
{
    /// <summary>The process-wide instance.</summary>
    public static readonly ReclaimFastEventSource Log = new();

    private ReclaimFastEventSource()
    {
    }

    /// <summary>Event keywords: one per tracepoint system.</summary>
    public static class Keywords
    {
        /// <summary>vmscan tracepoints.</summary>
        public const EventKeywords Vmscan = (EventKeywords)0x1;
        /// <summary>compaction tracepoints.</summary>
        public const EventKeywords Compaction = (EventKeywords)0x2;
        /// <summary>oom tracepoints.</summary>
        public const EventKeywords Oom = (EventKeywords)0x4;
        /// <summary>Per-page or per-batch events (lru_isolate, writepage): high volume.</summary>
        public const EventKeywords Detail = (EventKeywords)0x8;
    }

    /// <summary>RECLAIM_WB_ANON (trace/events/vmscan.h).</summary>
    public const int ReclaimWbAnon = 0x1;
    /// <summary>RECLAIM_WB_FILE.</summary>
    public const int ReclaimWbFile = 0x2;
    /// <summary>RECLAIM_WB_ASYNC.</summary>
    public const int ReclaimWbAsync = 0x8;

    /// <summary><c>trace_reclaim_flags(file)</c>.</summary>
    public static int TraceReclaimFlags(bool file) => (file ? ReclaimWbFile : ReclaimWbAnon) | ReclaimWbAsync;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool On(EventKeywords k, EventLevel level = EventLevel.Informational) => IsEnabled(level, k);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static EventData D(void* p, int size) => new() { DataPointer = (nint)p, Size = size };

    // ---------------- vmscan ----------------

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_kswapd_sleep</c>.</summary>
    [Event(1, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_kswapd_sleep(int nid)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[1];
        d[0] = D(&nid, 4);
        WriteEventCore(1, 1, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_kswapd_wake</c>.</summary>
    [Event(2, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_kswapd_wake(int nid, int zid, int order)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[3];
        d[0] = D(&nid, 4); d[1] = D(&zid, 4); d[2] = D(&order, 4);
        WriteEventCore(2, 3, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_wakeup_kswapd</c>.</summary>
    [Event(3, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_wakeup_kswapd(int nid, int zid, int order, uint gfp_flags)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[4];
        d[0] = D(&nid, 4); d[1] = D(&zid, 4); d[2] = D(&order, 4); d[3] = D(&gfp_flags, 4);
        WriteEventCore(3, 4, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_direct_reclaim_begin</c>.</summary>
    [Event(4, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_direct_reclaim_begin(int order, uint gfp_flags) => OrderGfp(4, order, gfp_flags);

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_direct_reclaim_end</c>.</summary>
    [Event(5, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_direct_reclaim_end(ulong nr_reclaimed) => Reclaimed(5, nr_reclaimed);

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_memcg_reclaim_begin</c>.</summary>
    [Event(6, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_memcg_reclaim_begin(int order, uint gfp_flags) => OrderGfp(6, order, gfp_flags);

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_memcg_reclaim_end</c>.</summary>
    [Event(7, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_memcg_reclaim_end(ulong nr_reclaimed) => Reclaimed(7, nr_reclaimed);

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_memcg_softlimit_reclaim_begin</c>.</summary>
    [Event(8, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_memcg_softlimit_reclaim_begin(int order, uint gfp_flags) => OrderGfp(8, order, gfp_flags);

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_memcg_softlimit_reclaim_end</c>.</summary>
    [Event(9, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_memcg_softlimit_reclaim_end(ulong nr_reclaimed) => Reclaimed(9, nr_reclaimed);

    /// <summary>Tracepoint <c>vmscan:mm_shrink_slab_start</c> (shr/shrink pointers carried as the shrinker id).</summary>
    [Event(10, Keywords = Keywords.Vmscan, Level = EventLevel.Verbose)]
    public void mm_shrink_slab_start(int shrinker_id, int nid, long nr_objects_to_shrink, uint gfp_flags,
        ulong cache_items, ulong delta, ulong total_scan, int priority)
    {
        if (!On(Keywords.Vmscan, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[8];
        d[0] = D(&shrinker_id, 4); d[1] = D(&nid, 4); d[2] = D(&nr_objects_to_shrink, 8); d[3] = D(&gfp_flags, 4);
        d[4] = D(&cache_items, 8); d[5] = D(&delta, 8); d[6] = D(&total_scan, 8); d[7] = D(&priority, 4);
        WriteEventCore(10, 8, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_shrink_slab_end</c>.</summary>
    [Event(11, Keywords = Keywords.Vmscan, Level = EventLevel.Verbose)]
    public void mm_shrink_slab_end(int shrinker_id, int nid, long unused_scan, long new_scan, int retval, long total_scan)
    {
        if (!On(Keywords.Vmscan, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[6];
        d[0] = D(&shrinker_id, 4); d[1] = D(&nid, 4); d[2] = D(&unused_scan, 8); d[3] = D(&new_scan, 8);
        d[4] = D(&retval, 4); d[5] = D(&total_scan, 8);
        WriteEventCore(11, 6, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_lru_isolate</c>.</summary>
    [Event(12, Keywords = Keywords.Vmscan | Keywords.Detail, Level = EventLevel.Verbose)]
    public void mm_vmscan_lru_isolate(int classzone_idx, int order, ulong nr_requested, ulong nr_scanned,
        ulong nr_skipped, ulong nr_taken, uint isolate_mode, int lru)
    {
        if (!On(Keywords.Detail, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[8];
        d[0] = D(&classzone_idx, 4); d[1] = D(&order, 4); d[2] = D(&nr_requested, 8); d[3] = D(&nr_scanned, 8);
        d[4] = D(&nr_skipped, 8); d[5] = D(&nr_taken, 8); d[6] = D(&isolate_mode, 4); d[7] = D(&lru, 4);
        WriteEventCore(12, 8, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_writepage</c>.</summary>
    [Event(13, Keywords = Keywords.Vmscan | Keywords.Detail, Level = EventLevel.Verbose)]
    public void mm_vmscan_writepage(ulong pfn, int reclaim_flags)
    {
        if (!On(Keywords.Detail, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[2];
        d[0] = D(&pfn, 8); d[1] = D(&reclaim_flags, 4);
        WriteEventCore(13, 2, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_lru_shrink_inactive</c>.</summary>
    [Event(14, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_lru_shrink_inactive(int nid, ulong nr_scanned, ulong nr_reclaimed, ulong nr_dirty,
        ulong nr_writeback, ulong nr_congested, ulong nr_immediate, uint nr_activate0, uint nr_activate1,
        ulong nr_ref_keep, ulong nr_unmap_fail, int priority, int reclaim_flags)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[13];
        d[0] = D(&nid, 4); d[1] = D(&nr_scanned, 8); d[2] = D(&nr_reclaimed, 8); d[3] = D(&nr_dirty, 8);
        d[4] = D(&nr_writeback, 8); d[5] = D(&nr_congested, 8); d[6] = D(&nr_immediate, 8);
        d[7] = D(&nr_activate0, 4); d[8] = D(&nr_activate1, 4); d[9] = D(&nr_ref_keep, 8);
        d[10] = D(&nr_unmap_fail, 8); d[11] = D(&priority, 4); d[12] = D(&reclaim_flags, 4);
        WriteEventCore(14, 13, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_lru_shrink_active</c>.</summary>
    [Event(15, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_lru_shrink_active(int nid, ulong nr_taken, ulong nr_active, ulong nr_deactivated,
        ulong nr_referenced, int priority, int reclaim_flags)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[7];
        d[0] = D(&nid, 4); d[1] = D(&nr_taken, 8); d[2] = D(&nr_active, 8); d[3] = D(&nr_deactivated, 8);
        d[4] = D(&nr_referenced, 8); d[5] = D(&priority, 4); d[6] = D(&reclaim_flags, 4);
        WriteEventCore(15, 7, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_inactive_list_is_low</c>.</summary>
    [Event(16, Keywords = Keywords.Vmscan | Keywords.Detail, Level = EventLevel.Verbose)]
    public void mm_vmscan_inactive_list_is_low(int nid, int reclaim_idx, ulong total_inactive, ulong inactive,
        ulong total_active, ulong active, ulong ratio, int reclaim_flags)
    {
        if (!On(Keywords.Detail, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[8];
        d[0] = D(&nid, 4); d[1] = D(&reclaim_idx, 4); d[2] = D(&total_inactive, 8); d[3] = D(&inactive, 8);
        d[4] = D(&total_active, 8); d[5] = D(&active, 8); d[6] = D(&ratio, 8); d[7] = D(&reclaim_flags, 4);
        WriteEventCore(16, 8, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_node_reclaim_begin</c>.</summary>
    [Event(17, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_node_reclaim_begin(int nid, int order, uint gfp_flags)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[3];
        d[0] = D(&nid, 4); d[1] = D(&order, 4); d[2] = D(&gfp_flags, 4);
        WriteEventCore(17, 3, d);
    }

    /// <summary>Tracepoint <c>vmscan:mm_vmscan_node_reclaim_end</c>.</summary>
    [Event(18, Keywords = Keywords.Vmscan, Level = EventLevel.Informational)]
    public void mm_vmscan_node_reclaim_end(ulong nr_reclaimed) => Reclaimed(18, nr_reclaimed);

    // ---------------- compaction ----------------

    /// <summary>Tracepoint <c>compaction:mm_compaction_begin</c>.</summary>
    [Event(20, Keywords = Keywords.Compaction, Level = EventLevel.Informational)]
    public void mm_compaction_begin(ulong zone_start, ulong migrate_pfn, ulong free_pfn, ulong zone_end, int sync)
    {
        if (!On(Keywords.Compaction)) return;
        EventData* d = stackalloc EventData[5];
        d[0] = D(&zone_start, 8); d[1] = D(&migrate_pfn, 8); d[2] = D(&free_pfn, 8); d[3] = D(&zone_end, 8);
        d[4] = D(&sync, 4);
        WriteEventCore(20, 5, d);
    }

    /// <summary>Tracepoint <c>compaction:mm_compaction_end</c>.</summary>
    [Event(21, Keywords = Keywords.Compaction, Level = EventLevel.Informational)]
    public void mm_compaction_end(ulong zone_start, ulong migrate_pfn, ulong free_pfn, ulong zone_end, int sync, int status)
    {
        if (!On(Keywords.Compaction)) return;
        EventData* d = stackalloc EventData[6];
        d[0] = D(&zone_start, 8); d[1] = D(&migrate_pfn, 8); d[2] = D(&free_pfn, 8); d[3] = D(&zone_end, 8);
        d[4] = D(&sync, 4); d[5] = D(&status, 4);
        WriteEventCore(21, 6, d);
    }

    /// <summary>Tracepoint <c>compaction:mm_compaction_try_to_compact_pages</c>.</summary>
    [Event(22, Keywords = Keywords.Compaction, Level = EventLevel.Informational)]
    public void mm_compaction_try_to_compact_pages(int order, uint gfp_mask, int prio)
    {
        if (!On(Keywords.Compaction)) return;
        EventData* d = stackalloc EventData[3];
        d[0] = D(&order, 4); d[1] = D(&gfp_mask, 4); d[2] = D(&prio, 4);
        WriteEventCore(22, 3, d);
    }

    /// <summary>Tracepoint <c>compaction:mm_compaction_suitable</c>.</summary>
    [Event(23, Keywords = Keywords.Compaction, Level = EventLevel.Verbose)]
    public void mm_compaction_suitable(int nid, int idx, int order, int ret)
    {
        if (!On(Keywords.Compaction, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[4];
        d[0] = D(&nid, 4); d[1] = D(&idx, 4); d[2] = D(&order, 4); d[3] = D(&ret, 4);
        WriteEventCore(23, 4, d);
    }

    /// <summary>Tracepoint <c>compaction:mm_compaction_deferred</c>.</summary>
    [Event(24, Keywords = Keywords.Compaction, Level = EventLevel.Verbose)]
    public void mm_compaction_deferred(int nid, int idx, int order, uint considered, uint defer_shift, int order_failed)
    {
        if (!On(Keywords.Compaction, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[6];
        d[0] = D(&nid, 4); d[1] = D(&idx, 4); d[2] = D(&order, 4); d[3] = D(&considered, 4);
        d[4] = D(&defer_shift, 4); d[5] = D(&order_failed, 4);
        WriteEventCore(24, 6, d);
    }

    /// <summary>Tracepoint <c>compaction:mm_compaction_kcompactd_sleep</c>.</summary>
    [Event(25, Keywords = Keywords.Compaction, Level = EventLevel.Informational)]
    public void mm_compaction_kcompactd_sleep(int nid)
    {
        if (!On(Keywords.Compaction)) return;
        EventData* d = stackalloc EventData[1];
        d[0] = D(&nid, 4);
        WriteEventCore(25, 1, d);
    }

    /// <summary>Tracepoint <c>compaction:mm_compaction_wakeup_kcompactd</c> (nid, order, classzone_idx).</summary>
    [Event(26, Keywords = Keywords.Compaction, Level = EventLevel.Informational)]
    public void mm_compaction_wakeup_kcompactd(int nid, int order, int classzone_idx) => NidOrderZone(26, nid, order, classzone_idx);

    /// <summary>Tracepoint <c>compaction:mm_compaction_kcompactd_wake</c> (nid, order, classzone_idx).</summary>
    [Event(27, Keywords = Keywords.Compaction, Level = EventLevel.Informational)]
    public void mm_compaction_kcompactd_wake(int nid, int order, int classzone_idx) => NidOrderZone(27, nid, order, classzone_idx);

    // ---------------- oom ----------------

    /// <summary>Tracepoint <c>oom:mark_victim</c>.</summary>
    [Event(30, Keywords = Keywords.Oom, Level = EventLevel.Informational)]
    public void mark_victim(int pid)
    {
        if (!On(Keywords.Oom)) return;
        EventData* d = stackalloc EventData[1];
        d[0] = D(&pid, 4);
        WriteEventCore(30, 1, d);
    }

    /// <summary>Tracepoint <c>oom:reclaim_retry_zone</c> (should_reclaim_retry, per zone).</summary>
    [Event(31, Keywords = Keywords.Oom, Level = EventLevel.Verbose)]
    public void reclaim_retry_zone(int node, int zone_idx, int order, ulong reclaimable, ulong available,
        ulong min_wmark, int no_progress_loops, int wmark_check)
    {
        if (!On(Keywords.Oom, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[8];
        d[0] = D(&node, 4); d[1] = D(&zone_idx, 4); d[2] = D(&order, 4); d[3] = D(&reclaimable, 8);
        d[4] = D(&available, 8); d[5] = D(&min_wmark, 8); d[6] = D(&no_progress_loops, 4); d[7] = D(&wmark_check, 4);
        WriteEventCore(31, 8, d);
    }

    /// <summary>Tracepoint <c>oom:compact_retry</c> (should_compact_retry).</summary>
    [Event(32, Keywords = Keywords.Oom, Level = EventLevel.Verbose)]
    public void compact_retry(int order, int priority, int result, int retries, int max_retries, int ret)
    {
        if (!On(Keywords.Oom, EventLevel.Verbose)) return;
        EventData* d = stackalloc EventData[6];
        d[0] = D(&order, 4); d[1] = D(&priority, 4); d[2] = D(&result, 4); d[3] = D(&retries, 4);
        d[4] = D(&max_retries, 4); d[5] = D(&ret, 4);
        WriteEventCore(32, 6, d);
    }

    // ---------------- counters (dotnet-counters) ----------------

    /// <summary>
    /// The /proc/vmstat names published as <see cref="PollingCounter"/>s (values as /proc/vmstat prints them, read
    /// from the machine given to <see cref="Attach"/>).
    /// </summary>
    public static ImmutableArray<string> CounterNames { get; } =
    [
        "nr_free_pages", "nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
        "nr_file_pages", "nr_anon_pages", "nr_dirty", "nr_writeback",
        "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "pswpin", "pswpout",
        "workingset_refault", "workingset_activate", "workingset_restore", "allocstall_normal", "pageoutrun",
        "pgrefill", "pgactivate", "pgdeactivate", "oom_kill", "compact_stall",
    ];

    // The one mutable static of the library: which machine the counters show (a process has one EventSource but
    // may run several machines; the host chooses). Guarded by s_attachLock so a counter read never races the
    // machine's Dispose (Dispose detaches under the same lock).
    private static Machine? s_attached;
    private static readonly object s_attachLock = new();

    private PollingCounter[]? _counters;

    /// <summary>
    /// Makes the EventCounters (<see cref="CounterNames"/>) show <paramref name="machine"/>, replacing any machine
    /// attached before. Counter values are read on the EventSource's timer thread while the machine runs on its own
    /// thread: each value is one aligned 64-bit read (or a sum of them), so a sample may be a moment stale but is
    /// never torn.
    /// </summary>
    public static void Attach(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        lock (s_attachLock)
            s_attached = machine;
    }

    /// <summary>Stops the counters showing <paramref name="machine"/> if it is the attached one (they read 0 then).</summary>
    public static void Detach(Machine machine)
    {
        lock (s_attachLock)
        {
            if (ReferenceEquals(s_attached, machine))
                s_attached = null;
        }
    }

    /// <summary>The machine the counters show, if any.</summary>
    internal static Machine? AttachedMachine
    {
        get
        {
            lock (s_attachLock)
                return s_attached;
        }
    }

    /// <summary>Creates the polling counters on first enable: nothing exists, and nothing is paid, until a listener asks.</summary>
    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Command == EventCommand.Enable && _counters is null)
            _counters = CreateCounters();
    }

    [NonEvent]
    private PollingCounter[] CreateCounters()
    {
        var counters = new PollingCounter[CounterNames.Length];
        for (int i = 0; i < counters.Length; i++)
        {
            string name = CounterNames[i];
            int kind, index;
            if ((index = VmStat.ZoneStatText.IndexOf(name)) >= 0)
                kind = 0;
            else if ((index = VmStat.NodeStatText.IndexOf(name)) >= 0)
                kind = 1;
            else if ((index = VmEvent.Text.IndexOf(name)) >= 0)
                kind = 2;
            else
                throw new InvalidOperationException($"{name} is not a /proc/vmstat item");
            counters[i] = new PollingCounter(name, this, () => ReadCounter(kind, index))
            {
                DisplayName = name,
                DisplayUnits = kind == 2 ? "events" : "pages",
            };
        }
        return counters;
    }

    /// <summary>The /proc/vmstat value of one item of the attached machine (0 when none is attached).</summary>
    [NonEvent]
    private static double ReadCounter(int kind, int index)
    {
        lock (s_attachLock)
        {
            Machine? m = s_attached;
            if (m is null)
                return 0;
            long v = kind switch
            {
                0 => m.GlobalZonePageState((ZoneStatItem)index),
                1 => m.GlobalNodePageState((NodeStatItem)index),
                _ => m.VmEvent((VmEventItem)index),
            };
            return kind == 2 ? (ulong)v : Math.Max(0, v); // /proc/vmstat clamps page states to 0
        }
    }

    // ---------------- shared event classes ----------------

    [NonEvent]
    private void OrderGfp(int id, int order, uint gfp)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[2];
        d[0] = D(&order, 4); d[1] = D(&gfp, 4);
        WriteEventCore(id, 2, d);
    }

    [NonEvent]
    private void NidOrderZone(int id, int nid, int order, int classzoneIdx)
    {
        if (!On(Keywords.Compaction)) return;
        EventData* d = stackalloc EventData[3];
        d[0] = D(&nid, 4); d[1] = D(&order, 4); d[2] = D(&classzoneIdx, 4);
        WriteEventCore(id, 3, d);
    }

    [NonEvent]
    private void Reclaimed(int id, ulong nrReclaimed)
    {
        if (!On(Keywords.Vmscan)) return;
        EventData* d = stackalloc EventData[1];
        d[0] = D(&nrReclaimed, 8);
        WriteEventCore(id, 1, d);
    }
}
