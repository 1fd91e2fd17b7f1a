using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

namespace ReclaimFast;

/// <summary>
/// One emulated machine: owns every native allocation (through one <see cref="NativeHeap"/>), the flat
/// <c>mem_map</c> of <see cref="Page"/> descriptors indexed by PFN, the content-token side array, the nodes
/// (<see cref="PglistData"/>) with their zones, and the per-machine counters. The kernel's mm functions are
/// methods of this class, spread over partial files in the folder of their kernel counterpart (Mm/PageAlloc holds
/// page_alloc.c). Not thread-safe: one machine runs on one host thread.
/// </summary>
public sealed unsafe partial class Machine : IDisposable
{
    private readonly NativeHeap _heap;
    private readonly MachineDescription _description;
    private Page* _memMap;
    private ulong _maxPfn;
    private ulong _memMapPfns;
    private ulong* _contentToken;
    private PglistData* _pgdats;
    private readonly int _nrNodes;
    private readonly int _nrCpus;
    private int _currentCpu;
    private int _numaNodeId;          // the per-cpu numa_node of _currentCpu, kept with it by SwitchCpu
    private Zone** _zoneTable;       // page_zone() by page_zone_id (node << ZONES_SHIFT | zone)
    private int* _cpuToNode;
    private int* _nodeDistance;      // [from * nrNodes + to]
    private long* _vmEvents;         // vm_event_states summed over CPUs
    private byte* _sectionPresent;   // SPARSEMEM present sections, for pfn_valid
    private ulong _nrSections;
    private ulong* _sectionUsemaps;  // SPARSEMEM: each section's pageblock_flags, section after section
    private bool _disposed;

    private Machine(MachineDescription description)
    {
        _description = description;
        _nrNodes = description.Nodes.Count;
        _nrCpus = description.NrCpus;
        _heap = new NativeHeap();
    }

    /// <summary>Boots a machine from a description (validated first).</summary>
    public static Machine Boot(MachineDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        description.Validate();
        var m = new Machine(description);
        try
        {
            m.BootMemory();
        }
        catch
        {
            m.Dispose();
            throw;
        }
        return m;
    }

    /// <summary>Boots <see cref="MachineDescription.Default"/>: 16 GiB over two nodes, 4 CPUs.</summary>
    public static Machine CreateDefault() => Boot(MachineDescription.Default);

    /// <summary>The description this machine was booted from.</summary>
    public MachineDescription Description => _description;

    /// <summary>Owner of all native memory of this machine.</summary>
    internal NativeHeap Heap => _heap;

    /// <summary>Bytes of native memory the machine owns.</summary>
    public long NativeBytes => _heap.BytesAllocated;

    /// <summary><c>mem_map</c>: the descriptor array, indexed by PFN (holes included).</summary>
    internal Page* MemMap => _memMap;

    /// <summary><c>max_pfn</c>: one past the highest PFN of any zone (exclusive end).</summary>
    internal ulong MaxPfn => _maxPfn;

    /// <summary>Public copy of <see cref="MaxPfn"/>.</summary>
    public ulong MaxPfnValue => _maxPfn;

    /// <summary>Descriptors in <c>mem_map</c>: <see cref="MaxPfn"/> rounded up to MAX_ORDER_NR_PAGES so every buddy exists.</summary>
    internal ulong MemMapPfns => _memMapPfns;

    /// <summary>The content token of each page frame, by PFN (meaningful only on allocated pages).</summary>
    internal ulong* ContentToken => _contentToken;

    /// <summary>The emulated CPU the running task is on: selects the per-cpu pagesets (the scheduler sets it).</summary>
    internal int CurrentCpu
    {
        get => _currentCpu;
        set
        {
            if ((uint)value >= (uint)_nrCpus)
                ThrowCpu(value);
            SwitchCpu(value);
        }
    }

    /// <summary>Runs on <paramref name="cpu"/> from now on: its per-cpu data, and its <c>numa_node</c>, become current.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SwitchCpu(int cpu)
    {
        _currentCpu = cpu;
        _numaNodeId = _cpuToNode[cpu];
    }

    /// <summary>Number of emulated CPUs.</summary>
    public int NrCpus => _nrCpus;

    /// <summary>Number of NUMA nodes (<c>nr_online_nodes</c>).</summary>
    public int NrNodes => _nrNodes;

    /// <summary><c>NODE_DATA(nid)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal PglistData* NodeData(int nid)
    {
        Debug.Assert((uint)nid < (uint)_nrNodes);
        return _pgdats + nid;
    }

    /// <summary><c>cpu_to_node</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int CpuToNode(int cpu) => _cpuToNode[cpu];

