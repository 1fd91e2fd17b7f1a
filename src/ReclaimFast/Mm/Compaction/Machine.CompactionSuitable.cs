using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;

namespace ReclaimFast;

// mm/compaction.c and mm/vmstat.c: the decisions around compaction — is a zone worth compacting (watermarks and the
// fragmentation index) and is compaction deferred after failures. The scanners and migration are in Machine.Compaction.cs / Machine.Migrate.cs.
public sealed unsafe partial class Machine
{
    /// <summary>COMPACT_MAX_DEFER_SHIFT.</summary>
    internal const int CompactMaxDeferShift = 6;

    private int _sysctlExtfragThreshold = 500;

    /// <summary>vm.extfrag_threshold (0..1000, default 500).</summary>
    public int ExtfragThreshold
    {
        get => _sysctlExtfragThreshold;
        set
        {
            if ((uint)value > 1000)
                throw new System.ArgumentOutOfRangeException(nameof(value), value, "vm.extfrag_threshold is 0..1000");
            _sysctlExtfragThreshold = value;
        }
    }

    /// <summary>
    /// <c>fragmentation_index(zone, order)</c> (mm/vmstat.c: fill_contig_page_info + __fragmentation_index): 0 with no
    /// free blocks, −1000 when a free block of the order exists, else 1000 − (1000 + free·1000/2^order) / blocks — near
    /// 1000 the failure is fragmentation, near 0 lack of memory.
    /// </summary>
    internal static int FragmentationIndex(Zone* zone, int order)
    {
        ulong freePages = 0, blocksTotal = 0, blocksSuitable = 0;
        for (int o = 0; o < MmZone.MaxOrder; o++)
        {
            ulong blocks = Zone.Area(zone, o)->NrFree;
            blocksTotal += blocks;
            freePages += blocks << o;
            if (o >= order)
                blocksSuitable += blocks << (o - order);
        }
        if ((uint)order >= MmZone.MaxOrder || blocksTotal == 0)
            return 0;
        if (blocksSuitable != 0)
            return -1000;
        ulong requested = 1UL << order;
        return (int)(1000 - (long)((1000 + freePages * 1000 / requested) / blocksTotal));
    }

    /// <summary>
    /// <c>__compaction_suitable(zone, order, alloc_flags, classzone_idx, wmark_target)</c>: CONTINUE for order −1; SUCCESS
    /// if the allocation would already succeed; SKIPPED unless order-0 pages exceed the min (low for costly orders)
    /// watermark plus compact_gap(order), counted in <paramref name="wmarkTarget"/>; else CONTINUE.
    /// </summary>
    internal static int __CompactionSuitable(Zone* zone, int order, uint allocFlags, int classzoneIdx, long wmarkTarget)
    {
        if (order == -1)
            return CompactResult.Continue;
        ulong watermark = MmZone.WmarkPages(zone, (int)(allocFlags & AllocFlags.WmarkMask));
        if (ZoneWatermarkOk(zone, order, watermark, classzoneIdx, allocFlags))
            return CompactResult.Success;
        watermark = order > MmZone.PageAllocCostlyOrder ? MmZone.LowWmarkPages(zone) : MmZone.MinWmarkPages(zone);
        watermark += CompactGap(order);
        if (!__ZoneWatermarkOk(zone, 0, watermark, classzoneIdx, AllocFlags.Cma, wmarkTarget))
            return CompactResult.Skipped;
        return CompactResult.Continue;
    }

    /// <summary>
    /// <c>compaction_suitable(zone, order, alloc_flags, classzone_idx)</c>: <see cref="__CompactionSuitable"/> on
    /// NR_FREE_PAGES; for costly orders a fragmentation index in [0, extfrag_threshold] means the failure is lack of
    /// memory, not fragmentation: NOT_SUITABLE_ZONE, reported as SKIPPED (traced first).
    /// </summary>
    internal int CompactionSuitable(Zone* zone, int order, uint allocFlags, int classzoneIdx)
    {
        int ret = __CompactionSuitable(zone, order, allocFlags, classzoneIdx, zone->VmStat[(int)ZoneStatItem.NrFreePages]);
        if (ret == CompactResult.Continue && order > MmZone.PageAllocCostlyOrder)
        {
            int fragindex = FragmentationIndex(zone, order);
            if (fragindex >= 0 && fragindex <= _sysctlExtfragThreshold)
                ret = CompactResult.NotSuitableZone;
        }
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_compaction_suitable(zone->Node, MmZone.ZoneIdx(zone), order, ret);
        if (ret == CompactResult.NotSuitableZone)
            ret = CompactResult.Skipped;
        return ret;
    }

    /// <summary>
    /// <c>defer_compaction</c>: after a failure, skip the next 1 &lt;&lt; shift attempts (shift grows to 6) at this or
    /// higher orders.
    /// </summary>
    internal static void DeferCompaction(Zone* zone, int order)
    {
        zone->CompactConsidered = 0;
        zone->CompactDeferShift++;
        if (order < zone->CompactOrderFailed)
            zone->CompactOrderFailed = order;
        if (zone->CompactDeferShift > CompactMaxDeferShift)
            zone->CompactDeferShift = CompactMaxDeferShift;
    }

    /// <summary><c>compaction_deferred</c>: true while fewer than 1 &lt;&lt; defer_shift attempts were considered.</summary>
    internal static bool CompactionDeferred(Zone* zone, int order)
    {
        uint deferLimit = 1u << (int)zone->CompactDeferShift;
        if (order < zone->CompactOrderFailed)
            return false;
        if (++zone->CompactConsidered > deferLimit)
            zone->CompactConsidered = deferLimit;
        if (zone->CompactConsidered >= deferLimit)
            return false;
        if (ReclaimFastEventSource.Log.IsEnabled())
        {
            ReclaimFastEventSource.Log.mm_compaction_deferred(zone->Node, MmZone.ZoneIdx(zone), order, zone->CompactConsidered,
                zone->CompactDeferShift, zone->CompactOrderFailed);
        }
        return true;
    }

    /// <summary>
    /// <c>compaction_defer_reset</c>: after a success at <paramref name="order"/>, orders up to it are no longer deferred;
    /// a successful allocation also clears the deferral.
    /// </summary>
    internal static void CompactionDeferReset(Zone* zone, int order, bool allocSuccess)
    {
        if (allocSuccess)
        {
            zone->CompactConsidered = 0;
            zone->CompactDeferShift = 0;
        }
        if (order >= zone->CompactOrderFailed)
            zone->CompactOrderFailed = order + 1;
    }

    /// <summary><c>compaction_restarting</c>: the maximum deferral has run out.</summary>
    internal static bool CompactionRestarting(Zone* zone, int order)
    {
        if (order < zone->CompactOrderFailed)
            return false;
        return zone->CompactDeferShift == CompactMaxDeferShift && zone->CompactConsidered >= 1u << (int)zone->CompactDeferShift;
    }
}
