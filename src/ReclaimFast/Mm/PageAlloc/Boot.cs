using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Numerics;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

// Machine partial: page_alloc.c boot path. Machine's partial files keep the root namespace (one class).
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    /// <summary>
    /// The boot sequence of start_kernel for memory, in the kernel's order: <c>free_area_init_nodes</c> (node and
    /// zone sizes, usemaps, <c>memmap_init_zone</c>), <c>build_all_zonelists</c>, <c>memblock_free_all</c>,
    /// <c>setup_per_cpu_pageset</c>, then the <c>init_per_zone_wmark_min</c> initcall.
    /// </summary>
    private void BootMemory()
    {
        MachineDescription d = _description;
        _maxPfn = d.MaxPfn;
        // The kernel's mem_map covers whole sections; padding to MAX_ORDER_NR_PAGES is enough for every buddy
        // lookup of __free_one_page to land on a real descriptor.
        _memMapPfns = (_maxPfn + MmZone.MaxOrderNrPages - 1) & ~(ulong)(MmZone.MaxOrderNrPages - 1);
        _memMap = _heap.AllocArray<Page>((long)_memMapPfns, zero: false);
        // Content tokens are only meaningful on allocated pages: never cleared at boot.
        _contentToken = _heap.AllocArray<ulong>((long)_memMapPfns, zero: false);

        // sparse_init's usemaps (SECTION_BLOCKFLAGS_BITS per section), for every section of the mem_map.
        _sectionUsemaps = _heap.AllocArray<ulong>((long)((_memMapPfns + PagesPerSection - 1) / PagesPerSection * SectionUsemapWords));
        _zoneTable = (Zone**)_heap.AllocArray<nint>(1 << (PageOps.NodesShift + PageOps.ZonesShift));
        _cpuToNode = _heap.AllocArray<int>(_nrCpus);
        for (int c = 0; c < _nrCpus; c++)
            _cpuToNode[c] = d.CpuNode(c);
        SwitchCpu(0);
        _nodeDistance = _heap.AllocArray<int>(_nrNodes * _nrNodes);
        for (int i = 0; i < _nrNodes; i++)
        {
            for (int j = 0; j < _nrNodes; j++)
                _nodeDistance[i * _nrNodes + j] = d.Distance(i, j);
        }
        _vmEvents = _heap.AllocArray<long>(Diagnostics.VmEvent.NrVmEventItems);
        _pgdats = _heap.AllocArray<PglistData>(_nrNodes);

        _debugVm = d.ConfigDebugVm;
        _watermarkScaleFactor = d.WatermarkScaleFactor;
        _watermarkBoostFactor = d.WatermarkBoostFactor;
        for (int i = 0; i < MmZone.MaxNrZones; i++)
            _lowmemReserveRatio[i] = d.LowmemReserveRatio[i];

        for (int nid = 0; nid < _nrNodes; nid++)
            FreeAreaInitNode(nid);

        var freeRanges = new List<PfnRange>();
        MemmapInit(freeRanges);
        SparseInitPresentSections();
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                Zone* zone = PglistData.NodeZone(_pgdats + nid, zid);
                if (zone->SpannedPages != 0)
                    MemmapInitZonePageblocks(zone);
            }
        }

        BuildAllZonelists();
        MemblockFreeAll(freeRanges);
        SetupPerCpuPageset();
        LruInit();
        SlabInit();
        KswapdInit();
        KcompactdInit();
        InitPerZoneWmarkMin();
        if (d.MinFreeKbytes is int userMin)
            SetMinFreeKbytes(userMin);
    }

    /// <summary>
    /// <c>free_area_init_node</c> + <c>calculate_node_totalpages</c> + <c>free_area_init_core</c> for one node:
    /// node and zone sizes, zone internals, usemaps and empty free lists.
    /// </summary>
    private void FreeAreaInitNode(int nid)
    {
        NodeDescription nd = _description.Nodes[nid];
        PglistData* pgdat = _pgdats + nid;
        pgdat->NodeId = nid;
        pgdat->NodeStartPfn = nd.Zones[0].StartPfn;
        ulong totalpages = 0, realtotalpages = 0;
        foreach (ZoneDescription zd in nd.Zones)
        {
            Zone* zone = PglistData.NodeZone(pgdat, (int)zd.Type);
            zone->ZoneStartPfn = zd.StartPfn;
            zone->SpannedPages = zd.SpannedPages;
            zone->PresentPages = zd.PresentPages;
            totalpages += zd.SpannedPages;
            realtotalpages += zd.PresentPages;
        }
        pgdat->NodeSpannedPages = totalpages;
        pgdat->NodePresentPages = realtotalpages;
        // pgdat_init_internals → lruvec_init(node_lruvec(pgdat)).
        Lruvec.Init(&pgdat->Lruvec, pgdat);

        for (int j = 0; j < MmZone.MaxNrZones; j++)
        {
            Zone* zone = PglistData.NodeZone(pgdat, j);
            // zone_init_internals: managed starts as present (the kernel's freesize also subtracts the memmap,
            // which lives in host memory here); memblock_free_all resets it to the pages actually freed.
            zone->ManagedPages = zone->PresentPages;
            zone->Node = nid;
            zone->ZonePgdat = pgdat;
            _zoneTable[(nid << PageOps.ZonesShift) | j] = zone;
            ZoneInitFreeLists(zone);
            if (zone->SpannedPages == 0)
                continue;
            // init_currently_empty_zone
            if (j + 1 > pgdat->NrZones)
                pgdat->NrZones = j + 1;
            zone->Initialized = 1;
        }
    }

    /// <summary><c>zone_init_free_lists</c>.</summary>
    private static void ZoneInitFreeLists(Zone* zone)
    {
        for (int order = 0; order < MmZone.MaxOrder; order++)
        {
            FreeArea* area = Zone.Area(zone, order);
            for (int t = 0; t < MmZone.MigrateTypes; t++)
                ListHead.Init(FreeArea.List(area, t));
            area->NrFree = 0;
        }
    }

    /// <summary>
    /// <c>memmap_init_zone</c> (and <c>reserve_bootmem_region</c>, <c>__free_pages_core</c>'s descriptor part) for
    /// the whole <c>mem_map</c> in one streaming pass of full-descriptor stores: managed pages are written directly
    /// in the state <c>__free_pages_core</c> leaves them in (refcount 0, not reserved, <c>lru</c> self-linked);
    /// holes, memblock-reserved ranges and PFNs outside every zone are PG_reserved with refcount 1. PFNs outside
    /// every zone carry node 0 / zone 0 links, as the 5.4 zeroed descriptors of <c>zero_resv_unavail</c> imply.
    /// Collects the managed runs (the memblock free ranges) for <see cref="MemblockFreeAll"/>.
    /// </summary>
    private void MemmapInit(List<PfnRange> freeRanges)
    {
        var zones = new List<(ulong Start, ulong End, int Nid, int Zid, ZoneDescription Zd)>();
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            foreach (ZoneDescription zd in _description.Nodes[nid].Zones)
                zones.Add((zd.StartPfn, zd.EndPfn, nid, (int)zd.Type, zd));
        }
        zones.Sort((a, b) => a.Start.CompareTo(b.Start));

        ulong reservedBit = 1UL << (int)PG.Reserved;
        ulong pfn = 0;
        foreach (var z in zones)
        {
            if (pfn < z.Start)
                MemmapInitRange(_memMap + pfn, z.Start - pfn, reservedBit, 1);
            ulong links = ((ulong)z.Nid << PageOps.NodesPgShift) | ((ulong)z.Zid << PageOps.ZonesPgShift);
            var taken = new List<(ulong Start, ulong End)>();
            foreach (PfnRange h in z.Zd.Holes)
                taken.Add((h.StartPfn, h.EndPfn));
            foreach (PfnRange r in z.Zd.Reserved)
                taken.Add((r.StartPfn, r.EndPfn));
            taken.Sort((a, b) => a.Start.CompareTo(b.Start));
            pfn = z.Start;
            foreach ((ulong s, ulong e) in taken)
            {
                if (pfn < s)
                {
                    MemmapInitRange(_memMap + pfn, s - pfn, links, 0);
                    freeRanges.Add(new PfnRange(pfn, s - pfn));
                }
                MemmapInitRange(_memMap + s, e - s, links | reservedBit, 1);
                pfn = e;
            }
            if (pfn < z.End)
            {
                MemmapInitRange(_memMap + pfn, z.End - pfn, links, 0);
                freeRanges.Add(new PfnRange(pfn, z.End - pfn));
            }
            pfn = z.End;
        }
        if (pfn < _memMapPfns)
            MemmapInitRange(_memMap + pfn, _memMapPfns - pfn, reservedBit, 1);
        MemmapInitializer.Fence();
    }

    private static void MemmapInitRange(Page* first, ulong count, ulong flags, int refCount) =>
        MemmapInitializer.InitRange(first, count, flags, refCount, MemmapInitializer.Tier.Auto);

    /// <summary>
    /// The pageblock part of <c>memmap_init_zone</c>: every pageblock-aligned PFN of the zone marks its block
    /// MOVABLE (so a zone starting mid-block, like DMA at pfn 1, leaves its first block UNMOVABLE, as on x86-64).
    /// </summary>
    private void MemmapInitZonePageblocks(Zone* zone)
    {
        ulong start = zone->ZoneStartPfn;
        ulong end = MmZone.ZoneEndPfn(zone);
        ulong pfn = (start + MmZone.PageblockNrPages - 1) & ~(ulong)(MmZone.PageblockNrPages - 1);
        for (; pfn < end; pfn += MmZone.PageblockNrPages)
        {
            if (PfnValid(pfn)) // early_pfn_valid
                SetPfnblockFlagsMask((ulong)MigrateType.Movable, pfn, MmZone.PbMigrateEnd, MmZone.MigratetypeMask);
        }
    }

    /// <summary>
    /// SPARSEMEM's present sections (<c>memory_present</c>/<c>sparse_init</c>): a 128 MiB section is valid when any of
    /// its pages is present RAM. <see cref="PfnValid"/> answers from it, as <c>pfn_valid</c> does on x86-64.
    /// </summary>
    private void SparseInitPresentSections()
    {
        _nrSections = (_memMapPfns + PagesPerSection - 1) / PagesPerSection;
        _sectionPresent = _heap.AllocArray<byte>((long)_nrSections);
        foreach (NodeDescription nd in _description.Nodes)
        {
            foreach (ZoneDescription zd in nd.Zones)
            {
                var holes = new List<PfnRange>(zd.Holes);
                holes.Sort((a, b) => a.StartPfn.CompareTo(b.StartPfn));
                ulong pfn = zd.StartPfn;
                foreach (PfnRange h in holes)
                {
                    MarkSectionsPresent(pfn, h.StartPfn);
                    pfn = h.EndPfn;
                }
                MarkSectionsPresent(pfn, zd.EndPfn);
            }
        }
    }

    private void MarkSectionsPresent(ulong start, ulong end)
    {
        if (start >= end)
            return;
        for (ulong sec = start / PagesPerSection; sec <= (end - 1) / PagesPerSection; sec++)
            _sectionPresent[sec] = 1;
    }

    /// <summary>
    /// <c>memblock_free_all</c> → <c>free_low_memory_core_early</c> → <c>__free_pages_memory</c> for each free range in
    /// ascending PFN order: naturally aligned blocks of up to MAX_ORDER−1, each through <c>__free_pages_core</c>
    /// (managed_pages += 1 &lt;&lt; order, PGFREE, then the buddy free with the pageblock's migratetype). Order-0 frees go
    /// through the boot pageset in the kernel (high 0, batch 1), which hands each page straight to
    /// <c>__free_one_page</c>; that is what happens here. Ranges are split at zone boundaries (x86 zone boundaries are
    /// MAX_ORDER aligned, so the kernel never needs to).
    /// </summary>
    private void MemblockFreeAll(List<PfnRange> freeRanges)
    {
        // reset_all_zones_managed_pages
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
                PglistData.NodeZone(_pgdats + nid, zid)->ManagedPages = 0;
        }
        foreach (PfnRange r in freeRanges)
        {
            ulong start = r.StartPfn, end = r.EndPfn;
            while (start < end)
            {
                int order = Math.Min(MmZone.MaxOrder - 1, start == 0 ? 64 : BitOperations.TrailingZeroCount(start));
                while (start + (1UL << order) > end)
                    order--;
                FreePagesCoreBoot(start, order);
                start += 1UL << order;
            }
        }
    }

    /// <summary><c>__free_pages_core</c> for a block whose descriptors <see cref="MemmapInit"/> already wrote free.</summary>
    private void FreePagesCoreBoot(ulong pfn, int order)
    {
        Page* page = _memMap + pfn;
        Zone* zone = PageZone(page);
        zone->ManagedPages += 1UL << order;
        int mt = GetPfnblockMigratetype(page, pfn);
        CountVmEvent(VmEventItem.Pgfree, 1L << order);
        if (order == 0)
            SetPcppageMigratetype(page, mt);
        __FreeOnePage(page, pfn, zone, order, mt);
    }

    /// <summary>
    /// <c>build_all_zonelists</c> (boot): <c>build_zonelists</c> for every node with a shared <c>node_load[]</c>, then
    /// <c>vm_total_pages</c> and the mobility-grouping decision. At that point of boot the kernel's managed_pages is
    /// present − memmap pages; the memmap is host memory here, so present pages stand in.
    /// </summary>
    private void BuildAllZonelists()
    {
        int* nodeLoad = stackalloc int[MmZone.MaxNumNodes];
        new Span<int>(nodeLoad, MmZone.MaxNumNodes).Clear();
        for (int nid = 0; nid < _nrNodes; nid++)
            BuildZonelists(_pgdats + nid, nodeLoad);

        ulong vmTotalPages = 0;
        Zonelist* zonelist = PglistData.NodeZonelist(_pgdats + CpuToNode(0), MmZone.ZonelistFallback);
        int highest = Gfp.GfpZone(Gfp.HighUserMovable);
        for (Zoneref* z = Zonelist.First(zonelist); z->Zone != null; z++)
        {
            if (z->ZoneIdx > highest)
                continue;
            ulong size = z->Zone->PresentPages;
            ulong high = MmZone.HighWmarkPages(z->Zone);
            if (size > high)
                vmTotalPages += size - high;
        }
        _pageGroupByMobilityDisabled = vmTotalPages < (ulong)(MmZone.PageblockNrPages * MmZone.MigrateTypes);
    }

    /// <summary>
    /// <c>build_zonelists</c> (CONFIG_NUMA): nodes in <c>find_next_best_node</c> order (distance, then a penalty for
    /// lower node ids and nodes with CPUs, then <c>node_load</c>), each node's populated zones highest first; and the
    /// __GFP_THISNODE list of the node's own zones.
    /// </summary>
    private void BuildZonelists(PglistData* pgdat, int* nodeLoad)
    {
        int* nodeOrder = stackalloc int[MmZone.MaxNumNodes];
        NodeMask usedMask = default;
        int localNode = pgdat->NodeId;
        int load = _nrNodes;
        int prevNode = localNode;
        int nrNodes = 0;
        int node;
        while ((node = FindNextBestNode(localNode, ref usedMask, nodeLoad)) >= 0)
        {
            // Penalise the first node of each distance group so equal-distance nodes are used round-robin.
            if (NodeDistance(localNode, node) != NodeDistance(localNode, prevNode))
                nodeLoad[node] = load;
            nodeOrder[nrNodes++] = node;
            prevNode = node;
            load--;
        }

        // build_zonelists_in_node_order
        Zoneref* zonerefs = Zonelist.First(PglistData.NodeZonelist(pgdat, MmZone.ZonelistFallback));
        for (int i = 0; i < nrNodes; i++)
            zonerefs += BuildZonerefsNode(_pgdats + nodeOrder[i], zonerefs);
        zonerefs->Zone = null;
        zonerefs->ZoneIdx = 0;

        // build_thisnode_zonelists
        zonerefs = Zonelist.First(PglistData.NodeZonelist(pgdat, MmZone.ZonelistNofallback));
        zonerefs += BuildZonerefsNode(pgdat, zonerefs);
        zonerefs->Zone = null;
        zonerefs->ZoneIdx = 0;
    }

    /// <summary><c>find_next_best_node</c>.</summary>
    private int FindNextBestNode(int node, ref NodeMask usedNodeMask, int* nodeLoad)
    {
        const int PenaltyForNodeWithCpus = 1;
        if (!usedNodeMask.IsSet(node))
        {
            usedNodeMask.Set(node);
            return node;
        }
        int minVal = int.MaxValue;
        int bestNode = -1;
        for (int n = 0; n < _nrNodes; n++)
        {
            if (_pgdats[n].NodePresentPages == 0 || usedNodeMask.IsSet(n))
                continue; // not N_MEMORY, or already used
            int val = NodeDistance(node, n);
            val += n < node ? 1 : 0;
            if (NodeHasCpus(n))
                val += PenaltyForNodeWithCpus;
            val *= _nrNodes * MmZone.MaxNumNodes;
            val += nodeLoad[n];
            if (val < minVal)
            {
                minVal = val;
                bestNode = n;
            }
        }
        if (bestNode >= 0)
            usedNodeMask.Set(bestNode);
        return bestNode;
    }

    private bool NodeHasCpus(int nid)
    {
        for (int c = 0; c < _nrCpus; c++)
        {
            if (_cpuToNode[c] == nid)
                return true;
        }
        return false;
    }

    /// <summary><c>build_zonerefs_node</c>: the node's populated zones, highest zone first.</summary>
    private static int BuildZonerefsNode(PglistData* pgdat, Zoneref* zonerefs)
    {
        int nrZones = 0;
        int zoneType = MmZone.MaxNrZones;
        do
        {
            zoneType--;
            Zone* zone = PglistData.NodeZone(pgdat, zoneType);
            if (MmZone.PopulatedZone(zone))
            {
                zonerefs[nrZones].Zone = zone;
                zonerefs[nrZones].ZoneIdx = zoneType;
                nrZones++;
            }
        } while (zoneType != 0);
        return nrZones;
    }

    /// <summary><c>setup_per_cpu_pageset</c>: a pageset per CPU for every populated zone.</summary>
    private void SetupPerCpuPageset()
    {
        _pagesets = _heap.AllocArray<PerCpuPageset>((long)_nrNodes * MmZone.MaxNrZones * _nrCpus);
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            for (int zid = 0; zid < MmZone.MaxNrZones; zid++)
            {
                Zone* zone = PglistData.NodeZone(_pgdats + nid, zid);
                if (MmZone.PopulatedZone(zone))
                    SetupZonePageset(zone);
            }
        }
    }

    /// <summary>
    /// <c>setup_zone_pageset</c> → <c>zone_pageset_init</c> for each CPU. The zone's pagesets are the run of
    /// <see cref="_pagesets"/> at its <c>page_zone_id</c>, so a page's pcp is found from its flags alone.
    /// </summary>
    private void SetupZonePageset(Zone* zone)
    {
        zone->Pageset = _pagesets + ((zone->Node << PageOps.ZonesShift) + MmZone.ZoneIdx(zone)) * (long)_nrCpus;
        for (int cpu = 0; cpu < _nrCpus; cpu++)
        {
            PerCpuPageset* p = zone->Pageset + cpu;
            PagesetInit(p);
            PagesetSetHighAndBatch(zone, p);
        }
    }

    /// <summary><c>pageset_init</c>.</summary>
    private static void PagesetInit(PerCpuPageset* p)
    {
        *p = default;
        PerCpuPages* pcp = &p->Pcp;
        for (int mt = 0; mt < MmZone.MigratePcptypes; mt++)
            ListHead.Init(PerCpuPages.List(pcp, mt));
    }

    /// <summary><c>pageset_set_high_and_batch</c>.</summary>
    private void PagesetSetHighAndBatch(Zone* zone, PerCpuPageset* p)
    {
        if (_percpuPagelistFraction != 0)
            PagesetSetHigh(p, (long)(zone->ManagedPages / (ulong)_percpuPagelistFraction));
        else
            PagesetSetBatch(p, ZoneBatchsize(zone));
    }

    /// <summary><c>zone_batchsize</c> (CONFIG_MMU): about 1/1000th of the zone, at most 1 MiB, clamped to 2^n − 1.</summary>
    internal static int ZoneBatchsize(Zone* zone)
    {
        long batch = (long)(zone->ManagedPages / 1024);
        if (batch * Pfn.PageSize > 1024 * 1024)
            batch = 1024 * 1024 / Pfn.PageSize;
        batch /= 4;
        if (batch < 1)
            batch = 1;
        long v = batch + batch / 2;
        return (int)((1L << (63 - BitOperations.LeadingZeroCount((ulong)v))) - 1);
    }

    /// <summary><c>pageset_set_batch</c>: high = 6 × batch, batch = max(1, batch).</summary>
    private static void PagesetSetBatch(PerCpuPageset* p, int batch) =>
        PagesetUpdate(&p->Pcp, 6L * batch, Math.Max(1, batch));

    /// <summary><c>pageset_set_high</c> (percpu_pagelist_fraction).</summary>
    private static void PagesetSetHigh(PerCpuPageset* p, long high)
    {
        long batch = Math.Max(1, high / 4);
        if (high / 4 > Pfn.PageShift * 8)
            batch = Pfn.PageShift * 8;
        PagesetUpdate(&p->Pcp, high, batch);
    }

    /// <summary><c>pageset_update</c>.</summary>
    private static void PagesetUpdate(PerCpuPages* pcp, long high, long batch)
    {
        Debug.Assert(high <= int.MaxValue && batch <= int.MaxValue);
        pcp->Batch = 1;
        pcp->High = (int)high;
        pcp->Batch = (int)batch;
    }
}