    /// <summary><c>numa_node_id()</c>: the node of the current CPU (the per-cpu <c>numa_node</c>, one load).</summary>
    internal int NumaNodeId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _numaNodeId;
    }

    /// <summary><c>node_distance(from, to)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int NodeDistance(int from, int to) => _nodeDistance[from * _nrNodes + to];

    /// <summary>PAGES_PER_SECTION: 2^(SECTION_SIZE_BITS 27 − PAGE_SHIFT) on x86-64.</summary>
    internal const ulong PagesPerSection = 1UL << (27 - Pfn.PageShift);

    /// <summary>
    /// <c>pfn_valid</c> (SPARSEMEM): the PFN's 128 MiB section holds present memory. Holes inside a present section
    /// are valid (their descriptors are PG_reserved); whole absent sections are not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool PfnValid(ulong pfn)
    {
        ulong sec = pfn / PagesPerSection;
        return sec < _nrSections && _sectionPresent[sec] != 0;
    }

    /// <summary><c>pfn_to_page</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Page* PfnToPage(ulong pfn)
    {
        Debug.Assert(pfn < _memMapPfns, "pfn_to_page beyond mem_map");
        return _memMap + pfn;
    }

    /// <summary><c>page_to_pfn</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong PageToPfn(Page* page) => (ulong)((byte*)page - (byte*)_memMap) / (ulong)sizeof(Page); // a shift, not a signed division

    /// <summary><c>page_zone</c>: from the node and zone numbers in <c>page->flags</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Zone* PageZone(Page* page) => _zoneTable[page->Flags >> PageOps.ZonesPgShift];

    /// <summary><c>page_pgdat</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal PglistData* PagePgdat(Page* page) => _pgdats + PageOps.PageToNid(page);

    /// <summary><c>page_zone_id</c>: node and zone numbers as one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong PageZoneId(Page* page) => page->Flags >> PageOps.ZonesPgShift;

    // ---- counters (include/linux/vmstat.h) ----

    /// <summary><c>__mod_zone_page_state</c> (exact: no per-cpu differential).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ModZonePageState(Zone* zone, ZoneStatItem item, long delta) => zone->VmStat[(int)item] += delta;

    /// <summary><c>__mod_node_page_state</c> (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ModNodePageState(PglistData* pgdat, NodeStatItem item, long delta) => pgdat->VmStat[(int)item] += delta;

    /// <summary><c>__count_vm_events</c> / <c>count_vm_event</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountVmEvent(VmEventItem item, long delta = 1) => _vmEvents[(int)item] += delta;

    /// <summary><c>__count_zid_vm_events(item, zid, delta)</c>: <paramref name="dmaItem"/> is the group's _DMA member.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CountZidVmEvents(VmEventItem dmaItem, int zid, long delta) => _vmEvents[(int)dmaItem + zid] += delta;

    /// <summary><c>__inc_numa_state</c> (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IncNumaState(Zone* zone, NumaStatItem item) => zone->VmNumaStat[(int)item]++;

    /// <summary><c>zone_page_state</c> of node <paramref name="nid"/>'s zone <paramref name="zone"/>.</summary>
    public long ZonePageState(int nid, ZoneType zone, ZoneStatItem item) => ZoneOf(nid, zone)->VmStat[(int)item];

    /// <summary><c>zone_numa_state_snapshot</c>.</summary>
    public long ZoneNumaState(int nid, ZoneType zone, NumaStatItem item) => ZoneOf(nid, zone)->VmNumaStat[(int)item];

    /// <summary><c>node_page_state</c>.</summary>
    public long NodePageState(int nid, NodeStatItem item)
    {
        CheckNode(nid);
        return _pgdats[nid].VmStat[(int)item];
    }

    /// <summary><c>global_zone_page_state</c>: the sum over all zones.</summary>
    public long GlobalZonePageState(ZoneStatItem item)
    {
        long sum = 0;
        for (int n = 0; n < _nrNodes; n++)
        {
            for (int z = 0; z < MmZone.MaxNrZones; z++)
                sum += PglistData.NodeZone(_pgdats + n, z)->VmStat[(int)item];
        }
        return sum;
    }

    /// <summary><c>global_node_page_state</c>: the sum over all nodes.</summary>
    public long GlobalNodePageState(NodeStatItem item)
    {
        long sum = 0;
        for (int n = 0; n < _nrNodes; n++)
            sum += _pgdats[n].VmStat[(int)item];
        return sum;
    }

    /// <summary>The event counter (<c>all_vm_events</c> entry).</summary>
    public long VmEvent(VmEventItem item)
    {
        if ((uint)item >= (uint)Diagnostics.VmEvent.NrVmEventItems)
            throw new ArgumentOutOfRangeException(nameof(item), item, "not a vm event");
        return _vmEvents[(int)item];
    }

    // ---- safe zone summary (tests, CLI) ----

    /// <summary>The zone of node <paramref name="nid"/> of type <paramref name="zone"/> (validated).</summary>
    internal Zone* ZoneOf(int nid, ZoneType zone)
    {
        CheckNode(nid);
        if ((uint)zone >= MmZone.MaxNrZones)
            throw new ArgumentOutOfRangeException(nameof(zone), zone, "not a zone type");
        return PglistData.NodeZone(_pgdats + nid, (int)zone);
    }

    /// <summary><c>zone_managed_pages</c>.</summary>
    public ulong ZoneManagedPages(int nid, ZoneType zone) => ZoneOf(nid, zone)->ManagedPages;

    /// <summary><c>zone->present_pages</c>.</summary>
    public ulong ZonePresentPages(int nid, ZoneType zone) => ZoneOf(nid, zone)->PresentPages;

    /// <summary><c>zone->spanned_pages</c>.</summary>
    public ulong ZoneSpannedPages(int nid, ZoneType zone) => ZoneOf(nid, zone)->SpannedPages;

    /// <summary><c>zone->zone_start_pfn</c>.</summary>
    public ulong ZoneStartPfn(int nid, ZoneType zone) => ZoneOf(nid, zone)->ZoneStartPfn;

    /// <summary><c>wmark_pages(zone, wmark)</c> (includes the boost): 0 min, 1 low, 2 high.</summary>
    public ulong ZoneWatermark(int nid, ZoneType zone, int wmark)
    {
        if ((uint)wmark >= MmZone.NrWmark)
            throw new ArgumentOutOfRangeException(nameof(wmark), wmark, "0 (min), 1 (low) or 2 (high)");
        return MmZone.WmarkPages(ZoneOf(nid, zone), wmark);
    }

    /// <summary><c>zone->watermark_boost</c>.</summary>
    public ulong ZoneWatermarkBoost(int nid, ZoneType zone) => ZoneOf(nid, zone)->WatermarkBoost;

    /// <summary><c>zone->lowmem_reserve[classzone]</c>.</summary>
    public long ZoneLowmemReserve(int nid, ZoneType zone, ZoneType classzone)
    {
        if ((uint)classzone >= MmZone.MaxNrZones)
            throw new ArgumentOutOfRangeException(nameof(classzone), classzone, "not a zone type");
        return ZoneOf(nid, zone)->LowmemReserve[(int)classzone];
    }

    /// <summary><c>zone->free_area[order].nr_free</c>.</summary>
    public ulong ZoneNrFree(int nid, ZoneType zone, int order)
    {
        if ((uint)order >= MmZone.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, "0..10");
        return Zone.Area(ZoneOf(nid, zone), order)->NrFree;
    }

    /// <summary>Blocks on <c>zone->free_area[order].free_list[mt]</c> (walks the list).</summary>
    public long ZoneFreeListLength(int nid, ZoneType zone, int order, MigrateType mt)
    {
        if ((uint)order >= MmZone.MaxOrder)
            throw new ArgumentOutOfRangeException(nameof(order), order, "0..10");
        if ((uint)mt >= MmZone.MigrateTypes)
            throw new ArgumentOutOfRangeException(nameof(mt), mt, "not a migratetype");
        return ListHead.Count(FreeArea.List(Zone.Area(ZoneOf(nid, zone), order), (int)mt));
    }

    /// <summary>The pcp <c>count</c> of a zone on one CPU (0 for unpopulated zones).</summary>
    public int ZonePcpCount(int nid, ZoneType zone, int cpu)
    {
        if ((uint)cpu >= (uint)_nrCpus)
            ThrowCpu(cpu);
        Zone* z = ZoneOf(nid, zone);
        return z->Pageset == null ? 0 : z->Pageset[cpu].Pcp.Count;
    }

    /// <summary><c>pgdat->totalreserve_pages</c>.</summary>
    public ulong NodeTotalreservePages(int nid)
    {
        CheckNode(nid);
        return _pgdats[nid].TotalreservePages;
    }

    private void CheckNode(int nid)
    {
        if ((uint)nid >= (uint)_nrNodes)
            throw new ArgumentOutOfRangeException(nameof(nid), nid, $"nodes are 0..{_nrNodes - 1}");
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowCpu(int cpu) =>
        throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"CPUs are 0..{_nrCpus - 1}");

    /// <summary>Frees every native allocation of the machine. Pointers into it are invalid afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        ReclaimFastEventSource.Detach(this); // no counter read may follow into freed memory
        _heap.Dispose();
        _memMap = null;
        _contentToken = null;
        _pgdats = null;
        _zoneTable = null;
        _cpuToNode = null;
        _nodeDistance = null;
        _vmEvents = null;
        _sectionPresent = null;
    }
}
