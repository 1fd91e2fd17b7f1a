using ReclaimFast.Diagnostics;
using ReclaimFast.Mm.PageAlloc;
using ReclaimFast.Tests.Vmscan;
using Xunit;

namespace ReclaimFast.Tests.EntryPoints;

/// <summary>node_reclaim from get_page_from_freelist and shrink_all_memory from suspend to disk (reference §11).</summary>
public unsafe class NodeReclaimTests
{
    private static Machine TwoNodes() => Machine.Boot(MachineDescription.Uniform(2, 32768, nrCpus: 2));

    [Fact]
    public void ZoneReclaimModeOn_LocalNodeIsReclaimed_InsteadOfSpillingToTheRemoteNode()
    {
        using Machine m = TwoNodes();
        m.ZoneReclaimMode = 1;                              // RECLAIM_ZONE
        m.CurrentCpu = 0;                                   // node 0
        EntryTestKit.FillPageCache(m, 40000, nid: 0);       // more than node 0 holds
        Assert.True(m.TraceCount(EntryEvent.NodeReclaimBegin) > 0);
        Assert.Equal(m.TraceCount(EntryEvent.NodeReclaimBegin), m.TraceCount(EntryEvent.NodeReclaimEnd));
        Assert.True(m.VmEvent(VmEventItem.PgstealDirect) > 0);   // __node_reclaim → shrink_node, not kswapd
        Assert.Equal(0, m.NodePageState(1, NodeStatItem.NrFilePages));
        Assert.Equal(0, m.VmEvent(VmEventItem.AllocstallMovable));
    }

    [Fact]
    public void ZoneReclaimModeOff_AllocationSpillsToTheRemoteNode_WithoutNodeReclaim()
    {
        using Machine m = TwoNodes();
        m.CurrentCpu = 0;
        EntryTestKit.FillPageCache(m, 40000, nid: 0);
        Assert.Equal(0, m.TraceCount(EntryEvent.NodeReclaimBegin));
        Assert.True(m.NodePageState(1, NodeStatItem.NrFilePages) > 0);
    }

    [Fact]
    public void NodeReclaim_ReturnsFull_WhenPageCacheIsBelowMinUnmapped()
    {
        using Machine m = TwoNodes();
        m.ZoneReclaimMode = 1;
        // No page cache, no slab: node_pagecache_reclaimable (0) <= min_unmapped_pages and 0 <= min_slab_pages.
        Assert.Equal(NodeReclaimResult.Full, m.NodeReclaim(m.NodeData(0), Gfp.Kernel, 0));
        EntryTestKit.FillPageCache(m, 8000, nid: 0);
        // Non-blocking callers do not scan; nor does a remote node that has CPUs.
        Assert.Equal(NodeReclaimResult.NoScan, m.NodeReclaim(m.NodeData(0), Gfp.NoWait, 0));
        m.CurrentCpu = 1;
        Assert.Equal(NodeReclaimResult.NoScan, m.NodeReclaim(m.NodeData(0), Gfp.Kernel, 0));
        m.CurrentCpu = 0;
        m.NodeData(0)->Flags |= 1UL << Mm.Vmscan.Vmscan.PgdatReclaimLocked;
        Assert.Equal(NodeReclaimResult.NoScan, m.NodeReclaim(m.NodeData(0), Gfp.Kernel, 0));
        m.NodeData(0)->Flags &= ~(1UL << Mm.Vmscan.Vmscan.PgdatReclaimLocked);
        // Local, blocking, unlocked: __node_reclaim reclaims at least 1 << 0 page.
        Assert.Equal(NodeReclaimResult.Success, m.NodeReclaim(m.NodeData(0), Gfp.Kernel, 0));
        Assert.Equal(0UL, m.NodeData(0)->Flags & (1UL << Mm.Vmscan.Vmscan.PgdatReclaimLocked));
    }

    [Fact]
    public void SuspendToDisk_ShrinksAllMemory()
    {
        using Machine m = LruTestKit.Small(65536);
        EntryTestKit.FillPageCache(m, 20000);
        long before = m.NodePageState(0, NodeStatItem.NrFilePages);
        ulong freed = m.SuspendToDisk(5000);
        // do_try_to_free_pages stops once nr_reclaimed >= nr_to_reclaim; a round may overshoot.
        Assert.True(freed >= 5000);
        Assert.Equal(before - (long)freed, m.NodePageState(0, NodeStatItem.NrFilePages));
        // shrink_all_memory is global reclaim with reclaim_idx MAX_NR_ZONES - 1: v5.4 counts allocstall_movable.
        Assert.Equal(1, m.VmEvent(VmEventItem.AllocstallMovable));
        Assert.Equal(0u, m.CurrentTaskFlags & TaskFlags.Memalloc);
    }
}
