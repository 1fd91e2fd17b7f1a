using System;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Mm.Vmscan;

namespace ReclaimFast;

// mm/vmscan.c (CONFIG_HIBERNATION): shrink_all_memory, and the suspend-to-disk entry that calls it.
public sealed unsafe partial class Machine
{
    /// <summary>
    /// Mirrors <c>shrink_all_memory(nr_to_reclaim)</c>: hibernation-mode reclaim (writepage and swap allowed, no
    /// congestion waits) of the local node's zonelist under PF_MEMALLOC. Returns pages reclaimed.
    /// </summary>
    internal ulong ShrinkAllMemory(ulong nrToReclaim)
    {
        ScanControl sc = ScanControlInitialisers.ShrinkAllMemory(nrToReclaim);
        Zonelist* zonelist = NodeZonelist(NumaNodeId, sc.GfpMask);
        ReclaimState rs = default;
        sc.ReclaimState = &rs;
        uint noreclaim = MemallocNoreclaimSave();
        ulong nrReclaimed = DoTryToFreePages(zonelist, &sc);
        MemallocNoreclaimRestore(noreclaim);
        return nrReclaimed;
    }

    /// <summary>
    /// Suspend to disk (the role of <c>pm_suspend_disk</c> → <c>hibernate_preallocate_memory</c>): frees
    /// <paramref name="nrPages"/> pages for the image with <c>shrink_all_memory</c> and returns how many were freed.
    /// The image itself is not emulated.
    /// </summary>
    public ulong SuspendToDisk(ulong nrPages)
    {
        if (nrPages == 0)
            throw new ArgumentOutOfRangeException(nameof(nrPages), nrPages, "ask for at least one page");
        return ShrinkAllMemory(nrPages);
    }
}
