using System;
using System.Runtime.CompilerServices;
using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;

namespace ReclaimFast;

// mm/vmscan.c (CONFIG_NUMA): node reclaim, called from get_page_from_freelist when zone_reclaim_mode is set.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// vm.zone_reclaim_mode (<c>node_reclaim_mode</c>): RECLAIM_ZONE 1 | RECLAIM_WRITE 2 | RECLAIM_UNMAP 4; 0 = off.
    /// </summary>
    public int ZoneReclaimMode
    {
        get => _nodeReclaimMode;
        set
        {
            if ((uint)value > 7)
                throw new ArgumentOutOfRangeException(nameof(value), value, "vm.zone_reclaim_mode is a mask of 1 (zone), 2 (write), 4 (unmap)");
            _nodeReclaimMode = value;
        }
    }

    /// <summary><c>node_unmapped_file_pages</c>: file LRU pages beyond NR_FILE_MAPPED (0 if fewer).</summary>
    internal static ulong NodeUnmappedFilePages(PglistData* pgdat)
    {
        long fileMapped = pgdat->VmStat[(int)NodeStatItem.NrFileMapped];
        long fileLru = pgdat->VmStat[(int)NodeStatItem.NrInactiveFile] + pgdat->VmStat[(int)NodeStatItem.NrActiveFile];
        return fileLru > fileMapped ? (ulong)(fileLru - fileMapped) : 0;
    }

    /// <summary>
    /// <c>node_pagecache_reclaimable</c>: NR_FILE_PAGES with RECLAIM_UNMAP, else unmapped file pages; minus dirty
    /// pages unless RECLAIM_WRITE (never below 0).
    /// </summary>
    internal ulong NodePagecacheReclaimable(PglistData* pgdat)
    {
        ulong nr = (_nodeReclaimMode & Mm.Vmscan.NodeReclaimMode.Unmap) != 0
            ? (ulong)pgdat->VmStat[(int)NodeStatItem.NrFilePages]
            : NodeUnmappedFilePages(pgdat);
        ulong delta = 0;
        if ((_nodeReclaimMode & Mm.Vmscan.NodeReclaimMode.Write) == 0)
            delta += (ulong)pgdat->VmStat[(int)NodeStatItem.NrFileDirty];
        if (delta > nr)
            delta = nr;
        return nr - delta;
    }

    /// <summary>
    /// Mirrors <c>node_reclaim(pgdat, gfp, order)</c>: FULL when neither page cache nor reclaimable slab is above its
    /// minimum; NOSCAN for non-blocking or PF_MEMALLOC callers, a remote node with CPUs, or a node already being
    /// node-reclaimed (PGDAT_RECLAIM_LOCKED); else <c>__node_reclaim</c>, counting PGSCAN_ZONE_RECLAIM_FAILED when it
    /// falls short.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal int NodeReclaim(PglistData* pgdat, uint gfpMask, int order)
    {
        if (NodePagecacheReclaimable(pgdat) <= pgdat->MinUnmappedPages
            && (ulong)pgdat->VmStat[(int)NodeStatItem.NrSlabReclaimable] <= pgdat->MinSlabPages)
            return NodeReclaimResult.Full;
        if (!Gfp.GfpflagsAllowBlocking(gfpMask) || (_currentTaskFlags & TaskFlags.Memalloc) != 0)
            return NodeReclaimResult.NoScan;
        if (NodeHasCpus(pgdat->NodeId) && pgdat->NodeId != NumaNodeId)
            return NodeReclaimResult.NoScan;
        const ulong locked = 1UL << Vmscan.PgdatReclaimLocked;
        if ((pgdat->Flags & locked) != 0)
            return NodeReclaimResult.NoScan;
        pgdat->Flags |= locked;
        bool ret = __NodeReclaim(pgdat, gfpMask, order);
        pgdat->Flags &= ~locked;
        if (!ret)
            CountVmEvent(VmEventItem.PgscanZoneReclaimFailed);
        return ret ? NodeReclaimResult.Success : NodeReclaimResult.Some;
    }

    /// <summary>
    /// <c>__node_reclaim</c>: with PF_MEMALLOC | PF_SWAPWRITE, if the node's reclaimable page cache exceeds
    /// min_unmapped_pages, shrink_node at falling priority from NODE_RECLAIM_PRIORITY until 1 &lt;&lt; order pages are
    /// reclaimed. True when they were.
    /// </summary>
    internal bool __NodeReclaim(PglistData* pgdat, uint gfpMask, int order)
    {
        ulong nrPages = 1UL << order;
        ScanControl sc = ScanControlInitialisers.__NodeReclaim(gfpMask, _currentTaskFlags, order, _nodeReclaimMode);
        TraceEvent(EntryEvent.NodeReclaimBegin, pgdat->NodeId, order, (int)sc.GfpMask);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_node_reclaim_begin(pgdat->NodeId, order, sc.GfpMask);

        uint noreclaim = MemallocNoreclaimSave();
        uint savedSwapwrite = _currentTaskFlags & TaskFlags.Swapwrite;
        _currentTaskFlags |= TaskFlags.Swapwrite;
        ReclaimState rs = default;
        sc.ReclaimState = &rs;

        if (NodePagecacheReclaimable(pgdat) > pgdat->MinUnmappedPages)
        {
            do
            {
                ShrinkNode(pgdat, &sc);
            }
            while (sc.NrReclaimed < nrPages && --sc.Priority >= 0);
        }

        _currentTaskFlags = (_currentTaskFlags & ~TaskFlags.Swapwrite) | savedSwapwrite;
        MemallocNoreclaimRestore(noreclaim);
        TraceEvent(EntryEvent.NodeReclaimEnd, (int)sc.NrReclaimed, 0, 0);
        if (ReclaimFastEventSource.Log.IsEnabled())
            ReclaimFastEventSource.Log.mm_vmscan_node_reclaim_end(sc.NrReclaimed);
        return sc.NrReclaimed >= nrPages;
    }
}
