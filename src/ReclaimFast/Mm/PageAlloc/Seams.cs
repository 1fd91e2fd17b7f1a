using System.Runtime.CompilerServices;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Types;

// Machine partial: the allocator's calls into parts of mm that later issues fill in. Each seam is the kernel
// function the allocator calls, with the behaviour v5.4 has in the configuration emulated so far.
namespace ReclaimFast;

public sealed unsafe partial class Machine
{
    private long _kswapdWakeupCalls;

    /// <summary>Calls made to the <see cref="WakeupKswapd"/> seam (for tests until kswapd exists).</summary>
    internal long KswapdWakeupCalls => _kswapdWakeupCalls;

    /// <summary>
    /// Seam for <c>node_reclaim</c> (mm/vmscan.c), called from <see cref="GetPageFromFreelist"/> only when
    /// <c>node_reclaim_mode</c> is non-zero; the default mode 0 never gets here, so it reports NODE_RECLAIM_NOSCAN.
    /// The entry-points issue replaces the body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal int NodeReclaim(PglistData* pgdat, uint gfpMask, int order) => NodeReclaimResult.NoScan;

    /// <summary>
    /// Seam for <c>wakeup_kswapd</c> (mm/vmscan.c): called from <c>rmqueue</c> for a boosted zone and from
    /// <c>wake_all_kswapds</c>. Counts the call; the kswapd issue replaces the body.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void WakeupKswapd(Zone* zone, uint gfpFlags, int order, int classzoneIdx) => _kswapdWakeupCalls++;

    /// <summary>
    /// Seam for <c>node_dirty_ok</c> (mm/page-writeback.c) used by __GFP_WRITE dirty spreading; no dirty limits yet,
    /// so every node is within them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal bool NodeDirtyOk(PglistData* pgdat) => true;

    /// <summary>
    /// Seam for <c>__alloc_pages_slowpath</c>. For now: <c>gfp_to_alloc_flags</c>, <c>wake_all_kswapds</c>, then one
    /// <c>get_page_from_freelist</c> at ALLOC_WMARK_MIN and null on failure; reclaim, compaction, retries and OOM
    /// arrive with a later issue.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal Page* __AllocPagesSlowpath(uint gfpMask, int order, AllocContext* ac)
    {
        // Atomic reserves are not for callers that may sleep.
        if ((gfpMask & (Gfp.__Atomic | Gfp.DirectReclaim)) == (Gfp.__Atomic | Gfp.DirectReclaim))
            gfpMask &= ~Gfp.__Atomic;
        uint allocFlags = GfpToAllocFlags(gfpMask);
        ac->PreferredZoneref = FirstZonesZonelist(Zonelist.First(ac->Zonelist), ac->HighZoneidx, ac->Nodemask);
        if (ac->PreferredZoneref->Zone == null)
            return null;
        if ((allocFlags & AllocFlags.Kswapd) != 0)
            WakeAllKswapds(order, gfpMask, ac);
        return GetPageFromFreelist(gfpMask, order, allocFlags, ac);
    }
}
