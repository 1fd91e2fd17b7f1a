using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

// Machine partial: watermarks, reserves and their sysctls (mm/page_alloc.c, mm/vmstat.c thresholds).
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    private int _minFreeKbytes = 1024;
    private int _userMinFreeKbytes = -1;
    private int _watermarkScaleFactor = 10;
    private int _watermarkBoostFactor = 15000;
    private readonly int[] _lowmemReserveRatio = new int[MmZone.MaxNrZones];
    private int _percpuPagelistFraction;
    private int _sysctlMinUnmappedRatio = 1;
    private int _sysctlMinSlabRatio = 5;
    private int _nodeReclaimMode;
    private ulong _totalreservePages;
    private bool _pageGroupByMobilityDisabled;
    private bool _debugVm;

    /// <summary>CONFIG_DEBUG_VM of this machine (<see cref="MachineDescription.ConfigDebugVm"/>).</summary>
    public bool ConfigDebugVm => _debugVm;

    /// <summary>vm.min_free_kbytes.</summary>
    public int MinFreeKbytes => _minFreeKbytes;

    /// <summary>vm.watermark_scale_factor.</summary>
    public int WatermarkScaleFactor => _watermarkScaleFactor;

    /// <summary>vm.watermark_boost_factor.</summary>
    public int WatermarkBoostFactor => _watermarkBoostFactor;

    /// <summary><c>totalreserve_pages</c>.</summary>
    public ulong TotalreservePages => _totalreservePages;

    /// <summary><c>page_group_by_mobility_disabled</c>.</summary>
    public bool PageGroupByMobilityDisabled => _pageGroupByMobilityDisabled;

    /// <summary>vm.zone_reclaim_mode (<c>node_reclaim_mode</c>); 0 by default, so the fast path never node-reclaims.</summary>
    internal int NodeReclaimMode
    {
        get => _nodeReclaimMode;
        set => _nodeReclaimMode = value;
    }

    // ---- watermark checks ----

    /// <summary>
    /// <c>__zone_watermark_ok</c>: are there more than <paramref name="mark"/> + lowmem_reserve[classzone] free pages
    /// after the request (ALLOC_HIGH takes half the mark; ALLOC_HARDER a quarter, ALLOC_OOM half, and those may use
    /// the highatomic reserve), and for order &gt; 0 a free block of at least that order of a usable type?
    /// </summary>
    internal static bool __ZoneWatermarkOk(Zone* z, int order, ulong mark, int classzoneIdx, uint allocFlags, long freePages)
    {
        long min = (long)mark;
        bool allocHarder = (allocFlags & (AllocFlags.Harder | AllocFlags.Oom)) != 0;

        // free_pages may go negative - that's OK.
        freePages -= (1L << order) - 1;

        if ((allocFlags & AllocFlags.High) != 0)
            min -= min / 2;

        // Without ALLOC_HARDER the highatomic reserve is not usable: over-estimate it as all free.
        if (!allocHarder)
        {
            freePages -= (long)z->NrReservedHighatomic;
        }
        else
        {
            // OOM victims may dig deeper than ordinary ALLOC_HARDER users.
            if ((allocFlags & AllocFlags.Oom) != 0)
                min -= min / 2;
            else
                min -= min / 4;
        }
        // CMA off: no NR_FREE_CMA_PAGES adjustment.

        if (freePages <= min + z->LowmemReserve[classzoneIdx])
            return false;
        if (order == 0)
            return true;

        // For a high-order request, at least one suitable block must be free.
        for (int o = order; o < MmZone.MaxOrder; o++)
        {
            FreeArea* area = Zone.Area(z, o);
            if (area->NrFree == 0)
                continue;
            for (int mt = 0; mt < MmZone.MigratePcptypes; mt++)
            {
                if (!FreeArea.Empty(area, mt))
                    return true;
            }
            if (allocHarder && !FreeArea.Empty(area, (int)MigrateType.HighAtomic))
                return true;
        }
        return false;
    }

    /// <summary><c>zone_watermark_ok</c>: <see cref="__ZoneWatermarkOk"/> with NR_FREE_PAGES.</summary>
    internal static bool ZoneWatermarkOk(Zone* z, int order, ulong mark, int classzoneIdx, uint allocFlags) =>
        __ZoneWatermarkOk(z, order, mark, classzoneIdx, allocFlags, z->VmStat[(int)ZoneStatItem.NrFreePages]);

    /// <summary>
    /// <c>zone_watermark_fast</c>: an order-0 shortcut against mark + lowmem_reserve, then the full check; an order-0
    /// __GFP_ATOMIC request at the min watermark of a boosted zone is retried against the unboosted min.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool ZoneWatermarkFast(Zone* z, int order, ulong mark, int classzoneIdx, uint allocFlags, uint gfpMask)
    {
        long freePages = z->VmStat[(int)ZoneStatItem.NrFreePages];
        if (order == 0 && freePages > (long)mark + z->LowmemReserve[classzoneIdx])
            return true;
        return ZoneWatermarkFastSlow(z, order, mark, classzoneIdx, allocFlags, gfpMask, freePages);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool ZoneWatermarkFastSlow(Zone* z, int order, ulong mark, int classzoneIdx, uint allocFlags, uint gfpMask, long freePages)
    {
        if (__ZoneWatermarkOk(z, order, mark, classzoneIdx, allocFlags, freePages))
            return true;
        // Ignore boosting for GFP_ATOMIC order-0 requests at the min watermark.
        if (order == 0 && (gfpMask & Gfp.__Atomic) != 0 && z->WatermarkBoost != 0
            && (allocFlags & AllocFlags.WmarkMask) == AllocFlags.WmarkMin)
        {
            mark = z->Watermark[MmZone.WmarkMin];
            return __ZoneWatermarkOk(z, order, mark, classzoneIdx, allocFlags, freePages);
        }
        return false;
    }

    /// <summary>
    /// <c>zone_watermark_ok_safe</c>: the kernel reads an exact snapshot below <c>percpu_drift_mark</c>; ReclaimFast's
    /// counter is always exact (no per-cpu drift), so this is the check with alloc_flags 0.
    /// </summary>
    internal static bool ZoneWatermarkOkSafe(Zone* z, int order, ulong mark, int classzoneIdx) =>
        __ZoneWatermarkOk(z, order, mark, classzoneIdx, 0, z->VmStat[(int)ZoneStatItem.NrFreePages]);

    // ---- reserves and watermarks ----

    /// <summary><c>int_sqrt</c> (lib/int_sqrt.c): the floor of the square root.</summary>
    internal static ulong IntSqrt(ulong x)
    {
        if (x <= 1)
            return x;
        ulong m = 1UL << ((63 - BitOperations.LeadingZeroCount(x)) & ~1);
        ulong y = 0;
        while (m != 0)
        {
            ulong b = y + m;
            y >>= 1;
            if (x >= b)
            {
                x -= b;
                y += m;
            }
            m >>= 2;
        }
        return y;
    }

    /// <summary>
    /// <c>nr_free_zone_pages(offset)</c>: Σ max(0, managed − high) over the current node's fallback zonelist for
    /// zones up to <paramref name="offset"/> (the list covers every node).
    /// </summary>
    internal ulong NrFreeZonePages(int offset)
    {
        ulong sum = 0;
        Zonelist* zonelist = NodeZonelist(NumaNodeId, Gfp.Kernel);
        for (Zoneref* z = FirstZonesZonelist(Zonelist.First(zonelist), offset, null); z->Zone != null;
             z = NextZonesZonelist(z + 1, offset, null))
        {
            ulong size = z->Zone->ManagedPages;
            ulong high = MmZone.HighWmarkPages(z->Zone);
            if (size > high)
                sum += size - high;
        }
        return sum;
    }

    /// <summary><c>nr_free_buffer_pages</c>: <see cref="NrFreeZonePages"/> up to <c>gfp_zone(GFP_USER)</c> (NORMAL).</summary>
    internal ulong NrFreeBufferPages() => NrFreeZonePages(Gfp.GfpZone(Gfp.User));

    /// <summary><c>nr_free_pagecache_pages</c>: up to <c>gfp_zone(GFP_HIGHUSER_MOVABLE)</c>.</summary>
    internal ulong NrFreePagecachePages() => NrFreeZonePages(Gfp.GfpZone(Gfp.HighUserMovable));

    /// <summary>
    /// <c>init_per_zone_wmark_min</c>: min_free_kbytes = clamp(int_sqrt(lowmem_kbytes × 16), 128, 65536) unless a
    /// user value is larger, then watermarks, stat thresholds, lowmem reserves and the node-reclaim minimums.
    /// (THP's <c>khugepaged_min_free_kbytes_update</c> is not emulated.)
    /// </summary>
    private void InitPerZoneWmarkMin()
    {
        ulong lowmemKbytes = NrFreeBufferPages() * (Pfn.PageSize >> 10);
        int newMinFreeKbytes = (int)IntSqrt(lowmemKbytes * 16);
        if (newMinFreeKbytes > _userMinFreeKbytes)
            _minFreeKbytes = Math.Clamp(newMinFreeKbytes, 128, 65536);
        SetupPerZoneWmarks();
        RefreshZoneStatThresholds();
        SetupPerZoneLowmemReserve();
        SetupMinUnmappedRatio();
        SetupMinSlabRatio();
    }

    /// <summary>
    /// <c>__setup_per_zone_wmarks</c>: each zone's min is its share of min_free_kbytes by managed pages; low and
    /// high add max(min/4, managed × watermark_scale_factor / 10000) once and twice; the boost is reset.
    /// </summary>
    private void SetupPerZoneWmarks()
    {
        ulong pagesMin = (ulong)_minFreeKbytes >> (Pfn.PageShift - 10);
        ulong lowmemPages = 0;
        // No HIGHMEM on x86-64: every zone is lowmem.
        for (int i = 0; i < NrZoneSlots; i++)
            lowmemPages += ZoneSlot(i)->ManagedPages;
        for (int i = 0; i < NrZoneSlots; i++)
        {
            Zone* zone = ZoneSlot(i);
            ulong tmp = lowmemPages == 0 ? 0 : pagesMin * zone->ManagedPages / lowmemPages;
            zone->Watermark[MmZone.WmarkMin] = tmp;
            tmp = Math.Max(tmp >> 2, MultFrac(zone->ManagedPages, (ulong)_watermarkScaleFactor, 10000));
            zone->Watermark[MmZone.WmarkLow] = MmZone.MinWmarkPages(zone) + tmp;
            zone->Watermark[MmZone.WmarkHigh] = MmZone.MinWmarkPages(zone) + tmp * 2;
            zone->WatermarkBoost = 0;
        }
        CalculateTotalreservePages();
    }

    /// <summary>
    /// <c>setup_per_zone_lowmem_reserve</c>: zone[i].lowmem_reserve[j] = (Σ managed of zones i+1..j) / ratio[i]
    /// for i &lt; j (0 when the ratio is below 1).
    /// </summary>
    private void SetupPerZoneLowmemReserve()
    {
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            PglistData* pgdat = _pgdats + nid;
            for (int j = 0; j < MmZone.MaxNrZones; j++)
            {
                Zone* zone = PglistData.NodeZone(pgdat, j);
                ulong managedPages = zone->ManagedPages;
                zone->LowmemReserve[j] = 0;
                int idx = j;
                while (idx != 0)
                {
                    idx--;
                    Zone* lowerZone = PglistData.NodeZone(pgdat, idx);
                    if (_lowmemReserveRatio[idx] < 1)
                    {
                        _lowmemReserveRatio[idx] = 0;
                        lowerZone->LowmemReserve[j] = 0;
                    }
                    else
                    {
                        lowerZone->LowmemReserve[j] = (long)(managedPages / (ulong)_lowmemReserveRatio[idx]);
                    }
                    managedPages += lowerZone->ManagedPages;
                }
            }
        }
        CalculateTotalreservePages();
    }

    /// <summary>
    /// <c>calculate_totalreserve_pages</c>: per zone min(managed, max lowmem_reserve[j≥i] + high), summed per node and
    /// globally.
    /// </summary>
    private void CalculateTotalreservePages()
    {
        ulong reservePages = 0;
        for (int nid = 0; nid < _nrNodes; nid++)
        {
            PglistData* pgdat = _pgdats + nid;
            pgdat->TotalreservePages = 0;
            for (int i = 0; i < MmZone.MaxNrZones; i++)
            {
                Zone* zone = PglistData.NodeZone(pgdat, i);
                long max = 0;
                for (int j = i; j < MmZone.MaxNrZones; j++)
                {
                    if (zone->LowmemReserve[j] > max)
                        max = zone->LowmemReserve[j];
                }
                max += (long)MmZone.HighWmarkPages(zone);
                if ((ulong)max > zone->ManagedPages)
                    max = (long)zone->ManagedPages;
                pgdat->TotalreservePages += (ulong)max;
                reservePages += (ulong)max;
            }
        }
        _totalreservePages = reservePages;
    }

    /// <summary><c>setup_min_unmapped_ratio</c>: Σ over zones of managed × ratio / 100, per node.</summary>
    private void SetupMinUnmappedRatio()
    {
        for (int nid = 0; nid < _nrNodes; nid++)
            _pgdats[nid].MinUnmappedPages = 0;
        for (int i = 0; i < NrZoneSlots; i++)
        {
            Zone* zone = ZoneSlot(i);
            zone->ZonePgdat->MinUnmappedPages += zone->ManagedPages * (ulong)_sysctlMinUnmappedRatio / 100;
        }
    }

    /// <summary><c>setup_min_slab_ratio</c>.</summary>
    private void SetupMinSlabRatio()
    {
        for (int nid = 0; nid < _nrNodes; nid++)
            _pgdats[nid].MinSlabPages = 0;
        for (int i = 0; i < NrZoneSlots; i++)
        {
            Zone* zone = ZoneSlot(i);
            zone->ZonePgdat->MinSlabPages += zone->ManagedPages * (ulong)_sysctlMinSlabRatio / 100;
        }
    }

    /// <summary>
    /// <c>refresh_zone_stat_thresholds</c> with <c>calculate_normal_threshold</c>: 2 × fls(cpus) × (1 + fls(managed /
    /// 128 MiB)), at most 125, for every populated zone; and <c>percpu_drift_mark</c> where the drift could exceed
    /// low − min. (Kept for /proc/zoneinfo; ReclaimFast counters are exact.)
    /// </summary>
    private void RefreshZoneStatThresholds()
    {
        for (int i = 0; i < NrZoneSlots; i++)
        {
            Zone* zone = ZoneSlot(i);
            if (!MmZone.PopulatedZone(zone))
                continue;
            int threshold = CalculateNormalThreshold(zone);
            for (int cpu = 0; cpu < _nrCpus; cpu++)
                zone->Pageset[cpu].StatThreshold = (sbyte)threshold;
            ulong tolerateDrift = MmZone.LowWmarkPages(zone) - MmZone.MinWmarkPages(zone);
            ulong maxDrift = (ulong)_nrCpus * (ulong)threshold;
            if (maxDrift > tolerateDrift)
                zone->PercpuDriftMark = MmZone.HighWmarkPages(zone) + maxDrift;
        }
    }

    /// <summary><c>calculate_normal_threshold</c> (mm/vmstat.c).</summary>
    internal int CalculateNormalThreshold(Zone* zone)
    {
        ulong mem = zone->ManagedPages >> (27 - Pfn.PageShift);
        int threshold = 2 * Fls((ulong)_nrCpus) * (1 + Fls(mem));
        return Math.Min(125, threshold);
    }

    /// <summary><c>fls</c> / <c>fls_long</c>: 1-based index of the most significant set bit, 0 for 0.</summary>
    internal static int Fls(ulong x) => x == 0 ? 0 : 64 - BitOperations.LeadingZeroCount(x);

    /// <summary>Zone slots of all nodes (<c>for_each_zone</c> walks them in node, then zone order).</summary>
    private int NrZoneSlots => _nrNodes * MmZone.MaxNrZones;

    /// <summary>The zone in slot <paramref name="i"/>: node i / MAX_NR_ZONES, zone i % MAX_NR_ZONES.</summary>
    private Zone* ZoneSlot(int i) => PglistData.NodeZone(_pgdats + i / MmZone.MaxNrZones, i % MmZone.MaxNrZones);

    // ---- sysctls ----

    /// <summary>
    /// Writes vm.min_free_kbytes (<c>min_free_kbytes_sysctl_handler</c>): it becomes the user value and the
    /// watermarks are recomputed (lowmem reserves are not).
    /// </summary>
    public void SetMinFreeKbytes(int kbytes)
    {
        if (kbytes < 0)
            throw new ArgumentOutOfRangeException(nameof(kbytes), kbytes, "vm.min_free_kbytes must not be negative");
        _minFreeKbytes = kbytes;
        _userMinFreeKbytes = kbytes;
        SetupPerZoneWmarks();
    }

    /// <summary>Writes vm.watermark_scale_factor (1..1000) and recomputes the watermarks.</summary>
    public void SetWatermarkScaleFactor(int factor)
    {
        if (factor < 1 || factor > 1000)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "vm.watermark_scale_factor must be 1..1000");
        _watermarkScaleFactor = factor;
        SetupPerZoneWmarks();
    }

    /// <summary>Writes vm.watermark_boost_factor (takes effect at the next boost).</summary>
    public void SetWatermarkBoostFactor(int factor)
    {
        if (factor < 0)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "vm.watermark_boost_factor must not be negative");
        _watermarkBoostFactor = factor;
    }

    /// <summary>Writes vm.lowmem_reserve_ratio (one value per zone type) and recomputes the reserves.</summary>
    public void SetLowmemReserveRatio(ReadOnlySpan<int> ratios)
    {
        if (ratios.Length != MmZone.MaxNrZones)
            throw new ArgumentException($"vm.lowmem_reserve_ratio needs {MmZone.MaxNrZones} values, got {ratios.Length}", nameof(ratios));
        for (int i = 0; i < ratios.Length; i++)
        {
            if (ratios[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(ratios), ratios[i], "vm.lowmem_reserve_ratio values must not be negative");
        }
        ratios.CopyTo(_lowmemReserveRatio);
        SetupPerZoneLowmemReserve();
    }

    /// <summary>vm.lowmem_reserve_ratio as currently in effect.</summary>
    public ReadOnlySpan<int> LowmemReserveRatio => _lowmemReserveRatio;

    /// <summary>
    /// Writes vm.percpu_pagelist_fraction (<c>percpu_pagelist_fraction_sysctl_handler</c>): 0 restores the
    /// zone_batchsize default, otherwise at least 8; every populated zone's pagesets get new high and batch.
    /// </summary>
    public void SetPercpuPagelistFraction(int fraction)
    {
        const int MinPercpuPagelistFraction = 8;
        if (fraction < 0 || (fraction != 0 && fraction < MinPercpuPagelistFraction))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "vm.percpu_pagelist_fraction must be 0 or at least 8");
        if (fraction == _percpuPagelistFraction)
            return;
        _percpuPagelistFraction = fraction;
        for (int i = 0; i < NrZoneSlots; i++)
        {
            Zone* zone = ZoneSlot(i);
            if (!MmZone.PopulatedZone(zone))
                continue;
            for (int cpu = 0; cpu < _nrCpus; cpu++)
                PagesetSetHighAndBatch(zone, zone->Pageset + cpu);
        }
    }

    /// <summary>Writes vm.min_unmapped_ratio (0..100).</summary>
    public void SetMinUnmappedRatio(int ratio)
    {
        if (ratio < 0 || ratio > 100)
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "vm.min_unmapped_ratio must be 0..100");
        _sysctlMinUnmappedRatio = ratio;
        SetupMinUnmappedRatio();
    }

    /// <summary>Writes vm.min_slab_ratio (0..100).</summary>
    public void SetMinSlabRatio(int ratio)
    {
        if (ratio < 0 || ratio > 100)
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "vm.min_slab_ratio must be 0..100");
        _sysctlMinSlabRatio = ratio;
        SetupMinSlabRatio();
    }

    /// <summary><c>pgdat->min_unmapped_pages</c>.</summary>
    public ulong NodeMinUnmappedPages(int nid)
    {
        CheckNode(nid);
        return _pgdats[nid].MinUnmappedPages;
    }

    /// <summary><c>pgdat->min_slab_pages</c>.</summary>
    public ulong NodeMinSlabPages(int nid)
    {
        CheckNode(nid);
        return _pgdats[nid].MinSlabPages;
    }
}
