using System;
using System.Globalization;
using System.IO;
using ReclaimFast.Mm.Memcontrol;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

// The cgroup v2 memory.* read side (mm/memcontrol.c memory_stat_show, memory_events_show) for one group.
public sealed unsafe partial class Machine
{
    private static readonly string[] s_memcgLruNames = ["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"];

    /// <summary>
    /// Writes memory.stat as v5.4's <c>memory_stat_show</c> does: the same lines in the same order, sizes in bytes,
    /// events as counts, every value hierarchical (the group and its descendants, <c>accumulate_memcg_tree</c>).
    /// Lines the emulator does not model (kernel_stack, sock, the THP ones) print 0.
    /// The root has no memory.stat in cgroup v2 (CFTYPE_NOT_ON_ROOT).
    /// </summary>
    public void WriteMemoryStat(string path, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        MemCgroup* memcg = LookupMemcg(path);
        if (MemCgroupIsRoot(memcg))
            throw new ArgumentException("memcg '/': the root has no memory.stat (CFTYPE_NOT_ON_ROOT)", nameof(path));
        long* stat = stackalloc long[(int)MemcgStatItem.Count];
        long* ev = stackalloc long[(int)MemcgVmEvent.Count];
        long* node = stackalloc long[VmStat.NrVmNodeStatItems];
        for (int i = 0; i < (int)MemcgStatItem.Count; i++)
            stat[i] = 0;
        for (int i = 0; i < (int)MemcgVmEvent.Count; i++)
            ev[i] = 0;
        for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
            node[i] = 0;
        for (MemCgroup* pos = memcg; pos != null; pos = CssNextDescendantPre(pos, memcg))
        {
            for (int i = 0; i < (int)MemcgStatItem.Count; i++)
                stat[i] += pos->StatLocal[i];
            for (int i = 0; i < (int)MemcgVmEvent.Count; i++)
                ev[i] += pos->EventsVmLocal[i];
            for (int nid = 0; nid < _nrNodes; nid++)
            {
                Lruvec* lruvec = &MemCgroup.NodeInfo(pos, nid)->Lruvec;
                for (int i = 0; i < VmStat.NrVmNodeStatItems; i++)
                    node[i] += lruvec->StatLocal[i];
            }
        }
        ulong ps = Pfn.PageSize;
        Line(w, "anon", stat[(int)MemcgStatItem.Rss] * (long)ps);
        Line(w, "file", stat[(int)MemcgStatItem.Cache] * (long)ps);
        Line(w, "kernel_stack", 0);
        Line(w, "slab", (node[(int)NodeStatItem.NrSlabReclaimable] + node[(int)NodeStatItem.NrSlabUnreclaimable]) * (long)ps);
        Line(w, "sock", 0);
        Line(w, "shmem", stat[(int)MemcgStatItem.Shmem] * (long)ps);
        Line(w, "file_mapped", stat[(int)MemcgStatItem.FileMapped] * (long)ps);
        Line(w, "file_dirty", node[(int)NodeStatItem.NrFileDirty] * (long)ps);
        Line(w, "file_writeback", node[(int)NodeStatItem.NrWriteback] * (long)ps);
        Line(w, "anon_thp", stat[(int)MemcgStatItem.RssHuge] * (long)ps);
        for (int i = 0; i < Lru.NrLruLists; i++)
            Line(w, s_memcgLruNames[i], node[(int)NodeStatItem.NrInactiveAnon + i] * (long)ps);
        Line(w, "slab_reclaimable", node[(int)NodeStatItem.NrSlabReclaimable] * (long)ps);
        Line(w, "slab_unreclaimable", node[(int)NodeStatItem.NrSlabUnreclaimable] * (long)ps);
        Line(w, "pgfault", ev[(int)MemcgVmEvent.Pgfault]);
        Line(w, "pgmajfault", ev[(int)MemcgVmEvent.Pgmajfault]);
        Line(w, "workingset_refault", node[(int)NodeStatItem.WorkingsetRefault]);
        Line(w, "workingset_activate", node[(int)NodeStatItem.WorkingsetActivate]);
        Line(w, "workingset_nodereclaim", node[(int)NodeStatItem.WorkingsetNodereclaim]);
        Line(w, "pgrefill", ev[(int)MemcgVmEvent.Pgrefill]);
        Line(w, "pgscan", ev[(int)MemcgVmEvent.PgscanKswapd] + ev[(int)MemcgVmEvent.PgscanDirect]);
        Line(w, "pgsteal", ev[(int)MemcgVmEvent.PgstealKswapd] + ev[(int)MemcgVmEvent.PgstealDirect]);
        Line(w, "pgactivate", ev[(int)MemcgVmEvent.Pgactivate]);
        Line(w, "pgdeactivate", ev[(int)MemcgVmEvent.Pgdeactivate]);
        Line(w, "pglazyfree", ev[(int)MemcgVmEvent.Pglazyfree]);
        Line(w, "pglazyfreed", ev[(int)MemcgVmEvent.Pglazyfreed]);
        Line(w, "thp_fault_alloc", ev[(int)MemcgVmEvent.ThpFaultAlloc]);
        Line(w, "thp_collapse_alloc", ev[(int)MemcgVmEvent.ThpCollapseAlloc]);
    }

    private static void Line(TextWriter w, string name, long value)
    {
        w.Write(name);
        w.Write(' ');
        w.Write(value.ToString(CultureInfo.InvariantCulture));
        w.Write('\n');
    }

    /// <summary>Writes memory.events (<c>memory_events_show</c>): low, high, max, oom, oom_kill (hierarchical counts).</summary>
    public void WriteMemoryEvents(string path, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        MemCgroup* memcg = LookupMemcg(path);
        WriteEvents(w, memcg->MemoryEvents);
    }

    /// <summary>Writes memory.events.local (<c>memory_events_local_show</c>).</summary>
    public void WriteMemoryEventsLocal(string path, TextWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        MemCgroup* memcg = LookupMemcg(path);
        WriteEvents(w, memcg->MemoryEventsLocal);
    }

    private static void WriteEvents(TextWriter w, long* events)
    {
        Line(w, "low", events[(int)MemcgEventItem.Low]);
        Line(w, "high", events[(int)MemcgEventItem.High]);
        Line(w, "max", events[(int)MemcgEventItem.Max]);
        Line(w, "oom", events[(int)MemcgEventItem.Oom]);
        Line(w, "oom_kill", events[(int)MemcgEventItem.OomKill]);
    }

    /// <summary>Reads memory.min / low / high / max / swap.max back as the file shows it: "max" or bytes.</summary>
    public string MemCgroupReadKnob(string path, MemcgKnob knob)
    {
        MemCgroup* memcg = LookupMemcg(path);
        long pages = knob switch
        {
            MemcgKnob.Max => memcg->Memory.Max,
            MemcgKnob.High => memcg->High,
            MemcgKnob.Low => memcg->Memory.Low,
            MemcgKnob.Min => memcg->Memory.Min,
            MemcgKnob.SwapMax => memcg->Swap.Max,
            MemcgKnob.SoftLimit => memcg->SoftLimit,
            _ => throw new ArgumentOutOfRangeException(nameof(knob), knob, "unknown memcg knob"),
        };
        return pages == PageCounter.PageCounterMax ? "max" : ((ulong)pages * Pfn.PageSize).ToString(CultureInfo.InvariantCulture);
    }
}
